//! The JUnit reader against its yardstick, on the generated file shape of
//! issue #20 (see `support/junit_gen.rs`), 10 MB.
//!
//! Run with `cargo bench -p testrelay --bench junit`.
//!
//! - `junit/reader`: `report::junit::parse_file`, testrelay's reader to its
//!   full model (limits, dialect rules, ids, line and column on errors).
//! - `junit/plain_quick_xml`: a plain quick-xml loop to a full owned model,
//!   nothing else (`support/plain_loop.rs`). The goal is reader ≤ 1.2× this.
//!
//! `scripts/bench-compare.sh` compares the same two with `testrelay report`
//! and other parsers at 100 MB, each in its own process with its peak memory.
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

mod support {
    pub mod junit_gen;
    pub mod plain_loop;
}

use std::fs::File;
use std::io::BufReader;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const MB: u64 = 10;

fn junit(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("generated.xml");
    let written =
        support::junit_gen::write_junit(File::create(&path).expect("create"), MB << 20, 1)
            .expect("generate");
    let mut group = c.benchmark_group("junit");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(written.bytes));
    group.bench_function("reader", |b| {
        b.iter(|| {
            let report = testrelay::report::junit::parse_file(&path).expect("read");
            assert_eq!(report.cases.len() as u64, written.cases);
            report
        })
    });
    group.bench_function("plain_quick_xml", |b| {
        b.iter(|| {
            let file = File::open(&path).expect("open");
            let suites = support::plain_loop::read_plain(BufReader::with_capacity(64 << 10, file))
                .expect("read");
            assert_eq!(
                suites.iter().map(|s| s.cases.len() as u64).sum::<u64>(),
                written.cases
            );
            assert!(support::plain_loop::text_bytes(&suites) > 0);
            suites
        })
    });
    group.finish();
}

criterion_group!(benches, junit);
criterion_main!(benches);
