//! Stateless calls: the version, JUnit parsing and CI detection.

use std::ffi::c_char;
use std::path::Path;

use serde::Serialize;
use testrelay::model::{Counts, SuiteInfo, TestCase};
use testrelay::report::junit;
use testrelay::{Env, detect};

use crate::boundary::boundary;
use crate::status::tr_status;
use crate::strings::{out_ptr, put_json, text, tr_string};

/// The library version as a static NUL-terminated string, e.g. "0.1.0"
/// (never freed).
///
/// Thread-safety: safe from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn tr_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[derive(Serialize)]
struct JunitJson<'a> {
    suites: &'a [SuiteInfo],
    cases: &'a [TestCase],
    counts: Counts,
}

/// Reads the JUnit XML file at `path` and stores it in `*report_json` as
/// `{"suites":[…],"cases":[…],"counts":{…}}` (cases with their ids).
/// `*report_json` is owned by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments or invalid UTF-8,
/// `TR_NOT_FOUND` or `TR_IO` when the file cannot be read, `TR_PARSE` (with
/// line and column) when it is not JUnit XML.
///
/// # Safety
/// `path` must be NULL or NUL-terminated; `report_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_parse_junit_file(
    path: *const c_char,
    report_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (both lines).
        let slot = unsafe { out_ptr(report_json, "report_json") }?;
        let path = unsafe { text(path, "path") }?;
        let report = junit::parse_file(Path::new(path))?;
        put_json(
            slot,
            &JunitJson {
                suites: &report.suites,
                cases: &report.cases,
                counts: report.counts(),
            },
        )
    })
}

/// Detects the CI system, code host, repository, commit, branch and pull
/// request from this process's environment and stores the result in
/// `*detection_json` (owned by the caller: `tr_string_free`). Never fails on
/// the environment's content.
///
/// Thread-safety: safe from any thread (it reads the environment; do not
/// change the environment concurrently).
///
/// Returns `TR_INVALID_ARGUMENT` when `detection_json` is NULL.
///
/// # Safety
/// `detection_json` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_detect_environment(detection_json: *mut *mut tr_string) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract.
        let slot = unsafe { out_ptr(detection_json, "detection_json") }?;
        put_json(slot, &detect(&Env::from_process()))
    })
}
