//! The history's operations on both backends: every test runs the same
//! operations on a SQLite file and on a PostgreSQL database, and checks
//! what each returns (and that both return the same). PostgreSQL is the
//! throwaway server `scripts/test-postgres.sh` starts; its URL comes in
//! `TESTRELAY_TEST_POSTGRES_URL`. Without it the tests say that they are
//! skipped, and fail under `CI=true`. Each test works in a schema of its
//! own (created with `psql`), so tests running at once do not meet.
#![cfg(feature = "postgres")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use testrelay::analysis::trends::{Grouping, Timeframe};
use testrelay::history::{
    DurationKey, History, HistoryFilter, HistoryStore, PG_SCHEMA_VERSION, PgHistory, RunRecord,
};
use testrelay::{Attempt, CaseStatus, ErrorKind, Metric, RunStatus, TestCase, TestRun};

const URL_VARIABLE: &str = "TESTRELAY_TEST_POSTGRES_URL";

/// The server's URL; `None` (after saying so) when the variable is unset
/// outside CI.
fn server_url(test: &str) -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{URL_VARIABLE} is not set under CI=true: run scripts/test-postgres.sh, which starts \
             the server these tests need"
        ),
        _ => {
            eprintln!(
                "SKIPPED {test}: {URL_VARIABLE} is not set (scripts/test-postgres.sh starts a \
                 server and sets it)"
            );
            None
        }
    }
}

