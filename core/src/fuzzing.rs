//! The providers' private CI-log writers, for the fuzzers in `fuzz/` only
//! (cargo feature `fuzzing`). Not part of the API: it may change in any
//! release.

use std::path::{Path, PathBuf};

use crate::model::{TestCase, TestRun};

/// GitHub's `::error file=…,line=…,title=…::message` workflow commands for
/// the first failures of `run`.
pub fn github_workflow_commands(run: &TestRun) -> Vec<String> {
    crate::provider::github_workflow_commands(run)
}

/// Azure Pipelines' `##vso[…]` logging commands for the end of `run`,
/// `summary_file` for `task.uploadsummary`.
pub fn azure_logging_commands(run: &TestRun, summary_file: Option<&Path>) -> Vec<String> {
    crate::provider::azure_logging_commands(run, summary_file, true)
}

/// TeamCity's `##teamcity[…]` service messages for `cases` as the live
/// channel writes them, then the end of a run publishing `reports`.
pub fn teamcity_messages(cases: &[TestCase], reports: Vec<PathBuf>) -> String {
    crate::provider::teamcity::messages_for(cases, reports)
}
