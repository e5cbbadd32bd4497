//! Opening the history file: recognising what the file is, applying the
//! schema migrations, connection settings, and the one way to write (an
//! immediate transaction, retried while another process holds the lock).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::functions::FunctionFlags;
use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior,
};

use super::identities::{IdentityCache, test_key};
use super::schema::{APPLICATION_ID, MIGRATIONS, TEST_KEY_FUNCTION, V1_TABLES};
use crate::error::{Error, ErrorKind, Result};

/// The schema version this build writes and understands (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// How long one SQLite call waits for another process's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Write transactions tried in all while SQLite still reports the database
/// busy or locked after [`BUSY_TIMEOUT`].
const WRITE_ATTEMPTS: u32 = 8;

/// First pause between two write attempts; doubled each time, at most 2 s.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);

/// Page cache per connection, in KiB (negative `cache_size` means KiB).
const CACHE_KIB: i64 = 65_536;

/// Page size of a new history file, in bytes (SQLite's default is 4096).
/// Storing a run writes many rows at once and queries read many rows of a
/// run or of a test; with 16 KiB pages B-trees are shallower and commits
/// write fewer WAL frames (storing 1M new cases is about a sixth faster).
/// A file keeps the page size it was created with.
const PAGE_SIZE: i64 = 16_384;

/// What to tell people whose file is not a usable history.
const RECOVERY_HINT: &str =
    "testrelay left it untouched; move the file away or set history_path to another file";

/// The local history store: one SQLite connection to one file.
///
/// Reads take `&self`; writes take `&mut self` and run in `BEGIN IMMEDIATE`
/// transactions, retried while another process writes, so several processes
/// can share one file. The handle is `Send` but not `Sync`: give each thread
/// its own handle, or one writer thread.
#[derive(Debug)]
pub struct History {
    pub(super) conn: Connection,
    path: PathBuf,
    /// Every stored test identity, between batches of this handle's own
    /// writes (see [`IdentityCache`]); `None` until a batch reads them all.
    pub(super) identities: Option<IdentityCache>,
}

/// What [`inspect`] found in a file.
enum Contents {
    /// A new or empty database: no tables, no version.
    Empty,
    /// A testrelay history at this schema version (at most [`SCHEMA_VERSION`]).
    History(i32),
}

