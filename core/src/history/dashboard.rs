//! What the history dashboard shows, aggregated in SQLite so that its size
//! does not grow with the history: runs per time bucket, the flakiest and
//! the slowest tests (top N), each metric's trend, and the new failures of
//! the latest run. [`crate::report::dashboard`] renders it.
//!
//! Bucketing: up to [`MAX_RUN_POINTS`] runs are shown one point per run;
//! more runs are grouped by UTC day, and by several days per point when the
//! selection spans more than [`MAX_DAY_POINTS`] days. So a chart never has
//! more than a few hundred points, whatever the history holds.

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::Value;
use serde::Serialize;

use super::branch::normalize_branch;
use super::identities::test_key;
use super::insights::NO_GROUP;
use super::query::HistoryFilter;
use super::runs::{RunKind, RunSummary};
use super::store::History;
use crate::analysis::diff::{RunDiff, diff_runs};
use crate::analysis::flaky::{self, FlakyOptions, FlakyTest, OutcomeRow};
use crate::analysis::trends::{self, Regression, TrendOptions, TrendPoint, TrendReport};
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Counts};

/// Most runs charted one point per run; more are grouped by day.
pub const MAX_RUN_POINTS: usize = 200;
/// Most day points in a chart; a longer span groups several days per point.
pub const MAX_DAY_POINTS: i64 = 366;
/// Most tests scored for flakiness (those with the most failed, errored,
/// flaky or retried outcomes in the selection); a test that never failed
/// nor was retried scores 0 and is never a candidate.
pub const MAX_FLAKY_CANDIDATES: usize = 10_000;
/// Most runs listed in the recent-runs table.
pub const RECENT_RUNS: usize = 15;
/// Most tests listed with a regression under one metric.
pub const MAX_REGRESSED_TESTS: usize = 10;

const DAY_MS: i64 = 86_400_000;

/// Which runs the dashboard covers, and how long its lists are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardQuery {
    /// Only runs on this branch (normalised like every stored branch).
    pub branch: Option<String>,
    /// Only runs started from this time on (Unix ms, inclusive).
    pub since_ms: Option<i64>,
    /// Only runs started before this time (Unix ms, exclusive).
    pub until_ms: Option<i64>,
    /// Compare the latest run with this branch's latest earlier run of the
    /// same kind; `None`: the run's own base (pull requests) or the
    /// previous run on its branch, as [`History::diff_against_previous`].
    pub base_branch: Option<String>,
    /// Length of the flakiest, slowest and metric lists (at least 1).
    pub top: usize,
    /// Runs per test the flakiness score looks at (at least 1).
    pub flaky_window: usize,
}

impl Default for DashboardQuery {
    /// Every run, top 20 lists, a flakiness window of 30 runs.
    fn default() -> DashboardQuery {
        DashboardQuery {
            branch: None,
            since_ms: None,
            until_ms: None,
            base_branch: None,
            top: 20,
            flaky_window: 30,
        }
    }
}

/// How runs are grouped into chart points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucketing {
    /// One point per run.
    PerRun,
    /// One point per this many UTC days.
    Days(i64),
}

/// The runs of one chart point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunPoint {
    /// Start of the earliest run in the point (Unix ms).
    pub first_ms: i64,
    /// Start of the latest run in the point (Unix ms).
    pub last_ms: i64,
    /// Number of runs.
    pub runs: u64,
    /// Runs that ended failed, errored or timed out.
    pub failed_runs: u64,
    /// The runs' cases added up.
    pub counts: Counts,
    /// Mean run duration in seconds.
    pub mean_duration: f64,
    /// Longest run duration in seconds.
    pub max_duration: f64,
}

impl RunPoint {
    /// Passed and flaky cases over the cases that ran (not skipped), in
    /// `[0, 1]`; `None` when nothing ran.
    pub fn pass_rate(&self) -> Option<f64> {
        let c = &self.counts;
        let ran = c.total.saturating_sub(c.skipped);
        (ran > 0).then(|| (c.passed + c.flaky) as f64 / ran as f64)
    }
}

/// A flaky test with its latest outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlakyRow {
    /// The score and its reasons ([`flaky::flaky_tests`]).
    pub test: FlakyTest,
    /// Its non-skipped outcomes in the scored window, oldest first; `true`
    /// in the pair means the test passed only after an in-run rerun.
    pub recent: Vec<(CaseStatus, bool)>,
}

