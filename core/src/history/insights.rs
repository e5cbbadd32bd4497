//! The history's queries joined to the pure analysis: performance trends,
//! flaky tests, the diff of a run against the one before it, and
//! timing-based shard splitting, each in one call on [`History`]. All but
//! the metric comparison are written once over [`Reads`], so the
//! PostgreSQL history answers them the same way.

use std::collections::HashMap;

use super::query::{DurationKey, HistoryFilter, MetricPoint};
use super::reads::Reads;
use super::runs::{RunKind, RunSummary};
use super::store::History;
use crate::analysis::diff::{RunDiff, diff_runs};
use crate::analysis::flaky::{self, FlakyOptions, FlakyTest, OutcomeRow};
use crate::analysis::regressions::{self, CompareOptions, PerformanceReport};
use crate::analysis::split;
use crate::analysis::trends::{self, Grouping, Timeframe, TrendOptions, TrendPoint, TrendReport};
use crate::error::{Error, ErrorKind, Result};

/// Group label of points that lack the grouping's field (a run without a
/// branch or commit, a metric not tied to a test).
pub const NO_GROUP: &str = "(none)";

impl History {
    /// Trends of `metric` over the values recorded in `timeframe` (relative
    /// timeframes end at `now_ms`), grouped by `grouping`, at most `limit`
    /// groups. Whether lower or higher is better follows
    /// [`TrendOptions::for_metric`] with the unit of the newest value.
    /// Values without the grouping's field are grouped under [`NO_GROUP`].
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
        performance_trends(self, metric, grouping, timeframe, limit, now_ms)
    }

    /// Tests with signs of flakiness over each test's last `window` runs
    /// (on `branch` when given), highest score first; see
    /// [`flaky::flaky_tests`] for the score.
    ///
    /// Errors: `InvalidArgument` when `window` is 0; `Database` when
    /// reading fails.
    pub fn flaky_tests(&self, window: usize, branch: Option<&str>) -> Result<Vec<FlakyTest>> {
        flaky_tests(self, window, branch)
    }

    /// The run `run_key` compared with the run of the same name before it:
    /// for a pull-request run (with `pr_number` and `base_branch`) the base
    /// branch's latest finished run started before it, otherwise (or when
    /// the base branch has none) the previous finished run on the same
    /// branch (on any branch when the run has none). Only runs with the
    /// same name and the same shard (index and total) count, so the unit
    /// and integration runs of one pipeline, and each shard of a sharded
    /// run, are compared with their own kind. `None` when there is no such
    /// run.
    /// The diff's `previous_run` names the run compared with.
    ///
    /// Errors: `NotFound` when no run has the key `run_key`; `Database`
    /// when reading fails.
    pub fn diff_against_previous(&self, run_key: &str) -> Result<Option<RunDiff>> {
        diff_against_previous(self, run_key)
    }

    /// Every metric of the run `run_key` compared with its baseline (see
    /// [`regressions`] for the tests and verdicts). The baseline runs are
    /// the last `settings.baseline_runs` runs with metrics, finished as
    /// passed or failed, started before this run, with its name and shard,
    /// on the baseline branch: for a pull-request run (with `pr_number` and
    /// `base_branch`) the base branch; otherwise `settings.default_branch`,
    /// else the run's own branch (any branch when it has none). `None` when
    /// the run has no metric.
    ///
    /// Errors: `NotFound` when no run has the key `run_key`; `Database`
    /// when reading fails.
    pub fn compare_metrics(
        &self,
        run_key: &str,
        settings: &crate::config::PerformanceSettings,
    ) -> Result<Option<PerformanceReport>> {
        let run = self.find_run(run_key)?.ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "history {}: no run with key {run_key:?} to compare; check the key",
                    self.path().display()
                ),
            )
        })?;
        let current = self.metric_values(&[run.id])?;
        if current.is_empty() {
            return Ok(None);
        }
        let branch = match (run.run.pr_number, run.run.base_branch.as_deref()) {
            (Some(_), Some(base)) => Some(base.to_string()),
            _ => settings
                .default_branch
                .clone()
                .or_else(|| run.run.branch.clone()),
        }
        .map(|b| super::branch::normalize_branch(&b));
        let kind = RunKind {
            name: &run.run.name,
            shard_index: run.run.shard_index,
            shard_total: run.run.shard_total,
        };
        let baseline_runs =
            self.runs_with_metrics_before(&run, branch.as_deref(), &kind, settings.baseline_runs)?;
        let ids: Vec<i64> = baseline_runs.iter().map(|(id, _)| *id).collect();
        let keys: Vec<String> = baseline_runs.into_iter().map(|(_, key)| key).collect();
        let baseline = self.metric_values(&ids)?;
        let mut comparisons = regressions::compare(
            &current,
            &baseline,
            &keys,
            &CompareOptions {
                min_change_pct: settings.min_change_pct,
                alpha: settings.alpha,
                better: settings.better.clone(),
            },
        );
        let ids: Vec<&str> = comparisons
            .iter()
            .filter_map(|c| c.test_id.as_deref())
            .collect();
        let names = self.test_names(&ids)?;
        for c in &mut comparisons {
            c.test_name = c.test_id.as_ref().and_then(|id| names.get(id).cloned());
        }
        Ok(Some(PerformanceReport {
            baseline_branch: branch,
            baseline_runs: keys.len(),
            min_change_pct: settings.min_change_pct,
            alpha: settings.alpha,
            comparisons,
        }))
    }

    /// The tests of shard `shard_index` (0-based) of `shard_total`, assigned
    /// by their mean duration over their last `last_n_runs` runs (tests
    /// without history get the median; see [`split::plan`]). `tests` are
    /// test ids or files, as `key` says; by test id, a test may also be
    /// given by an unambiguous name (see [`History::test_ids_by_name`]).
    /// The result holds the items as given.
    ///
    /// Errors: `InvalidArgument` when `shard_total` is 0 or `shard_index` is
    /// not below it; `Database` when reading fails.
    pub fn split_tests(
        &self,
        tests: &[String],
        key: DurationKey,
        shard_index: usize,
        shard_total: usize,
        last_n_runs: usize,
    ) -> Result<Vec<String>> {
        split_tests(self, tests, key, shard_index, shard_total, last_n_runs)
    }
}

