//! The history schema: one SQL script per version, applied in order and
//! recorded in `PRAGMA user_version`.
//!
//! Conventions: times are integer Unix milliseconds (UTC); durations are
//! seconds as `REAL`; statuses are the lower-case names of
//! [`CaseStatus`](crate::CaseStatus) and [`RunStatus`](crate::RunStatus);
//! JSON columns hold compact JSON or `NULL` when empty.
//!
//! A migration is never edited once released: a change is a new script
//! appended to [`MIGRATIONS`].

/// `PRAGMA application_id` of a testrelay history ("TRLY" in ASCII), so a
/// testrelay file is recognised for what it is and other files are not.
pub(super) const APPLICATION_ID: i32 = 0x5452_4C59;

/// The migration scripts; script `i` takes the schema from version `i` to
/// version `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[V1];

/// The tables version 1 created. Every history has them; later versions
/// may add tables but never drop these.
pub(super) const V1_TABLES: &[&str] = &[
    "artifacts",
    "outbox",
    "performance_metrics",
    "run_files",
    "test_runs",
    "test_tasks",
];

/// Columns of `test_runs` other than `id`, in one place for the INSERT,
/// SELECT and merge statements.
pub(super) const RUN_COLUMNS: &str = "run_key, name, status, provider, repository, build_id, \
     build_url, commit_sha, branch, base_branch, pr_number, shard_index, shard_total, \
     created_at, completed_at, duration, total_tasks, completed_tasks, passed_tasks, \
     failed_tasks, error_tasks, skipped_tasks, flaky_tasks, metadata";

/// Columns of `test_tasks` other than `id` and `run_id`.
pub(super) const TASK_COLUMNS: &str = "test_id, name, classname, suite, file, line, type, \
     status, created_at, completed_at, duration, message, error, attempts, properties";

/// Columns of `performance_metrics` other than `id`, `run_id` and `task_id`.
pub(super) const METRIC_COLUMNS: &str = "test_id, metric_name, metric_value, unit, recorded_at";

/// Columns of `run_files` other than `run_id`.
pub(super) const RUN_FILE_COLUMNS: &str = "file, cases, duration";

/// Columns of `artifacts` other than `id` and `run_id`.
pub(super) const ARTIFACT_COLUMNS: &str =
    "name, path, size, sha256, content_type, labels, url, created_at";

/// Version 1: runs, cases (tasks), per-file totals, metrics, artifacts and
/// the reporter's outbox.
///
/// `test_tasks` has two indexes only, because every index adds a B-tree
/// insert per stored case, and that is most of the cost of storing one:
/// `run_id` (append-only, as row ids grow) and `test_id` (a test across runs). Per-file durations are kept as totals per
/// run in `run_files` (written with each batch of cases) instead of a third
/// index.
const V1: &str = "
CREATE TABLE test_runs (
    id              INTEGER PRIMARY KEY,
    run_key         TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    provider        TEXT    NOT NULL DEFAULT '',
    repository      TEXT,
    build_id        TEXT,
    build_url       TEXT,
    commit_sha      TEXT,
    branch          TEXT,
    base_branch     TEXT,
    pr_number       INTEGER,
    shard_index     INTEGER,
    shard_total     INTEGER,
    created_at      INTEGER NOT NULL,
    completed_at    INTEGER,
    duration        REAL    NOT NULL DEFAULT 0,
    total_tasks     INTEGER NOT NULL DEFAULT 0,
    completed_tasks INTEGER NOT NULL DEFAULT 0,
    passed_tasks    INTEGER NOT NULL DEFAULT 0,
    failed_tasks    INTEGER NOT NULL DEFAULT 0,
    error_tasks     INTEGER NOT NULL DEFAULT 0,
    skipped_tasks   INTEGER NOT NULL DEFAULT 0,
    flaky_tasks     INTEGER NOT NULL DEFAULT 0,
    metadata        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX test_runs_created ON test_runs(created_at, id);
CREATE INDEX test_runs_branch ON test_runs(branch, created_at, id);
CREATE INDEX test_runs_commit ON test_runs(commit_sha, created_at, id);
CREATE INDEX test_runs_provider ON test_runs(provider, created_at, id);

CREATE TABLE test_tasks (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    test_id      TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    classname    TEXT    NOT NULL DEFAULT '',
    suite        TEXT    NOT NULL DEFAULT '',
    file         TEXT,
    line         INTEGER,
    type         TEXT    NOT NULL DEFAULT 'test',
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER,
    duration     REAL    NOT NULL,
    message      TEXT,
    error        TEXT,
    attempts     TEXT,
    properties   TEXT
);
CREATE INDEX test_tasks_run ON test_tasks(run_id);
CREATE INDEX test_tasks_test ON test_tasks(test_id, run_id);

-- Per run and source file: how many cases ran (not skipped) and their
-- total duration in seconds.
CREATE TABLE run_files (
    run_id   INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    file     TEXT    NOT NULL,
    cases    INTEGER NOT NULL,
    duration REAL    NOT NULL,
    PRIMARY KEY (file, run_id)
) WITHOUT ROWID;
CREATE INDEX run_files_run ON run_files(run_id);

CREATE TABLE performance_metrics (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    task_id      INTEGER REFERENCES test_tasks(id) ON DELETE SET NULL,
    test_id      TEXT,
    metric_name  TEXT    NOT NULL,
    metric_value REAL    NOT NULL,
    unit         TEXT    NOT NULL DEFAULT '',
    recorded_at  INTEGER NOT NULL
);
CREATE INDEX performance_metrics_name ON performance_metrics(metric_name, recorded_at);
CREATE INDEX performance_metrics_run ON performance_metrics(run_id);
CREATE INDEX performance_metrics_task ON performance_metrics(task_id);

CREATE TABLE artifacts (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    path         TEXT,
    size         INTEGER,
    sha256       TEXT,
    content_type TEXT,
    labels       TEXT,
    url          TEXT,
    created_at   INTEGER NOT NULL
);
CREATE INDEX artifacts_run ON artifacts(run_id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    run_key         TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at, id);
CREATE INDEX outbox_run ON outbox(run_key);
";
