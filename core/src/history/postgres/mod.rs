//! The history in a PostgreSQL database (cargo feature `postgres`): the
//! same runs, cases, per-file durations and metrics as the SQLite file, for
//! many runners sharing one history.
//!
//! [`PgHistory`] holds one connection (the synchronous `postgres` client).
//! Its schema is versioned like the file's: [`PG_MIGRATIONS`] applied in
//! order under an advisory lock, the version kept in `testrelay_schema`;
//! a database of a newer version is refused. A run is recorded in one
//! transaction (retried on a deadlock or serialization failure), so
//! concurrent writers never leave half a run. The URL, which may hold a
//! password, never appears in messages: the history is named by its
//! database, user and host only.
//!
//! Modules: `schema` (the migrations), `record` (writing a run, pruning),
//! `reads` (the queries the analyses and the commands use).

mod reads;
mod record;
mod schema;

use std::cell::RefCell;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Transaction};

use crate::error::{Error, ErrorKind, Result};
pub use schema::PG_SCHEMA_VERSION;
use schema::{MIGRATION_LOCK, PG_MIGRATIONS};

/// How long connecting may take when the URL sets no `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one statement waits for another writer's lock.
const LOCK_TIMEOUT: &str = "30s";

/// Transactions tried in all while PostgreSQL reports a deadlock, a
/// serialization failure or a lock timeout.
const WRITE_ATTEMPTS: u32 = 8;

/// First pause between two attempts; doubled each time, at most 2 s.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);

/// A history in a PostgreSQL database: one connection.
///
/// Reads take `&self`, writes `&mut self`; the handle is `Send` but not
/// `Sync` (one per thread). Dropping it closes the connection.
pub struct PgHistory {
    client: RefCell<Client>,
    /// How messages name the database (no password, no URL).
    location: String,
}