/// Runs `sql` on the server with psql.
fn psql(url: &str, sql: &str) {
    let psql = std::env::var("TESTRELAY_TEST_PSQL").unwrap_or_else(|_| "psql".into());
    let out = Command::new(psql)
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A URL of the server whose tables live in a new, empty schema.
fn fresh_database(server: &str, test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let schema = format!(
        "t_{}_{}_{}",
        test,
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    psql(server, &format!("CREATE SCHEMA {schema}"));
    let sep = if server.contains('?') { '&' } else { '?' };
    format!("{server}{sep}options=-csearch_path%3D{schema}")
}

/// A SQLite file and a PostgreSQL schema, both empty (the directory keeps
/// the file).
struct Both {
    _dir: tempfile::TempDir,
    file: String,
    pg: String,
}

fn both(test: &str) -> Option<Both> {
    let server = server_url(test)?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.db").to_str().unwrap().to_string();
    Some(Both {
        pg: fresh_database(&server, test),
        file,
        _dir: dir,
    })
}

fn case(id: &str, status: CaseStatus, seconds: f64, file: Option<&str>) -> TestCase {
    TestCase {
        id: id.into(),
        name: format!("test_{id}"),
        classname: "suite.Class".into(),
        suite: "unit".into(),
        file: file.map(str::to_string),
        line: Some(7),
        status,
        duration_seconds: seconds,
        message: (status == CaseStatus::Failed).then(|| "boom".to_string()),
        details: None,
        stdout: None,
        stderr: None,
        attempts: Vec::new(),
        properties: BTreeMap::new(),
    }
}

fn record(key: &str, branch: &str, started: i64) -> RunRecord {
    RunRecord {
        run_key: key.into(),
        name: "unit".into(),
        provider: "local".into(),
        branch: Some(branch.into()),
        commit_sha: Some(format!("sha-{key}")),
        status: RunStatus::Passed,
        started_at_ms: Some(started),
        finished_at_ms: Some(started + 1000),
        duration_seconds: 1.0,
        ..RunRecord::default()
    }
}

/// Five runs on `main`: `a` alternates pass and fail, `b` always passes,
/// `c` passes after a retry in the last run; a metric per run.
fn record_history(store: &mut HistoryStore) {
    let start = 1_700_000_000_000_i64;
    for n in 0..5_i64 {
        let a = if n % 2 == 0 {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        };
        let mut c = case("c", CaseStatus::Passed, 0.25, None);
        if n == 4 {
            c.status = CaseStatus::Flaky;
            c.attempts = vec![Attempt {
                status: CaseStatus::Failed,
                duration_seconds: 0.2,
                message: Some("first try".into()),
                details: None,
                stdout: None,
                stderr: None,
            }];
        }
        let run = TestRun {
            cases: vec![
                case("a", a, 1.0 + n as f64, Some("tests/a.py")),
                case("b", CaseStatus::Passed, 2.0, Some("tests/b.py")),
                c,
            ],
            metrics: vec![Metric {
                name: "latency_ms".into(),
                value: 100.0 + 10.0 * n as f64,
                unit: "ms".into(),
                test_id: Some("b".into()),
                recorded_at: String::new(),
            }],
            ..TestRun::default()
        };
        let mut meta = record(&format!("run-{n}"), "main", start + n * 60_000);
        if n % 2 == 1 {
            meta.status = RunStatus::Failed;
        }
        store.record_run(&meta, &run).expect("record");
    }
}

#[test]
fn a_recorded_run_reads_back_the_same_from_both_backends() {
    let Some(b) = both("readback") else { return };
    let mut stores = [
        HistoryStore::open(&b.file).unwrap(),
        HistoryStore::open(&b.pg).unwrap(),
    ];
    assert!(!stores[0].is_postgres() && stores[1].is_postgres());
    let mut props = BTreeMap::new();
    props.insert("type".to_string(), "e2e".to_string());
    let mut with_everything = case("x", CaseStatus::Failed, 0.5, Some("tests/x.py"));
    with_everything.properties = props;
    with_everything.details = Some("trace\nline 2".into());
    with_everything.attempts = vec![Attempt {
        status: CaseStatus::Error,
        duration_seconds: 0.1,
        message: None,
        details: None,
        stdout: None,
        stderr: None,
    }];
    let unnamed = TestCase {
        id: String::new(),
        ..case("", CaseStatus::Skipped, 0.0, None)
    };
    let run = TestRun {
        cases: vec![
            with_everything.clone(),
            case("y", CaseStatus::Passed, 1.5, None),
            unnamed,
        ],
        ..TestRun::default()
    };
    let mut meta = record("r1", "refs/heads/main", 1_700_000_000_000);
    meta.pr_number = Some(42);
    meta.shard_index = Some(1);
    meta.shard_total = Some(3);
    meta.metadata.insert("k".into(), "v".into());
    let mut read = Vec::new();
    for store in &mut stores {
        store.record_run(&meta, &run).unwrap();
        // Recording the key again replaces the run.
        store.record_run(&meta, &run).unwrap();
        let found = store.find_run("r1").unwrap().expect("stored");
        assert_eq!(found.run.branch.as_deref(), Some("main"));
        assert_eq!(found.run.pr_number, Some(42));
        assert_eq!(
            (found.run.shard_index, found.run.shard_total),
            (Some(1), Some(3))
        );
        assert_eq!(found.run.metadata.get("k").map(String::as_str), Some("v"));
        assert_eq!(
            (
                found.counts.total,
                found.counts.failed,
                found.counts.skipped
            ),
            (3, 1, 1)
        );
        let cases = store.run_cases("r1").unwrap();
        assert_eq!(cases.len(), 3, "{}", store.location());
        assert_eq!(cases[0], with_everything);
        assert!(!cases[2].id.is_empty(), "an empty id is computed");
        read.push((found.run, found.counts, cases));
        assert_eq!(
            store.run_cases("nope").expect_err("unknown run").kind(),
            ErrorKind::NotFound
        );
    }
    assert_eq!(read[0], read[1], "both backends read back the same run");
}

#[test]
fn flaky_trends_split_and_diff_agree_between_the_backends() {
    let Some(b) = both("analyses") else { return };
    let mut stores = [
        HistoryStore::open(&b.file).unwrap(),
        HistoryStore::open(&b.pg).unwrap(),
    ];
    for store in &mut stores {
        record_history(store);
    }
    let [file, pg] = &stores;

    let flaky = pg.flaky_tests(30, Some("main")).unwrap();
    assert_eq!(flaky, file.flaky_tests(30, Some("main")).unwrap());
    let names: Vec<&str> = flaky.iter().map(|f| f.test_id.as_str()).collect();
    assert!(names.contains(&"a"), "{names:?}");
    assert!(!names.contains(&"b"), "{names:?}");
    assert!(pg.flaky_tests(30, Some("other")).unwrap().is_empty());

    let trends = |s: &HistoryStore| {
        s.analyze_performance_trends("latency_ms", Grouping::Branch, Timeframe::All, None, 0)
            .unwrap()
    };
    let report = trends(pg);
    assert_eq!(report, trends(file));
    assert_eq!(report.points, 5);
    assert_eq!(report.groups[0].group, "main");
    let by_type = pg
        .analyze_performance_trends("latency_ms", Grouping::TaskType, Timeframe::All, None, 0)
        .unwrap();
    assert_eq!(
        by_type.groups[0].group, "test",
        "metrics are tied to b's case"
    );

    let items: Vec<String> = ["a", "b", "c", "test_b"].map(String::from).to_vec();
    for shard in 0..2 {
        let split = pg
            .split_tests(&items, DurationKey::TestId, shard, 2, 10)
            .unwrap();
        assert_eq!(
            split,
            file.split_tests(&items, DurationKey::TestId, shard, 2, 10)
                .unwrap()
        );
    }
    let files: Vec<String> = ["tests/a.py", "tests/b.py"].map(String::from).to_vec();
    let first = pg.split_tests(&files, DurationKey::File, 0, 2, 10).unwrap();
    // a.py took 1..5 s (mean 3), b.py 2 s: the longer goes first.
    assert_eq!(first, vec!["tests/a.py".to_string()]);

    let diff = pg
        .diff_against_previous("run-4")
        .unwrap()
        .expect("a previous run");
    assert_eq!(diff, file.diff_against_previous("run-4").unwrap().unwrap());
    assert_eq!(diff.previous_run.as_deref(), Some("run-3"));
    assert!(pg.diff_against_previous("run-0").unwrap().is_none());

    let history = pg
        .get_test_history(&HistoryFilter {
            limit: Some(2),
            ..HistoryFilter::default()
        })
        .unwrap();
    let keys: Vec<&str> = history.iter().map(|r| r.run.run_key.as_str()).collect();
    assert_eq!(keys, ["run-4", "run-3"]);
}

#[test]
fn prune_deletes_the_same_runs_on_both_backends() {
    let Some(b) = both("prune") else { return };
    let mut stats = Vec::new();
    for location in [&b.file, &b.pg] {
        let mut store = HistoryStore::open(location).unwrap();
        record_history(&mut store);
        let cutoff = 1_700_000_000_000 + 2 * 60_000;
        stats.push(store.prune(cutoff).unwrap());
        let left = store.get_test_history(&HistoryFilter::default()).unwrap();
        assert_eq!(left.len(), 3, "{}", store.location());
        assert!(store.find_run("run-1").unwrap().is_none());
        assert!(store.run_cases("run-2").unwrap().len() == 3);
    }
    assert_eq!(stats[0].runs, 2);
    assert_eq!(
        (stats[0].runs, stats[0].cases, stats[0].metrics),
        (stats[1].runs, stats[1].cases, stats[1].metrics)
    );
}

#[test]
fn merge_moves_runs_between_a_file_and_postgres_both_ways() {
    let Some(b) = both("merge") else { return };
    let mut file = HistoryStore::open(&b.file).unwrap();
    record_history(&mut file);
    let mut pg = HistoryStore::open(&b.pg).unwrap();
    let stats = pg.merge(&file).unwrap();
    assert_eq!((stats.runs_added, stats.cases, stats.metrics), (5, 15, 5));
    let again = pg.merge(&file).unwrap();
    assert_eq!((again.runs_added, again.runs_skipped), (0, 5));
    assert_eq!(
        pg.flaky_tests(30, None).unwrap(),
        file.flaky_tests(30, None).unwrap()
    );
    // And back into a new file: the same runs, cases and metrics.
    let dir = tempfile::tempdir().unwrap();
    let back_path = dir.path().join("back.db");
    let mut back = HistoryStore::open(back_path.to_str().unwrap()).unwrap();
    let stats = back.merge(&pg).unwrap();
    assert_eq!((stats.runs_added, stats.cases, stats.metrics), (5, 15, 5));
    for key in ["run-0", "run-4"] {
        assert_eq!(back.run_cases(key).unwrap(), file.run_cases(key).unwrap());
        assert_eq!(
            back.run_metrics(key).unwrap(),
            file.run_metrics(key).unwrap()
        );
        let (a, b) = (
            back.find_run(key).unwrap().unwrap(),
            file.find_run(key).unwrap().unwrap(),
        );
        assert_eq!((a.run, a.counts), (b.run, b.counts));
    }
    let err = pg
        .merge(&HistoryStore::open(&b.pg).unwrap())
        .expect_err("itself");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_alone() {
    let Some(b) = both("newer") else { return };
    drop(PgHistory::open(&b.pg).unwrap());
    psql(&b.pg, "UPDATE testrelay_schema SET version = 99");
    let err = PgHistory::open(&b.pg).expect_err("newer schema");
    assert_eq!(err.kind(), ErrorKind::Database);
    assert!(err.message().contains("schema version 99"), "{err}");
    assert!(
        err.message()
            .contains(&format!("up to version {PG_SCHEMA_VERSION}")),
        "{err}"
    );
    psql(&b.pg, "SELECT 1 FROM testrelay_schema WHERE version = 99");
}

#[test]
fn a_table_of_another_application_is_not_taken_for_a_history() {
    let Some(b) = both("foreign") else { return };
    psql(&b.pg, "CREATE TABLE test_runs (x int)");
    let err = PgHistory::open(&b.pg).expect_err("not a history");
    assert!(err.message().contains("not a testrelay history"), "{err}");
}

#[test]
fn the_password_never_appears_in_errors() {
    let Some(server) = server_url("password") else {
        return;
    };
    let (head, rest) = server.split_once('@').expect("a URL with credentials");
    let (user, password) = head
        .trim_start_matches("postgres://")
        .split_once(':')
        .expect("user:password");
    let wrong = format!("postgres://{user}:{password}-wrong@{rest}");
    let err = HistoryStore::open(&wrong).expect_err("wrong password");
    assert!(!err.to_string().contains(password), "{err}");
    assert!(
        err.message().contains("password authentication failed"),
        "{err}"
    );
    let tls = format!("{server}&sslmode=require").replace("sslmode=disable&", "");
    let err = HistoryStore::open(&tls).expect_err("no TLS in this build");
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(!err.to_string().contains(password), "{err}");
    // A closed port: the connection is refused, the URL is not printed.
    let closed = format!("postgres://{user}:{password}@127.0.0.1:1/postgres?connect_timeout=5");
    let err = HistoryStore::open(&closed).expect_err("nothing listens on port 1");
    assert!(!err.to_string().contains(password), "{err}");
    assert!(err.message().contains("cannot connect"), "{err}");
}

/// Runs the CLI in `dir` with the CI variables cleared.
fn testrelay(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.current_dir(dir)
        .args(args)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .env_remove("TESTRELAY_HISTORY_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// 32 processes write a run each into one PostgreSQL history at once
/// (`history merge` of a file of one run, each in one transaction); every
/// run and case arrives, and each test identity is stored once.
#[test]
fn thirty_two_processes_write_at_once_and_lose_nothing() {
    let Some(b) = both("concurrent") else { return };
    const WRITERS: usize = 32;
    const CASES: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    for w in 0..WRITERS {
        let mut file =
            HistoryStore::open(dir.path().join(format!("w{w}.db")).to_str().unwrap()).unwrap();
        // Half the tests are shared by every writer, half are its own.
        let cases: Vec<TestCase> = (0..CASES)
            .map(|i| {
                let id = if i % 2 == 0 {
                    format!("shared-{i}")
                } else {
                    format!("own-{w}-{i}")
                };
                case(&id, CaseStatus::Passed, 0.01, Some("tests/t.py"))
            })
            .collect();
        let run = TestRun {
            cases,
            ..TestRun::default()
        };
        file.record_run(&record(&format!("w{w}"), "main", 1_700_000_000_000), &run)
            .unwrap();
    }
    let spawned: Vec<_> = (0..WRITERS)
        .map(|w| {
            Command::new(env!("CARGO_BIN_EXE_testrelay"))
                .current_dir(dir.path())
                .args(["history", "merge", &format!("w{w}.db"), "--json"])
                .env("TESTRELAY_HISTORY_URL", &b.pg)
                .env("CI", "false")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let pg = HistoryStore::open(&b.pg).unwrap();
    let runs = pg.get_test_history(&HistoryFilter::default()).unwrap();
    assert_eq!(runs.len(), WRITERS);
    for r in &runs {
        assert_eq!(r.counts.total, CASES as u64, "{}", r.run.run_key);
        assert_eq!(pg.run_cases(&r.run.run_key).unwrap().len(), CASES);
    }
    psql(
        &b.pg,
        &format!(
            "DO $$ BEGIN IF (SELECT count(*) FROM tests) <> {} THEN \
             RAISE EXCEPTION 'identities stored more than once'; END IF; END $$",
            CASES / 2 + WRITERS * CASES / 2
        ),
    );
}

/// The commands a team runs against the shared history, through
/// `--history URL` and `TESTRELAY_HISTORY_URL`; the operations only the
/// file has are refused by name, and the password is never printed.
#[test]
fn the_cli_reads_and_writes_a_postgres_history() {
    let Some(b) = both("cli") else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("local.db");
    let mut local = HistoryStore::open(file.to_str().unwrap()).unwrap();
    record_history(&mut local);
    drop(local);
    let password =
        b.pg.split_once('@')
            .and_then(|(head, _)| head.rsplit_once(':'))
            .map(|(_, p)| p.to_string())
            .unwrap();
    let env = [("TESTRELAY_HISTORY_URL", b.pg.as_str())];
    let run = |args: &[&str]| {
        let out = testrelay(dir.path(), args, &env);
        let (o, e) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(!o.contains(&password) && !e.contains(&password), "{args:?}");
        (out.status.success(), o, e)
    };
    let (ok, out, err) = run(&["history", "merge", "local.db"]);
    assert!(ok, "{err}");
    assert!(out.contains("5 runs added"), "{out}");
    assert!(out.contains("PostgreSQL history"), "{out}");

    let (ok, out, err) = run(&["history", "--json"]);
    assert!(ok, "{err}");
    let runs: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 5);

    let (ok, out, err) = run(&["flaky", "--json"]);
    assert!(ok, "{err}");
    let flaky: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(flaky[0]["test_id"], "a", "{out}");

    let (ok, out, err) = run(&["trends", "--metric", "latency_ms", "--json"]);
    assert!(ok, "{err}");
    let trends: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(trends["points"], 5, "{out}");

    let (ok, out, err) = run(&[
        "split",
        "--shards",
        "2",
        "--index",
        "0",
        "--by",
        "file",
        "tests/a.py",
        "tests/b.py",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out, "tests/a.py\n");

    // The option wins over the variable; back into a new file.
    let (ok, out, err) = run(&["history", "merge", &b.pg, "--history", "copy.db"]);
    assert!(ok, "{err}");
    assert!(out.contains("5 runs added"), "{out}");
    let copy = History::open(&dir.path().join("copy.db")).unwrap();
    assert_eq!(copy.run_cases("run-3").unwrap().len(), 3);

    let (ok, _, err) = run(&["history", "compact"]);
    assert!(!ok);
    assert!(
        err.contains("not supported yet: a PostgreSQL history"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("run.xml"),
        r#"<testsuite name="s" tests="1"><testcase classname="c" name="t" time="0.1"/></testsuite>"#,
    )
    .unwrap();
    // `report` keeps the run in its file and records it into the shared
    // history too.
    let (ok, out, err) = run(&[
        "report",
        "run.xml",
        "--output-dir",
        "out",
        "--fail-on",
        "never",
    ]);
    assert!(ok, "{out}{err}");
    assert!(!err.contains("shared history"), "{err}");
    let (ok, out, err) = run(&["history", "--json", "--limit", "1"]);
    assert!(ok, "{err}");
    let newest: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(newest[0]["counts"]["total"], 1, "{out}");
    let key = newest[0]["run"]["run_key"].as_str().unwrap().to_string();
    let kept = History::open(&dir.path().join(".testrelay/history.db")).unwrap();
    assert!(
        kept.find_run(&key).unwrap().is_some(),
        "also in the local file"
    );
    // A shared history that cannot be reached is a problem of the run,
    // not a failure, and its URL's password is not printed.
    let closed = format!("postgres://testrelay:{password}@127.0.0.1:1/postgres?connect_timeout=5");
    let out = testrelay(
        dir.path(),
        &[
            "report",
            "run.xml",
            "--output-dir",
            "out2",
            "--fail-on",
            "never",
        ],
        &[("TESTRELAY_HISTORY_URL", closed.as_str())],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("shared history"), "{err}");
    assert!(!err.contains(&password), "{err}");

    let (ok, out, err) = run(&["prune", "--older-than", "1d", "--json"]);
    assert!(ok, "{err}");
    let pruned: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(pruned["runs"], 5, "the 5 old runs go, today's stays: {out}");
}
