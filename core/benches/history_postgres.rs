//! Storing one run of 1,000,000 test cases into a PostgreSQL history
//! (feature `postgres`): into an empty history (every test new), and into
//! one that already holds a run of the same tests (a suite's second run).
//! Each sample gets a schema of its own, created before and dropped after
//! the measurement; the figure is the time of `record_run` alone (one
//! transaction, bulk inserts of arrays).
//!
//! Needs a server: `TESTRELAY_TEST_POSTGRES_URL` (as
//! `scripts/test-postgres.sh` sets it) and `psql` (or
//! `TESTRELAY_TEST_PSQL`). Without the URL it says so and measures nothing.
//! Run with `cargo bench -p testrelay --features postgres --bench
//! history_postgres`.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use testrelay::TestRun;
use testrelay::history::{HistoryStore, RunRecord};

#[path = "../tests/history_support/mod.rs"]
mod history_support;

const CASES: usize = 1_000_000;

/// 1M cases; one in a hundred failed, with a message.
fn bench_run(run_key: &str) -> (RunRecord, TestRun) {
    history_support::bench_run(run_key, CASES)
}

fn psql(url: &str, sql: &str) {
    let psql = std::env::var("TESTRELAY_TEST_PSQL").unwrap_or_else(|_| "psql".into());
    let status = Command::new(psql)
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql {sql}");
}

/// A schema of its own, dropped with everything in it when this goes.
struct Schema {
    server: String,
    name: String,
    url: String,
}

impl Schema {
    fn new(server: &str) -> Schema {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "bench_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        psql(server, &format!("CREATE SCHEMA {name}"));
        let sep = if server.contains('?') { '&' } else { '?' };
        Schema {
            url: format!("{server}{sep}options=-csearch_path%3D{name}"),
            server: server.to_string(),
            name,
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        psql(&self.server, &format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

fn record_one_million_cases(c: &mut Criterion) {
    let Some(server) = std::env::var("TESTRELAY_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "history_postgres: TESTRELAY_TEST_POSTGRES_URL is not set; nothing measured \
             (scripts/test-postgres.sh shows how to start a server)"
        );
        return;
    };
    let (meta, run) = bench_run("bench");
    let (first_meta, first_run) = bench_run("earlier");

    let mut group = c.benchmark_group("history_postgres");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(60))
        .throughput(Throughput::Elements(CASES as u64));
    group.bench_function("record_run_1m_fresh", |b| {
        b.iter_batched(
            || {
                let schema = Schema::new(&server);
                let store = HistoryStore::open(&schema.url).expect("open");
                (schema, store)
            },
            |(schema, mut store)| {
                store.record_run(&meta, &run).expect("record");
                (schema, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.bench_function("record_run_1m_known_tests", |b| {
        b.iter_batched(
            || {
                let schema = Schema::new(&server);
                let mut store = HistoryStore::open(&schema.url).expect("open");
                store
                    .record_run(&first_meta, &first_run)
                    .expect("record the earlier run");
                (schema, store)
            },
            |(schema, mut store)| {
                store.record_run(&meta, &run).expect("record");
                (schema, store)
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, record_one_million_cases);
criterion_main!(benches);