/// A slow test and how its duration moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowTest {
    /// Stable test id.
    pub test_id: String,
    /// `classname.name`.
    pub full_name: String,
    /// Runs in which it ran (not skipped).
    pub runs: u64,
    /// Mean duration in seconds over those runs.
    pub mean_seconds: f64,
    /// Mean duration per chart point ([`DashboardData::points`]), `None`
    /// where it did not run.
    pub series: Vec<Option<f64>>,
}

/// One point of a metric's chart: the values of one run, or of a day range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricBucket {
    /// Time of the earliest value (Unix ms).
    pub first_ms: i64,
    /// Number of values.
    pub count: usize,
    /// Their mean.
    pub mean: f64,
    /// Their minimum.
    pub min: f64,
    /// Their maximum.
    pub max: f64,
}

/// A test whose values of a metric regressed in its latest run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegressedTest {
    /// `classname.name`, or the test id when the test is not stored.
    pub full_name: String,
    /// The comparison that flagged it.
    pub regression: Regression,
}

/// One metric's trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricTrend {
    /// The metric's name.
    pub name: String,
    /// Unit of its newest value (may be empty).
    pub unit: String,
    /// The trend analysis of every value, grouped by test ([`NO_GROUP`] for
    /// values of the whole run).
    pub report: TrendReport,
    /// Chart points, oldest first: one per run up to [`MAX_RUN_POINTS`]
    /// runs, else per day (or days).
    pub buckets: Vec<MetricBucket>,
    /// Tests flagged with a regression, at most 10 (`MAX_REGRESSED_TESTS`).
    pub regressed_tests: Vec<RegressedTest>,
}

/// The latest run compared with its base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseComparison {
    /// The latest finished run of the selection.
    pub run: RunSummary,
    /// The run it is compared with, when one was found.
    pub base: Option<RunSummary>,
    /// The differences; `None` without a base run.
    pub diff: Option<RunDiff>,
}

/// Everything the dashboard shows; see [`History::dashboard_data`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DashboardData {
    /// The selection this data covers.
    pub query: DashboardQuery,
    /// Finished runs in the selection.
    pub total_runs: u64,
    /// Distinct tests that ran in them.
    pub distinct_tests: u64,
    /// How [`DashboardData::points`] groups runs.
    pub bucketing: Bucketing,
    /// Runs over time, oldest first.
    pub points: Vec<RunPoint>,
    /// The newest runs (finished or not), newest first.
    pub recent_runs: Vec<RunSummary>,
    /// The flakiest tests, highest score first.
    pub flaky: Vec<FlakyRow>,
    /// Whether [`MAX_FLAKY_CANDIDATES`] tests qualified for flakiness
    /// scoring, so that tests with fewer failures may have been left out.
    pub flaky_capped: bool,
    /// The slowest tests by mean duration, slowest first.
    pub slowest: Vec<SlowTest>,
    /// The most recently recorded metrics' trends.
    pub metrics: Vec<MetricTrend>,
    /// How many metrics the selection has (more than `metrics` holds when
    /// over `top`).
    pub metrics_total: usize,
    /// The latest finished run against its base; `None` without runs.
    pub comparison: Option<BaseComparison>,
}

/// A `WHERE` clause over `test_runs r` for the dashboard's selection.
struct Selection {
    sql: String,
    args: Vec<Value>,
}

impl Selection {
    /// Finished runs on the query's branch in its time range.
    fn new(query: &DashboardQuery) -> Selection {
        let mut sql = String::from("r.status NOT IN ('pending', 'running')");
        let mut args = Vec::new();
        if let Some(branch) = &query.branch {
            sql.push_str(" AND r.branch = ?");
            args.push(Value::Text(normalize_branch(branch)));
        }
        if let Some(ms) = query.since_ms {
            sql.push_str(" AND r.created_at >= ?");
            args.push(Value::Integer(ms));
        }
        if let Some(ms) = query.until_ms {
            sql.push_str(" AND r.created_at < ?");
            args.push(Value::Integer(ms));
        }
        Selection { sql, args }
    }
}

