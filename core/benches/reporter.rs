//! The Reporter's record path, the cost a harness pays per test.
//!
//! Run with `cargo bench -p testrelay --bench reporter`.
//!
//! - `record_enqueue`: one `Reporter::record` call, in bursts of 10,000
//!   cases that fit the queue (the collector drains between bursts, outside
//!   the measurement), so the figure is the enqueue itself, not backpressure.
//! - `record_sustained_100k`: 100,000 cases recorded back to back and the
//!   run finished with the history on (every case stored in SQLite), no
//!   reports: the end-to-end throughput.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use testrelay::detect::Env;
use testrelay::{CaseStatus, Config, Reporter, TestCase};

const BURST: u64 = 10_000;

fn cases(n: u64) -> Vec<TestCase> {
    (0..n)
        .map(|i| {
            let mut c = TestCase::new(
                "suite",
                "bench.Class",
                format!("test_{i}"),
                CaseStatus::Passed,
            );
            c.id.clear(); // ids are computed on the collector, as for real input
            c.duration_seconds = 0.001;
            c
        })
        .collect()
}

fn reporter(dir: &std::path::Path, history: bool) -> Reporter {
    Reporter::builder(Config {
        provider: "local".into(),
        output_dir: dir.join("out"),
        history_path: history.then(|| dir.join("history.db")),
        report_formats: vec![],
        update_interval_secs: 3600,
        ..Config::default()
    })
    .env(Env::new())
    .start()
    .expect("reporter")
}

fn record_enqueue(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let reporter = reporter(dir.path(), false);
    let mut group = c.benchmark_group("reporter");
    group.throughput(Throughput::Elements(1));
    group.bench_function("record_enqueue", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BURST);
                let batch = cases(n);
                let start = Instant::now();
                for case in batch {
                    reporter.record(case).expect("record");
                }
                total += start.elapsed();
                reporter.sync(Duration::from_secs(60)).expect("sync");
                left -= n;
            }
            total
        });
    });
    group.finish();
    reporter.finish(Duration::from_secs(60)).expect("finish");
}

fn record_sustained(c: &mut Criterion) {
    let mut group = c.benchmark_group("reporter");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(100_000));
    group.bench_function("record_sustained_100k", |b| {
        b.iter_batched(
            || (tempfile::tempdir().expect("temp dir"), cases(100_000)),
            |(dir, batch)| {
                let r = reporter(dir.path(), true);
                for case in batch {
                    r.record(case).expect("record");
                }
                r.finish(Duration::from_secs(600)).expect("finish");
                dir
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, record_enqueue, record_sustained);
criterion_main!(benches);
