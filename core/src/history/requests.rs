//! History queries as values, for the bindings: the C ABI reads them from
//! JSON (snake_case keys, as below) and the Node module from JS objects
//! (the same keys in camelCase). Each query runs itself on a [`History`].

use serde::Deserialize;

use super::{DurationKey, History};
use crate::analysis::flaky::FlakyTest;
use crate::analysis::trends::{Grouping, Timeframe, TrendReport};
use crate::error::Result;

/// Performance trends of one metric (see [`History::analyze_performance_trends`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendsQuery {
    /// The metric's name (required).
    pub metric: String,
    /// `branch` (default), `commit`, `task_type` or `test`.
    #[serde(default = "default_grouping")]
    pub grouping: String,
    /// `1d`, `1w`, `1m`, `all` (default) or `FROM..TO`.
    #[serde(default = "default_timeframe")]
    pub timeframe: String,
    /// At most this many groups.
    #[serde(default)]
    pub limit: Option<usize>,
}

fn default_grouping() -> String {
    "branch".into()
}

fn default_timeframe() -> String {
    "all".into()
}

impl TrendsQuery {
    /// Runs the query; relative timeframes end at `now_ms` (Unix ms).
    ///
    /// Errors: `InvalidArgument` for a bad grouping or timeframe;
    /// `Database` when reading fails.
    pub fn run(&self, history: &History, now_ms: i64) -> Result<TrendReport> {
        let grouping = Grouping::parse(&self.grouping)?;
        let timeframe = Timeframe::parse(&self.timeframe)?;
        history.analyze_performance_trends(&self.metric, grouping, timeframe, self.limit, now_ms)
    }
}

/// Flaky tests (see [`History::flaky_tests`]); every field is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlakyQuery {
    /// Runs looked at per test (default 30).
    pub window: Option<usize>,
    /// Only runs on this branch.
    pub branch: Option<String>,
}

impl FlakyQuery {
    /// Runs the query, most flaky first.
    ///
    /// Errors: `InvalidArgument` when `window` is 0; `Database` when reading
    /// fails.
    pub fn run(&self, history: &History) -> Result<Vec<FlakyTest>> {
        history.flaky_tests(self.window.unwrap_or(30), self.branch.as_deref())
    }
}

/// The tests of one shard, split by recorded durations (see
/// [`History::split_tests`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitQuery {
    /// Test ids, or files with `by_file`.
    pub tests: Vec<String>,
    /// This shard, 0-based.
    pub shard_index: usize,
    /// Number of shards.
    pub shard_total: usize,
    /// `tests` are files rather than test ids.
    #[serde(default)]
    pub by_file: bool,
    /// Runs whose durations are averaged (default 10).
    #[serde(default = "default_last_runs")]
    pub last_runs: usize,
}

fn default_last_runs() -> usize {
    10
}

impl SplitQuery {
    /// Runs the query: this shard's tests, longest first.
    ///
    /// Errors: `InvalidArgument` for an index outside the total; `Database`
    /// when reading fails.
    pub fn run(&self, history: &History) -> Result<Vec<String>> {
        let key = if self.by_file {
            DurationKey::File
        } else {
            DurationKey::TestId
        };
        history.split_tests(
            &self.tests,
            key,
            self.shard_index,
            self.shard_total,
            self.last_runs,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        let q: TrendsQuery = serde_json::from_str(r#"{"metric":"m"}"#).unwrap();
        assert_eq!(
            q,
            TrendsQuery {
                metric: "m".into(),
                grouping: "branch".into(),
                timeframe: "all".into(),
                limit: None
            }
        );
        let q: SplitQuery =
            serde_json::from_str(r#"{"tests":["a"],"shard_index":0,"shard_total":2}"#).unwrap();
        assert_eq!((q.by_file, q.last_runs), (false, 10));
        let q: FlakyQuery = serde_json::from_str("{}").unwrap();
        assert_eq!(q, FlakyQuery::default());
        let err = serde_json::from_str::<FlakyQuery>(r#"{"windw":3}"#).unwrap_err();
        assert!(err.to_string().contains("windw"), "{err}");
    }
}
