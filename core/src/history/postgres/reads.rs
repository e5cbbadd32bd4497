//! Reading a PostgreSQL history: the runs and cases the commands list, and
//! the [`Reads`] the analyses use (the same queries as the file's, in
//! PostgreSQL's dialect).

use std::collections::BTreeMap;

use postgres::Row;

use super::{Args, PgHistory, RowError};
use crate::error::{Error, ErrorKind, Result};
use crate::history::branch::normalize_branch;
use crate::history::identities::test_key;
use crate::history::query::{CaseOutcome, DurationKey, HistoryFilter, MetricPoint};
use crate::history::reads::Reads;
use crate::history::runs::{DEFAULT_TYPE, RunKind, RunRecord, RunSummary};
use crate::history::schema::RUN_COLUMNS;
use crate::model::{CaseStatus, Counts, Metric, RunStatus, TestCase};
use crate::time;

impl PgHistory {
    /// Runs matching `filter`, newest first (see
    /// [`History::get_test_history`](crate::history::History::get_test_history)).
    ///
    /// Errors: `Database` when reading fails or a stored value is invalid.
    pub fn get_test_history(&self, filter: &HistoryFilter) -> Result<Vec<RunSummary>> {
        let mut args = Args::default();
        let clause = run_filter(filter, "r.created_at", &mut args);
        let limit = args.push(limit_value(filter.limit));
        let sql = format!(
            "SELECT {} FROM test_runs r WHERE {clause} \
             ORDER BY r.created_at DESC, r.id DESC LIMIT {limit}",
            run_select()
        );
        self.collect(&sql, &args, read_run, "reading run history")
    }

    /// Every metric of the run `run_key`, in recorded order.
    ///
    /// Errors: `NotFound` when no run has this key; `Database` when reading
    /// fails.
    pub fn run_metrics(&self, run_key: &str) -> Result<Vec<Metric>> {
        let run_id = self.run_id_of(run_key)?;
        let mut args = Args::default();
        args.push(run_id);
        self.collect(
            "SELECT metric_name, metric_value, unit, test_id, recorded_at \
             FROM performance_metrics WHERE run_id = $1 ORDER BY id",
            &args,
            |row| {
                Ok(Metric {
                    name: row.try_get(0)?,
                    value: row.try_get(1)?,
                    unit: row.try_get(2)?,
                    test_id: row.try_get(3)?,
                    recorded_at: time::format_rfc3339(row.try_get(4)?),
                })
            },
            &format!("reading the metrics of run {run_key:?}"),
        )
    }
}

impl Reads for PgHistory {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn run_metrics(&self, run_key: &str) -> Result<Vec<Metric>> {
        PgHistory::run_metrics(self, run_key)
    }

    fn metric_series(&self, metric: &str, filter: &HistoryFilter) -> Result<Vec<MetricPoint>> {
        let mut args = Args::default();
        let name = args.push(metric.to_string());
        let clause = run_filter(filter, "m.recorded_at", &mut args);
        let limit = args.push(limit_value(filter.limit));
        let sql = format!(
            "SELECT r.run_key, m.recorded_at, m.metric_value, m.unit, r.branch, r.commit_sha, \
             m.test_id, CASE WHEN t.id IS NOT NULL THEN coalesce(t.type, '{DEFAULT_TYPE}') END \
             FROM performance_metrics m JOIN test_runs r ON r.id = m.run_id \
             LEFT JOIN test_tasks t ON t.id = m.task_id \
             WHERE m.metric_name = {name} AND {clause} \
             ORDER BY m.recorded_at DESC, m.id DESC LIMIT {limit}"
        );
        let mut points = self.collect(
            &sql,
            &args,
            |row| {
                Ok(MetricPoint {
                    run_key: row.try_get(0)?,
                    recorded_at_ms: row.try_get(1)?,
                    value: row.try_get(2)?,
                    unit: row.try_get(3)?,
                    branch: row.try_get(4)?,
                    commit_sha: row.try_get(5)?,
                    test_id: row.try_get(6)?,
                    task_type: row.try_get(7)?,
                })
            },
            &format!("reading metric {metric:?}"),
        )?;
        points.reverse();
        Ok(points)
    }

