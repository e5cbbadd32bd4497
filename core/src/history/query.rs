//! Reading the history back as plain data: run summaries, metric series,
//! case outcomes, a run's cases and recent durations. The statistics over
//! them live in `crate::analysis`.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, params, params_from_iter};
use serde::{Deserialize, Serialize};

use super::branch::normalize_branch;
use super::identities::test_key;
use super::runs::{
    DEFAULT_TYPE, RunKind, RunSummary, bad_value, json_column, no_run, read_run, run_id_of,
    run_select,
};
use super::store::History;
use crate::error::Result;
use crate::model::{Attempt, CaseStatus, TestCase};

/// Which runs a query looks at. Every field is optional; the default
/// selects everything.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryFilter {
    /// At most this many results (the newest ones).
    pub limit: Option<usize>,
    /// Only runs on this branch (normalised, so `refs/heads/main` matches `main`).
    pub branch: Option<String>,
    /// Only runs of this commit (the full SHA as recorded).
    pub commit_sha: Option<String>,
    /// Only runs recorded by this provider.
    pub provider: Option<String>,
    /// Only from this time on (Unix ms, inclusive).
    pub since_ms: Option<i64>,
    /// Only before this time (Unix ms, exclusive).
    pub until_ms: Option<i64>,
}

/// One value of a metric, with what trend grouping needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPoint {
    /// Run the value belongs to.
    pub run_key: String,
    /// When it was recorded (Unix ms).
    pub recorded_at_ms: i64,
    /// The value.
    pub value: f64,
    /// Its unit (may be empty).
    pub unit: String,
    /// Branch of the run.
    pub branch: Option<String>,
    /// Commit of the run.
    pub commit_sha: Option<String>,
    /// Test the value belongs to, if any.
    pub test_id: Option<String>,
    /// Type of that test's case (`test` unless the case had a `type`
    /// property), when the case is stored.
    pub task_type: Option<String>,
}

/// The outcome of one test in one run, for flakiness scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseOutcome {
    /// Stable id of the test.
    pub test_id: String,
    /// Test name.
    pub name: String,
    /// Test classname.
    pub classname: String,
    /// Run it ran in.
    pub run_key: String,
    /// Start of that run (Unix ms).
    pub run_started_at_ms: i64,
    /// Commit of that run.
    pub commit_sha: Option<String>,
    /// Final outcome.
    pub status: CaseStatus,
    /// Wall time in seconds.
    pub duration_seconds: f64,
    /// Earlier attempts within the run (in-run reruns), oldest first.
    pub attempts: Vec<Attempt>,
}

/// What [`History::durations`] looks durations up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationKey {
    /// Stable test ids ([`TestCase::id`]).
    TestId,
    /// Source files ([`TestCase::file`]); a file's duration in a run is the
    /// sum of its cases' durations.
    File,
}

impl History {
    /// Runs matching `filter`, newest first (by start time, then row id).
    ///
    /// Errors: `Database` when reading fails or a stored value is invalid.
    pub fn get_test_history(&self, filter: &HistoryFilter) -> Result<Vec<RunSummary>> {
        let clause = RunFilter::new(filter, "r.created_at");
        let sql = format!(
            "SELECT {} FROM test_runs r WHERE {} ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            run_select("r"),
            clause.sql
        );
        let mut args = clause.args;
        args.push(limit_value(filter.limit));
        self.collect(&sql, args, read_run, "reading run history")
    }

