//! The history commands of the `testrelay` binary, run as a user would:
//! `report` builds the history, then `history`, `flaky`, `split`,
//! `trends`, `history merge`, `history compact` and `prune` read and
//! change it.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the CLI in `dir` (not a git checkout, so runs have no branch), with
/// the CI variables of the machine running the tests cleared.
fn testrelay(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.current_dir(dir)
        .args(args)
        .env("CI", "false")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a command that must succeed and returns its stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = testrelay(dir, args, &[]);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(dir, args)).unwrap()
}

/// A JUnit report of four tests in two files; `test_fetch` fails when asked.
fn junit(fetch_fails: bool) -> String {
    let fetch = if fetch_fails {
        r#"<testcase classname="net" name="test_fetch" file="tests/test_net.py" time="4.0"><failure message="timeout after 4s"/></testcase>"#
    } else {
        r#"<testcase classname="net" name="test_fetch" file="tests/test_net.py" time="4.0"/>"#
    };
    format!(
        r#"<testsuite name="unit" tests="4">
  <testcase classname="calc" name="test_add" file="tests/test_calc.py" time="1.5"/>
  <testcase classname="calc" name="test_div" file="tests/test_calc.py" time="0.5"/>
  {fetch}
  <testcase classname="net" name="test_retry" file="tests/test_net.py" time="2.0"/>
</testsuite>
"#
    )
}

/// A CTRF report of one passing test carrying one `build_time` value.
fn ctrf_with_metric(value: f64) -> String {
    format!(
        r#"{{"results": {{"tool": {{"name": "bench"}},
  "summary": {{"tests": 1, "passed": 1, "failed": 0, "pending": 0, "skipped": 0, "other": 0, "start": 0, "stop": 0}},
  "tests": [{{"name": "build", "status": "passed", "duration": 0}}],
  "extra": {{"testrelay": {{"status": "passed",
    "metrics": [{{"name": "build_time", "value": {value}, "unit": "s", "recorded_at": ""}}]}}}}}}}}"#
    )
}

/// `report`s `content` (written to `file`) into `history.db`; returns the exit code.
fn report(dir: &Path, file: &str, content: &str) -> i32 {
    std::fs::write(dir.join(file), content).unwrap();
    let out = testrelay(
        dir,
        &[
            "report",
            file,
            "--format",
            "markdown,html",
            "--output-dir",
            "out",
            "--history",
            "history.db",
        ],
        &[],
    );
    out.status.code().unwrap()
}

const DB: [&str; 2] = ["--history", "history.db"];

fn with_db<'a>(args: &[&'a str]) -> Vec<&'a str> {
    args.iter().copied().chain(DB).collect()
}

