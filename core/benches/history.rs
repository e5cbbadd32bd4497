//! Storing one run of 1,000,000 test cases in a fresh history file.
//!
//! Run with `cargo bench -p testrelay --bench history`. Case generation and
//! opening the file are outside the measurement; the figure is the time of
//! `History::record_run` alone.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use testrelay::CaseStatus;
use testrelay::history::History;

#[path = "../tests/history_support/mod.rs"]
mod history_support;

const CASES: usize = 1_000_000;

fn record_one_million_cases(c: &mut Criterion) {
    // One case in a hundred failed, with a message, like a bad day.
    let mut run = history_support::passing_run("bench", CASES);
    for case in run.cases.iter_mut().step_by(100) {
        case.status = CaseStatus::Failed;
        case.message = Some("assertion failed: left == right".into());
    }
    let meta = history_support::record("bench", "main", 1_767_225_600_000);

    let mut group = c.benchmark_group("history");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(CASES as u64));
    group.bench_function("record_run_1m_cases", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let history = History::open(&dir.path().join("history.db")).expect("open");
                (dir, history)
            },
            |(dir, mut history)| {
                history.record_run(&meta, &run).expect("record");
                (dir, history)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, record_one_million_cases);
criterion_main!(benches);