    fn case_outcomes(
        &self,
        test_id: Option<&str>,
        last_n_runs: usize,
        branch: Option<&str>,
    ) -> Result<Vec<CaseOutcome>> {
        let mut args = Args::default();
        let mut conditions = vec!["TRUE".to_string()];
        if let Some(id) = test_id {
            let key = args.push(test_key(id));
            let id = args.push(id.to_string());
            conditions.push(format!("s.test_key = {key} AND s.test_id = {id}"));
        }
        if let Some(b) = branch {
            let b = args.push(normalize_branch(b));
            conditions.push(format!("r.branch = {b}"));
        }
        let limit = args.push(limit_value(Some(last_n_runs)));
        let sql = format!(
            "SELECT test_id, name, classname, run_key, created_at, commit_sha, status, duration, \
             attempts FROM ( \
               SELECT s.test_id, s.name, s.classname, r.run_key, r.created_at, r.commit_sha, \
                 t.status, t.duration, t.attempts, r.id AS run_row, t.id AS task_row, \
                 DENSE_RANK() OVER (PARTITION BY s.test_id \
                   ORDER BY r.created_at DESC, r.id DESC) AS recency \
               FROM tests s JOIN test_tasks t ON t.test_ref = s.id \
                 JOIN test_runs r ON r.id = t.run_id WHERE {}) AS recent \
             WHERE recency <= {limit} ORDER BY test_id, created_at, run_row, task_row",
            conditions.join(" AND ")
        );
        self.collect_mapped(&sql, &args, "reading test outcomes", |row| {
            Ok(CaseOutcome {
                test_id: row.try_get(0)?,
                name: row.try_get(1)?,
                classname: row.try_get(2)?,
                run_key: row.try_get(3)?,
                run_started_at_ms: row.try_get(4)?,
                commit_sha: row.try_get(5)?,
                status: case_status(row, 6)?,
                duration_seconds: row.try_get(7)?,
                attempts: json_column(row, 8)?.unwrap_or_default(),
            })
        })
    }

    fn find_run(&self, run_key: &str) -> Result<Option<RunSummary>> {
        let mut args = Args::default();
        args.push(run_key.to_string());
        let sql = format!(
            "SELECT {} FROM test_runs r WHERE r.run_key = $1",
            run_select()
        );
        let mut runs = self.collect(
            &sql,
            &args,
            read_run,
            &format!("looking up run {run_key:?}"),
        )?;
        Ok(runs.pop())
    }

    fn run_cases(&self, run_key: &str) -> Result<Vec<TestCase>> {
        let run_id = self.run_id_of(run_key)?;
        let mut args = Args::default();
        args.push(run_id);
        self.collect_mapped(
            "SELECT s.test_id, s.name, s.classname, s.suite, s.file, t.line, t.status, \
             t.duration, t.message, t.error, t.attempts, t.properties \
             FROM test_tasks t JOIN tests s ON s.id = t.test_ref \
             WHERE t.run_id = $1 ORDER BY t.id",
            &args,
            &format!("reading the cases of run {run_key:?}"),
            |row| {
                let line: Option<i64> = row.try_get(5)?;
                Ok(TestCase {
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    classname: row.try_get(2)?,
                    suite: row.try_get(3)?,
                    file: row.try_get(4)?,
                    line: line.and_then(|n| u32::try_from(n).ok()),
                    status: case_status(row, 6)?,
                    duration_seconds: row.try_get(7)?,
                    message: row.try_get(8)?,
                    details: row.try_get(9)?,
                    stdout: None,
                    stderr: None,
                    attempts: json_column(row, 10)?.unwrap_or_default(),
                    properties: json_column(row, 11)?.unwrap_or_default(),
                })
            },
        )
    }

