//! Run rows: what the history keeps about a run ([`RunRecord`]), how a
//! stored run reads back ([`RunSummary`]), and finding a run by its key.
//! Recording (`record.rs`) and querying (`query.rs`) both build on this.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use super::schema::RUN_COLUMNS;
use super::store::db_error;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{Counts, RunStatus, TestRun};
use crate::time;

/// The task type of a case without a `type` property (stored as `NULL`).
pub(super) const DEFAULT_TYPE: &str = "test";

/// Everything the history keeps about a run besides its cases and metrics.
///
/// `run_key` identifies the run: recording the same key again replaces the
/// run. Branches are normalised with
/// [`normalize_branch`](crate::model::normalize_branch) when stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunRecord {
    /// Unique key of the run (stable across retries of the same CI job).
    pub run_key: String,
    /// Display name.
    pub name: String,
    /// CI provider name (`github`, `local`, ...); empty when unknown.
    pub provider: String,
    /// Repository, `owner/name` or the vendor's equivalent.
    pub repository: Option<String>,
    /// Commit the run tested.
    pub commit_sha: Option<String>,
    /// Branch the run tested.
    pub branch: Option<String>,
    /// Target branch of the pull request, for PR runs.
    pub base_branch: Option<String>,
    /// Pull (merge) request number, for PR runs.
    pub pr_number: Option<u64>,
    /// The CI's build id.
    pub build_id: Option<String>,
    /// Link to the build.
    pub build_url: Option<String>,
    /// Index of this shard (0-based), for sharded runs.
    pub shard_index: Option<u32>,
    /// Number of shards, for sharded runs.
    pub shard_total: Option<u32>,
    /// Run status.
    pub status: RunStatus,
    /// Start, in Unix milliseconds; the time of recording when `None`.
    pub started_at_ms: Option<i64>,
    /// End, in Unix milliseconds.
    pub finished_at_ms: Option<i64>,
    /// Wall time in seconds.
    pub duration_seconds: f64,
    /// Free-form key/value metadata.
    pub metadata: BTreeMap<String, String>,
}

impl Default for RunRecord {
    fn default() -> Self {
        RunRecord {
            run_key: String::new(),
            name: String::new(),
            provider: String::new(),
            repository: None,
            commit_sha: None,
            branch: None,
            base_branch: None,
            pr_number: None,
            build_id: None,
            build_url: None,
            shard_index: None,
            shard_total: None,
            status: RunStatus::Pending,
            started_at_ms: None,
            finished_at_ms: None,
            duration_seconds: 0.0,
            metadata: BTreeMap::new(),
        }
    }
}

impl RunRecord {
    /// The record of `run`'s own fields: key, name, status, start and end
    /// (parsed from RFC 3339), duration, and its properties as metadata.
    /// CI fields (provider, commit, branch, ...) are left empty for the
    /// caller to fill.
    ///
    /// Errors: `InvalidArgument` when `started_at` or `finished_at` is not a
    /// timestamp.
    pub fn from_run(run: &TestRun) -> Result<RunRecord> {
        let parse = |what: &str, value: &Option<String>| -> Result<Option<i64>> {
            value
                .as_deref()
                .map(|s| {
                    time::parse_timestamp(s).ok_or_else(|| {
                        Error::invalid(format!(
                            "run {:?}: {what} {s:?} is not an ISO 8601 timestamp",
                            run.run_key
                        ))
                    })
                })
                .transpose()
        };
        Ok(RunRecord {
            run_key: run.run_key.clone(),
            name: run.name.clone(),
            status: run.status,
            started_at_ms: parse("started_at", &run.started_at)?,
            finished_at_ms: parse("finished_at", &run.finished_at)?,
            duration_seconds: run.duration_seconds,
            metadata: run.properties.clone(),
            ..RunRecord::default()
        })
    }

    /// Checks what the store relies on.
    pub(super) fn validate(&self) -> Result<()> {
        if self.run_key.trim().is_empty() {
            return Err(Error::invalid(
                "the run key is empty; give every recorded run a unique key",
            ));
        }
        check_finite(&self.run_key, "duration", self.duration_seconds)
    }
}

