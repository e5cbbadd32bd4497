//! `parseJUnit(path)` and `parseResults(path, options?)`: a result file as
//! suites, cases, counts and warnings.

use std::path::PathBuf;

use napi::Env;
use napi::bindgen_prelude::{Object, Unknown};
use napi_derive::napi;
use serde::Serialize;
use testrelay::model::{Counts, RunStatus, SuiteInfo, TestCase};
use testrelay::report::junit;
use testrelay::report::results::{self, ReadOptions, ResultFormat};

use crate::convert::to_value;
use crate::errors::{Failure, to_napi};
use crate::history::optional;
use crate::promise;

/// What `parseJUnit` resolves with (the same shape as the C API's JSON).
#[derive(Serialize)]
struct JunitReport {
    suites: Vec<SuiteInfo>,
    cases: Vec<TestCase>,
    counts: Counts,
    warnings: Vec<String>,
}

/// What `parseResults` resolves with (the same shape as the C API's JSON).
#[derive(Serialize)]
struct ResultsReport {
    format: ResultFormat,
    status: RunStatus,
    started_at: Option<String>,
    duration_seconds: f64,
    suites: Vec<SuiteInfo>,
    cases: Vec<TestCase>,
    counts: Counts,
    warnings: Vec<String>,
}

/// Reads the JUnit XML file at `path` on the binding's threads and resolves
/// with `{ suites, cases, counts, warnings }` (every `<testcase>` a case
/// with its own stable id). For any format, see `parseResults`.
///
/// Rejects with `TR_NOT_FOUND`/`TR_IO` when the file cannot be read,
/// `TR_PARSE` (with line and column) when it is not JUnit XML.
#[napi(
    js_name = "parseJUnit",
    ts_args_type = "path: string",
    ts_return_type = "Promise<JUnitReport>"
)]
pub fn parse_junit<'env>(env: &'env Env, path: Unknown<'_>) -> napi::Result<Object<'env>> {
    let path = PathBuf::from(to_napi(env, crate::convert::string(path, "path"))?);
    to_napi(
        env,
        promise::spawn(env, move || {
            let report = junit::parse_file(&path)?;
            let counts = report.counts();
            to_value(&JunitReport {
                suites: report.suites,
                cases: report.cases,
                counts,
                warnings: report.warnings,
            })
        }),
    )
}

/// Reads the result file at `path` in whichever format it is in (JUnit XML,
/// TRX, NUnit 3 or 2, xUnit.net v2, `go test -json`, CTRF; recognized from
/// the content) on the binding's threads and resolves with `{ format,
/// status, startedAt, durationSeconds, suites, cases, counts, warnings }`.
/// `options`: `{ sameNameCases: 'tests' | 'attempts' }`.
///
/// Rejects with `TR_NOT_FOUND`/`TR_IO` when the file cannot be read,
/// `TR_PARSE` (with line and column) when it is malformed or in no format
/// testrelay reads, `TR_INVALID_ARGUMENT` for an unknown option or value;
/// throws a `TypeError` for a value of the wrong type.
#[napi(
    js_name = "parseResults",
    ts_args_type = "path: string, options?: ReadOptions",
    ts_return_type = "Promise<ResultsReport>"
)]
pub fn parse_results<'env>(
    env: &'env Env,
    path: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Object<'env>> {
    let path = PathBuf::from(to_napi(env, crate::convert::string(path, "path"))?);
    // A value of the wrong type throws; an unknown key or value rejects.
    let options = match optional::<ReadOptions>(env, options, "read options") {
        Ok(options) => Ok(options.unwrap_or_default()),
        Err(Failure::Core(error)) => Err(error),
        Err(type_error) => return to_napi(env, Err(type_error)),
    };
    to_napi(
        env,
        promise::spawn(env, move || {
            let file = results::read_file(&path, &options?)?;
            let counts = file.run.counts();
            to_value(&ResultsReport {
                format: file.format,
                status: file.run.status,
                started_at: file.run.started_at,
                duration_seconds: file.run.duration_seconds,
                suites: file.run.suites,
                cases: file.run.cases,
                counts,
                warnings: file.warnings,
            })
        }),
    )
}