    fn latest_run_of_kind(
        &self,
        branch: Option<&str>,
        before_run_key: Option<&str>,
        kind: Option<&RunKind<'_>>,
    ) -> Result<Option<RunSummary>> {
        let mut args = Args::default();
        let mut conditions = vec!["r.status NOT IN ('pending', 'running')".to_string()];
        if let Some(b) = branch {
            let b = args.push(normalize_branch(b));
            conditions.push(format!("r.branch = {b}"));
        }
        if let Some(kind) = kind {
            let name = args.push(kind.name.to_string());
            let index = args.push(kind.shard_index.map(i64::from));
            let total = args.push(kind.shard_total.map(i64::from));
            conditions.push(format!(
                "r.name = {name} AND r.shard_index IS NOT DISTINCT FROM {index} \
                 AND r.shard_total IS NOT DISTINCT FROM {total}"
            ));
        }
        if let Some(key) = before_run_key {
            let before = self.find_run(key)?.ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("{}: no run with key {key:?}; check the key", self.location),
                )
            })?;
            let started = args.push(before.run.started_at_ms.unwrap_or(i64::MAX));
            let id = args.push(before.id);
            conditions.push(format!("(r.created_at, r.id) < ({started}, {id})"));
        }
        let sql = format!(
            "SELECT {} FROM test_runs r WHERE {} ORDER BY r.created_at DESC, r.id DESC LIMIT 1",
            run_select(),
            conditions.join(" AND ")
        );
        let mut runs = self.collect(&sql, &args, read_run, "finding the latest run")?;
        Ok(runs.pop())
    }

    fn durations(
        &self,
        key: DurationKey,
        ids: &[&str],
        last_n_runs: usize,
    ) -> Result<BTreeMap<String, Vec<f64>>> {
        let sql = match key {
            DurationKey::TestId => {
                "SELECT sum(t.duration) FROM tests s JOIN test_tasks t ON t.test_ref = s.id \
                 JOIN test_runs r ON r.id = t.run_id \
                 WHERE s.test_key = $3 AND s.test_id = $1 AND t.status <> 'skipped' \
                 GROUP BY r.id ORDER BY max(r.created_at) DESC, r.id DESC LIMIT $2"
            }
            DurationKey::File => {
                "SELECT f.duration FROM run_files f JOIN test_runs r ON r.id = f.run_id \
                 WHERE f.file = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
            }
        };
        let mut client = self.client.borrow_mut();
        let stmt = client
            .prepare(sql)
            .map_err(|e| self.db_error("reading durations", &e))?;
        let limit = limit_value(Some(last_n_runs));
        let mut out = BTreeMap::new();
        for id in ids {
            let rows = match key {
                DurationKey::TestId => client.query(&stmt, &[id, &limit, &test_key(id)]),
                DurationKey::File => client.query(&stmt, &[id, &limit]),
            }
            .map_err(|e| self.db_error("reading durations", &e))?;
            let values = rows
                .iter()
                .map(|row| row.try_get::<_, f64>(0))
                .collect::<Result<Vec<f64>, _>>()
                .map_err(|e| self.db_error("reading durations", &e))?;
            if !values.is_empty() {
                out.insert((*id).to_string(), values);
            }
        }
        Ok(out)
    }

    fn test_ids_by_name(&self, names: &[&str]) -> Result<BTreeMap<String, String>> {
        let rows = self.collect(
            "SELECT DISTINCT test_id, name, classname, file FROM tests",
            &Args::default(),
            |row| {
                Ok((
                    row.try_get::<_, String>(0)?,
                    row.try_get::<_, String>(1)?,
                    row.try_get::<_, String>(2)?,
                    row.try_get::<_, Option<String>>(3)?,
                ))
            },
            "looking tests up by name",
        )?;
        let mut matcher = super::super::reads::NameMatcher::new(names.iter().copied());
        for (test_id, name, classname, file) in &rows {
            matcher.offer(test_id, name, classname, file.as_deref());
        }
        Ok(matcher.unique())
    }
}