#[test]
fn history_commands_on_a_recorded_history() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // Three runs: passing, test_fetch failing, passing again.
    assert_eq!(report(dir, "run1.xml", &junit(false)), 0);
    assert_eq!(report(dir, "run2.xml", &junit(true)), 1);
    let summary = std::fs::read_to_string(dir.join("out/summary.md")).unwrap();
    assert!(summary.contains("### Compared with `"), "{summary}");
    assert!(
        summary.contains("| 1 | 0 | 0 |\n\nNew failures:\n- `net.test_fetch`\n"),
        "{summary}"
    );
    let page = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(page.contains("<p>1 new failures, 0 fixed, 0 still failing,"));
    assert_eq!(report(dir, "run3.xml", &junit(false)), 0);

    // history
    let runs = json(dir, &with_db(&["history", "--json"]));
    let runs = runs.as_array().unwrap();
    let statuses: Vec<&str> = runs
        .iter()
        .map(|r| r["run"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "failed", "passed"]);
    let failed: Vec<u64> = runs
        .iter()
        .map(|r| r["counts"]["failed"].as_u64().unwrap())
        .collect();
    assert_eq!(failed, [0, 1, 0]);
    assert!(runs.iter().all(|r| r["counts"]["total"] == 4));
    assert!(runs.iter().all(|r| r["run"]["provider"] == "local"));
    let limited = json(dir, &with_db(&["history", "--limit", "1", "--json"]));
    assert_eq!(limited.as_array().unwrap().len(), 1);
    assert_eq!(limited[0]["run"]["run_key"], runs[0]["run"]["run_key"]);
    for since in ["1d", "2000-01-01"] {
        let recent = json(dir, &with_db(&["history", "--since", since, "--json"]));
        assert_eq!(recent.as_array().unwrap().len(), 3, "--since {since}");
    }
    let future = json(
        dir,
        &with_db(&["history", "--since", "2999-01-01", "--json"]),
    );
    assert_eq!(future, Value::Array(vec![]));
    let on_main = json(dir, &with_db(&["history", "--branch", "main", "--json"]));
    assert_eq!(on_main, Value::Array(vec![]));
    let table = ok(dir, &with_db(&["history"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert_eq!(
        lines[0],
        "STARTED (UTC)        STATUS  TESTS  FAILED  DURATION  BRANCH  COMMIT  RUN"
    );
    assert!(
        lines[2].contains("  failed  4      1       8.0s  "),
        "{table}"
    );

    // flaky
    let flaky = json(dir, &with_db(&["flaky", "--json"]));
    assert_eq!(flaky.as_array().unwrap().len(), 1);
    assert_eq!(flaky[0]["full_name"], "net.test_fetch");
    assert_eq!(flaky[0]["score"], 1.0);
    assert_eq!(flaky[0]["flips"], 2);
    assert_eq!(flaky[0]["runs"], 3);
    assert_eq!(
        ok(dir, &with_db(&["flaky"])),
        "SCORE  FLIPS  RUNS  FAILS  RERUNS  TEST\n\
         1.00   2      3     1      0       net.test_fetch\n"
    );
    assert_eq!(
        ok(dir, &with_db(&["flaky", "--window", "1"])),
        "No flaky tests in the last 1 runs.\n"
    );

    // split: test_net.py takes 6 s, test_calc.py 2 s, the new file the median 4 s.
    let files = [
        "tests/test_calc.py",
        "tests/test_net.py",
        "tests/test_new.py",
    ];
    let split = |index: &str| {
        let mut args = vec!["split", "--by", "file", "--shards", "2", "--index", index];
        args.extend(files);
        ok(dir, &with_db(&args))
    };
    assert_eq!(split("0"), "tests/test_net.py\n");
    assert_eq!(split("1"), "tests/test_new.py\ntests/test_calc.py\n");
    let mut args = with_db(&["split", "--by", "file"]);
    args.extend(files);
    let from_ci = testrelay(
        dir,
        &args,
        &[("CIRCLE_NODE_INDEX", "1"), ("CIRCLE_NODE_TOTAL", "2")],
    );
    assert!(from_ci.status.success(), "{}", stderr(&from_ci));
    assert_eq!(stdout(&from_ci), "tests/test_new.py\ntests/test_calc.py\n");
    assert_eq!(
        stderr(&from_ci),
        "testrelay: shard 1 of 2 (0-based) from CIRCLE_NODE_INDEX (CircleCI)\n"
    );
    let half = testrelay(dir, &with_db(&["split", "--shards", "2", "a"]), &[]);
    assert_eq!(half.status.code(), Some(2));
    assert!(stderr(&half).contains("give both --shards and --index"));

    // trends
    for (i, value) in [41.5, 43.0, 47.5].into_iter().enumerate() {
        assert_eq!(
            report(dir, &format!("bench{i}.json"), &ctrf_with_metric(value)),
            0
        );
    }
    let trends = json(
        dir,
        &with_db(&["trends", "--metric", "build_time", "--json"]),
    );
    assert_eq!(trends["better"], "lower");
    assert_eq!(trends["points"], 3);
    let summary = &trends["overall"]["summary"];
    assert_eq!(
        (
            &summary["count"],
            &summary["mean"],
            &summary["min"],
            &summary["max"],
            &summary["p50"]
        ),
        (
            &Value::from(3),
            &Value::from(44.0),
            &Value::from(41.5),
            &Value::from(47.5),
            &Value::from(43.0)
        )
    );
    assert_eq!(trends["overall"]["direction"], "degrading");
    let groups: Vec<&str> = trends["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["(none)"]);
    let human = ok(
        dir,
        &with_db(&["trends", "--metric", "build_time", "--timeframe", "1w"]),
    );
    // No value has a branch: the one "(none)" group would repeat the
    // overall row, so the table has the overall row only.
    assert!(
        human.starts_with("build_time (lower is better): 3 values, none has a branch\nGROUP "),
        "{human}"
    );
    assert_eq!(human.lines().count(), 3, "{human}");
    assert!(!human.contains("(none)"), "{human}");
    assert!(
        human.contains("\n(all)  3  44    41.5  47.5  3.122   43   47.05  +14.5%  degrading  "),
        "{human}"
    );
    let none = ok(dir, &with_db(&["trends", "--metric", "memory"]));
    assert_eq!(none, "No values of memory in that timeframe.\n");

    // history merge: idempotent
    let merge = ["history", "merge", "history.db", "--history", "merged.db"];
    let first = json(dir, &[&merge[..], &["--json"]].concat());
    assert_eq!(
        (&first["runs_added"], &first["runs_skipped"]),
        (&6.into(), &0.into())
    );
    assert_eq!(first["cases"], 15);
    assert_eq!(first["metrics"], 3);
    let again = ok(dir, &merge);
    assert_eq!(
        again,
        "Merged history.db into merged.db: 0 runs added, 6 already present \
         (0 cases, 0 metrics, 0 artifacts).\n"
    );
    let merged = json(dir, &["history", "--json", "--history", "merged.db"]);
    assert_eq!(merged.as_array().unwrap().len(), 6);

    // history compact: each test keeps its last run; every run summary and
    // metric stays, and what the analyses read of the last run is intact.
    let flaky_before = json(
        dir,
        &["flaky", "--window", "1", "--json", "--history", "merged.db"],
    );
    let compact = [
        "history",
        "compact",
        "--keep-runs",
        "1",
        "--history",
        "merged.db",
    ];
    let compacted = json(dir, &[&compact[..], &["--json"]].concat());
    assert_eq!(compacted["cases"], 10, "{compacted}");
    assert!(
        compacted["bytes_after"].as_u64() <= compacted["bytes_before"].as_u64(),
        "{compacted}"
    );
    assert_eq!(
        json(
            dir,
            &["flaky", "--window", "1", "--json", "--history", "merged.db"]
        ),
        flaky_before
    );
    let merged = json(dir, &["history", "--json", "--history", "merged.db"]);
    assert_eq!(merged.as_array().unwrap().len(), 6);
    let human = ok(dir, &compact);
    assert!(
        human.starts_with("Compacted merged.db: 0 cases and 0 file durations deleted; "),
        "{human}"
    );
    let zero = testrelay(
        dir,
        &[
            "history",
            "compact",
            "--keep-runs",
            "0",
            "--history",
            "merged.db",
        ],
        &[],
    );
    assert_eq!(zero.status.code(), Some(2));
    assert!(stderr(&zero).contains("--keep-runs"), "{}", stderr(&zero));

    // prune
    let kept = json(
        dir,
        &[
            "prune",
            "--older-than",
            "90d",
            "--json",
            "--history",
            "merged.db",
        ],
    );
    assert_eq!(kept["runs"], 0);
    let all = json(
        dir,
        &[
            "prune",
            "--older-than",
            "0s",
            "--json",
            "--history",
            "merged.db",
        ],
    );
    assert_eq!(
        (&all["runs"], &all["cases"], &all["metrics"]),
        // 5 cases: compact kept each test's last run.
        (&6.into(), &5.into(), &3.into())
    );
    let empty = json(dir, &["history", "--json", "--history", "merged.db"]);
    assert_eq!(empty, Value::Array(vec![]));
    let ambiguous = testrelay(dir, &with_db(&["prune", "--older-than", "3m"]), &[]);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(stderr(&ambiguous).contains("ambiguous"));
    // The source history is untouched by merge and by pruning the copy.
    assert_eq!(
        json(dir, &with_db(&["history", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn reading_commands_need_an_existing_history() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for args in [
        vec!["history"],
        vec!["flaky"],
        vec!["trends", "--metric", "x"],
        vec!["prune", "--older-than", "1d"],
    ] {
        let out = testrelay(dir, &args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            "testrelay: no history at .testrelay/history.db: `testrelay report` records \
             every run there, or pass --history PATH\n",
            "{args:?}"
        );
    }
    assert!(!dir.join(".testrelay").exists());

    // Without history every test gets the same estimate; order is by name.
    let out = ok(
        dir,
        &["split", "--shards", "2", "--index", "0", "b", "a", "c"],
    );
    assert_eq!(out, "a\nc\n");
    assert!(!dir.join(".testrelay").exists());
}

/// Inside a CI job (GitHub Actions against the local simulator), the first
/// run into an empty history gets one note on keeping the history between
/// jobs; the next run, with a run before it, does not; outside CI, none.
#[test]
fn an_empty_history_inside_ci_is_pointed_out_once() {
    let sim = testrelay_ci_sim::Simulator::start().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("run.xml"), junit(false)).unwrap();
    // Each call is another workflow run (a new run key).
    let run = |history: &str, ci: bool, run_id: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(dir)
            .args([
                "report",
                "run.xml",
                "--output-dir",
                "out",
                "--history",
                history,
            ]);
        if ci {
            cmd.envs([
                ("CI", "true".to_string()),
                ("GITHUB_ACTIONS", "true".into()),
                ("GITHUB_REPOSITORY", "octo/app".into()),
                ("GITHUB_TOKEN", "ghs_empty_history_note_token_5521".into()),
                ("GITHUB_API_URL", sim.url()),
                (
                    "GITHUB_SHA",
                    "0123456789abcdef0123456789abcdef01234567".into(),
                ),
                ("GITHUB_EVENT_NAME", "push".into()),
                ("GITHUB_REF", "refs/heads/main".into()),
                ("GITHUB_RUN_ID", run_id.into()),
                ("GITHUB_JOB", "test".into()),
            ]);
        } else {
            cmd.env("CI", "false");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let note = "History: history.db held no earlier run. On GitHub Actions each job starts \
                from an empty workspace, so flaky scores, trends, timing-based splits and the \
                comparison with the previous run have nothing to read: keep the history \
                between jobs (docs/history.md, \"Keeping the history between CI jobs\"; examples/ci/).\n";
    let first = run("history.db", true, "4242");
    assert_eq!(first.matches(note).count(), 1, "{first}");
    let second = run("history.db", true, "4243");
    assert!(!second.contains("History:"), "{second}");
    let local = run("local.db", false, "");
    assert!(!local.contains("History:"), "{local}");
}

/// A PostgreSQL history is not supported yet: a postgres:// URL as the
/// history (option, variable, either side of a merge) is refused with that
/// reason, never taken for a file name, and its password never printed.
#[test]
#[cfg(not(feature = "postgres"))]
fn a_postgres_history_url_is_refused_as_not_supported_yet() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("run.xml"), junit(false)).unwrap();
    let url = "postgres://ci:hunter2secret@db.internal:5432/testrelay";
    let refused = |args: &[&str], env: &[(&str, &str)]| {
        let out = testrelay(dir, args, env);
        let err = stderr(&out);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            err.contains("not supported yet: a PostgreSQL history"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("hunter2secret"), "{args:?}: {err}");
        assert!(!stdout(&out).contains("hunter2secret"));
    };
    refused(
        &["report", "run.xml", "--output-dir", "out", "--history", url],
        &[],
    );
    refused(&["flaky", "--history", url], &[]);
    refused(
        &[
            "split",
            "--shards",
            "2",
            "--index",
            "0",
            "--history",
            url,
            "a",
        ],
        &[],
    );
    refused(&["history", "merge", url, "--history", "local.db"], &[]);
    refused(&["history", "compact", "--history", url], &[]);
    let env = [("TESTRELAY_HISTORY_URL", url)];
    refused(&["report", "run.xml", "--output-dir", "out"], &env);
    refused(&["history"], &env);
    // Nothing was created under a name taken from the URL.
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("postgres")),
        "{names:?}"
    );
    assert!(!dir.join("local.db").exists());
}
