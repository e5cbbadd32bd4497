//! Storing one run of 1,000,000 test cases: into a fresh history file (every
//! test new), and into a history that already holds one run of the same
//! tests (every test known, as on the second run of a suite).
//!
//! Run with `cargo bench -p testrelay --bench history`. Case generation,
//! opening the file and preparing the earlier run are outside the
//! measurement; the figure is the time of `History::record_run` alone.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use testrelay::TestRun;
use testrelay::history::{History, RunRecord};

#[path = "../tests/history_support/mod.rs"]
mod history_support;

const CASES: usize = 1_000_000;

/// 1M cases; one in a hundred failed, with a message.
fn bench_run(run_key: &str) -> (RunRecord, TestRun) {
    history_support::bench_run(run_key, CASES)
}

/// Copies the history at `from` (with its WAL checkpointed) into a new temp
/// dir and opens the copy.
fn copy_of(from: &Path) -> (tempfile::TempDir, History) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.db");
    std::fs::copy(from, &path).expect("copy the prepared history");
    let history = History::open(&path).expect("open");
    (dir, history)
}

fn record_one_million_cases(c: &mut Criterion) {
    let (meta, run) = bench_run("bench");

    // A history holding one earlier run of the same 1M tests, closed so
    // that its file is complete.
    let prepared = tempfile::tempdir().expect("temp dir");
    let earlier = prepared.path().join("history.db");
    {
        let (first_meta, first_run) = bench_run("earlier");
        let mut history = History::open(&earlier).expect("open");
        history.record_run(&first_meta, &first_run).expect("record");
    }

    let mut group = c.benchmark_group("history");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(CASES as u64));
    group.bench_function("record_run_1m_cases_fresh", |b| {
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
    group.bench_function("record_run_1m_cases_known_tests", |b| {
        b.iter_batched(
            || copy_of(&earlier),
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