/// A `WHERE` clause over `test_runs r` for `filter` (without its limit);
/// `time_column` is what `since_ms` and `until_ms` compare against.
fn run_filter(filter: &HistoryFilter, time_column: &str, args: &mut Args) -> String {
    let mut parts = vec!["TRUE".to_string()];
    if let Some(b) = &filter.branch {
        parts.push(format!("r.branch = {}", args.push(normalize_branch(b))));
    }
    if let Some(sha) = &filter.commit_sha {
        parts.push(format!("r.commit_sha = {}", args.push(sha.clone())));
    }
    if let Some(p) = &filter.provider {
        parts.push(format!("r.provider = {}", args.push(p.clone())));
    }
    if let Some(ms) = filter.since_ms {
        parts.push(format!("{time_column} >= {}", args.push(ms)));
    }
    if let Some(ms) = filter.until_ms {
        parts.push(format!("{time_column} < {}", args.push(ms)));
    }
    parts.join(" AND ")
}

/// A `LIMIT` argument: `NULL` (no limit) for `None`.
fn limit_value(limit: Option<usize>) -> Option<i64> {
    limit.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// `SELECT` list of a run summary, matching [`read_run`].
fn run_select() -> String {
    std::iter::once("id")
        .chain(RUN_COLUMNS.split(',').map(str::trim))
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Maps a row of [`run_select`] to a summary.
fn read_run(row: &Row) -> Result<RunSummary, postgres::Error> {
    let status: String = row.try_get(3)?;
    let count = |idx: usize| -> Result<u64, postgres::Error> {
        Ok(u64::try_from(row.try_get::<_, i64>(idx)?).unwrap_or(0))
    };
    let shard = |idx: usize| -> Result<Option<u32>, postgres::Error> {
        Ok(row
            .try_get::<_, Option<i64>>(idx)?
            .and_then(|n| u32::try_from(n).ok()))
    };
    let metadata: String = row.try_get(24)?;
    Ok(RunSummary {
        id: row.try_get(0)?,
        run: RunRecord {
            run_key: row.try_get(1)?,
            name: row.try_get(2)?,
            // Only testrelay writes the column; an unknown status reads as
            // `error` rather than failing every query of the history.
            status: serde_json::from_value(serde_json::Value::String(status))
                .unwrap_or(RunStatus::Error),
            provider: row.try_get(4)?,
            repository: row.try_get(5)?,
            build_id: row.try_get(6)?,
            build_url: row.try_get(7)?,
            commit_sha: row.try_get(8)?,
            branch: row.try_get(9)?,
            base_branch: row.try_get(10)?,
            pr_number: row
                .try_get::<_, Option<i64>>(11)?
                .and_then(|n| u64::try_from(n).ok()),
            shard_index: shard(12)?,
            shard_total: shard(13)?,
            started_at_ms: Some(row.try_get(14)?),
            finished_at_ms: row.try_get(15)?,
            duration_seconds: row.try_get(16)?,
            metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        },
        counts: Counts {
            total: count(17)?,
            passed: count(19)?,
            failed: count(20)?,
            errors: count(21)?,
            skipped: count(22)?,
            flaky: count(23)?,
        },
    })
}

/// A stored case status.
fn case_status(row: &Row, idx: usize) -> Result<CaseStatus, RowError> {
    let text: String = row.try_get(idx)?;
    CaseStatus::parse(&text).ok_or_else(|| RowError::Value(format!("unknown case status {text:?}")))
}

/// A nullable JSON column.
fn json_column<T: serde::de::DeserializeOwned>(
    row: &Row,
    idx: usize,
) -> Result<Option<T>, RowError> {
    row.try_get::<_, Option<String>>(idx)?
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|e| RowError::Value(format!("column {idx} holds bad JSON: {e}")))
        })
        .transpose()
}