    /// The values of `metric` recorded in runs matching `filter` (`since_ms`
    /// and `until_ms` apply to the time each value was recorded; `limit`
    /// keeps the newest values), oldest first.
    ///
    /// Errors: `Database` when reading fails.
    pub fn metric_series(&self, metric: &str, filter: &HistoryFilter) -> Result<Vec<MetricPoint>> {
        let clause = RunFilter::new(filter, "m.recorded_at");
        let sql = format!(
            "SELECT r.run_key, m.recorded_at, m.metric_value, m.unit, r.branch, r.commit_sha, \
             m.test_id, CASE WHEN t.id IS NOT NULL THEN coalesce(t.type, '{DEFAULT_TYPE}') END \
             FROM performance_metrics m JOIN test_runs r ON r.id = m.run_id \
             LEFT JOIN test_tasks t ON t.id = m.task_id \
             WHERE m.metric_name = ? AND {} \
             ORDER BY m.recorded_at DESC, m.id DESC LIMIT ?",
            clause.sql
        );
        let mut args = vec![Value::Text(metric.to_string())];
        args.extend(clause.args);
        args.push(limit_value(filter.limit));
        let mut points = self.collect(
            &sql,
            args,
            |row| {
                Ok(MetricPoint {
                    run_key: row.get(0)?,
                    recorded_at_ms: row.get(1)?,
                    value: row.get(2)?,
                    unit: row.get(3)?,
                    branch: row.get(4)?,
                    commit_sha: row.get(5)?,
                    test_id: row.get(6)?,
                    task_type: row.get(7)?,
                })
            },
            &format!("reading metric {metric:?}"),
        )?;
        points.reverse();
        Ok(points)
    }

    /// Outcomes of the test `test_id` (or of every test when `None`) in the
    /// last `last_n_runs` runs that contain it, on `branch` when given.
    /// Sorted by test id, then chronologically (run start, run row id, case
    /// order). A test that appears twice in one run gives two outcomes.
    ///
    /// Errors: `Database` when reading fails or a stored value is invalid.
    pub fn case_outcomes(
        &self,
        test_id: Option<&str>,
        last_n_runs: usize,
        branch: Option<&str>,
    ) -> Result<Vec<CaseOutcome>> {
        let mut conditions = vec!["1"];
        let mut args = Vec::new();
        if let Some(id) = test_id {
            conditions.push("s.test_key = ? AND s.test_id = ?");
            args.push(Value::Integer(test_key(id)));
            args.push(Value::Text(id.to_string()));
        }
        if let Some(b) = branch {
            conditions.push("r.branch = ?");
            args.push(Value::Text(normalize_branch(b)));
        }
        args.push(limit_value(Some(last_n_runs)));
        let sql = format!(
            "SELECT test_id, name, classname, run_key, created_at, commit_sha, status, duration, \
             attempts FROM ( \
               SELECT s.test_id, s.name, s.classname, r.run_key, r.created_at, r.commit_sha, \
                 t.status, t.duration, t.attempts, r.id AS run_row, t.id AS task_row, \
                 DENSE_RANK() OVER (PARTITION BY s.test_id \
                   ORDER BY r.created_at DESC, r.id DESC) AS recency \
               FROM tests s JOIN test_tasks t ON t.test_ref = s.id \
                 JOIN test_runs r ON r.id = t.run_id WHERE {}) \
             WHERE recency <= ? ORDER BY test_id, created_at, run_row, task_row",
            conditions.join(" AND ")
        );
        self.collect(
            &sql,
            args,
            |row| {
                Ok(CaseOutcome {
                    test_id: row.get(0)?,
                    name: row.get(1)?,
                    classname: row.get(2)?,
                    run_key: row.get(3)?,
                    run_started_at_ms: row.get(4)?,
                    commit_sha: row.get(5)?,
                    status: case_status(row, 6)?,
                    duration_seconds: row.get(7)?,
                    attempts: json_column(row, 8)?.unwrap_or_default(),
                })
            },
            "reading test outcomes",
        )
    }

    /// The newest finished run (status other than `pending` and `running`)
    /// on `branch` (any branch when `None`), started before the run
    /// `before_run_key` when given (that run itself excluded). For diffs: the
    /// previous run on the same branch, or the base branch's latest run.
    ///
    /// Errors: `NotFound` when `before_run_key` names no run; `Database`
    /// when reading fails.
    pub fn latest_run(
        &self,
        branch: Option<&str>,
        before_run_key: Option<&str>,
    ) -> Result<Option<RunSummary>> {
        self.latest_run_of_kind(branch, before_run_key, None)
    }

