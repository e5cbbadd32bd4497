//! `parseJUnit(path)`: a JUnit XML file as suites, cases and counts.

use std::path::PathBuf;

use napi::Env;
use napi::bindgen_prelude::{Object, Unknown};
use napi_derive::napi;
use serde::Serialize;
use testrelay::model::{Counts, SuiteInfo, TestCase};
use testrelay::report::junit;

use crate::convert::to_value;
use crate::errors::to_napi;
use crate::promise;

/// What `parseJUnit` resolves with (the same shape as the C API's JSON).
#[derive(Serialize)]
struct JunitReport {
    suites: Vec<SuiteInfo>,
    cases: Vec<TestCase>,
    counts: Counts,
}

/// Reads the JUnit XML file at `path` on the binding's threads and resolves
/// with `{ suites, cases, counts }` (cases with their stable ids).
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
            })
        }),
    )
}
