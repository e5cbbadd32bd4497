//! Explicit maintenance: retention (`prune`), compaction (`vacuum`) and
//! merging another history file into this one (`merge`).

use std::path::Path;

use rusqlite::Transaction;
use serde::{Deserialize, Serialize};

use super::schema::{
    ARTIFACT_COLUMNS, ARTIFACT_SIDE_TABLES, METRIC_COLUMNS, RUN_COLUMNS, RUN_FILE_COLUMNS,
    TASK_COLUMNS, TEST_COLUMNS, same_test,
};
use super::store::{History, check_current_history, db_error};
use crate::error::{Error, Result};

/// What [`History::prune`] deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PruneStats {
    /// Runs deleted.
    pub runs: u64,
    /// Test cases deleted.
    pub cases: u64,
    /// Metrics deleted.
    pub metrics: u64,
    /// Artifact rows deleted (the files themselves are not touched).
    pub artifacts: u64,
}

/// What [`History::merge`] added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MergeStats {
    /// Runs copied.
    pub runs_added: u64,
    /// Runs left out because a run with the same key was already here.
    pub runs_skipped: u64,
    /// Test cases copied.
    pub cases: u64,
    /// Metrics copied.
    pub metrics: u64,
    /// Artifact rows copied.
    pub artifacts: u64,
    /// Artifact rows of added runs that were not copied, because one side
    /// is a PostgreSQL history (which keeps no artifacts yet); absent from
    /// JSON when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub artifacts_left: u64,
}

/// For `skip_serializing_if`.
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Schema name the other file is attached under during a merge.
const SOURCE: &str = "merge_source";

impl History {
    /// Deletes every run that started before `older_than_ms` (Unix ms),
    /// with its cases, metrics and artifact rows, in one transaction; test
    /// identities no stored case refers to any more go too.
    /// Pending outbox entries are kept. The file does not shrink until
    /// [`History::vacuum`].
    ///
    /// Errors: `Database` when writing fails (then nothing is deleted).
    pub fn prune(&mut self, older_than_ms: i64) -> Result<PruneStats> {
        // Pruning deletes test identities the cache would still name.
        self.identities = None;
        let path = self.path().to_path_buf();
        self.write_tx("pruning old runs", |tx| {
            let delete = |sql: &str| -> Result<u64> {
                tx.execute(sql, [older_than_ms])
                    .map(|n| n as u64)
                    .map_err(|e| db_error(&path, "pruning old runs", e))
            };
            let old = "SELECT id FROM test_runs WHERE created_at < ?1";
            let metrics = delete(&format!(
                "DELETE FROM performance_metrics WHERE run_id IN ({old})"
            ))?;
            let artifacts = delete(&format!("DELETE FROM artifacts WHERE run_id IN ({old})"))?;
            delete(&format!("DELETE FROM run_files WHERE run_id IN ({old})"))?;
            let cases = delete(&format!("DELETE FROM test_tasks WHERE run_id IN ({old})"))?;
            let runs = delete("DELETE FROM test_runs WHERE created_at < ?1")?;
            tx.execute(
                "DELETE FROM tests WHERE NOT EXISTS \
                 (SELECT 1 FROM test_tasks t WHERE t.test_ref = tests.id)",
                [],
            )
            .map_err(|e| db_error(&path, "pruning old runs", e))?;
            Ok(PruneStats {
                runs,
                cases,
                metrics,
                artifacts,
            })
        })
    }

    /// Rewrites the file to give the space of deleted rows back to the file
    /// system. Needs as much free disk space as the file's size.
    ///
    /// Errors: `Database` when SQLite fails (for example while another
    /// process has the file open in a transaction).
    pub fn vacuum(&mut self) -> Result<()> {
        self.conn
            .execute_batch("VACUUM")
            .map_err(|e| self.db_error("vacuuming", e))
    }

    /// Copies into this history every run of the history at `other_path`
    /// whose run key is not here yet, with its cases, metrics and artifact
    /// rows, in one transaction. Runs already here are left as they are, so
    /// merging the same file again adds nothing. The other file is only read.
    ///
    /// Errors: `NotFound` when `other_path` does not exist; `Database` when
    /// it is not a testrelay history of this schema version (the message
    /// says what it is) or when writing fails (then nothing is added);
    /// `InvalidArgument` when it is this history's own file or the path is
    /// not valid UTF-8.
    pub fn merge(&mut self, other_path: &Path) -> Result<MergeStats> {
        self.identities = None;
        check_current_history(other_path)?;
        if same_file(self.path(), other_path) {
            return Err(Error::invalid(format!(
                "cannot merge {} into itself; name another history file",
                other_path.display()
            )));
        }
        let other = other_path.to_str().ok_or_else(|| {
            Error::invalid(format!(
                "cannot merge {}: the path is not valid UTF-8",
                other_path.display()
            ))
        })?;
        let what = format!("merging {}", other_path.display());
        self.conn
            .execute(&format!("ATTACH DATABASE ?1 AS {SOURCE}"), [other])
            .map_err(|e| self.db_error(&what, e))?;
        let path = self.path().to_path_buf();
        let merged = self.write_tx(&what, |tx| {
            copy_new_runs(tx).map_err(|e| db_error(&path, &what, e))
        });
        let detached = self
            .conn
            .execute_batch(&format!("DETACH DATABASE {SOURCE}"))
            .map_err(|e| self.db_error(&what, e));
        let stats = merged?;
        detached?;
        Ok(stats)
    }
}