    /// [`History::latest_run`] restricted to runs of the kind `kind` when
    /// given.
    pub(super) fn latest_run_of_kind(
        &self,
        branch: Option<&str>,
        before_run_key: Option<&str>,
        kind: Option<&RunKind<'_>>,
    ) -> Result<Option<RunSummary>> {
        let mut conditions = vec!["r.status NOT IN ('pending', 'running')"];
        let mut args = Vec::new();
        if let Some(b) = branch {
            conditions.push("r.branch = ?");
            args.push(Value::Text(normalize_branch(b)));
        }
        if let Some(kind) = kind {
            conditions.push("r.name = ? AND r.shard_index IS ? AND r.shard_total IS ?");
            args.push(Value::Text(kind.name.to_string()));
            for shard in [kind.shard_index, kind.shard_total] {
                args.push(shard.map_or(Value::Null, |n| Value::Integer(i64::from(n))));
            }
        }
        if let Some(key) = before_run_key {
            let (id, started): (i64, i64) = self
                .conn
                .query_row(
                    "SELECT id, created_at FROM test_runs WHERE run_key = ?1",
                    [key],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
                .map_err(|e| self.db_error("looking up a run", e))?
                .ok_or_else(|| no_run(self.path(), key))?;
            conditions.push("(r.created_at, r.id) < (?, ?)");
            args.push(Value::Integer(started));
            args.push(Value::Integer(id));
        }
        let sql = format!(
            "SELECT {} FROM test_runs r WHERE {} ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
            run_select("r"),
            conditions.join(" AND ")
        );
        let mut runs = self.collect(&sql, args, read_run, "finding the latest run")?;
        Ok(runs.pop())
    }

    /// The stored run `run_key`; `None` when the history has no such run.
    ///
    /// Errors: `Database` when reading fails or a stored value is invalid.
    pub fn find_run(&self, run_key: &str) -> Result<Option<RunSummary>> {
        let sql = format!(
            "SELECT {} FROM test_runs r WHERE r.run_key = ?",
            run_select("r")
        );
        let mut runs = self.collect(
            &sql,
            vec![Value::Text(run_key.to_string())],
            read_run,
            &format!("looking up run {run_key:?}"),
        )?;
        Ok(runs.pop())
    }

    /// Every stored case of the run `run_key`, in recorded order. Cases come
    /// back as recorded except `stdout` and `stderr`, which are not kept.
    ///
    /// Errors: `NotFound` when no run has this key; `Database` when reading
    /// fails or a stored value is invalid.
    pub fn run_cases(&self, run_key: &str) -> Result<Vec<TestCase>> {
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        self.collect(
            "SELECT s.test_id, s.name, s.classname, s.suite, s.file, t.line, t.status, \
             t.duration, t.message, t.error, t.attempts, t.properties \
             FROM test_tasks t JOIN tests s ON s.id = t.test_ref \
             WHERE t.run_id = ? ORDER BY t.id",
            vec![Value::Integer(run_id)],
            |row| {
                Ok(TestCase {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    classname: row.get(2)?,
                    suite: row.get(3)?,
                    file: row.get(4)?,
                    line: row.get(5)?,
                    status: case_status(row, 6)?,
                    duration_seconds: row.get(7)?,
                    message: row.get(8)?,
                    details: row.get(9)?,
                    stdout: None,
                    stderr: None,
                    attempts: json_column(row, 10)?.unwrap_or_default(),
                    properties: json_column(row, 11)?.unwrap_or_default(),
                })
            },
            &format!("reading the cases of run {run_key:?}"),
        )
    }

    /// Recent durations in seconds of each of `ids`, newest first: one value
    /// per run, from the last `last_n_runs` runs that ran it (skipped cases
    /// do not count; a test or file that ran several times in one run counts
    /// with the sum). Ids without such history are absent from the map.
    ///
    /// Errors: `Database` when reading fails.
    pub fn durations<S: AsRef<str>>(
        &self,
        key: DurationKey,
        ids: &[S],
        last_n_runs: usize,
    ) -> Result<BTreeMap<String, Vec<f64>>> {
        let sql = match key {
            DurationKey::TestId => {
                "SELECT sum(t.duration) FROM tests s JOIN test_tasks t ON t.test_ref = s.id \
                 JOIN test_runs r ON r.id = t.run_id \
                 WHERE s.test_key = ?3 AND s.test_id = ?1 AND t.status <> 'skipped' \
                 GROUP BY r.id ORDER BY r.created_at DESC, r.id DESC LIMIT ?2"
            }
            DurationKey::File => {
                "SELECT f.duration FROM run_files f JOIN test_runs r ON r.id = f.run_id \
                 WHERE f.file = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2"
            }
        };
        let fail = |e| self.db_error("reading durations", e);
        let mut stmt = self.conn.prepare_cached(sql).map_err(fail)?;
        let limit = limit_value(Some(last_n_runs));
        let mut out = BTreeMap::new();
        for id in ids {
            let id = id.as_ref();
            let get = |row: &rusqlite::Row<'_>| row.get::<_, f64>(0);
            let values = match key {
                DurationKey::TestId => stmt.query_map(params![id, limit, test_key(id)], get),
                DurationKey::File => stmt.query_map(params![id, limit], get),
            }
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<f64>>>())
            .map_err(fail)?;
            if !values.is_empty() {
                out.insert(id.to_string(), values);
            }
        }
        Ok(out)
    }

