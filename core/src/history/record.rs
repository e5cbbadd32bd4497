//! Writing runs, their cases and their metrics.
//!
//! One way to record, in three steps that [`History::record_run`] also uses:
//! [`History::begin_run`] creates (or resets) the run row,
//! [`History::append_cases`] adds cases in batched transactions as they
//! arrive, [`History::complete_run`] sets the final status. Counts on the run
//! row are updated in the same transaction as each batch, so they always
//! match the stored cases.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use rusqlite::{Transaction, params};

use super::branch::stored_branch;
use super::bulk::insert_rows;
use super::identities::test_refs;
use super::outbox::QueuedOperation;
use super::runs::{DEFAULT_TYPE, RunRecord, RunSummary, check_finite, read_run_summary, run_id_of};
use super::schema::RUN_COLUMNS;
use super::store::{History, db_error};
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Counts, Metric, RunStatus, TestCase, TestRun};
use crate::time;

/// Metrics written per transaction.
const BATCH_ROWS: usize = 50_000;

/// `INSERT` of a run row that resets an existing row with the same key.
static UPSERT_RUN: LazyLock<String> = LazyLock::new(|| {
    let updates: Vec<String> = RUN_COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|c| *c != "run_key")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO test_runs ({RUN_COLUMNS}) VALUES ({}) \
         ON CONFLICT(run_key) DO UPDATE SET {} RETURNING id",
        vec!["?"; RUN_COLUMNS.split(',').count()].join(", "),
        updates.join(", ")
    )
});

/// Stored in statements of many rows (see [`insert_rows`]).
const INSERT_TASKS: &str = "test_tasks (run_id, test_ref, line, type, status, \
     created_at, completed_at, duration, message, error, attempts, properties)";

const ADD_FILE: &str = "INSERT INTO run_files (run_id, file, cases, duration) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (file, run_id) DO UPDATE SET \
     cases = cases + excluded.cases, duration = duration + excluded.duration";

const ADD_COUNTS: &str = "UPDATE test_runs SET total_tasks = total_tasks + ?2, \
     completed_tasks = completed_tasks + ?2, passed_tasks = passed_tasks + ?3, \
     failed_tasks = failed_tasks + ?4, error_tasks = error_tasks + ?5, \
     skipped_tasks = skipped_tasks + ?6, flaky_tasks = flaky_tasks + ?7 WHERE id = ?1";

/// The metric's task is the run's last case with the same test id, if any.
const INSERT_METRIC: &str = "INSERT INTO performance_metrics (run_id, task_id, test_id, \
     metric_name, metric_value, unit, recorded_at) VALUES (?1, \
     (SELECT max(t.id) FROM test_tasks t JOIN tests s ON s.id = t.test_ref \
      WHERE t.run_id = ?1 AND s.test_id = ?2), ?2, ?3, ?4, ?5, ?6)";

/// A case ready to store: its `tests` row and its JSON columns.
pub(super) struct TaskRow<'a> {
    pub(super) case: &'a TestCase,
    pub(super) test_ref: i64,
    /// `NULL` for the default `test`.
    pub(super) task_type: Option<&'a str>,
    pub(super) attempts: Option<String>,
    pub(super) properties: Option<String>,
}

impl<'a> TaskRow<'a> {
    /// The row of `case`, stored as the test `test_ref`.
    ///
    /// Errors: when its attempts or properties cannot be written as JSON.
    pub(super) fn new(case: &'a TestCase, test_ref: i64) -> Result<TaskRow<'a>> {
        Ok(TaskRow {
            case,
            test_ref,
            task_type: case
                .properties
                .get("type")
                .map(String::as_str)
                .filter(|t| *t != DEFAULT_TYPE),
            attempts: (!case.attempts.is_empty())
                .then(|| serde_json::to_string(&case.attempts))
                .transpose()?,
            properties: (!case.properties.is_empty())
                .then(|| serde_json::to_string(&case.properties))
                .transpose()?,
        })
    }
}

/// A metric ready to store.
pub(super) struct MetricRow<'a> {
    pub(super) test_id: Option<&'a str>,
    pub(super) name: &'a str,
    pub(super) value: f64,
    pub(super) unit: &'a str,
    pub(super) recorded_at_ms: i64,
}

