//! The history schema: one SQL script per version, applied in order and
//! recorded in `PRAGMA user_version`.
//!
//! Conventions: times are integer Unix milliseconds (UTC); durations are
//! seconds as `REAL`; statuses are the lower-case names of
//! [`CaseStatus`](crate::CaseStatus) and [`RunStatus`](crate::RunStatus);
//! JSON columns hold compact JSON or `NULL` when empty.
//!
//! Since version 2 a test's identity (stable id, name, classname, suite,
//! file) is stored once in `tests`, and each stored case in `test_tasks`
//! refers to it by `test_ref`; see [`V2`].
//!
//! A migration is never edited once released: a change is a new script
//! appended to [`MIGRATIONS`].

/// `PRAGMA application_id` of a testrelay history ("TRLY" in ASCII), so a
/// testrelay file is recognised for what it is and other files are not.
pub(super) const APPLICATION_ID: i32 = 0x5452_4C59;

/// The migration scripts; script `i` takes the schema from version `i` to
/// version `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

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

/// Columns of `test_tasks` other than `id`, `run_id` and `test_ref`.
pub(super) const TASK_COLUMNS: &str = "line, type, status, created_at, completed_at, duration, \
     message, error, attempts, properties";

/// The columns of `tests` but `id`: the identity and its lookup key.
pub(super) const TEST_COLUMNS: &str = "test_key, test_id, name, classname, suite, file";

/// True when the `tests` rows `a` and `b` (SQL aliases) are the same test
/// identity (`file` may be `NULL`); the key comparison comes first so that
/// SQLite looks rows up through the `test_key` index.
pub(super) fn same_test(a: &str, b: &str) -> String {
    format!(
        "{a}.test_key = {b}.test_key AND {a}.test_id = {b}.test_id AND {a}.name = {b}.name \
         AND {a}.classname = {b}.classname AND {a}.suite = {b}.suite AND {a}.file IS {b}.file"
    )
}

/// The SQL function that computes `tests.test_key` from a test id
/// ([`test_key`](super::identities::test_key)); registered on every
/// connection of [`History`](super::History), used by the upgrade to
/// version 3.
pub(super) const TEST_KEY_FUNCTION: &str = "testrelay_test_key";

/// Columns of `performance_metrics` other than `id`, `run_id` and `task_id`.
pub(super) const METRIC_COLUMNS: &str = "test_id, metric_name, metric_value, unit, recorded_at";

/// Columns of `run_files` other than `run_id`.
pub(super) const RUN_FILE_COLUMNS: &str = "file, cases, duration";

/// Columns of `artifacts` other than `id` and `run_id`.
pub(super) const ARTIFACT_COLUMNS: &str = "name, path, size, sha256, content_type, labels, url, \
     created_at, semantic_type, metadata, content_index";

/// The artifacts' side tables (since version 4), each keyed by
/// `artifact_id`, with their other columns.
pub(super) const ARTIFACT_SIDE_TABLES: &[(&str, &str)] = &[
    ("artifact_labels", "label"),
    ("artifact_metadata", "key, value"),
    ("artifact_values", "path, value"),
];

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

/// Version 2: test identities move to `tests`, stored once across runs.
///
/// A `tests` row is one identity: stable id, name, classname, suite and
/// file (a test id recorded under another name is a second row, so every
/// case reads back as recorded). `test_tasks` keeps per-case values and
/// `test_ref`; its `type` is `NULL` for the default `test`. Storing a run
/// of tests already known then writes small rows with integer keys, and the
/// per-test index `(test_ref, run_id)` has integer keys too.
///
/// The upgrade copies every case; it needs foreign key enforcement off
/// (the old `test_tasks` is dropped and the new one renamed in its place),
/// which [`History`](super::History) arranges around the transaction.
const V2: &str = "
CREATE TABLE tests (
    id        INTEGER PRIMARY KEY,
    test_id   TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    classname TEXT    NOT NULL DEFAULT '',
    suite     TEXT    NOT NULL DEFAULT '',
    file      TEXT
);
INSERT INTO tests (test_id, name, classname, suite, file)
    SELECT test_id, name, classname, suite, file FROM test_tasks
    GROUP BY test_id, name, classname, suite, file ORDER BY min(id);
