-- A schema version 1 history, as testrelay 83ed3e4 (the last version that
-- wrote schema 1) left it after recording two runs of the same tests:
-- run-1 with a failure, a flaky case with a rerun and a `type` property, a
-- test with an explicit id and no file, and a skipped case; run-2 in which
-- the explicit id has another name and classname, one case appears twice
-- and a new test errors. Rows dumped table by table. Used by the migration
-- tests (history_store.rs): opening it must upgrade it in place.
PRAGMA application_id = 0x54524C59;
PRAGMA user_version = 1;
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
INSERT INTO test_runs (id, run_key, name, status, provider, repository, build_id, build_url, commit_sha, branch, base_branch, pr_number, shard_index, shard_total, created_at, completed_at, duration, total_tasks, completed_tasks, passed_tasks, failed_tasks, error_tasks, skipped_tasks, flaky_tasks, metadata) VALUES (1, 'run-1', 'unit', 'failed', 'local', 'o/r', NULL, NULL, 'sha-run-1', 'main', NULL, NULL, 0, 2, 1767225600000, 1767225605000, 5.0, 5, 5, 2, 1, 0, 1, 1, '{"env":"ci"}');
INSERT INTO test_runs (id, run_key, name, status, provider, repository, build_id, build_url, commit_sha, branch, base_branch, pr_number, shard_index, shard_total, created_at, completed_at, duration, total_tasks, completed_tasks, passed_tasks, failed_tasks, error_tasks, skipped_tasks, flaky_tasks, metadata) VALUES (2, 'run-2', 'unit', 'failed', 'local', 'o/r', NULL, NULL, 'sha-run-2', 'main', NULL, NULL, 0, 2, 1767229200000, 1767229205000, 5.0, 6, 6, 5, 0, 1, 0, 0, '{"env":"ci"}');
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (1, 1, 'f4f0999098759883', 'test_add', 'calc.T', 'suite', 'tests/calc.py', NULL, 'test', 'passed', 1795314585125, 1795314585125, 0.125, NULL, NULL, NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (2, 1, '61ee42da30cfa9c0', 'test_div', 'calc.T', 'suite', 'tests/calc.py', 12, 'test', 'failed', 1795314585125, 1795314585125, 0.5, 'ZeroDivisionError', 'trace
line 2', NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (3, 1, '8380a3ab2b8b0095', 'test_fetch', 'net.T', 'suite', 'tests/net.py', NULL, 'integration', 'flaky', 1795314585125, 1795314585125, 1.5, NULL, NULL, '[{"status":"failed","duration_seconds":1.0,"message":"timeout","details":null,"stdout":null,"stderr":null}]', '{"owner":"net","type":"integration"}');
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (4, 1, 'custom-id', 'custom', '', '', NULL, NULL, 'test', 'passed', 1795314585125, 1795314585125, 0.25, NULL, NULL, NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (5, 1, '8db9267d70619c95', 'test_skip', 'calc.T', 'suite', 'tests/calc.py', NULL, 'test', 'skipped', 1795314585125, 1795314585125, 0.0, 'not today', NULL, NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (6, 2, 'f4f0999098759883', 'test_add', 'calc.T', 'suite', 'tests/calc.py', NULL, 'test', 'passed', 1795314585127, 1795314585127, 0.25, NULL, NULL, NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (7, 2, '61ee42da30cfa9c0', 'test_div', 'calc.T', 'suite', 'tests/calc.py', 12, 'test', 'passed', 1795314585127, 1795314585127, 0.5, NULL, NULL, NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (8, 2, '8380a3ab2b8b0095', 'test_fetch', 'net.T', 'suite', 'tests/net.py', NULL, 'integration', 'passed', 1795314585127, 1795314585127, 1.25, NULL, NULL, NULL, '{"type":"integration"}');
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (9, 2, '8380a3ab2b8b0095', 'test_fetch', 'net.T', 'suite', 'tests/net.py', NULL, 'integration', 'passed', 1795314585127, 1795314585127, 1.25, NULL, NULL, NULL, '{"type":"integration"}');
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (10, 2, 'custom-id', 'custom renamed', 'Other', '', NULL, NULL, 'test', 'passed', 1795314585127, 1795314585127, 0.25, NULL, NULL, NULL, NULL);
INSERT INTO test_tasks (id, run_id, test_id, name, classname, suite, file, line, type, status, created_at, completed_at, duration, message, error, attempts, properties) VALUES (11, 2, 'fd3e3db8566bd55c', 'test_new', 'calc.T', 'suite', 'tests/calc.py', NULL, 'test', 'error', 1795314585127, 1795314585127, 2.0, NULL, NULL, NULL, NULL);
INSERT INTO run_files (run_id, file, cases, duration) VALUES (1, 'tests/calc.py', 2, 0.625);
INSERT INTO run_files (run_id, file, cases, duration) VALUES (1, 'tests/net.py', 1, 1.5);
INSERT INTO run_files (run_id, file, cases, duration) VALUES (2, 'tests/calc.py', 3, 2.75);
INSERT INTO run_files (run_id, file, cases, duration) VALUES (2, 'tests/net.py', 2, 2.5);
INSERT INTO performance_metrics (id, run_id, task_id, test_id, metric_name, metric_value, unit, recorded_at) VALUES (1, 1, 3, '8380a3ab2b8b0095', 'frame_ms', 16.5, 'ms', 1767225601000);
INSERT INTO performance_metrics (id, run_id, task_id, test_id, metric_name, metric_value, unit, recorded_at) VALUES (2, 1, NULL, NULL, 'build_time', 41.5, 's', 1767225600000);
INSERT INTO performance_metrics (id, run_id, task_id, test_id, metric_name, metric_value, unit, recorded_at) VALUES (3, 2, 9, '8380a3ab2b8b0095', 'frame_ms', 17.0, 'ms', 1767229201000);