/// The SQL expression of a run's chart point, and its arguments.
fn bucket_expr(bucketing: Bucketing, origin_ms: i64) -> (String, Vec<Value>) {
    match bucketing {
        Bucketing::PerRun => ("r.id".into(), Vec::new()),
        Bucketing::Days(days) => (
            "(r.created_at - ?) / ?".into(),
            vec![Value::Integer(origin_ms), Value::Integer(days * DAY_MS)],
        ),
    }
}

/// An `i64` count as `u64` (SQLite counts are never negative).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl History {
    /// Everything the dashboard shows for the runs `query` selects
    /// (finished runs only; see the module docs for the bucketing). The
    /// flakiest tests use [`flaky::flaky_tests`] over each test's last
    /// `flaky_window` non-skipped outcomes in the selection; the slowest
    /// are ranked by mean duration in the selection; each metric's trend is
    /// [`trends::analyze`] with the metric's default direction, its values
    /// grouped by test; the comparison is the latest finished run against
    /// `base_branch`'s latest earlier run of the same name and shard, or
    /// without `base_branch` as [`History::diff_against_previous`].
    ///
    /// Errors: `InvalidArgument` when `top` or `flaky_window` is 0;
    /// `Database` when reading fails.
    pub fn dashboard_data(&self, query: &DashboardQuery) -> Result<DashboardData> {
        if query.top == 0 {
            return Err(Error::invalid(
                "dashboard lists of 0 rows: use a positive number (e.g. 20)",
            ));
        }
        if query.flaky_window == 0 {
            return Err(Error::invalid(
                "flakiness window is 0 runs: use a positive number of runs (e.g. 30)",
            ));
        }
        let sel = Selection::new(query);
        let (total_runs, first_ms, last_ms) = self.run_span(&sel)?;
        let bucketing = if total_runs as usize <= MAX_RUN_POINTS {
            Bucketing::PerRun
        } else {
            let span_days = (last_ms.div_euclid(DAY_MS) - first_ms.div_euclid(DAY_MS)) + 1;
            Bucketing::Days(((span_days + MAX_DAY_POINTS - 1) / MAX_DAY_POINTS).max(1))
        };
        let origin_ms = first_ms.div_euclid(DAY_MS) * DAY_MS;
        let (keys, points) = self.run_points(&sel, bucketing, origin_ms)?;
        let slowest = self.slowest_tests(&sel, query.top, bucketing, origin_ms, &keys)?;
        let (flaky, flaky_capped) = self.flakiest(&sel, query)?;
        let (metrics, metrics_total) = self.metric_trends(query)?;
        let recent_runs = self.get_test_history(&HistoryFilter {
            limit: Some(RECENT_RUNS),
            branch: query.branch.clone(),
            since_ms: query.since_ms,
            until_ms: query.until_ms,
            ..HistoryFilter::default()
        })?;
        let latest = recent_runs.iter().find(|r| r.run.status.is_final());
        let comparison = match latest {
            Some(run) => Some(self.compare_with_base(run, query.base_branch.as_deref())?),
            None => None,
        };
        Ok(DashboardData {
            query: query.clone(),
            total_runs,
            distinct_tests: self.distinct_tests(&sel)?,
            bucketing,
            points,
            recent_runs,
            flaky,
            flaky_capped,
            slowest,
            metrics,
            metrics_total,
            comparison,
        })
    }

    /// Number of selected runs and the start of the first and last.
    fn run_span(&self, sel: &Selection) -> Result<(u64, i64, i64)> {
        let sql = format!(
            "SELECT count(*), coalesce(min(r.created_at), 0), coalesce(max(r.created_at), 0) \
             FROM test_runs r WHERE {}",
            sel.sql
        );
        let rows = self.collect(
            &sql,
            sel.args.clone(),
            |row| Ok((count(row.get(0)?), row.get(1)?, row.get(2)?)),
            "counting the dashboard's runs",
        )?;
        Ok(rows.into_iter().next().unwrap_or((0, 0, 0)))
    }

    /// The chart points, oldest first, with each point's bucket key.
    fn run_points(
        &self,
        sel: &Selection,
        bucketing: Bucketing,
        origin_ms: i64,
    ) -> Result<(Vec<i64>, Vec<RunPoint>)> {
        let (expr, mut args) = bucket_expr(bucketing, origin_ms);
        let sql = format!(
            "SELECT {expr} AS b, min(r.created_at), max(r.created_at), count(*), \
             sum(r.status IN ('failed', 'error', 'timed_out')), sum(r.total_tasks), \
             sum(r.passed_tasks), sum(r.failed_tasks), sum(r.error_tasks), \
             sum(r.skipped_tasks), sum(r.flaky_tasks), avg(r.duration), max(r.duration) \
             FROM test_runs r WHERE {} GROUP BY b ORDER BY min(r.created_at), b",
            sel.sql
        );
        args.extend(sel.args.iter().cloned());
        let rows = self.collect(
            &sql,
            args,
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    RunPoint {
                        first_ms: row.get(1)?,
                        last_ms: row.get(2)?,
                        runs: count(row.get(3)?),
                        failed_runs: count(row.get(4)?),
                        counts: Counts {
                            total: count(row.get(5)?),
                            passed: count(row.get(6)?),
                            failed: count(row.get(7)?),
                            errors: count(row.get(8)?),
                            skipped: count(row.get(9)?),
                            flaky: count(row.get(10)?),
                        },
                        mean_duration: row.get(11)?,
                        max_duration: row.get(12)?,
                    },
                ))
            },
            "aggregating runs over time",
        )?;
        Ok(rows.into_iter().unzip())
    }

    /// Distinct tests that ran in the selected runs.
    fn distinct_tests(&self, sel: &Selection) -> Result<u64> {
        let sql = format!(
            "SELECT count(DISTINCT t.test_ref) FROM test_runs r \
             JOIN test_tasks t ON t.run_id = r.id WHERE {}",
            sel.sql
        );
        let rows = self.collect(
            &sql,
            sel.args.clone(),
            |row| row.get::<_, i64>(0),
            "counting tests",
        )?;
        Ok(count(rows.into_iter().next().unwrap_or(0)))
    }

    /// The `top` tests with the longest mean duration, each with its mean
    /// per chart point (`keys` are the points' bucket keys in order).
    fn slowest_tests(
        &self,
        sel: &Selection,
        top: usize,
        bucketing: Bucketing,
        origin_ms: i64,
        keys: &[i64],
    ) -> Result<Vec<SlowTest>> {
        let sql = format!(
            "SELECT s.test_id, s.classname, s.name, x.runs, x.mean FROM ( \
               SELECT t.test_ref AS ref, count(*) AS runs, avg(t.duration) AS mean \
               FROM test_runs r JOIN test_tasks t ON t.run_id = r.id \
               WHERE {} AND t.status <> 'skipped' \
               GROUP BY t.test_ref ORDER BY mean DESC, t.test_ref LIMIT ?) x \
             JOIN tests s ON s.id = x.ref ORDER BY x.mean DESC, x.ref",
            sel.sql
        );
        let mut args = sel.args.clone();
        args.push(Value::Integer(i64::try_from(top).unwrap_or(i64::MAX)));
        let found = self.collect(
            &sql,
            args,
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    full_name(&row.get::<_, String>(1)?, row.get(2)?),
                    count(row.get(3)?),
                    row.get::<_, f64>(4)?,
                ))
            },
            "finding the slowest tests",
        )?;
        let index: HashMap<i64, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let (expr, bucket_args) = bucket_expr(bucketing, origin_ms);
        let series_sql = format!(
            "SELECT {expr} AS b, avg(t.duration) FROM tests s \
             JOIN test_tasks t ON t.test_ref = s.id JOIN test_runs r ON r.id = t.run_id \
             WHERE s.test_key = ? AND s.test_id = ? AND t.status <> 'skipped' AND {} \
             GROUP BY b",
            sel.sql
        );
        let mut slowest = Vec::with_capacity(found.len());
        for (test_id, full_name, runs, mean_seconds) in found {
            let mut args = bucket_args.clone();
            args.push(Value::Integer(test_key(&test_id)));
            args.push(Value::Text(test_id.clone()));
            args.extend(sel.args.iter().cloned());
            let values = self.collect(
                &series_sql,
                args,
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, f64>(1)?)),
                "reading a test's durations",
            )?;
            let mut series = vec![None; keys.len()];
            for (key, value) in values {
                if let Some(&i) = index.get(&key) {
                    series[i] = Some(value);
                }
            }
            slowest.push(SlowTest {
                test_id,
                full_name,
                runs,
                mean_seconds,
                series,
            });
        }
        Ok(slowest)
    }

    /// The `top` flakiest tests and whether the candidates were capped.
    fn flakiest(&self, sel: &Selection, query: &DashboardQuery) -> Result<(Vec<FlakyRow>, bool)> {
        let sql = format!(
            "WITH cand(ref) AS ( \
               SELECT t.test_ref FROM test_runs r JOIN test_tasks t ON t.run_id = r.id \
               WHERE {sel} AND (t.status IN ('failed', 'error', 'flaky') \
                 OR t.attempts IS NOT NULL) \
               GROUP BY t.test_ref ORDER BY count(*) DESC, t.test_ref LIMIT ?) \
             SELECT test_id, classname, name, run_key, created_at, commit_sha, status, attempts, \
               (SELECT count(*) FROM cand) FROM ( \
               SELECT s.test_id, s.classname, s.name, r.run_key, r.created_at, r.commit_sha, \
                 t.status, coalesce(json_array_length(t.attempts), 0) AS attempts, \
                 r.id AS run_row, t.id AS task_row, \
                 DENSE_RANK() OVER (PARTITION BY t.test_ref \
                   ORDER BY r.created_at DESC, r.id DESC) AS recency \
               FROM cand JOIN tests s ON s.id = cand.ref \
                 JOIN test_tasks t ON t.test_ref = s.id JOIN test_runs r ON r.id = t.run_id \
               WHERE {sel} AND t.status <> 'skipped') \
             WHERE recency <= ? ORDER BY test_id, created_at, run_row, task_row",
            sel = sel.sql
        );
        let mut args = sel.args.clone();
        args.push(Value::Integer(MAX_FLAKY_CANDIDATES as i64));
        args.extend(sel.args.iter().cloned());
        args.push(Value::Integer(
            i64::try_from(query.flaky_window).unwrap_or(i64::MAX),
        ));
        let mut candidates = 0;
        let rows: Vec<OutcomeRow> = self
            .collect(
                &sql,
                args,
                |row| {
                    let status: String = row.get(6)?;
                    Ok((
                        OutcomeRow {
                            test_id: row.get(0)?,
                            full_name: full_name(&row.get::<_, String>(1)?, row.get(2)?),
                            run_key: row.get(3)?,
                            recorded_at_ms: row.get(4)?,
                            commit_sha: row.get(5)?,
                            status: CaseStatus::parse(&status).unwrap_or(CaseStatus::Error),
                            attempts: usize::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
                        },
                        row.get::<_, i64>(8)?,
                    ))
                },
                "reading outcomes for flakiness",
            )?
            .into_iter()
            .map(|(row, n)| {
                candidates = n;
                row
            })
            .collect();
        let capped = candidates >= MAX_FLAKY_CANDIDATES as i64;
        let mut found = flaky::flaky_tests(
            &rows,
            &FlakyOptions {
                window: query.flaky_window,
                ..FlakyOptions::default()
            },
        )?;
        found.truncate(query.top);
        let mut by_test: BTreeMap<&str, Vec<&OutcomeRow>> = BTreeMap::new();
        for row in &rows {
            by_test.entry(row.test_id.as_str()).or_default().push(row);
        }
        let flaky = found
            .into_iter()
            .map(|test| {
                let recent = by_test
                    .get(test.test_id.as_str())
                    .map(|rows| {
                        rows.iter()
                            .map(|r| {
                                let rerun = r.status == CaseStatus::Flaky
                                    || (r.status == CaseStatus::Passed && r.attempts > 0);
                                (r.status, rerun)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                FlakyRow { test, recent }
            })
            .collect();
        Ok((flaky, capped))
    }

    /// The trends of the `top` most recently recorded metrics, and how many
    /// metrics the selection has.
    fn metric_trends(&self, query: &DashboardQuery) -> Result<(Vec<MetricTrend>, usize)> {
        let filter = HistoryFilter {
            branch: query.branch.clone(),
            since_ms: query.since_ms,
            until_ms: query.until_ms,
            ..HistoryFilter::default()
        };
        let mut sql = String::from(
            "SELECT m.metric_name FROM performance_metrics m JOIN test_runs r ON r.id = m.run_id \
             WHERE r.status NOT IN ('pending', 'running')",
        );
        let mut args = Vec::new();
        if let Some(branch) = &query.branch {
            sql.push_str(" AND r.branch = ?");
            args.push(Value::Text(normalize_branch(branch)));
        }
        if let Some(ms) = query.since_ms {
            sql.push_str(" AND m.recorded_at >= ?");
            args.push(Value::Integer(ms));
        }
        if let Some(ms) = query.until_ms {
            sql.push_str(" AND m.recorded_at < ?");
            args.push(Value::Integer(ms));
        }
        sql.push_str(" GROUP BY m.metric_name ORDER BY max(m.recorded_at) DESC, m.metric_name");
        let names = self.collect(&sql, args, |row| row.get::<_, String>(0), "listing metrics")?;
        let total = names.len();
        let mut metrics = Vec::new();
        for name in names.into_iter().take(query.top) {
            let series: Vec<_> = self
                .metric_series(&name, &filter)?
                .into_iter()
                .filter(|p| p.value.is_finite())
                .collect();
            let unit = series.last().map(|p| p.unit.clone()).unwrap_or_default();
            let points: Vec<TrendPoint> = series
                .iter()
                .map(|p| TrendPoint {
                    recorded_at_ms: p.recorded_at_ms,
                    value: p.value,
                    group: p
                        .test_id
                        .clone()
                        .filter(|t| !t.is_empty())
                        .unwrap_or_else(|| NO_GROUP.to_string()),
                    run_key: p.run_key.clone(),
                })
                .collect();
            let report = trends::analyze(&points, &TrendOptions::for_metric(&name, &unit))?;
            let mut regressed_tests = Vec::new();
            // Values of the whole run are the overall trend's already.
            for group in report.groups.iter().filter(|g| g.group != NO_GROUP) {
                if regressed_tests.len() == MAX_REGRESSED_TESTS {
                    break;
                }
                if let Some(regression) = group.regression.as_ref().filter(|r| r.significant) {
                    regressed_tests.push(RegressedTest {
                        full_name: self.test_name(&group.group)?,
                        regression: regression.clone(),
                    });
                }
            }
            let buckets = metric_buckets(&points);
            metrics.push(MetricTrend {
                name,
                unit,
                report,
                buckets,
                regressed_tests,
            });
        }
        Ok((metrics, total))
    }

    /// The full name of the test `test_id`, else the id itself.
    fn test_name(&self, test_id: &str) -> Result<String> {
        let names = self.collect(
            "SELECT classname, name FROM tests WHERE test_key = ? AND test_id = ? \
             ORDER BY id DESC LIMIT 1",
            vec![
                Value::Integer(test_key(test_id)),
                Value::Text(test_id.to_string()),
            ],
            |row| Ok(full_name(&row.get::<_, String>(0)?, row.get(1)?)),
            "reading a test's name",
        )?;
        Ok(names
            .into_iter()
            .next()
            .unwrap_or_else(|| test_id.to_string()))
    }

    /// `run` against the latest earlier run of its kind on `base`, or as
    /// [`History::diff_against_previous`] when `base` is `None`.
    fn compare_with_base(&self, run: &RunSummary, base: Option<&str>) -> Result<BaseComparison> {
        let key = run.run.run_key.as_str();
        let base_run = match base {
            Some(branch) => {
                let kind = RunKind {
                    name: &run.run.name,
                    shard_index: run.run.shard_index,
                    shard_total: run.run.shard_total,
                };
                self.latest_run_of_kind(Some(branch), Some(key), Some(&kind))?
            }
            None => match self.diff_against_previous(key)? {
                Some(diff) => match diff.previous_run.as_deref() {
                    Some(previous) => {
                        let base_run = self.find_run(previous)?;
                        return Ok(BaseComparison {
                            run: run.clone(),
                            base: base_run,
                            diff: Some(diff),
                        });
                    }
                    None => None,
                },
                None => None,
            },
        };
        let diff = match &base_run {
            Some(b) => Some(RunDiff {
                previous_run: Some(b.run.run_key.clone()),
                ..diff_runs(&self.run_cases(&b.run.run_key)?, &self.run_cases(key)?)
            }),
            None => None,
        };
        Ok(BaseComparison {
            run: run.clone(),
            base: base_run,
            diff,
        })
    }
}

/// `classname.name`, or `name` without a classname.
fn full_name(classname: &str, name: String) -> String {
    if classname.is_empty() {
        name
    } else {
        format!("{classname}.{name}")
    }
}

/// A metric's chart points: per run while there are at most
/// [`MAX_RUN_POINTS`] runs, else per day (or days, up to
/// [`MAX_DAY_POINTS`] points). `points` are in time order.
fn metric_buckets(points: &[TrendPoint]) -> Vec<MetricBucket> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let runs: std::collections::BTreeSet<&str> =
        points.iter().map(|p| p.run_key.as_str()).collect();
    let origin = first.recorded_at_ms.div_euclid(DAY_MS);
    let span_days = last.recorded_at_ms.div_euclid(DAY_MS) - origin + 1;
    let days = ((span_days + MAX_DAY_POINTS - 1) / MAX_DAY_POINTS).max(1);
    let per_run = runs.len() <= MAX_RUN_POINTS;
    let mut buckets: Vec<(MetricBucket, f64)> = Vec::new();
    let mut keys: HashMap<String, usize> = HashMap::new();
    for p in points {
        let key = if per_run {
            p.run_key.clone()
        } else {
            ((p.recorded_at_ms.div_euclid(DAY_MS) - origin) / days).to_string()
        };
        let i = *keys.entry(key).or_insert_with(|| {
            buckets.push((
                MetricBucket {
                    first_ms: p.recorded_at_ms,
                    count: 0,
                    mean: 0.0,
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                },
                0.0,
            ));
            buckets.len() - 1
        });
        let (b, sum) = &mut buckets[i];
        b.count += 1;
        *sum += p.value;
        b.min = b.min.min(p.value);
        b.max = b.max.max(p.value);
    }
    let mut out: Vec<MetricBucket> = buckets
        .into_iter()
        .map(|(mut b, sum)| {
            b.mean = sum / b.count as f64;
            b
        })
        .collect();
    out.sort_by_key(|b| b.first_ms);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(ms: i64, value: f64, run: &str) -> TrendPoint {
        TrendPoint {
            recorded_at_ms: ms,
            value,
            group: NO_GROUP.into(),
            run_key: run.into(),
        }
    }

    #[test]
    fn metric_buckets_are_per_run_then_per_day() {
        let pts = [
            point(0, 1.0, "a"),
            point(1, 3.0, "a"),
            point(DAY_MS, 5.0, "b"),
        ];
        let b = metric_buckets(&pts);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].count, b[0].mean, b[0].min, b[0].max),
            (2, 2.0, 1.0, 3.0)
        );
        assert_eq!((b[1].first_ms, b[1].mean), (DAY_MS, 5.0));
        // 400 runs over 2 days: one point per day.
        let many: Vec<TrendPoint> = (0..400)
            .map(|i| point(i64::from(i) * DAY_MS / 200, 1.0, &format!("r{i}")))
            .collect();
        assert_eq!(metric_buckets(&many).len(), 2);
        // 1000 runs over 1000 days: at most MAX_DAY_POINTS points.
        let long: Vec<TrendPoint> = (0..1000)
            .map(|i| point(i64::from(i) * DAY_MS, 1.0, &format!("r{i}")))
            .collect();
        assert_eq!(metric_buckets(&long).len(), 334);
        assert!(metric_buckets(&[]).is_empty());
    }

    #[test]
    fn pass_rate_leaves_skipped_out() {
        let point = RunPoint {
            first_ms: 0,
            last_ms: 0,
            runs: 1,
            failed_runs: 0,
            counts: Counts {
                total: 10,
                passed: 6,
                failed: 1,
                errors: 1,
                skipped: 1,
                flaky: 1,
            },
            mean_duration: 0.0,
            max_duration: 0.0,
        };
        assert_eq!(point.pass_rate(), Some(7.0 / 9.0));
        let empty = RunPoint {
            counts: Counts::default(),
            ..point
        };
        assert_eq!(empty.pass_rate(), None);
    }
}