/// [`History::analyze_performance_trends`] on any store.
pub(super) fn performance_trends(
    store: &(impl Reads + ?Sized),
    metric: &str,
    grouping: Grouping,
    timeframe: Timeframe,
    limit: Option<usize>,
    now_ms: i64,
) -> Result<TrendReport> {
    let filter = HistoryFilter {
        since_ms: timeframe.start_ms(now_ms),
        until_ms: timeframe.end_ms(),
        ..HistoryFilter::default()
    };
    let series = store.metric_series(metric, &filter)?;
    let unit = series.last().map_or("", |p| p.unit.as_str());
    let points: Vec<TrendPoint> = series
        .iter()
        .map(|p| TrendPoint {
            recorded_at_ms: p.recorded_at_ms,
            value: p.value,
            group: group_label(p, grouping),
            run_key: p.run_key.clone(),
        })
        .collect();
    let opts = TrendOptions {
        limit,
        ..TrendOptions::for_metric(metric, unit)
    };
    trends::analyze(&points, &opts)
}

/// [`History::flaky_tests`] on any store.
pub(super) fn flaky_tests(
    store: &(impl Reads + ?Sized),
    window: usize,
    branch: Option<&str>,
) -> Result<Vec<FlakyTest>> {
    let rows: Vec<OutcomeRow> = store
        .case_outcomes(None, window, branch)?
        .into_iter()
        .map(|o| OutcomeRow {
            full_name: if o.classname.is_empty() {
                o.name
            } else {
                format!("{}.{}", o.classname, o.name)
            },
            test_id: o.test_id,
            run_key: o.run_key,
            commit_sha: o.commit_sha,
            status: o.status,
            attempts: o.attempts.len(),
            recorded_at_ms: o.run_started_at_ms,
        })
        .collect();
    flaky::flaky_tests(
        &rows,
        &FlakyOptions {
            window,
            ..FlakyOptions::default()
        },
    )
}