impl History {
    /// Stores `run` completely: the run row from `meta`, then every case of
    /// `run` in one transaction, its metrics in transactions of at most
    /// 50,000, then the final status. Returns the run's row id.
    ///
    /// Run-level fields come from `meta` only; `run` supplies the cases and
    /// metrics (see [`RunRecord::from_run`]). Recording a `run_key` again
    /// replaces that run's cases and metrics, so recording is idempotent.
    /// Until the last step the run is stored with status `running`, which is
    /// what a crash in between leaves behind. A metric without a
    /// `recorded_at` gets the run's start time.
    ///
    /// Errors: `InvalidArgument` for an empty run key, a `run.run_key` that
    /// differs from `meta.run_key`, a non-finite duration or metric value,
    /// an empty metric name or a metric time that is not a timestamp (all
    /// checked before anything is written); `Database` when writing fails.
    pub fn record_run(&mut self, meta: &RunRecord, run: &TestRun) -> Result<i64> {
        let (started, metrics) = checked_run(meta, run)?;

        let running = RunRecord {
            status: RunStatus::Running,
            started_at_ms: Some(started),
            ..meta.clone()
        };
        let run_id = self.begin_run(&running)?;
        self.insert_cases(run_id, &meta.run_key, &run.cases)?;
        let path = self.path().to_path_buf();
        for chunk in metrics.chunks(BATCH_ROWS) {
            self.write_tx(
                &format!("recording metrics of run {:?}", meta.run_key),
                |tx| {
                    for m in chunk {
                        insert_metric(tx, &path, run_id, m)?;
                    }
                    Ok(())
                },
            )?;
        }
        self.complete_run(
            &meta.run_key,
            meta.status,
            meta.finished_at_ms,
            meta.duration_seconds,
        )?;
        Ok(run_id)
    }

    /// Creates the run row for `meta`, or resets the existing row with the
    /// same `run_key`: its fields are overwritten, its cases, file totals and
    /// metrics are deleted and its counts set to zero (artifact rows stay). Stores
    /// `meta.status` as given (a live reporter passes `Running`). Returns the
    /// run's row id.
    ///
    /// Errors: `InvalidArgument` for an empty run key or a non-finite
    /// duration; `Database` when writing fails.
    pub fn begin_run(&mut self, meta: &RunRecord) -> Result<i64> {
        self.begin_run_queued(meta, &[])
    }

    /// [`History::begin_run`] and [`History::outbox_put`] of each of `ops`
    /// in one transaction: the run and all its operations are stored, or
    /// none of them (a full disk must not leave a run whose `create` is
    /// queued without its `close`).
    ///
    /// Errors: as [`History::begin_run`].
    pub fn begin_run_queued(&mut self, meta: &RunRecord, ops: &[QueuedOperation]) -> Result<i64> {
        meta.validate()?;
        let started = meta.started_at_ms.unwrap_or_else(time::now_unix_ms);
        let metadata = serde_json::to_string(&meta.metadata)?;
        let path = self.path().to_path_buf();
        let now = time::now_unix_ms();
        self.write_tx(&format!("starting run {:?}", meta.run_key), |tx| {
            let fail = |e| db_error(&path, &format!("storing run {:?}", meta.run_key), e);
            let pr_number = meta.pr_number.map(|n| n as i64);
            let run_id: i64 = tx
                .prepare_cached(&UPSERT_RUN)
                .and_then(|mut stmt| {
                    stmt.query_row(
                        params![
                            meta.run_key,
                            meta.name,
                            meta.status.as_str(),
                            meta.provider,
                            meta.repository,
                            meta.build_id,
                            meta.build_url,
                            meta.commit_sha,
                            stored_branch(meta.branch.as_deref()),
                            stored_branch(meta.base_branch.as_deref()),
                            pr_number,
                            meta.shard_index,
                            meta.shard_total,
                            started,
                            meta.finished_at_ms,
                            meta.duration_seconds,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            metadata,
                        ],
                        |row| row.get(0),
                    )
                })
                .map_err(fail)?;
            for sql in [
                "DELETE FROM performance_metrics WHERE run_id = ?1",
                "DELETE FROM run_files WHERE run_id = ?1",
                "DELETE FROM test_tasks WHERE run_id = ?1",
            ] {
                tx.prepare_cached(sql)
                    .and_then(|mut stmt| stmt.execute([run_id]))
                    .map_err(fail)?;
            }
            for op in ops {
                super::outbox::queue(tx, &path, &meta.run_key, op, now)?;
            }
            Ok(run_id)
        })
    }