impl std::fmt::Debug for PgHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgHistory")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl PgHistory {
    /// Connects to the database at `url` (`postgres://` or
    /// `postgresql://`, or a `key=value` connection string) without TLS,
    /// and creates or upgrades the schema. A URL without `connect_timeout`
    /// gets 10 s; each statement waits at most 30 s for a lock.
    ///
    /// Errors: `Configuration` when the URL cannot be parsed or asks for
    /// TLS (`sslmode=require`); `Database` when the server cannot be
    /// reached, refuses the login, or holds a testrelay schema of a newer
    /// version (or tables that are not a testrelay history). No message
    /// contains the URL or its password.
    pub fn open(url: &str) -> Result<PgHistory> {
        let mut config: postgres::Config = url.trim().parse().map_err(|_| {
            Error::new(
                ErrorKind::Configuration,
                "the PostgreSQL history URL cannot be parsed; give it as \
                 postgres://USER:PASSWORD@HOST:PORT/DATABASE (see docs/history.md)",
            )
        })?;
        if config.get_ssl_mode() == postgres::config::SslMode::Require {
            return Err(Error::new(
                ErrorKind::Configuration,
                "the PostgreSQL history URL asks for TLS (sslmode=require), which this build \
                 does not support yet; reach the server over a private network or a local \
                 socket with sslmode=disable or prefer (docs/history.md)",
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let location = describe(&config);
        let client = config.connect(NoTls).map_err(|e| {
            Error::new(
                ErrorKind::Database,
                format!("{location}: cannot connect: {}", safe_message(&e)),
            )
        })?;
        let history = PgHistory {
            client: RefCell::new(client),
            location,
        };
        history.exec(
            &format!("SET lock_timeout = '{LOCK_TIMEOUT}'"),
            "configuring the connection",
        )?;
        if history.schema_version()? != Some(PG_SCHEMA_VERSION) {
            history.migrate()?;
        }
        Ok(history)
    }

    /// The database, user and host, for messages (never the password).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Runs `sql` (no parameters, no rows).
    fn exec(&self, sql: &str, what: &str) -> Result<()> {
        self.client
            .borrow_mut()
            .batch_execute(sql)
            .map_err(|e| self.db_error(what, &e))
    }

    /// The stored schema version; `None` when the database has no
    /// testrelay schema.
    fn schema_version(&self) -> Result<Option<i32>> {
        let what = "reading the schema version";
        let mut client = self.client.borrow_mut();
        let exists: bool = client
            .query_one(&format!("SELECT {}", table_exists("testrelay_schema")), &[])
            .map_err(|e| self.db_error(what, &e))?
            .get(0);
        if !exists {
            return Ok(None);
        }
        let version: i32 = client
            .query_one("SELECT max(version) FROM testrelay_schema", &[])
            .map_err(|e| self.db_error(what, &e))?
            .get::<_, Option<i32>>(0)
            .unwrap_or(0);
        Ok(Some(version))
    }

    /// Creates or upgrades the schema in one transaction, under an
    /// advisory lock; looks at the version again once it holds the lock.
    ///
    /// Errors: `Database` for a newer schema, or when `test_runs` exists
    /// without a testrelay schema (another application's table).
    fn migrate(&self) -> Result<()> {
        let location = self.location.clone();
        let what = "creating the schema";
        let mut client = self.client.borrow_mut();
        let mut tx = client
            .transaction()
            .map_err(|e| db_error(&location, what, &e))?;
        let fail = |e: postgres::Error| db_error(&location, what, &e);
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(fail)?;
        let row = tx
            .query_one(
                &format!(
                    "SELECT {}, {}",
                    table_exists("testrelay_schema"),
                    table_exists("test_runs")
                ),
                &[],
            )
            .map_err(fail)?;
        let (has_schema, has_runs): (bool, bool) = (row.get(0), row.get(1));
        let from = if has_schema {
            tx.query_one("SELECT max(version) FROM testrelay_schema", &[])
                .map_err(fail)?
                .get::<_, Option<i32>>(0)
                .unwrap_or(0)
        } else if has_runs {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "{location} has a table test_runs but no testrelay_schema: it is not a \
                     testrelay history; testrelay left it untouched; use another database \
                     or schema (options=-csearch_path=NAME in the URL)"
                ),
            ));
        } else {
            0
        };
        if from > PG_SCHEMA_VERSION {
            return Err(Error::new(
                ErrorKind::Database,
                format!(
                    "{location} is a testrelay history of schema version {from}, written by a \
                     newer testrelay (this one understands up to version {PG_SCHEMA_VERSION}); \
                     testrelay left it untouched; use the newer testrelay"
                ),
            ));
        }
        for (index, script) in PG_MIGRATIONS.iter().enumerate().skip(from as usize) {
            let to = index as i32 + 1;
            let step = format!("migrating to schema version {to}");
            tx.batch_execute(script)
                .and_then(|()| tx.execute("UPDATE testrelay_schema SET version = $1", &[&to]))
                .map_err(|e| db_error(&location, &step, &e))?;
        }
        tx.commit().map_err(fail)
    }

    /// Runs `work` in a transaction and commits it; on a deadlock, a
    /// serialization failure or a lock timeout the transaction is rolled
    /// back and tried again (up to 8 times, with growing pauses), so
    /// `work` must be repeatable.
    fn write_tx<T>(
        &mut self,
        what: &str,
        mut work: impl FnMut(&mut Transaction<'_>) -> Result<T, postgres::Error>,
    ) -> Result<T> {
        let mut pause = FIRST_BACKOFF;
        let mut tries = 1;
        loop {
            let attempt = (|| {
                let mut client = self.client.borrow_mut();
                let mut tx = client.transaction()?;
                let value = work(&mut tx)?;
                tx.commit()?;
                Ok(value)
            })();
            match attempt {
                Ok(value) => return Ok(value),
                Err(e) if is_retryable(&e) && tries < WRITE_ATTEMPTS => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_secs(2));
                    tries += 1;
                }
                Err(e) => return Err(self.db_error(what, &e)),
            }
        }
    }

    /// A `Database` error about this history.
    fn db_error(&self, what: &str, err: &postgres::Error) -> Error {
        db_error(&self.location, what, err)
    }

    /// The row id of the run `run_key`.
    fn run_id_of(&self, run_key: &str) -> Result<i64> {
        let mut args = Args::default();
        args.push(run_key.to_string());
        self.collect(
            "SELECT id FROM test_runs WHERE run_key = $1",
            &args,
            |row| row.try_get(0),
            &format!("looking up run {run_key:?}"),
        )?
        .pop()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!(
                    "{}: no run with key {run_key:?}; record it first, or check the key",
                    self.location
                ),
            )
        })
    }

    /// Runs `sql` with `args` and maps every row.
    fn collect<T>(
        &self,
        sql: &str,
        args: &Args,
        mut map: impl FnMut(&Row) -> Result<T, postgres::Error>,
        what: &str,
    ) -> Result<Vec<T>> {
        let rows = self
            .client
            .borrow_mut()
            .query(sql, &args.refs())
            .map_err(|e| self.db_error(what, &e))?;
        rows.iter()
            .map(|row| map(row).map_err(|e| self.db_error(what, &e)))
            .collect()
    }
}

