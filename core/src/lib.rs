//! testrelay: report test results from any harness straight into the CI/CD
//! system it runs under, and keep a local history of runs.
//!
//! The public API is re-exported here; see the README and docs/ for a tour.
#![forbid(unsafe_code)]

// The modules marked `#[doc(hidden)]` (`fsutil`, `pool`, `time`, `http`)
// are plumbing shared with this package's CLI, the C and Node bindings
// (separate crates) and the integration tests: public only so that they
// can reach it, not API, with no stability promise.

pub mod analysis;
pub mod artifact;
pub mod config;
pub mod detect;
pub mod error;
#[doc(hidden)]
pub mod fsutil;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
#[doc(hidden)]
pub mod http;
pub mod logging;
pub mod model;
#[doc(hidden)]
pub mod pool;
pub mod provider;
pub mod report;
pub mod reporter;
pub mod text;
#[doc(hidden)]
pub mod time;
pub(crate) mod url;

pub use config::{
    AuthScheme, Config, JunitProfile, LogLevel, ProviderSettings, ReportFormat, RetryPolicy,
    Secret, Timeouts,
};
pub use detect::{CiSystem, CodeHostKind, Detection, Env, RepositoryHost, detect};
pub use error::{Error, ErrorKind, Result};
pub use model::{
    Attempt, CaseStatus, Counts, Metric, RunStatus, SuiteInfo, TestCase, TestRun, TestRunResult,
    normalize_branch,
};
pub use reporter::{Event, Reporter, ReporterBuilder, RunSummary};
