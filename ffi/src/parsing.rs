//! Reading result files: JUnit XML, and any supported format recognized
//! from the content.

use std::ffi::c_char;
use std::path::Path;

use serde::Serialize;
use testrelay::model::{Counts, RunStatus, SuiteInfo, TestCase};
use testrelay::report::junit;
use testrelay::report::results::{self, ReadOptions, ResultFormat};
use testrelay::{Error, ErrorKind};

use crate::boundary::boundary;
use crate::status::tr_status;
use crate::strings::{optional_text, out_ptr, put_json, text, tr_string};

#[derive(Serialize)]
struct JunitJson<'a> {
    suites: &'a [SuiteInfo],
    cases: &'a [TestCase],
    counts: Counts,
    warnings: &'a [String],
}

/// Reads the JUnit XML file at `path` and stores it in `*report_json` as
/// `{"suites":[…],"cases":[…],"counts":{…},"warnings":[…]}` (every
/// `<testcase>` a case with its own id; warnings name problems such as
/// declared counts the cases do not show). For any format, see
/// `tr_parse_results_file`.
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
                warnings: &report.warnings,
            },
        )
    })
}

#[derive(Serialize)]
struct ResultsJson<'a> {
    format: ResultFormat,
    status: RunStatus,
    started_at: Option<&'a str>,
    duration_seconds: f64,
    suites: &'a [SuiteInfo],
    cases: &'a [TestCase],
    counts: Counts,
    warnings: &'a [String],
}

/// Reads the results file at `path` in whichever format it is in (JUnit XML,
/// TRX, NUnit 3 or 2, xUnit.net v2, `go test -json`, CTRF; recognized from
/// the content) and stores it in `*report_json` as
/// `{"format":"trx","status":"failed","started_at":…,"duration_seconds":…,
/// "suites":[…],"cases":[…],"counts":{…},"warnings":[…]}`. `options_json`
/// is NULL or a JSON object: `same_name_cases` (`"tests"`, the default, or
/// `"attempts"`). `*report_json` is owned by the caller (`tr_string_free`).
/// ABI 1.2.
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL `path`/`report_json` or invalid
/// UTF-8, `TR_PARSE` for malformed options or a malformed or unknown file
/// (with line and column), `TR_NOT_FOUND` or `TR_IO` when the file cannot
/// be read.
///
/// # Safety
/// `path` must be NULL or NUL-terminated; `options_json` NULL or
/// NUL-terminated; `report_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_parse_results_file(
    path: *const c_char,
    options_json: *const c_char,
    report_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(report_json, "report_json") }?;
        let path = unsafe { text(path, "path") }?;
        let options: ReadOptions = match unsafe { optional_text(options_json, "options_json") }? {
            Some(json) => serde_json::from_str(json).map_err(|e| {
                Error::new(ErrorKind::Parse, format!("invalid results options: {e}"))
            })?,
            None => ReadOptions::default(),
        };
        let file = results::read_file(Path::new(path), &options)?;
        put_json(
            slot,
            &ResultsJson {
                format: file.format,
                status: file.run.status,
                started_at: file.run.started_at.as_deref(),
                duration_seconds: file.run.duration_seconds,
                suites: &file.run.suites,
                cases: &file.run.cases,
                counts: file.run.counts(),
                warnings: &file.warnings,
            },
        )
    })
}