impl PgHistory {
    /// [`PgHistory::collect`] with a mapping that may fail on a stored
    /// value (an unknown status, bad JSON).
    fn collect_mapped<T>(
        &self,
        sql: &str,
        args: &Args,
        what: &str,
        map: impl Fn(&Row) -> std::result::Result<T, RowError>,
    ) -> Result<Vec<T>> {
        let rows = self
            .client
            .borrow_mut()
            .query(sql, &args.refs())
            .map_err(|e| self.db_error(what, &e))?;
        rows.iter()
            .map(|row| {
                map(row).map_err(|e| match e {
                    RowError::Db(e) => self.db_error(what, &e),
                    RowError::Value(message) => Error::new(
                        ErrorKind::Database,
                        format!("{}: {what}: {message}", self.location),
                    ),
                })
            })
            .collect()
    }
}

/// Why a row could not be read: the driver's error or a stored value that
/// is not what testrelay writes.
enum RowError {
    Db(postgres::Error),
    Value(String),
}

impl From<postgres::Error> for RowError {
    fn from(e: postgres::Error) -> RowError {
        RowError::Db(e)
    }
}

/// Query parameters in order, each pushed as `$n`.
#[derive(Default)]
struct Args {
    values: Vec<Box<dyn ToSql + Sync>>,
}

impl Args {
    /// Adds `value` and returns its placeholder.
    fn push(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.values.push(Box::new(value));
        format!("${}", self.values.len())
    }

    /// The values as the client takes them.
    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.values.iter().map(|v| v.as_ref()).collect()
    }
}

/// SQL that is true when `table` exists in the schema new tables go to.
/// It reads the catalog through the statement's snapshot (not the
/// connection's cache of names), so it sees what another connection
/// committed while this one waited for the migration lock.
fn table_exists(table: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_tables \
         WHERE schemaname = current_schema() AND tablename = '{table}')"
    )
}

/// True for the failures a retried transaction can get past.
fn is_retryable(err: &postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::LOCK_NOT_AVAILABLE
    )
}

/// `PostgreSQL history DB (user U on HOST:PORT)`, for messages.
fn describe(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("(default user)");
    let db = config.get_dbname().unwrap_or(user);
    format!("PostgreSQL history {db} (user {user} on {host}:{port})")
}

/// The driver's message: the server's own message for a database error,
/// the driver's description otherwise (neither contains the URL).
fn safe_message(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => err.to_string(),
    }
}

/// A `Database` error: `LOCATION: WHAT: MESSAGE`, keeping the cause.
fn db_error(location: &str, what: &str, err: &postgres::Error) -> Error {
    let kind = if err.is_closed() {
        ErrorKind::Connection
    } else {
        ErrorKind::Database
    };
    Error::new(kind, format!("{location}: {what}: {}", safe_message(err)))
}
