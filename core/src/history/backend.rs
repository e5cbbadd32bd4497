//! One history, wherever it is kept: [`HistoryStore`] opens a SQLite file
//! or, with the cargo feature `postgres`, a PostgreSQL database named by a
//! `postgres://` URL, and answers the operations both backends have.
//! Analyses go through [`Reads`](super::reads::Reads), so they are the same
//! code for both; a run copied between two stores goes through each one's
//! `record_run`.

use std::path::Path;

use super::insights;
use super::maintenance::{MergeStats, PruneStats};
use super::query::{DurationKey, HistoryFilter};
use super::reads::Reads;
use super::runs::RunSummary;
use super::store::History;
use super::url::is_database_url;
#[cfg(not(feature = "postgres"))]
use super::url::unsupported_url;
use crate::analysis::diff::RunDiff;
use crate::analysis::flaky::FlakyTest;
use crate::analysis::trends::{Grouping, Timeframe, TrendReport};
use crate::error::{Error, Result};
use crate::model::{Metric, TestCase, TestRun};

#[cfg(feature = "postgres")]
use super::postgres::PgHistory;

/// A history store: the SQLite file or a PostgreSQL database.
#[derive(Debug)]
pub enum HistoryStore {
    /// A SQLite file ([`History`]).
    Sqlite(History),
    /// A PostgreSQL database (feature `postgres`).
    #[cfg(feature = "postgres")]
    Postgres(PgHistory),
}

#[cfg_attr(
    not(feature = "postgres"),
    allow(
        irrefutable_let_patterns,
        unused_variables,
        reason = "without the postgres feature every store is a file"
    )
)]
impl HistoryStore {
    /// Opens `location`: a `postgres://` or `postgresql://` URL is the
    /// PostgreSQL history (with the `postgres` feature), anything else a
    /// SQLite file ([`History::open`], created when missing).
    ///
    /// Errors: `Unsupported` for a URL in a build without the feature;
    /// otherwise as [`History::open`] or
    /// `PgHistory::open`. Messages never contain
    /// the URL.
    pub fn open(location: &str) -> Result<HistoryStore> {
        if is_database_url(location) {
            #[cfg(feature = "postgres")]
            return Ok(HistoryStore::Postgres(PgHistory::open(location)?));
            #[cfg(not(feature = "postgres"))]
            return Err(unsupported_url("the history location"));
        }
        Ok(HistoryStore::Sqlite(History::open(Path::new(location))?))
    }

    /// How messages name this history (a file's path, or the database
    /// without its credentials).
    pub fn location(&self) -> String {
        self.reads().location()
    }

    /// What to call this history in a sentence: the file's path, or the
    /// database without its credentials.
    pub fn name(&self) -> String {
        match self {
            HistoryStore::Sqlite(h) => h.path().display().to_string(),
            #[cfg(feature = "postgres")]
            HistoryStore::Postgres(h) => h.location().to_string(),
        }
    }

    /// True for a PostgreSQL history.
    pub fn is_postgres(&self) -> bool {
        !matches!(self, HistoryStore::Sqlite(_))
    }

    /// The SQLite history, for the operations only it has.
    ///
    /// Errors: `Unsupported` for a PostgreSQL history, naming `operation`.
    pub fn sqlite(&mut self, operation: &str) -> Result<&mut History> {
        match self {
            HistoryStore::Sqlite(h) => Ok(h),
            #[cfg(feature = "postgres")]
            HistoryStore::Postgres(_) => Err(Error::unsupported(format!(
                "not supported yet: {operation} on a PostgreSQL history; it works on a history \
                 file (docs/history.md, \"Which backend\")"
            ))),
        }
    }

    /// The store's reads, for the analyses.
    fn reads(&self) -> &dyn Reads {
        match self {
            HistoryStore::Sqlite(h) => h,
            #[cfg(feature = "postgres")]
            HistoryStore::Postgres(h) => h,
        }
    }

    /// Stores `run` (see [`History::record_run`]); on PostgreSQL all of it
    /// in one transaction. Returns the run's row id.
    ///
    /// Errors: as [`History::record_run`].
    pub fn record_run(&mut self, meta: &super::RunRecord, run: &TestRun) -> Result<i64> {
        match self {
            HistoryStore::Sqlite(h) => h.record_run(meta, run),
            #[cfg(feature = "postgres")]
            HistoryStore::Postgres(h) => h.record_run(meta, run),
        }
    }

    /// See [`History::get_test_history`].
    ///
    /// Errors: `Database` when reading fails.
    pub fn get_test_history(&self, filter: &HistoryFilter) -> Result<Vec<RunSummary>> {
        match self {
            HistoryStore::Sqlite(h) => h.get_test_history(filter),
            #[cfg(feature = "postgres")]
            HistoryStore::Postgres(h) => h.get_test_history(filter),
        }
    }

    /// See [`History::find_run`].
    ///
    /// Errors: `Database` when reading fails.
    pub fn find_run(&self, run_key: &str) -> Result<Option<RunSummary>> {
        self.reads().find_run(run_key)
    }

    /// See [`History::run_cases`].
    ///
    /// Errors: `NotFound` for an unknown run; `Database` when reading fails.
    pub fn run_cases(&self, run_key: &str) -> Result<Vec<TestCase>> {
        self.reads().run_cases(run_key)
    }