CREATE INDEX tests_test ON tests(test_id);

CREATE TABLE test_tasks_v2 (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,
    test_ref     INTEGER NOT NULL REFERENCES tests(id),
    line         INTEGER,
    type         TEXT,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER,
    duration     REAL    NOT NULL,
    message      TEXT,
    error        TEXT,
    attempts     TEXT,
    properties   TEXT
);
INSERT INTO test_tasks_v2 (id, run_id, test_ref, line, type, status, created_at, completed_at,
        duration, message, error, attempts, properties)
    SELECT t.id, t.run_id, s.id, t.line, nullif(t.type, 'test'), t.status, t.created_at,
        t.completed_at, t.duration, t.message, t.error, t.attempts, t.properties
    FROM test_tasks t JOIN tests s ON s.test_id = t.test_id AND s.name = t.name
        AND s.classname = t.classname AND s.suite = t.suite AND s.file IS t.file
    ORDER BY t.id;
DROP TABLE test_tasks;
ALTER TABLE test_tasks_v2 RENAME TO test_tasks;
CREATE INDEX test_tasks_run ON test_tasks(run_id);
CREATE INDEX test_tasks_test ON test_tasks(test_ref, run_id);
";

/// Version 3: tests are looked up by an integer key, a 64-bit hash of the
/// test id ([`TEST_KEY_FUNCTION`]), instead of by the id's text.
///
/// Test ids are hashes themselves, so new tests land at random places of
/// any index on them. An index of integers is a third of the size of one of
/// 16-character strings and compares faster: adding the tests of a first
/// run of 1M cases takes half the time. Lookups compare the id as well, so
/// two ids with the same key (about one chance in 40 million among a
/// million tests) stay two tests.
const V3: &str = "
ALTER TABLE tests ADD COLUMN test_key INTEGER NOT NULL DEFAULT 0;
UPDATE tests SET test_key = testrelay_test_key(test_id);
DROP INDEX tests_test;
CREATE INDEX tests_key ON tests(test_key);
";

/// Version 4: artifacts get a semantic type, key/value metadata and a
/// content index, each searchable through an index.
///
/// Before version 4 `labels` held key/value pairs; they move to
/// `metadata` (a JSON object), and `labels` holds a JSON array of plain
/// labels. The side tables repeat labels, metadata and the numeric leaves
/// of JSON artifacts (`content_index`, a JSON object of dotted path to
/// number) one row each, keyed for lookups by value; the JSON columns are
/// what reads return. Deleting an artifact deletes its side rows.
const V4: &str = "
ALTER TABLE artifacts ADD COLUMN semantic_type TEXT NOT NULL DEFAULT 'other';
ALTER TABLE artifacts ADD COLUMN metadata TEXT;
ALTER TABLE artifacts ADD COLUMN content_index TEXT;
UPDATE artifacts SET metadata = CASE WHEN json_valid(labels) AND labels <> '{}' THEN labels END,
    labels = NULL;
CREATE INDEX artifacts_created ON artifacts(created_at, id);
CREATE INDEX artifacts_type ON artifacts(semantic_type, created_at, id);
CREATE INDEX artifacts_name ON artifacts(name, created_at);

CREATE TABLE artifact_labels (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    PRIMARY KEY (label, artifact_id)
) WITHOUT ROWID;
CREATE INDEX artifact_labels_artifact ON artifact_labels(artifact_id);

CREATE TABLE artifact_metadata (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (key, value, artifact_id)
) WITHOUT ROWID;
CREATE INDEX artifact_metadata_artifact ON artifact_metadata(artifact_id);
INSERT INTO artifact_metadata (artifact_id, key, value)
    SELECT a.id, j.key, CAST(j.value AS TEXT) FROM artifacts a, json_each(a.metadata) j
    WHERE a.metadata IS NOT NULL;

CREATE TABLE artifact_values (
    artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
    path        TEXT    NOT NULL,
    value       REAL    NOT NULL,
    PRIMARY KEY (path, value, artifact_id)
) WITHOUT ROWID;
CREATE INDEX artifact_values_artifact ON artifact_values(artifact_id);
";
