//! The benchmark helper behind `scripts/bench-compare.sh` (issue #20): it
//! generates the benchmark's JUnit file and runs one reader over a file,
//! printing what it read, so the script can time each tool in its own
//! process and read its peak memory.
//!
//! ```text
//! cargo run --release -p testrelay --example junit_bench -- gen MB SEED OUT.xml
//! cargo run --release -p testrelay --example junit_bench -- reader FILE
//! cargo run --release -p testrelay --example junit_bench -- plain FILE
//! ```
//!
//! `reader` is testrelay's JUnit reader to its model (`parse_file`),
//! `plain` a plain quick-xml loop to a full owned model (the yardstick).
//! Each prints `cases=N failed=N skipped=N`.

#[path = "../benches/support/junit_gen.rs"]
mod junit_gen;
#[path = "../benches/support/plain_loop.rs"]
mod plain_loop;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["gen", mb, seed, out] => generate(mb, seed, out),
        ["reader", file] => reader(Path::new(file)),
        ["plain", file] => plain(Path::new(file)),
        _ => Err("usage: junit_bench gen MB SEED OUT | reader FILE | plain FILE".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("junit_bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn generate(mb: &str, seed: &str, out: &str) -> Result<(), String> {
    let mb: u64 = mb.parse().map_err(|_| format!("not a size in MB: {mb}"))?;
    let seed: u64 = seed.parse().map_err(|_| format!("not a seed: {seed}"))?;
    let file = File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let w = junit_gen::write_junit(file, mb << 20, seed).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "bytes={} cases={} failed={} skipped={}",
        w.bytes, w.cases, w.failed, w.skipped
    );
    Ok(())
}

fn reader(file: &Path) -> Result<(), String> {
    let report = testrelay::report::junit::parse_file(file).map_err(|e| e.to_string())?;
    let counts = report.counts();
    println!(
        "cases={} failed={} skipped={}",
        report.cases.len(),
        counts.failed + counts.errors,
        counts.skipped
    );
    // The model is complete; the process ends without freeing it.
    std::mem::forget(report);
    Ok(())
}

fn plain(file: &Path) -> Result<(), String> {
    let input = File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let suites = plain_loop::read_plain(BufReader::with_capacity(64 << 10, input))
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let cases = suites.iter().map(|s| s.cases.len()).sum::<usize>();
    let count = |status: &[u8]| {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| status.contains(&c.status))
            .count()
    };
    println!(
        "cases={cases} failed={} skipped={} text_bytes={}",
        count(&[1, 2]),
        count(&[3]),
        plain_loop::text_bytes(&suites)
    );
    std::mem::forget(suites);
    Ok(())
}
