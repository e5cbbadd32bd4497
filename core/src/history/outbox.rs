//! The durable outbox: every provider operation is written here before it
//! is attempted and removed once the provider acknowledges it, so nothing
//! is lost when the CI API is down or the process dies. `testrelay flush`
//! (or the next Reporter on the same file) delivers what is left.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::History;
use crate::error::Result;
use crate::time;

/// An operation to queue with its run ([`History::begin_run_queued`]).
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedOperation {
    /// Operation name (`create`, `close`, ...).
    pub operation: String,
    /// Unique key: run key + operation.
    pub idempotency_key: String,
    /// What the operation needs besides the run, and who owns it.
    pub payload: serde_json::Value,
}

/// Queues `op` of `run_key` inside `tx` (or replaces the payload of the one
/// already queued under its key).
pub(super) fn queue(
    tx: &rusqlite::Transaction<'_>,
    path: &std::path::Path,
    run_key: &str,
    op: &QueuedOperation,
    now: i64,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (run_key, operation, idempotency_key, payload, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT(idempotency_key) DO UPDATE SET payload = excluded.payload",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            run_key,
            op.operation,
            op.idempotency_key,
            op.payload.to_string(),
            now
        ])
    })
    .map_err(|e| super::store::db_error(path, "writing the outbox", e))?;
    Ok(())
}

/// One operation waiting for delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Run the operation belongs to.
    pub run_key: String,
    /// Operation name (`create`, `close`, `status`, `comment`, `artifact`).
    pub operation: String,
    /// Unique key: run key + operation (+ artifact name).
    pub idempotency_key: String,
    /// What the operation needs besides the run (e.g. the artifact path),
    /// and who owns it (see the reporter).
    pub payload: serde_json::Value,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error, redacted.
    pub last_error: Option<String>,
    /// When it was queued (Unix ms).
    pub created_at_ms: i64,
}

impl History {
    /// Queues an operation, or replaces the payload of the one already
    /// queued under `idempotency_key` (its attempt count is kept).
    ///
    /// Errors: `Database`.
    pub fn outbox_put(
        &mut self,
        run_key: &str,
        operation: &str,
        idempotency_key: &str,
        payload: &serde_json::Value,
    ) -> Result<()> {
        let op = QueuedOperation {
            operation: operation.to_string(),
            idempotency_key: idempotency_key.to_string(),
            payload: payload.clone(),
        };
        let path = self.path().to_path_buf();
        let now = time::now_unix_ms();
        self.write_tx("queueing a provider operation", |tx| {
            queue(tx, &path, run_key, &op, now)
        })
    }

    /// Removes a delivered operation. Returns whether it was still queued.
    ///
    /// Errors: `Database`.
    pub fn outbox_done(&mut self, idempotency_key: &str) -> Result<bool> {
        let path = self.path().to_path_buf();
        let n = self.write_tx("removing a delivered operation", |tx| {
            tx.execute(
                "DELETE FROM outbox WHERE idempotency_key = ?1",
                params![idempotency_key],
            )
            .map_err(|e| super::store::db_error(&path, "writing the outbox", e))
        })?;
        Ok(n > 0)
    }

    /// Records a failed attempt with its (already redacted) error.
    ///
    /// Errors: `Database`.
    pub fn outbox_failed(&mut self, idempotency_key: &str, error: &str) -> Result<()> {
        let now = time::now_unix_ms();
        let path = self.path().to_path_buf();
        self.write_tx("recording a failed delivery", |tx| {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE idempotency_key = ?1",
                params![idempotency_key, error, now],
            )
            .map_err(|e| super::store::db_error(&path, "writing the outbox", e))?;
            Ok(())
        })
    }

    /// Queued operations, oldest first; only `run_key`'s when given.
    ///
    /// Errors: `Database`.
    pub fn outbox_pending(&self, run_key: Option<&str>) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT run_key, operation, idempotency_key, payload, attempts, last_error, created_at
                 FROM outbox WHERE (?1 IS NULL OR run_key = ?1) ORDER BY id",
            )
            .map_err(|e| self.db_error("reading the outbox", e))?;
        let rows = stmt
            .query_map(params![run_key], |row| {
                let payload: String = row.get(3)?;
                Ok(OutboxEntry {
                    run_key: row.get(0)?,
                    operation: row.get(1)?,
                    idempotency_key: row.get(2)?,
                    payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                    attempts: row.get(4)?,
                    last_error: row.get(5)?,
                    created_at_ms: row.get(6)?,
                })
            })
            .map_err(|e| self.db_error("reading the outbox", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error("reading the outbox", e))
    }

    /// Whether `idempotency_key` is still queued.
    ///
    /// Errors: `Database`.
    pub fn outbox_contains(&self, idempotency_key: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM outbox WHERE idempotency_key = ?1",
                params![idempotency_key],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.db_error("reading the outbox", e))
    }
}
