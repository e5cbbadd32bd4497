//! The CTRF JSON reader on arbitrary bytes: never panics; what it reads
//! is written and read back with the same cases.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(run) = testrelay::report::json::read_ctrf(data, "fuzz.json") {
        let mut out = Vec::new();
        testrelay::report::json::write_ctrf(&run, &mut out).expect("writing to memory");
        let again = testrelay::report::json::read_ctrf(&out[..], "again.json")
            .expect("our own CTRF parses");
        assert_eq!(again.cases.len(), run.cases.len());
    }
});
