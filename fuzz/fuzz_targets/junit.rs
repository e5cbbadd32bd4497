//! The JUnit XML reader on arbitrary bytes: never panics, never loops; a
//! parsed report renders to every format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = testrelay::report::junit::parse_reader(data, "fuzz.xml") {
        let run = testrelay::TestRun {
            cases: report.cases,
            suites: report.suites,
            ..testrelay::TestRun::default()
        };
        let mut out = Vec::new();
        testrelay::report::junit::write_junit(&run, &mut out).expect("writing to memory");
        // What we write, we read back.
        let again = testrelay::report::junit::parse_reader(&out[..], "again.xml")
            .expect("our own JUnit XML parses");
        assert_eq!(again.cases.len(), run.cases.len());
    }
});