/// True when both paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The merge itself. New rows get the other file's ids shifted past this
/// file's largest ids, which keeps every reference between them intact.
fn copy_new_runs(tx: &Transaction<'_>) -> rusqlite::Result<MergeStats> {
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp.merge_runs;
         CREATE TEMP TABLE merge_runs (id INTEGER PRIMARY KEY);
         INSERT INTO temp.merge_runs (id)
           SELECT o.id FROM {SOURCE}.test_runs o
           WHERE NOT EXISTS (SELECT 1 FROM main.test_runs m WHERE m.run_key = o.run_key);"
    ))?;
    let offset = |table: &str| -> rusqlite::Result<i64> {
        tx.query_row(
            &format!("SELECT coalesce(max(id), 0) FROM main.{table}"),
            [],
            |row| row.get(0),
        )
    };
    let run_shift = offset("test_runs")?;
    let task_shift = offset("test_tasks")?;
    let new_runs = "SELECT id FROM temp.merge_runs";
    let copy = |sql: String, shifts: &[i64]| -> rusqlite::Result<u64> {
        tx.execute(&sql, rusqlite::params_from_iter(shifts))
            .map(|n| n as u64)
    };
    let runs_added = copy(
        format!(
            "INSERT INTO main.test_runs (id, {RUN_COLUMNS}) \
             SELECT id + ?1, {RUN_COLUMNS} FROM {SOURCE}.test_runs \
             WHERE id IN ({new_runs}) ORDER BY id"
        ),
        &[run_shift],
    )?;
    // Test identities of the new runs that are not here yet, then each of
    // the other file's identities mapped to this file's row.
    copy(
        format!(
            "INSERT INTO main.tests ({TEST_COLUMNS}) \
             SELECT {TEST_COLUMNS} FROM {SOURCE}.tests o \
             WHERE o.id IN (SELECT test_ref FROM {SOURCE}.test_tasks \
                            WHERE run_id IN ({new_runs})) \
             AND NOT EXISTS (SELECT 1 FROM main.tests m WHERE {}) ORDER BY o.id",
            same_test("m", "o")
        ),
        &[],
    )?;
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp.merge_tests;
         CREATE TEMP TABLE merge_tests (source INTEGER PRIMARY KEY, target INTEGER NOT NULL);
         INSERT INTO temp.merge_tests (source, target)
           SELECT o.id, (SELECT min(m.id) FROM main.tests m WHERE {})
           FROM {SOURCE}.tests o
           WHERE o.id IN (SELECT test_ref FROM {SOURCE}.test_tasks
                          WHERE run_id IN ({new_runs}));",
        same_test("m", "o")
    ))?;
    let both = [run_shift, task_shift];
    let cases = copy(
        format!(
            "INSERT INTO main.test_tasks (id, run_id, test_ref, {TASK_COLUMNS}) \
             SELECT t.id + ?2, t.run_id + ?1, mt.target, {} \
             FROM {SOURCE}.test_tasks t JOIN temp.merge_tests mt ON mt.source = t.test_ref \
             WHERE t.run_id IN ({new_runs}) ORDER BY t.id",
            prefixed("t", TASK_COLUMNS)
        ),
        &both,
    )?;
    let metrics = copy(
        format!(
            "INSERT INTO main.performance_metrics (run_id, task_id, {METRIC_COLUMNS}) \
         SELECT run_id + ?1, task_id + ?2, {METRIC_COLUMNS} FROM {SOURCE}.performance_metrics \
         WHERE run_id IN ({new_runs}) ORDER BY id"
        ),
        &both,
    )?;
    copy(
        format!(
            "INSERT INTO main.run_files (run_id, {RUN_FILE_COLUMNS}) \
             SELECT run_id + ?1, {RUN_FILE_COLUMNS} FROM {SOURCE}.run_files \
             WHERE run_id IN ({new_runs})"
        ),
        &[run_shift],
    )?;
    let artifact_shift = offset("artifacts")?;
    let artifacts = copy(
        format!(
            "INSERT INTO main.artifacts (id, run_id, {ARTIFACT_COLUMNS}) \
         SELECT id + ?2, run_id + ?1, {ARTIFACT_COLUMNS} FROM {SOURCE}.artifacts \
         WHERE run_id IN ({new_runs}) ORDER BY id"
        ),
        &[run_shift, artifact_shift],
    )?;
    for (table, columns) in ARTIFACT_SIDE_TABLES {
        copy(
            format!(
                "INSERT INTO main.{table} (artifact_id, {columns}) \
                 SELECT artifact_id + ?1, {columns} FROM {SOURCE}.{table} \
                 WHERE artifact_id IN (SELECT id FROM {SOURCE}.artifacts \
                                       WHERE run_id IN ({new_runs}))"
            ),
            &[artifact_shift],
        )?;
    }
    let other_runs: i64 = tx.query_row(
        &format!("SELECT count(*) FROM {SOURCE}.test_runs"),
        [],
        |row| row.get(0),
    )?;
    tx.execute_batch("DROP TABLE temp.merge_runs; DROP TABLE temp.merge_tests;")?;
    Ok(MergeStats {
        runs_added,
        runs_skipped: other_runs as u64 - runs_added,
        cases,
        metrics,
        artifacts,
        artifacts_left: 0,
    })
}

/// `columns` (comma-separated) each prefixed with `alias.`.
fn prefixed(alias: &str, columns: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
