//! Finding artifacts in a history of 100,000 (1,000 runs of 100 each:
//! performance reports, screenshots, logs, traces; labels, metadata and
//! indexed JSON values on each).
//!
//! Run with `cargo bench -p testrelay --bench artifacts`. Building the
//! history is outside the measurement; each figure is one
//! `History::find_artifacts` (or `artifact_metrics`) call.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::collections::{BTreeMap, BTreeSet};

use criterion::{Criterion, criterion_group, criterion_main};
use testrelay::artifact::ArtifactMetadata;
use testrelay::history::{ArtifactQuery, History, ValueCondition};

#[path = "../tests/history_support/mod.rs"]
mod history_support;

const RUNS: usize = 1_000;
const PER_RUN: usize = 100;
const TYPES: [&str; 4] = ["performance_report", "image", "log", "trace"];

fn artifact(run: usize, i: usize) -> ArtifactMetadata {
    let kind = TYPES[i % TYPES.len()];
    let mut labels = BTreeSet::from([format!("shard-{}", i % 8)]);
    if run % 10 == 0 {
        labels.insert("nightly".to_string());
    }
    let values = if kind == "performance_report" {
        BTreeMap::from([
            ("metrics.throughput".to_string(), (run * 7 + i) as f64),
            ("metrics.p95_ms".to_string(), (i % 50) as f64),
        ])
    } else {
        BTreeMap::new()
    };
    ArtifactMetadata {
        name: format!("{kind}-{i}.bin"),
        path: format!("out/{run}/{kind}-{i}.bin"),
        run_key: String::new(),
        provider: String::new(),
        size: 1_000 + i as u64,
        sha256: format!("{:064x}", run * PER_RUN + i),
        content_type: "application/octet-stream".into(),
        semantic_type: kind.into(),
        labels,
        metadata: BTreeMap::from([(
            "browser".to_string(),
            ["firefox", "chrome"][i % 2].to_string(),
        )]),
        created_at: 1_767_225_600_000 + (run * PER_RUN + i) as i64 * 1_000,
        values,
    }
}

fn find_in_100k(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut history = History::open(&dir.path().join("history.db")).expect("open");
    for run in 0..RUNS {
        let key = format!("run-{run}");
        let branch = if run % 2 == 0 { "main" } else { "dev" };
        history
            .begin_run(&history_support::record(
                &key,
                branch,
                1_767_225_600_000 + run as i64 * 100_000,
            ))
            .expect("run");
        let batch: Vec<_> = (0..PER_RUN).map(|i| artifact(run, i)).collect();
        history.record_artifacts(&key, &batch).expect("artifacts");
    }
    let mut group = c.benchmark_group("artifacts_100k");
    let by_type_and_label = ArtifactQuery {
        semantic_type: Some("image".into()),
        labels: vec!["nightly".into(), "shard-1".into()],
        limit: Some(50),
        ..ArtifactQuery::default()
    };
    group.bench_function("find type+labels newest 50", |b| {
        b.iter(|| history.find_artifacts(&by_type_and_label).expect("find"))
    });
    let by_value = ArtifactQuery {
        values: vec![ValueCondition::parse("metrics.throughput=5000..5100").expect("cond")],
        metadata: BTreeMap::from([("browser".into(), "firefox".into())]),
        ..ArtifactQuery::default()
    };
    group.bench_function("find value range+metadata", |b| {
        b.iter(|| history.find_artifacts(&by_value).expect("find"))
    });
    group.bench_function("latest performance_report on main", |b| {
        b.iter(|| {
            history
                .latest_artifact("performance_report", Some("main"))
                .expect("latest")
        })
    });
    let perf_last_100 = ArtifactQuery {
        semantic_type: Some("performance_report".into()),
        limit: Some(100),
        ..ArtifactQuery::default()
    };
    let metrics = ["metrics.throughput".to_string()];
    group.bench_function("metrics of newest 100 reports", |b| {
        b.iter(|| {
            history
                .artifact_metrics(&perf_last_100, &metrics)
                .expect("metrics")
        })
    });
    group.finish();
}

criterion_group!(benches, find_in_100k);
criterion_main!(benches);