impl History {
    /// Opens the history at `path`, creating the file (and its parent
    /// directories) when missing and bringing an older schema up to date.
    ///
    /// Nothing is ever deleted or overwritten on open. Sets WAL journaling,
    /// a 30 s busy timeout and foreign keys on.
    ///
    /// Errors: `Io` when the directory cannot be created; `Database` when the
    /// file is not a SQLite database, is a damaged one, belongs to another
    /// application, or was written by a newer testrelay. The message says
    /// what the file is and how to recover; the file is left untouched.
    /// `InvalidArgument` for an empty path (SQLite would open a private
    /// temporary database instead); `Unsupported` for a PostgreSQL URL
    /// ([`is_database_url`](super::is_database_url)): this is the file;
    /// [`HistoryStore::open`](super::HistoryStore::open) opens either.
    pub fn open(path: &Path) -> Result<History> {
        if path.as_os_str().is_empty() {
            return Err(Error::invalid(
                "the history path is empty: give the history file's path",
            ));
        }
        if path.to_str().is_some_and(super::url::is_database_url) {
            return Err(super::url::unsupported_url("the history path"));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io("creating the history directory", parent, e))?;
        }
        let conn = Connection::open(path).map_err(|e| file_error(path, "opening", e))?;
        let mut history = History {
            conn,
            path: path.to_path_buf(),
            identities: None,
        };
        history.configure()?;
        let contents = inspect(&history.conn, path)?;
        if matches!(contents, Contents::Empty) {
            history
                .conn
                .pragma_update(None, "page_size", PAGE_SIZE)
                .map_err(|e| file_error(path, "setting the page size", e))?;
        }
        history.enable_wal()?;
        if !matches!(contents, Contents::History(SCHEMA_VERSION)) {
            history.migrate()?;
        }
        Ok(history)
    }

    /// The file this history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Per-connection settings; none of them writes to the file.
    fn configure(&self) -> Result<()> {
        let conn = &self.conn;
        conn.busy_timeout(BUSY_TIMEOUT)
            .and_then(|()| conn.pragma_update(None, "foreign_keys", true))
            .and_then(|()| conn.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|()| conn.pragma_update(None, "cache_size", -CACHE_KIB))
            .and_then(|()| conn.pragma_update(None, "temp_store", "MEMORY"))
            .and_then(|()| {
                conn.create_scalar_function(
                    TEST_KEY_FUNCTION,
                    1,
                    FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
                    |ctx| {
                        let id = ctx.get_raw(0).as_str();
                        id.map(test_key)
                            .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
                    },
                )
            })
            .map_err(|e| file_error(&self.path, "configuring the connection", e))?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(())
    }

    /// Switches the file to WAL journaling (a no-op when it already is).
    fn enable_wal(&self) -> Result<()> {
        retry_busy(&self.path, "switching to WAL journaling", || {
            let mode: String = self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(|e| self.db_error("switching to WAL journaling", e))?;
            if mode.eq_ignore_ascii_case("wal") {
                Ok(())
            } else {
                Err(Error::new(
                    ErrorKind::Database,
                    format!(
                        "history {}: SQLite kept journal mode {mode:?} instead of WAL \
                         (the file system may not support shared memory); \
                         set history_path to a file on a local disk",
                        self.path.display()
                    ),
                ))
            }
        })
    }

    /// Creates or upgrades the schema. Runs under the write lock and looks at
    /// the file again first, so concurrent first opens create it once.
    ///
    /// Foreign key enforcement is off during the upgrade (SQLite's way to
    /// rebuild a table that others refer to) and the result is checked with
    /// `PRAGMA foreign_key_check` before the commit; all of it is one
    /// transaction, so a failed upgrade leaves the file as it was.
    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let set_foreign_keys = |conn: &Connection, on: bool| {
            conn.pragma_update(None, "foreign_keys", on)
                .map_err(|e| db_error(&path, "switching foreign key enforcement", e))
        };
        set_foreign_keys(&self.conn, false)?;
        let migrated = self.upgrade_schema();
        set_foreign_keys(&self.conn, true)?;
        migrated
    }

    /// The transaction of [`History::migrate`].
    fn upgrade_schema(&mut self) -> Result<()> {
        let path = self.path.clone();
        self.write_tx("creating the schema", |tx| {
            let from = match inspect(tx, &path)? {
                Contents::Empty => 0,
                Contents::History(version) => version,
            };
            for (index, script) in MIGRATIONS.iter().enumerate().skip(from as usize) {
                let to = index as i32 + 1;
                tx.execute_batch(script)
                    .and_then(|()| tx.pragma_update(None, "user_version", to))
                    .map_err(|e| {
                        db_error(&path, &format!("migrating to schema version {to}"), e)
                    })?;
            }
            check_foreign_keys(tx, &path)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|e| db_error(&path, "marking the file as a testrelay history", e))
        })
    }

    /// Runs `work` in a `BEGIN IMMEDIATE` transaction and commits it.
    ///
    /// While SQLite reports the database busy or locked (after its own 30 s
    /// wait), the whole transaction is rolled back and tried again, up to
    /// 8 times with growing pauses; `work` must therefore be repeatable.
    /// `what` names the operation in error messages.
    ///
    /// Errors: whatever `work` returns; `Database` when SQLite fails or the
    /// lock stays taken.
    pub(crate) fn write_tx<T>(
        &mut self,
        what: &str,
        mut work: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path.clone();
        let conn = &mut self.conn;
        retry_busy(&path, what, || {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| db_error(&path, what, e))?;
            let value = work(&tx)?;
            tx.commit().map_err(|e| db_error(&path, what, e))?;
            Ok(value)
        })
    }

    /// A `Database` error about this history.
    pub(crate) fn db_error(&self, what: &str, err: rusqlite::Error) -> Error {
        db_error(&self.path, what, err)
    }
}