    /// The stable test id of each of `names` that names exactly one stored
    /// test id. A test with name `N`, classname `C` and file `F` is named by
    /// `N`, `C.N`, `C::N`, `C#N` and `F::N` (the forms runners take: JUnit,
    /// Rust and C++, Maven's `-Dtest`, pytest node ids). Names matching no
    /// test, or tests with several ids, are absent from the map. Reads every
    /// stored test identity once.
    ///
    /// Errors: `Database` when reading fails.
    pub fn test_ids_by_name<S: AsRef<str>>(&self, names: &[S]) -> Result<BTreeMap<String, String>> {
        let mut matcher = super::reads::NameMatcher::new(names.iter().map(AsRef::as_ref));
        let fail = |e| self.db_error("looking tests up by name", e);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT test_id, name, classname, file FROM tests")
            .map_err(fail)?;
        let mut rows = stmt.query([]).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let read = || -> rusqlite::Result<(String, String, String, Option<String>)> {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            };
            let (test_id, name, classname, file) = read().map_err(fail)?;
            matcher.offer(&test_id, &name, &classname, file.as_deref());
        }
        Ok(matcher.unique())
    }

    /// Every metric of the run `run_key`, in recorded order (`recorded_at`
    /// as stored, in RFC 3339).
    ///
    /// Errors: `NotFound` when no run has this key; `Database` when reading
    /// fails.
    pub fn run_metrics(&self, run_key: &str) -> Result<Vec<crate::model::Metric>> {
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        self.collect(
            "SELECT metric_name, metric_value, unit, test_id, recorded_at \
             FROM performance_metrics WHERE run_id = ?1 ORDER BY id",
            vec![Value::Integer(run_id)],
            |row| {
                Ok(crate::model::Metric {
                    name: row.get(0)?,
                    value: row.get(1)?,
                    unit: row.get(2)?,
                    test_id: row.get(3)?,
                    recorded_at: crate::time::format_rfc3339(row.get(4)?),
                })
            },
            &format!("reading the metrics of run {run_key:?}"),
        )
    }

    /// Every metric value recorded in the runs with row ids `run_ids`, in
    /// recorded order.
    ///
    /// Errors: `Database` when reading fails.
    pub(super) fn metric_values(
        &self,
        run_ids: &[i64],
    ) -> Result<Vec<crate::analysis::regressions::MetricValue>> {
        if run_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT r.run_key, m.metric_name, m.test_id, m.metric_value, m.unit \
             FROM performance_metrics m JOIN test_runs r ON r.id = m.run_id \
             WHERE m.run_id IN ({}) ORDER BY m.id",
            vec!["?"; run_ids.len()].join(", ")
        );
        self.collect(
            &sql,
            run_ids.iter().map(|id| Value::Integer(*id)).collect(),
            |row| {
                Ok(crate::analysis::regressions::MetricValue {
                    run_key: row.get(0)?,
                    name: row.get(1)?,
                    test_id: row.get(2)?,
                    value: row.get(3)?,
                    unit: row.get(4)?,
                })
            },
            "reading metric values",
        )
    }

    /// Row id and key of the newest `limit` runs, oldest first, that have
    /// metrics, finished as `passed` or `failed`, are of `kind`, are on
    /// `branch` (any when `None`) and started before `run`.
    ///
    /// Errors: `Database` when reading fails.
    pub(super) fn runs_with_metrics_before(
        &self,
        run: &RunSummary,
        branch: Option<&str>,
        kind: &RunKind<'_>,
        limit: usize,
    ) -> Result<Vec<(i64, String)>> {
        let mut conditions = vec![
            "r.status IN ('passed', 'failed')",
            "EXISTS (SELECT 1 FROM performance_metrics m WHERE m.run_id = r.id)",
            "r.name = ? AND r.shard_index IS ? AND r.shard_total IS ?",
            "(r.created_at, r.id) < (?, ?)",
        ];
        let mut args = vec![Value::Text(kind.name.to_string())];
        for shard in [kind.shard_index, kind.shard_total] {
            args.push(shard.map_or(Value::Null, |n| Value::Integer(i64::from(n))));
        }
        args.push(Value::Integer(run.run.started_at_ms.unwrap_or(i64::MAX)));
        args.push(Value::Integer(run.id));
        if let Some(b) = branch {
            conditions.push("r.branch = ?");
            args.push(Value::Text(normalize_branch(b)));
        }
        args.push(limit_value(Some(limit)));
        let sql = format!(
            "SELECT r.id, r.run_key FROM test_runs r WHERE {} \
             ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            conditions.join(" AND ")
        );
        let mut runs = self.collect(
            &sql,
            args,
            |row| Ok((row.get(0)?, row.get(1)?)),
            "finding the baseline runs",
        )?;
        runs.reverse();
        Ok(runs)
    }

    /// The full name (`classname.name`, or `name`) of each of `test_ids`
    /// the history knows.
    ///
    /// Errors: `Database` when reading fails.
    pub(super) fn test_names(&self, test_ids: &[&str]) -> Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        let fail = |e| self.db_error("looking up test names", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, classname FROM tests WHERE test_key = ?1 AND test_id = ?2 \
                 ORDER BY id DESC LIMIT 1",
            )
            .map_err(fail)?;
        for id in test_ids {
            let found: Option<(String, String)> = stmt
                .query_row(params![test_key(id), id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .map_err(fail)?;
            if let Some((name, classname)) = found {
                let full = if classname.is_empty() {
                    name
                } else {
                    format!("{classname}.{name}")
                };
                out.insert((*id).to_string(), full);
            }
        }
        Ok(out)
    }

    /// Runs `sql` with `args` and maps every row.
    pub(super) fn collect<T>(
        &self,
        sql: &str,
        args: Vec<Value>,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
        what: &str,
    ) -> Result<Vec<T>> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| self.db_error(what, e))?;
        stmt.query_map(params_from_iter(args), map)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.db_error(what, e))
    }
}