/// [`History::diff_against_previous`] on any store.
pub(super) fn diff_against_previous(
    store: &(impl Reads + ?Sized),
    run_key: &str,
) -> Result<Option<RunDiff>> {
    let run = store.find_run(run_key)?.ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            format!(
                "{}: no run with key {run_key:?} to compare; check the key",
                store.location()
            ),
        )
    })?;
    let Some(previous) = previous_run(store, &run)? else {
        return Ok(None);
    };
    let before = store.run_cases(&previous.run.run_key)?;
    let now = store.run_cases(run_key)?;
    Ok(Some(RunDiff {
        previous_run: Some(previous.run.run_key),
        ..diff_runs(&before, &now)
    }))
}

/// Which run [`History::diff_against_previous`] compares `run` with.
fn previous_run(store: &(impl Reads + ?Sized), run: &RunSummary) -> Result<Option<RunSummary>> {
    let key = Some(run.run.run_key.as_str());
    let kind = RunKind {
        name: &run.run.name,
        shard_index: run.run.shard_index,
        shard_total: run.run.shard_total,
    };
    if let (Some(_), Some(base)) = (run.run.pr_number, run.run.base_branch.as_deref())
        && let Some(found) = store.latest_run_of_kind(Some(base), key, Some(&kind))?
    {
        return Ok(Some(found));
    }
    store.latest_run_of_kind(run.run.branch.as_deref(), key, Some(&kind))
}

/// [`History::split_tests`] on any store.
pub(super) fn split_tests(
    store: &(impl Reads + ?Sized),
    tests: &[String],
    key: DurationKey,
    shard_index: usize,
    shard_total: usize,
    last_n_runs: usize,
) -> Result<Vec<String>> {
    let durations = mean_durations(store, tests, key, last_n_runs)?;
    split::split(tests, &durations, shard_index, shard_total)
}

/// The mean recent duration of each of `tests` that has history. By
/// test id, a test given by name ([`History::test_ids_by_name`]) counts
/// when the name is not a test id and names exactly one test.
fn mean_durations(
    store: &(impl Reads + ?Sized),
    tests: &[String],
    key: DurationKey,
    last_n_runs: usize,
) -> Result<HashMap<String, f64>> {
    let given: Vec<&str> = tests.iter().map(String::as_str).collect();
    let mut found = store.durations(key, &given, last_n_runs)?;
    let unknown: Vec<&str> = given
        .iter()
        .copied()
        .filter(|t| !found.contains_key(*t))
        .collect();
    if key == DurationKey::TestId && !unknown.is_empty() {
        let ids = store.test_ids_by_name(&unknown)?;
        let id_list: Vec<&str> = ids.values().map(String::as_str).collect();
        let by_id = store.durations(key, &id_list, last_n_runs)?;
        for (name, id) in &ids {
            if let Some(values) = by_id.get(id) {
                found.insert(name.clone(), values.clone());
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(test, values)| {
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            (test, mean)
        })
        .collect())
}

/// The label of `point` under `grouping`.
fn group_label(point: &MetricPoint, grouping: Grouping) -> String {
    let field = match grouping {
        Grouping::Branch => point.branch.as_deref(),
        Grouping::Commit => point.commit_sha.as_deref(),
        Grouping::TaskType => point.task_type.as_deref(),
        Grouping::Test => point.test_id.as_deref(),
    };
    field
        .filter(|s| !s.is_empty())
        .unwrap_or(NO_GROUP)
        .to_string()
}