/// Fails when a row refers to a row that does not exist (after an upgrade).
fn check_foreign_keys(conn: &Connection, path: &Path) -> Result<()> {
    let broken: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
        .optional()
        .map_err(|e| db_error(path, "checking references after the upgrade", e))?;
    match broken {
        None => Ok(()),
        Some(table) => Err(Error::new(
            ErrorKind::Database,
            format!(
                "history {}: after the schema upgrade, table {table} refers to rows that do \
                 not exist; the upgrade was rolled back and the file is unchanged; \
                 keep a copy and report this, or set history_path to another file",
                path.display()
            ),
        )),
    }
}

/// Runs `attempt` until it succeeds, fails with something other than a busy
/// or locked database, or has been tried [`WRITE_ATTEMPTS`] times.
fn retry_busy<T>(path: &Path, what: &str, mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    let mut pause = FIRST_BACKOFF;
    let mut tries = 1;
    loop {
        match attempt() {
            Err(err) if is_busy(&err) => {
                if tries == WRITE_ATTEMPTS {
                    return Err(Error::new(
                        ErrorKind::Database,
                        format!(
                            "history {}: {what}: the database stayed locked by another \
                             process ({tries} attempts of up to {} s each); retry later, \
                             or look for a hung process holding the file",
                            path.display(),
                            BUSY_TIMEOUT.as_secs()
                        ),
                    )
                    .with_source(err));
                }
                std::thread::sleep(pause + jitter(pause));
                pause = (pause * 2).min(Duration::from_secs(2));
                tries += 1;
            }
            other => return other,
        }
    }
}

/// Up to half of `pause`, varying between processes and calls, so that
/// processes that collided do not retry in lockstep.
fn jitter(pause: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let seed = u64::from(nanos ^ std::process::id().rotate_left(16));
    let half = (pause.as_micros() as u64 / 2).max(1);
    Duration::from_micros(seed % half)
}

