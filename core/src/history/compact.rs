//! Compaction: keeping what the analyses read and giving the rest of the
//! file back, so that a history cached between CI jobs stays small.
//!
//! What stays (see [`CompactPolicy`]): every run summary, every metric
//! (the trend series) with the case it is tied to, each test's cases of its
//! last `keep_runs` runs (flaky scores, diffs) and of its last `keep_runs`
//! runs in which it ran (durations for splitting), each file's durations
//! of its last `keep_runs` runs, every artifact row, the outbox, and
//! everything of the runs that started in the last `keep_days` days.

use serde::{Deserialize, Serialize};

use super::store::{History, db_error};
use crate::error::{Error, Result};

/// What [`History::compact`] keeps besides run summaries, metrics and
/// artifact rows, which it always keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompactPolicy {
    /// Per test: its cases in its last this many runs, and in its last this
    /// many runs in which it was not skipped; per file: its durations of
    /// its last this many runs. Flaky scores over a window of at most this
    /// many runs, and splits over at most this many runs, are the same
    /// after compaction as before. At least 1.
    pub keep_runs: usize,
    /// Everything of runs started less than this many days before `now`
    /// stays too (so analyses filtered by branch see those runs whole).
    pub keep_days: u32,
}

impl Default for CompactPolicy {
    /// Each test's last 30 runs (the default flaky window; splits average
    /// 10), no age-based retention.
    fn default() -> CompactPolicy {
        CompactPolicy {
            keep_runs: 30,
            keep_days: 0,
        }
    }
}

/// What [`History::compact`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompactStats {
    /// Test cases deleted.
    pub cases: u64,
    /// Per-file duration rows deleted.
    pub file_durations: u64,
    /// File size in bytes before (with its write-ahead log).
    pub bytes_before: u64,
    /// File size in bytes after.
    pub bytes_after: u64,
}

/// Day length in milliseconds.
const DAY_MS: i64 = 86_400_000;

impl History {
    /// Deletes the cases and per-file durations that `policy` does not keep
    /// (in one transaction), then rewrites the file (`VACUUM`) and empties
    /// its write-ahead log, so the file on disk is as small as its contents.
    /// Relative ages end at `now_ms` (Unix ms). Needs as much free disk
    /// space as the file's size.
    ///
    /// A run older than the retained window may keep only some of its cases
    /// (those that are among their test's last runs): its summary and
    /// counts stay as recorded.
    ///
    /// Errors: `InvalidArgument` when `keep_runs` is 0; `Database` when
    /// writing fails (then nothing is deleted) or when another process
    /// holds the file open in a transaction during the `VACUUM` (then the
    /// deletions are kept and the file shrinks at the next compaction).
    pub fn compact(&mut self, policy: &CompactPolicy, now_ms: i64) -> Result<CompactStats> {
        if policy.keep_runs == 0 {
            return Err(Error::invalid(
                "compact: keep_runs (--keep-runs) must be at least 1: the analyses read each test's last runs",
            ));
        }
        let keep_runs = i64::try_from(policy.keep_runs).unwrap_or(i64::MAX);
        let cutoff = if policy.keep_days == 0 {
            i64::MAX
        } else {
            now_ms.saturating_sub(i64::from(policy.keep_days).saturating_mul(DAY_MS))
        };
        let bytes_before = self.file_bytes();
        // Deleting cases never deletes a test identity (each test keeps its
        // last runs), but the cache holds no row ids of cases either; drop
        // it anyway so that nothing can outlive the rewrite.
        self.identities = None;
        let path = self.path().to_path_buf();
        let what = "compacting the history";
        let (cases, file_durations) = self.write_tx(what, |tx| {
            let fail = |e| db_error(&path, what, e);
            let limits = rusqlite::params![keep_runs, cutoff];
            tx.execute_batch(
                "DROP TABLE IF EXISTS temp.compact_keep;
                 CREATE TEMP TABLE compact_keep (id INTEGER PRIMARY KEY);",
            )
            .map_err(fail)?;
            tx.execute(KEEP_CASES, limits).map_err(fail)?;
            let cases = tx
                .execute(
                    "DELETE FROM test_tasks WHERE id NOT IN (SELECT id FROM temp.compact_keep)",
                    [],
                )
                .map_err(fail)?;
            tx.execute_batch("DROP TABLE temp.compact_keep")
                .map_err(fail)?;
            let file_durations = tx.execute(DELETE_FILE_DURATIONS, limits).map_err(fail)?;
            Ok((cases as u64, file_durations as u64))
        })?;
        let rewrite = "rewriting the compacted history (VACUUM)";
        self.conn
            .execute_batch("VACUUM")
            .and_then(|()| {
                self.conn
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            })
            .map_err(|e| self.db_error(rewrite, e))?;
        Ok(CompactStats {
            cases,
            file_durations,
            bytes_before,
            bytes_after: self.file_bytes(),
        })
    }

    /// Size of the file and its write-ahead log, in bytes (0 for a part
    /// that cannot be read).
    fn file_bytes(&self) -> u64 {
        let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let mut wal = self.path().as_os_str().to_owned();
        wal.push("-wal");
        size(self.path()) + size(std::path::Path::new(&wal))
    }
}

/// The ids of the cases to keep (`?1` = keep_runs, `?2` = the cutoff
/// time): ranks as [`History::case_outcomes`] and [`History::durations`]
/// count runs (per test id, newest first by start then row id; the second
/// rank over the runs where the test was not skipped), cases of recent
/// runs, and cases a metric refers to (their type groups trends).
const KEEP_CASES: &str = "
INSERT INTO temp.compact_keep (id)
SELECT id FROM (
    SELECT t.id, t.status, r.created_at,
        DENSE_RANK() OVER (PARTITION BY s.test_id
            ORDER BY r.created_at DESC, r.id DESC) AS recency,
        DENSE_RANK() OVER (PARTITION BY s.test_id, t.status <> 'skipped'
            ORDER BY r.created_at DESC, r.id DESC) AS ran_recency
    FROM tests s JOIN test_tasks t ON t.test_ref = s.id
        JOIN test_runs r ON r.id = t.run_id)
WHERE recency <= ?1 OR (status <> 'skipped' AND ran_recency <= ?1) OR created_at >= ?2
UNION
SELECT task_id FROM performance_metrics WHERE task_id IS NOT NULL";

/// Deletes each file's duration rows but those of its last `?1` runs and
/// of runs started at or after `?2`.
const DELETE_FILE_DURATIONS: &str = "
DELETE FROM run_files WHERE (file, run_id) NOT IN (
    SELECT file, run_id FROM (
        SELECT f.file, f.run_id, r.created_at,
            ROW_NUMBER() OVER (PARTITION BY f.file
                ORDER BY r.created_at DESC, r.id DESC) AS recency
        FROM run_files f JOIN test_runs r ON r.id = f.run_id)
    WHERE recency <= ?1 OR created_at >= ?2)";
