//! testrelay: report test results from any harness straight into the CI/CD
//! system it runs under, and keep a local history of runs.
//!
//! The public API is re-exported here; see the README for a tour.
#![forbid(unsafe_code)]

pub mod artifact;
pub mod config;
pub mod detect;
pub mod error;
pub mod fsutil;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
pub mod http;
pub mod logging;
pub mod model;
pub mod pool;
pub mod provider;
pub mod report;
pub mod reporter;
pub mod text;
pub mod time;

pub use config::{
    AuthScheme, Config, LogLevel, ProviderSettings, ReportFormat, RetryPolicy, Secret, Timeouts,
};
pub use detect::{
    CiSystem, CodeHostKind, Detection, Env, RepositoryHost, detect, normalize_branch,
    strip_url_credentials,
};
pub use error::{Error, ErrorKind, Result};
pub use model::{
    Attempt, CaseStatus, Counts, Metric, RunStatus, SuiteInfo, TestCase, TestRun, TestRunResult,
};
pub use reporter::{Event, Reporter, ReporterBuilder, RunSummary};