/// True when `err` is SQLite's "database is busy" or "database is locked".
fn is_busy(err: &Error) -> bool {
    let Some(source) = std::error::Error::source(err) else {
        return false;
    };
    matches!(
        source.downcast_ref::<rusqlite::Error>(),
        Some(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// A `Database` error: `history PATH: WHAT: SQLITE MESSAGE`, keeping the
/// cause. When SQLite could not write (a full disk, `SQLITE_FULL`, or an
/// I/O failure such as a file-size limit, `SQLITE_IOERR`) it is an `Io`
/// error that says what to do ([`Error::is_storage_failure`]).
pub(super) fn db_error(path: &Path, what: &str, err: rusqlite::Error) -> Error {
    let code = match &err {
        rusqlite::Error::SqliteFailure(e, _) => Some(e.code),
        _ => None,
    };
    if matches!(code, Some(ErrorCode::DiskFull | ErrorCode::SystemIoFailure)) {
        return Error::new(
            ErrorKind::Io,
            format!(
                "history {}: {what}: {err}: the disk holding it is full or failed (or a \
                 file-size limit was reached); free space, then `testrelay flush` delivers \
                 what is queued",
                path.display()
            ),
        )
        .with_source(err);
    }
    Error::new(
        ErrorKind::Database,
        format!("history {}: {what}: {err}", path.display()),
    )
    .with_source(err)
}

/// Turns SQLite's "not a database" and "malformed" into messages that say
/// what the file is and what to do.
fn file_error(path: &Path, what: &str, err: rusqlite::Error) -> Error {
    let code = match &err {
        rusqlite::Error::SqliteFailure(e, _) => Some(e.code),
        _ => None,
    };
    let message = match code {
        Some(ErrorCode::NotADatabase) => format!(
            "{} is not a SQLite database, so it cannot be a testrelay history; {RECOVERY_HINT}",
            path.display()
        ),
        Some(ErrorCode::DatabaseCorrupt) => format!(
            "{} is a damaged SQLite database ({err}); {RECOVERY_HINT} \
             (keep a copy if you want to try `sqlite3 FILE .recover`)",
            path.display()
        ),
        Some(ErrorCode::CannotOpen) => format!(
            "cannot open the history {} ({err}); check that the path names a file \
             in a writable directory, or set history_path to another file",
            path.display()
        ),
        _ => return db_error(path, what, err),
    };
    Error::new(ErrorKind::Database, message).with_source(err)
}

/// Says whether `conn`'s main database is empty or a usable testrelay
/// history, and at which version. Only reads.
///
/// Errors: `Database` naming what the file is when it is anything else.
fn inspect(conn: &Connection, path: &Path) -> Result<Contents> {
    let read = |sql: &str| -> Result<i32> {
        conn.query_row(sql, [], |row| row.get(0))
            .map_err(|e| file_error(path, "reading the file header", e))
    };
    let application_id = read("PRAGMA application_id")?;
    let version = read("PRAGMA user_version")?;
    let mut tables = {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_schema \
                 WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            )
            .map_err(|e| file_error(path, "listing tables", e))?;
        stmt.query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<String>>>())
            .map_err(|e| file_error(path, "listing tables", e))?
    };
    tables.sort();
    let shown = path.display();
    if application_id != 0 && application_id != APPLICATION_ID {
        return Err(Error::new(
            ErrorKind::Database,
            format!(
                "{shown} is a SQLite database of another application \
                 (application_id {application_id:#010x}), not a testrelay history; {RECOVERY_HINT}"
            ),
        ));
    }
    if application_id == 0 {
        if tables.is_empty() && version == 0 {
            return Ok(Contents::Empty);
        }
        let listed = if tables.is_empty() {
            format!("no tables, user_version {version}")
        } else {
            format!("tables: {}", tables.join(", "))
        };
        return Err(Error::new(
            ErrorKind::Database,
            format!(
                "{shown} is a SQLite database, but not a testrelay history ({listed}); \
                 {RECOVERY_HINT}"
            ),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::new(
            ErrorKind::Database,
            format!(
                "{shown} is a testrelay history of schema version {version}, written by a \
                 newer testrelay (this one understands up to version {SCHEMA_VERSION}); \
                 {RECOVERY_HINT}, or use the newer testrelay"
            ),
        ));
    }
    let missing: Vec<&str> = V1_TABLES
        .iter()
        .copied()
        .filter(|t| {
            tables
                .binary_search_by(|have| have.as_str().cmp(t))
                .is_err()
        })
        .collect();
    if version < 1 || !missing.is_empty() {
        return Err(Error::new(
            ErrorKind::Database,
            format!(
                "{shown} is marked as a testrelay history (schema version {version}) but is \
                 incomplete (missing tables: {}); {RECOVERY_HINT}",
                missing.join(", ")
            ),
        ));
    }
    Ok(Contents::History(version))
}

/// Opens `path` read-only-in-practice to check that it is a testrelay history
/// at the current schema version (used before attaching it for a merge).
///
/// Errors: `NotFound` when it does not exist; `Database` as for
/// [`History::open`], or when its schema version differs from this build's.
pub(super) fn check_current_history(path: &Path) -> Result<()> {
    if !path.is_file() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "history {} does not exist (or is not a file); nothing to merge",
                path.display()
            ),
        ));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| file_error(path, "opening", e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| db_error(path, "configuring the connection", e))?;
    match inspect(&conn, path)? {
        Contents::History(SCHEMA_VERSION) => Ok(()),
        Contents::History(version) => Err(Error::new(
            ErrorKind::Database,
            format!(
                "history {} has schema version {version}, this testrelay writes version \
                 {SCHEMA_VERSION}; open it once with this testrelay (opening upgrades it), \
                 then merge again",
                path.display()
            ),
        )),
        Contents::Empty => Err(Error::new(
            ErrorKind::Database,
            format!(
                "{} is an empty SQLite database, not a testrelay history; nothing to merge",
                path.display()
            ),
        )),
    }
}