    /// See [`History::run_metrics`].
    ///
    /// Errors: `NotFound` for an unknown run; `Database` when reading fails.
    pub fn run_metrics(&self, run_key: &str) -> Result<Vec<Metric>> {
        self.reads().run_metrics(run_key)
    }

    /// See [`History::analyze_performance_trends`].
    ///
    /// Errors: `Database` when reading fails.
    pub fn analyze_performance_trends(
        &self,
        metric: &str,
        grouping: Grouping,
        timeframe: Timeframe,
        limit: Option<usize>,
        now_ms: i64,
    ) -> Result<TrendReport> {
        insights::performance_trends(self.reads(), metric, grouping, timeframe, limit, now_ms)
    }

    /// See [`History::flaky_tests`].
    ///
    /// Errors: `InvalidArgument` when `window` is 0; `Database` when
    /// reading fails.
    pub fn flaky_tests(&self, window: usize, branch: Option<&str>) -> Result<Vec<FlakyTest>> {
        insights::flaky_tests(self.reads(), window, branch)
    }

    /// See [`History::diff_against_previous`].
    ///
    /// Errors: `NotFound` for an unknown run; `Database` when reading fails.
    pub fn diff_against_previous(&self, run_key: &str) -> Result<Option<RunDiff>> {
        insights::diff_against_previous(self.reads(), run_key)
    }

    /// See [`History::split_tests`].
    ///
    /// Errors: `InvalidArgument` for an index outside the total; `Database`
    /// when reading fails.
    pub fn split_tests(
        &self,
        tests: &[String],
        key: DurationKey,
        shard_index: usize,
        shard_total: usize,
        last_n_runs: usize,
    ) -> Result<Vec<String>> {
        insights::split_tests(
            self.reads(),
            tests,
            key,
            shard_index,
            shard_total,
            last_n_runs,
        )
    }

    /// See [`History::prune`]; on PostgreSQL test identities are kept.
    ///
    /// Errors: `Database` when writing fails (then nothing is deleted).
    pub fn prune(&mut self, older_than_ms: i64) -> Result<PruneStats> {
        match self {
            HistoryStore::Sqlite(h) => h.prune(older_than_ms),
            #[cfg(feature = "postgres")]
            HistoryStore::Postgres(h) => h.prune(older_than_ms),
        }
    }

    /// Copies into this history every run of `other` whose key is not here
    /// yet, with its cases and metrics. Two files merge as
    /// [`History::merge`] does (in one transaction, with artifact rows);
    /// when either side is PostgreSQL each run is read back from `other`
    /// and recorded here, one run at a time (each run whole or not at all;
    /// merging again adds what is missing). Artifact rows are not copied
    /// to or from PostgreSQL: they are counted in
    /// [`MergeStats::artifacts_left`].
    ///
    /// Errors: `InvalidArgument` when `other` is this very history;
    /// `NotFound` for a file that does not exist; `Database` when reading
    /// or writing fails (runs recorded before stay recorded).
    pub fn merge(&mut self, other: &HistoryStore) -> Result<MergeStats> {
        if let (HistoryStore::Sqlite(here), HistoryStore::Sqlite(there)) = (&mut *self, other) {
            return here.merge(there.path());
        }
        if self.location() == other.location() {
            return Err(Error::invalid(format!(
                "cannot merge {} into itself; name another history",
                other.location()
            )));
        }
        let mut stats = MergeStats::default();
        let mut runs = other.get_test_history(&HistoryFilter::default())?;
        runs.reverse();
        for summary in runs {
            let key = &summary.run.run_key;
            if self.find_run(key)?.is_some() {
                stats.runs_skipped += 1;
                continue;
            }
            let (cases, metrics) = self.copy_run(other.reads(), &summary)?;
            stats.runs_added += 1;
            stats.cases += cases;
            stats.metrics += metrics;
            if let HistoryStore::Sqlite(there) = other {
                stats.artifacts_left += there.run_artifacts(key)?.len() as u64;
            }
        }
        Ok(stats)
    }
}

impl HistoryStore {
    /// Records the run `run_key` of the history file `file` here, replacing
    /// a run of that key (the reporter's copy of each finished run into the
    /// shared history).
    ///
    /// Errors: `NotFound` when `file` has no such run; as
    /// [`HistoryStore::record_run`] otherwise.
    pub fn record_run_from(&mut self, file: &History, run_key: &str) -> Result<()> {
        let summary = Reads::find_run(file, run_key)?
            .ok_or_else(|| super::runs::no_run(file.path(), run_key))?;
        self.copy_run(file, &summary).map(drop)
    }

    /// Records `summary`'s run with its cases and metrics read from
    /// `from`; returns how many cases and metrics were written.
    fn copy_run(&mut self, from: &dyn Reads, summary: &RunSummary) -> Result<(u64, u64)> {
        let key = &summary.run.run_key;
        let run = TestRun {
            cases: from.run_cases(key)?,
            metrics: from.run_metrics(key)?,
            ..TestRun::default()
        };
        self.record_run(&summary.run, &run)?;
        Ok((run.cases.len() as u64, run.metrics.len() as u64))
    }
}