/// A `WHERE` clause over `test_runs r` for a [`HistoryFilter`] (without its
/// limit), with its arguments in order.
struct RunFilter {
    sql: String,
    args: Vec<Value>,
}

impl RunFilter {
    /// `time_column` is what `since_ms` and `until_ms` compare against.
    fn new(filter: &HistoryFilter, time_column: &str) -> RunFilter {
        let mut parts = vec!["1".to_string()];
        let mut args = Vec::new();
        let mut add = |sql: String, value: Value| {
            parts.push(sql);
            args.push(value);
        };
        if let Some(b) = &filter.branch {
            add("r.branch = ?".into(), Value::Text(normalize_branch(b)));
        }
        if let Some(sha) = &filter.commit_sha {
            add("r.commit_sha = ?".into(), Value::Text(sha.clone()));
        }
        if let Some(p) = &filter.provider {
            add("r.provider = ?".into(), Value::Text(p.clone()));
        }
        if let Some(ms) = filter.since_ms {
            add(format!("{time_column} >= ?"), Value::Integer(ms));
        }
        if let Some(ms) = filter.until_ms {
            add(format!("{time_column} < ?"), Value::Integer(ms));
        }
        RunFilter {
            sql: parts.join(" AND "),
            args,
        }
    }
}

/// A `LIMIT` argument: `-1` (no limit) for `None`.
fn limit_value(limit: Option<usize>) -> Value {
    Value::Integer(limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)))
}

/// A stored case status.
fn case_status(row: &Row<'_>, idx: usize) -> rusqlite::Result<CaseStatus> {
    let text: String = row.get(idx)?;
    CaseStatus::parse(&text).ok_or_else(|| bad_value(idx, format!("unknown case status {text:?}")))
}