    /// Adds `cases` to the run `run_key` in one transaction (all of them or
    /// none), which also adds to the run's counts and per-file totals. Each
    /// test identity (id, name, classname, suite, file) is stored once across
    /// runs; cases with an empty id are stored under their computed id
    /// ([`TestCase::compute_id`]).
    /// Standard output and error of cases are not kept.
    ///
    /// Errors: `NotFound` when no run has this key; `InvalidArgument` when a
    /// case's duration is not finite (checked before anything is written);
    /// `Database` when writing fails (then none of `cases` is stored).
    pub fn append_cases(&mut self, run_key: &str, cases: &[TestCase]) -> Result<()> {
        validate_cases(run_key, cases)?;
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        self.insert_cases(run_id, run_key, cases)
    }

    /// Sets the run's status, end time and duration, and links metrics
    /// recorded before their case arrived to that case. A final status
    /// without `finished_at_ms` ends the run now. Returns the stored run.
    ///
    /// Errors: `NotFound` when no run has this key; `InvalidArgument` for a
    /// non-finite duration; `Database` when writing fails.
    pub fn complete_run(
        &mut self,
        run_key: &str,
        status: RunStatus,
        finished_at_ms: Option<i64>,
        duration_seconds: f64,
    ) -> Result<RunSummary> {
        check_finite(run_key, "duration", duration_seconds)?;
        let finished = finished_at_ms.or_else(|| status.is_final().then(time::now_unix_ms));
        let path = self.path().to_path_buf();
        self.write_tx(&format!("completing run {run_key:?}"), |tx| {
            let run_id = run_id_of(tx, &path, run_key)?;
            let fail = |e| db_error(&path, &format!("completing run {run_key:?}"), e);
            tx.execute(
                "UPDATE test_runs SET status = ?2, completed_at = ?3, duration = ?4 \
                 WHERE id = ?1",
                params![run_id, status.as_str(), finished, duration_seconds],
            )
            .map_err(fail)?;
            tx.execute(
                "UPDATE performance_metrics SET task_id = (SELECT max(t.id) FROM test_tasks t \
                 JOIN tests s ON s.id = t.test_ref \
                 WHERE t.run_id = performance_metrics.run_id \
                 AND s.test_id = performance_metrics.test_id) \
                 WHERE run_id = ?1 AND task_id IS NULL AND test_id IS NOT NULL",
                [run_id],
            )
            .map_err(fail)?;
            read_run_summary(tx, &path, run_id)
        })
    }