/// A stored run: its row id, its record and the counts of its stored cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Row id in this file (not stable across merges; `run.run_key` is).
    pub id: i64,
    /// The run's fields; `started_at_ms` is always set.
    pub run: RunRecord,
    /// Counts of the cases stored for the run.
    pub counts: Counts,
}

/// Runs comparable with each other: the same name and the same shard
/// (index and total; both `None` for a run that is not sharded).
pub(super) struct RunKind<'a> {
    /// The run's name.
    pub(super) name: &'a str,
    /// Its shard index.
    pub(super) shard_index: Option<u32>,
    /// Its shard count.
    pub(super) shard_total: Option<u32>,
}

/// `SELECT` list of a run summary, matching [`read_run`].
pub(super) fn run_select(alias: &str) -> String {
    let cols: Vec<String> = std::iter::once("id")
        .chain(RUN_COLUMNS.split(',').map(str::trim))
        .map(|c| format!("{alias}.{c}"))
        .collect();
    cols.join(", ")
}

/// The row id of the run `run_key`.
///
/// Errors: `NotFound` when there is none; `Database` when reading fails.
pub(super) fn run_id_of(conn: &Connection, path: &Path, run_key: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM test_runs WHERE run_key = ?1")
        .and_then(|mut stmt| stmt.query_row([run_key], |row| row.get(0)).optional())
        .map_err(|e| db_error(path, &format!("looking up run {run_key:?}"), e))?
        .ok_or_else(|| no_run(path, run_key))
}

/// `NotFound` for a run key that is not in the history.
pub(super) fn no_run(path: &Path, run_key: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "history {}: no run with key {run_key:?}; record it first \
             (begin_run or record_run), or check the key",
            path.display()
        ),
    )
}

/// The summary of the run with row id `run_id`.
pub(super) fn read_run_summary(conn: &Connection, path: &Path, run_id: i64) -> Result<RunSummary> {
    let sql = format!(
        "SELECT {} FROM test_runs r WHERE r.id = ?1",
        run_select("r")
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| stmt.query_row([run_id], read_run))
        .map_err(|e| db_error(path, "reading a run", e))
}

/// Maps a row of `run_select` to a summary.
pub(super) fn read_run(row: &Row<'_>) -> rusqlite::Result<RunSummary> {
    let status: String = row.get(3)?;
    let status = RunStatus::deserialize(status.as_str().into_deserializer())
        .map_err(|e: serde::de::value::Error| bad_value(3, e.to_string()))?;
    Ok(RunSummary {
        id: row.get(0)?,
        run: RunRecord {
            run_key: row.get(1)?,
            name: row.get(2)?,
            status,
            provider: row.get(4)?,
            repository: row.get(5)?,
            build_id: row.get(6)?,
            build_url: row.get(7)?,
            commit_sha: row.get(8)?,
            branch: row.get(9)?,
            base_branch: row.get(10)?,
            pr_number: row
                .get::<_, Option<i64>>(11)?
                .map(|n| unsigned(11, n))
                .transpose()?,
            shard_index: row.get(12)?,
            shard_total: row.get(13)?,
            started_at_ms: Some(row.get(14)?),
            finished_at_ms: row.get(15)?,
            duration_seconds: row.get(16)?,
            metadata: json_column(row, 24)?.unwrap_or_default(),
        },
        counts: Counts {
            total: unsigned(17, row.get(17)?)?,
            passed: unsigned(19, row.get(19)?)?,
            failed: unsigned(20, row.get(20)?)?,
            errors: unsigned(21, row.get(21)?)?,
            skipped: unsigned(22, row.get(22)?)?,
            flaky: unsigned(23, row.get(23)?)?,
        },
    })
}

/// A nullable JSON column.
pub(super) fn json_column<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<T>> {
    row.get::<_, Option<String>>(idx)?
        .map(|text| serde_json::from_str(&text).map_err(|e| bad_value(idx, e.to_string())))
        .transpose()
}

/// A count or number that must not be negative.
pub(super) fn unsigned(idx: usize, value: i64) -> rusqlite::Result<u64> {
    u64::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(idx, value))
}

/// A conversion error for column `idx`.
pub(super) fn bad_value(idx: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, message.into())
}

/// `InvalidArgument` unless `value` is finite.
pub(super) fn check_finite(run_key: &str, what: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "run {run_key:?}: {what} is {value}, not a finite number"
        )))
    }
}