    /// Records one metric of the run `run_key`, now, tied to the test
    /// `test_id` when given. Returns the metric's row id.
    ///
    /// Errors: `NotFound` when no run has this key; `InvalidArgument` for an
    /// empty name or a non-finite value; `Database` when writing fails.
    pub fn record_performance_metric(
        &mut self,
        run_key: &str,
        test_id: Option<&str>,
        name: &str,
        value: f64,
        unit: &str,
    ) -> Result<i64> {
        let row = MetricRow {
            test_id,
            name,
            value,
            unit,
            recorded_at_ms: time::now_unix_ms(),
        };
        validate_metric(run_key, &row)?;
        let path = self.path().to_path_buf();
        self.write_tx(&format!("recording metric {name:?}"), |tx| {
            let run_id = run_id_of(tx, &path, run_key)?;
            insert_metric(tx, &path, run_id, &row)?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Writes `cases` of the run `run_id` in batches (already validated).
    fn insert_cases(&mut self, run_id: i64, run_key: &str, cases: &[TestCase]) -> Result<()> {
        let now = time::now_unix_ms();
        let path = self.path().to_path_buf();
        let what = format!("recording test cases of run {run_key:?}");
        // Kept only if this transaction commits.
        let mut identities = self.identities.take();
        let stored = self.write_tx(&what, |tx| {
            let fail = |e| db_error(&path, &what, e);
            let refs = test_refs(tx, cases, &mut identities).map_err(fail)?;
            let mut counts = Counts::default();
            let mut files: BTreeMap<&str, (i64, f64)> = BTreeMap::new();
            let mut rows = Vec::with_capacity(cases.len());
            for (case, test_ref) in cases.iter().zip(refs) {
                rows.push(TaskRow::new(case, test_ref)?);
                counts.add(case.status);
                if let (Some(file), false) = (&case.file, case.status == CaseStatus::Skipped) {
                    let total = files.entry(file.as_str()).or_default();
                    total.0 += 1;
                    total.1 += case.duration_seconds;
                }
            }
            insert_rows(tx, INSERT_TASKS, 12, &rows, |task, row| {
                let case = task.case;
                row.push(run_id)?
                    .push(task.test_ref)?
                    .push(case.line)?
                    .push(task.task_type)?
                    .push(case.status.as_str())?
                    .push(now)?
                    .push(now)?
                    .push(case.duration_seconds)?
                    .push(&case.message)?
                    .push(&case.details)?
                    .push(&task.attempts)?
                    .push(&task.properties)?;
                Ok(())
            })
            .map_err(fail)?;
            let mut add_file = tx.prepare_cached(ADD_FILE).map_err(fail)?;
            for (file, (cases, duration)) in files {
                add_file
                    .execute(params![run_id, file, cases, duration])
                    .map_err(fail)?;
            }
            tx.prepare_cached(ADD_COUNTS)
                .and_then(|mut stmt| {
                    stmt.execute(params![
                        run_id,
                        counts.total as i64,
                        counts.passed as i64,
                        counts.failed as i64,
                        counts.errors as i64,
                        counts.skipped as i64,
                        counts.flaky as i64,
                    ])
                })
                .map_err(fail)?;
            Ok(())
        });
        if stored.is_ok() {
            self.identities = identities;
        }
        stored
    }
}

/// What both stores check of a whole run before writing anything: `meta`
/// itself, that `run` is the same run, and every duration and metric.
/// Returns the run's start (`meta`'s, else now) and its metric rows.
///
/// Errors: `InvalidArgument` naming what is wrong.
pub(super) fn checked_run<'a>(
    meta: &RunRecord,
    run: &'a TestRun,
) -> Result<(i64, Vec<MetricRow<'a>>)> {
    meta.validate()?;
    if !run.run_key.is_empty() && run.run_key != meta.run_key {
        return Err(Error::invalid(format!(
            "run key mismatch: the record says {:?} but the run says {:?}",
            meta.run_key, run.run_key
        )));
    }
    validate_cases(&meta.run_key, &run.cases)?;
    let started = meta.started_at_ms.unwrap_or_else(time::now_unix_ms);
    let metrics = metric_rows(&meta.run_key, &run.metrics, started)?;
    Ok((started, metrics))
}

/// The metrics of a run ready to store, checked: a metric without a
/// `recorded_at` gets `started` (the run's start, Unix ms).
///
/// Errors: `InvalidArgument` for an empty name, a non-finite value or a
/// `recorded_at` that is not a timestamp.
pub(super) fn metric_rows<'a>(
    run_key: &str,
    metrics: &'a [Metric],
    started: i64,
) -> Result<Vec<MetricRow<'a>>> {
    metrics
        .iter()
        .map(|m| {
            let recorded_at_ms = if m.recorded_at.is_empty() {
                started
            } else {
                time::parse_timestamp(&m.recorded_at).ok_or_else(|| {
                    Error::invalid(format!(
                        "run {run_key:?}: metric {:?} has recorded_at {:?}, not an ISO 8601 \
                         timestamp",
                        m.name, m.recorded_at
                    ))
                })?
            };
            let row = MetricRow {
                test_id: m.test_id.as_deref(),
                name: &m.name,
                value: m.value,
                unit: &m.unit,
                recorded_at_ms,
            };
            validate_metric(run_key, &row)?;
            Ok(row)
        })
        .collect()
}

/// Inserts one metric row.
fn insert_metric(tx: &Transaction<'_>, path: &Path, run_id: i64, m: &MetricRow<'_>) -> Result<()> {
    tx.prepare_cached(INSERT_METRIC)
        .and_then(|mut stmt| {
            stmt.execute(params![
                run_id,
                m.test_id,
                m.name,
                m.value,
                m.unit,
                m.recorded_at_ms
            ])
        })
        .map_err(|e| db_error(path, &format!("recording metric {:?}", m.name), e))?;
    Ok(())
}

/// Every case's duration must be a finite number (SQLite cannot store NaN).
pub(super) fn validate_cases(run_key: &str, cases: &[TestCase]) -> Result<()> {
    match cases.iter().find(|c| !c.duration_seconds.is_finite()) {
        Some(case) => Err(Error::invalid(format!(
            "run {run_key:?}: test {:?} has duration {}, not a finite number of seconds",
            case.full_name(),
            case.duration_seconds
        ))),
        None => Ok(()),
    }
}

/// A metric needs a name and a finite value.
fn validate_metric(run_key: &str, m: &MetricRow<'_>) -> Result<()> {
    if m.name.trim().is_empty() {
        return Err(Error::invalid(format!(
            "run {run_key:?}: a metric has an empty name; name every metric"
        )));
    }
    check_finite(run_key, &format!("metric {:?}", m.name), m.value)
}
