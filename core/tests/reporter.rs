//! The Reporter session: concurrency, coalesced updates, the outbox across
//! a SIGKILL, finish semantics, hooks and timeouts.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};
use testrelay::detect::Env;
use testrelay::history::History;
use testrelay::provider::{
    ArtifactRef, BuildState, Capabilities, CiProvider, CodeHost, CommentRef, HostComment,
    LocalProvider, Registry, RunContext, RunHandle, RunUpdate,
};
use testrelay::{
    CaseStatus, Config, Error, ErrorKind, Event, Metric, Reporter, Result, TestCase, TestRunResult,
};

fn config(dir: &Path) -> Config {
    Config {
        provider: "local".into(),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        ..Config::default()
    }
}

fn case(i: usize, status: CaseStatus) -> TestCase {
    TestCase::new(
        "suite",
        format!("class{}", i % 7),
        format!("test_{i}"),
        status,
    )
}

/// Counts every call; `update` can be made to block until released.
#[derive(Default)]
struct Counting {
    calls: Mutex<Vec<String>>,
    update_totals: Mutex<Vec<u64>>,
    gate: Mutex<Option<(Sender<()>, Receiver<()>)>>,
    fail_all: bool,
    stall_create: Mutex<Option<Receiver<()>>>,
}

impl Counting {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
    fn count(&self, op: &str) -> usize {
        self.calls().iter().filter(|c| *c == op).count()
    }
    fn note(&self, op: &str) -> Result<()> {
        self.calls.lock().unwrap().push(op.to_string());
        if self.fail_all {
            Err(Error::new(
                ErrorKind::Connection,
                format!("{op}: CI unreachable"),
            ))
        } else {
            Ok(())
        }
    }
}

struct Shared(Arc<Counting>);

impl CiProvider for Shared {
    fn name(&self) -> &str {
        "counting"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        let stall = self.0.stall_create.lock().unwrap().clone();
        if let Some(rx) = stall {
            let _ = rx.recv();
        }
        self.0.note("create")?;
        Ok(RunHandle {
            external_id: ctx.run_key.clone(),
            url: None,
        })
    }
    fn update_test_run(&self, _: &RunContext, _: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        self.0.note("update")?;
        self.0
            .update_totals
            .lock()
            .unwrap()
            .push(update.run.counts().total);
        let gate = self.0.gate.lock().unwrap().clone();
        if let Some((entered, release)) = gate {
            let _ = entered.send(());
            let _ = release.recv();
        }
        Ok(())
    }
    fn close(&self, _: &RunContext, _: &RunHandle, _: &RunUpdate<'_>) -> Result<()> {
        self.0.note("close")
    }
    fn code_host(&self) -> Option<&dyn CodeHost> {
        Some(self)
    }
    fn upload_artifact(
        &self,
        _: &RunContext,
        _: Option<&RunHandle>,
        _: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        self.0.note("artifact")?;
        Ok(ArtifactRef {
            name: name.into(),
            url: format!("mem://{name}"),
            size: 0,
        })
    }
    fn get_artifact_url(
        &self,
        _: &RunContext,
        _: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        Ok(format!("mem://{name}"))
    }
    fn get_test_run_status(&self, _: &RunContext, _: &RunHandle) -> Result<TestRunResult> {
        Err(Error::unsupported("counting provider keeps no state"))
    }
}

impl CodeHost for Shared {
    fn host_name(&self) -> &str {
        "counting"
    }
    fn status_context(&self) -> &str {
        "testrelay"
    }
    fn set_build_status(&self, _: &RunContext, _: BuildState, _: &str) -> Result<()> {
        self.0.note("status")
    }
    fn list_comments(&self, _: &RunContext) -> Result<Vec<HostComment>> {
        Ok(Vec::new())
    }
    fn create_comment(&self, _: &RunContext, _: &str) -> Result<CommentRef> {
        self.0.note("comment")?;
        Ok(CommentRef {
            id: "1".into(),
            url: None,
            updated: false,
        })
    }
    fn update_comment(&self, ctx: &RunContext, _: &str, body: &str) -> Result<CommentRef> {
        self.create_comment(ctx, body)
    }
}

fn with_counting(dir: &Path, provider: Arc<Counting>) -> testrelay::ReporterBuilder {
    let mut registry = Registry::with_builtins();
    registry.register("counting", move |_| Ok(Box::new(Shared(provider.clone()))));
    Reporter::builder(Config {
        provider: "counting".into(),
        ..config(dir)
    })
    .registry(registry)
    .env(Env::new())
}

#[test]
fn eight_threads_record_800k_cases_with_exact_totals() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Reporter>();
    let dir = tempfile::tempdir().unwrap();
    let reporter = Reporter::builder(Config {
        report_formats: vec![],
        ..config(dir.path())
    })
    .env(Env::new())
    .start()
    .unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let reporter = &reporter;
            s.spawn(move || {
                for i in 0..100_000 {
                    let n = t * 100_000 + i;
                    let status = match n % 10 {
                        0 => CaseStatus::Failed,
                        1 => CaseStatus::Skipped,
                        _ => CaseStatus::Passed,
                    };
                    reporter.record(case(n, status)).unwrap();
                }
            });
        }
    });
    let summary = reporter.finish(Duration::from_secs(600)).unwrap();
    let r = &summary.result;
    assert_eq!(r.total_tests, 800_000);
    assert_eq!(r.failed_tests, 80_000);
    assert_eq!(r.skipped_tests, 80_000);
    assert_eq!(r.passed_tests, 640_000);
    assert!(!summary.timed_out);
    drop(reporter);
    let history = History::open(&dir.path().join("history.db")).unwrap();
    assert_eq!(history.run_cases(&r.test_run_id).unwrap().len(), 800_000);
}

#[test]
fn live_updates_are_coalesced() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(Counting::default());
    let (entered_tx, entered_rx) = bounded(1);
    let (release_tx, release_rx) = bounded::<()>(1);
    *provider.gate.lock().unwrap() = Some((entered_tx, release_rx));
    let mut registry = Registry::with_builtins();
    let p = provider.clone();
    registry.register("counting", move |_| Ok(Box::new(Shared(p.clone()))));
    let reporter = Reporter::builder(Config {
        provider: "counting".into(),
        update_interval_secs: 0,
        ..config(dir.path())
    })
    .registry(registry)
    .env(Env::new())
    .start()
    .unwrap();
    reporter.record(case(0, CaseStatus::Passed)).unwrap();
    entered_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    // The first update is stuck in the provider; 5000 more cases arrive and
    // the collector asks for several more updates meanwhile.
    for i in 1..=5000 {
        reporter.record(case(i, CaseStatus::Passed)).unwrap();
    }
    while reporter.progress().total < 5001 {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(400));
    *provider.gate.lock().unwrap() = None;
    release_tx.send(()).unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(summary.result.total_tests, 5001);
    // One update per interval at most, and the queued ones became one.
    assert_eq!(provider.count("update"), 2, "{:?}", provider.calls());
    assert_eq!(*provider.update_totals.lock().unwrap(), vec![1, 5001]);
    for op in ["create", "close", "status", "comment"] {
        assert_eq!(provider.count(op), 1, "{op}: {:?}", provider.calls());
    }
}

#[test]
fn no_live_update_within_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(Counting::default());
    let reporter = with_counting(dir.path(), provider.clone()).start().unwrap();
    for i in 0..10_000 {
        reporter.record(case(i, CaseStatus::Passed)).unwrap();
    }
    reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(
        provider.calls(),
        ["create", "close", "status", "comment"],
        "10k cases inside one 60 s interval cost no update call"
    );
}

#[test]
fn finish_twice_returns_the_same_summary_and_posts_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(Counting::default());
    let reporter = with_counting(dir.path(), provider.clone()).start().unwrap();
    reporter.record(case(1, CaseStatus::Failed)).unwrap();
    let first = reporter.finish(Duration::from_secs(60)).unwrap();
    let second = reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(first, second);
    assert_eq!(provider.calls().len(), 4);
    let err = reporter.record(case(2, CaseStatus::Passed)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        reporter
            .record_metric(Metric::default())
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(first.result.failed_tests, 1);
    assert!(first.reports.iter().any(|p| p.ends_with("junit.xml")));
}

#[test]
fn hooks_fire_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(Counting {
        fail_all: true,
        ..Counting::default()
    });
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    let reporter = with_counting(dir.path(), provider)
        .on_event(move |e| {
            let label = match e {
                Event::RunStarted { .. } => "started".to_string(),
                Event::CaseRecorded(c) => format!("case {}", c.name),
                Event::MetricRecorded(m) => format!("metric {}", m.name),
                Event::DeliveryFailed { operation, .. } => format!("failed {operation}"),
                Event::RunFinished(_) => "finished".to_string(),
            };
            s.lock().unwrap().push(label);
        })
        .on_event(|_| panic!("a broken hook must not break the run"))
        .start()
        .unwrap();
    reporter.record(case(1, CaseStatus::Passed)).unwrap();
    reporter.record(case(2, CaseStatus::Passed)).unwrap();
    reporter
        .record_metric(Metric {
            name: "fps".into(),
            value: 60.0,
            ..Metric::default()
        })
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.first().map(String::as_str), Some("started"));
    assert_eq!(seen.last().map(String::as_str), Some("finished"));
    // Collector events keep recording order; delivery failures interleave.
    let collected: Vec<_> = seen
        .iter()
        .filter(|l| l.starts_with("case") || l.starts_with("metric"))
        .collect();
    assert_eq!(collected, ["case test_1", "case test_2", "metric fps"]);
    // Once at start, once more at finish (close needs the run).
    assert_eq!(seen.iter().filter(|l| *l == "failed create").count(), 2);
    assert!(seen.contains(&"failed status".to_string()));
    // Not strict: the failures are in the receipt, still pending.
    assert!(
        summary
            .not_delivered
            .iter()
            .any(|n| n.operation == "status" && n.pending)
    );
}

#[test]
fn a_hook_added_after_start_still_sees_the_run_start() {
    let dir = tempfile::tempdir().unwrap();
    let reporter = with_counting(dir.path(), Arc::new(Counting::default()))
        .start()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    reporter.on_event(move |e| {
        let label = match e {
            Event::RunStarted { run_key } => format!("started {run_key}"),
            Event::CaseRecorded(c) => format!("case {}", c.name),
            Event::RunFinished(_) => "finished".into(),
            _ => return,
        };
        s.lock().unwrap().push(label);
    });
    reporter.on_event(|_| panic!("a broken late hook must not break the run"));
    reporter.record(case(1, CaseStatus::Passed)).unwrap();
    reporter.finish(Duration::from_secs(60)).unwrap();
    let expected = [
        format!("started {}", reporter.run_key()),
        "case test_1".into(),
        "finished".into(),
    ];
    assert_eq!(*seen.lock().unwrap(), expected);
    // After finish a new hook gets nothing.
    let late = Arc::new(Mutex::new(0));
    let l = late.clone();
    reporter.on_event(move |_| *l.lock().unwrap() += 1);
    assert_eq!(*late.lock().unwrap(), 0);
}

#[test]
fn strict_mode_fails_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(Counting {
        fail_all: true,
        ..Counting::default()
    });
    let mut registry = Registry::with_builtins();
    let p = provider.clone();
    registry.register("counting", move |_| Ok(Box::new(Shared(p.clone()))));
    let reporter = Reporter::builder(Config {
        provider: "counting".into(),
        strict: true,
        ..config(dir.path())
    })
    .registry(registry)
    .env(Env::new())
    .start()
    .unwrap();
    let err = reporter.finish(Duration::from_secs(60)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
}

#[test]
fn finish_times_out_with_a_stalled_provider() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Arc::new(Counting::default());
    let (release_tx, release_rx) = bounded::<()>(1);
    *provider.stall_create.lock().unwrap() = Some(release_rx);
    let reporter = with_counting(dir.path(), provider.clone()).start().unwrap();
    reporter.record(case(1, CaseStatus::Passed)).unwrap();
    let summary = reporter.finish(Duration::from_millis(300)).unwrap();
    assert!(summary.timed_out);
    assert_eq!(summary.result.total_tests, 1);
    assert!(
        summary.not_delivered.iter().any(|n| n.pending),
        "{:?}",
        summary.not_delivered
    );
    // What was not delivered is still in the outbox.
    let history = History::open(&dir.path().join("history.db")).unwrap();
    let pending = history
        .outbox_pending(Some(&summary.result.test_run_id))
        .unwrap();
    assert!(
        pending.iter().any(|e| e.operation == "close"),
        "{pending:?}"
    );
    drop(release_tx);
    drop(reporter);
}

/// Child mode of the SIGKILL test: record, checkpoint, keep recording.
#[test]
fn child_records_until_killed() {
    let Ok(dir) = std::env::var("TESTRELAY_CHILD_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let reporter = Reporter::builder(config(&dir))
        .env(Env::new())
        .start()
        .unwrap();
    for i in 0..2000 {
        reporter.record(case(i, CaseStatus::Passed)).unwrap();
    }
    reporter.sync(Duration::from_secs(60)).unwrap();
    println!("SYNCED {}", reporter.run_key());
    let mut i = 2000;
    loop {
        reporter.record(case(i, CaseStatus::Failed)).unwrap();
        i += 1;
        if i % 100 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn outbox_delivers_everything_once_after_sigkill() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_records_until_killed",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("TESTRELAY_CHILD_DIR", dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut run_key = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest prints "test child_records_until_killed ... " first.
        if let Some((_, key)) = line.split_once("SYNCED ") {
            run_key = Some(key.trim().to_string());
            break;
        }
    }
    let run_key = run_key.expect("child never synced");
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let flush = |dir: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_testrelay"))
            .args(["flush", "--json", "--output-dir"])
            .arg(dir.join("out"))
            .arg("--history")
            .arg(dir.join("history.db"))
            .arg("--provider")
            .arg("local")
            .output()
            .unwrap()
    };
    let out = flush(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["runs"].as_array().unwrap().len(), 1, "{report}");
    let run = &report["runs"][0];
    assert_eq!(run["run_key"], run_key.as_str());
    assert_eq!(run["abandoned"], true);
    let delivered: Vec<&str> = run["receipt"]["delivered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["operation"].as_str().unwrap())
        .collect();
    assert!(
        delivered.ends_with(&["close", "status", "comment"]),
        "{delivered:?}"
    );

    let history = History::open(&dir.path().join("history.db")).unwrap();
    let cases = history.run_cases(&run_key).unwrap();
    assert!(cases.len() >= 2000, "{}", cases.len());
    let ids: std::collections::HashSet<_> = cases.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), cases.len(), "no case stored twice");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/run-state.json")).unwrap())
            .unwrap();
    assert_eq!(state["run_key"], run_key.as_str());
    assert_eq!(state["result"]["status"], "error");
    assert_eq!(state["result"]["total_tests"], cases.len());
    assert!(history.outbox_pending(None).unwrap().is_empty());

    // A second flush finds nothing: nothing is delivered twice.
    let again: serde_json::Value = serde_json::from_slice(&flush(dir.path()).stdout).unwrap();
    assert_eq!(again["runs"].as_array().unwrap().len(), 0, "{again}");
}

#[test]
fn a_new_reporter_replays_what_a_dead_one_left() {
    let dir = tempfile::tempdir().unwrap();
    // A run whose delivery failed, by a process that is gone: simulate by
    // failing every call, then pretending the owner is on another host.
    let failing = Arc::new(Counting {
        fail_all: true,
        ..Counting::default()
    });
    let first = with_counting(dir.path(), failing).start().unwrap();
    first.record(case(1, CaseStatus::Passed)).unwrap();
    let s1 = first.finish(Duration::from_secs(60)).unwrap();
    assert!(s1.not_delivered.iter().filter(|n| n.pending).count() >= 3);
    drop(first);
    assert!(reassign_owner_elsewhere(&dir.path().join("history.db")) >= 3);
    let working = Arc::new(Counting::default());
    let second = with_counting(dir.path(), working.clone()).start().unwrap();
    let s2 = second.finish(Duration::from_secs(60)).unwrap();
    assert!(s2.not_delivered.is_empty(), "{:?}", s2.not_delivered);
    // create+close+status+comment for the old run and for the new one.
    assert_eq!(working.count("close"), 2, "{:?}", working.calls());
    assert_eq!(working.count("comment"), 2);
    let history = History::open(&dir.path().join("history.db")).unwrap();
    assert!(history.outbox_pending(None).unwrap().is_empty());
}

/// Re-queues every outbox entry as owned by a process on another host
/// (which counts as dead), through the public outbox API.
fn reassign_owner_elsewhere(db: &Path) -> usize {
    let mut history = History::open(db).unwrap();
    let entries = history.outbox_pending(None).unwrap();
    for e in &entries {
        let mut payload = e.payload.clone();
        payload["owner"]["host"] = serde_json::Value::String("elsewhere.invalid".into());
        history
            .outbox_put(&e.run_key, &e.operation, &e.idempotency_key, &payload)
            .unwrap();
    }
    entries.len()
}

#[test]
fn local_provider_is_a_real_default() {
    // The local provider's files are the receipt's URLs.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let reporter = Reporter::builder(cfg.clone())
        .env(Env::new())
        .start()
        .unwrap();
    let artifact = dir.path().join("screenshot.png");
    std::fs::write(&artifact, b"png").unwrap();
    let labels = std::collections::BTreeMap::from([("kind".to_string(), "screenshot".to_string())]);
    reporter.attach_artifact(&artifact, labels.clone()).unwrap();
    reporter.set_property("gpu", "none").unwrap();
    reporter.record(case(1, CaseStatus::Passed)).unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(summary.provider, "local");
    let ops: Vec<_> = summary
        .delivered
        .iter()
        .map(|d| d.operation.as_str())
        .collect();
    assert_eq!(
        ops,
        [
            "create",
            "artifact:screenshot.png",
            "close",
            "status",
            "comment",
        ]
    );
    assert!(dir.path().join("out/artifacts/screenshot.png").is_file());
    let history = History::open(&dir.path().join("history.db")).unwrap();
    let stored = history.run_artifacts(&summary.result.test_run_id).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].size, stored[0].content_type.as_str()),
        (3, "image/png")
    );
    assert_eq!(stored[0].metadata, labels);
    let _ = LocalProvider::new(&cfg).unwrap();
    assert_eq!(
        reporter
            .attach_artifact(dir.path().join("missing"), Default::default())
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn a_new_run_removes_the_previous_runs_reports() {
    // A run that dies before `finish` must not leave the previous run's
    // reports beside its own state, as if they were its own.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let first = Reporter::builder(cfg.clone())
        .env(Env::new())
        .start()
        .unwrap();
    first.record(case(1, CaseStatus::Failed)).unwrap();
    let summary = first.finish(Duration::from_secs(60)).unwrap();
    assert_eq!(summary.reports.len(), testrelay::report::REPORT_FILES.len());
    for name in testrelay::report::REPORT_FILES {
        assert!(cfg.output_dir.join(name).is_file(), "{name}");
    }
    std::fs::write(cfg.output_dir.join("mine.xml"), "<keep/>").unwrap();

    let second = Reporter::builder(cfg.clone())
        .env(Env::new())
        .start()
        .unwrap();
    second.record(case(2, CaseStatus::Passed)).unwrap();
    drop(second); // dies without finishing
    for name in testrelay::report::REPORT_FILES {
        assert!(!cfg.output_dir.join(name).exists(), "{name} is stale");
    }
    // Only our reports go; other files stay.
    assert!(cfg.output_dir.join("mine.xml").is_file());
}

#[test]
fn a_run_whose_operations_cannot_all_be_queued_leaves_nothing_half_open() {
    // A full disk while the run's operations were queued left `create`
    // stored without `close`: `flush` then created the CI's run and never
    // closed it (in progress forever). A trigger makes queueing `close`
    // fail the way a full disk does, at the same step.
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let db = dir.path().join("history.db");
    drop(History::open(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER disk_full BEFORE INSERT ON outbox WHEN NEW.operation = 'close'
         BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
    )
    .unwrap();
    let err = Reporter::builder(cfg.clone())
        .env(Env::new())
        .start()
        .err()
        .expect("start must fail");
    assert!(err.message().contains("disk is full"), "{err}");
    conn.execute_batch("DROP TRIGGER disk_full").unwrap();

    let report = testrelay::reporter::flush(&cfg, true).unwrap();
    for run in &report.runs {
        let delivered: Vec<&str> = run
            .receipt
            .delivered
            .iter()
            .map(|d| d.operation.as_str())
            .collect();
        assert!(
            !delivered.contains(&"create") || delivered.contains(&"close"),
            "{} was created and never closed: {delivered:?}",
            run.run_key
        );
    }
    // Nothing of the failed start was kept: no run, no operation.
    assert!(report.runs.is_empty(), "{report:?}");
    let history = History::open(&db).unwrap();
    assert!(history.outbox_pending(None).unwrap().is_empty());
}

#[test]
fn a_recorded_run_keeps_its_own_duration_even_zero() {
    // A file written in 2018 with no `time`: its duration is 0, not the
    // years since its timestamp.
    let dir = tempfile::tempdir().unwrap();
    let reporter = Reporter::builder(config(dir.path()))
        .env(Env::new())
        .start()
        .unwrap();
    let run = testrelay::TestRun {
        started_at: Some("2018-03-01T10:00:00".into()),
        duration_seconds: 0.0,
        cases: vec![case(1, CaseStatus::Passed)],
        ..testrelay::TestRun::default()
    };
    reporter.record_run(run).unwrap();
    let summary = reporter.finish(Duration::from_secs(30)).unwrap();
    assert_eq!(summary.result.duration_seconds, 0.0);

    // A live run with no timing lasts from its start until finish: far
    // less than a year here.
    let live = Reporter::builder(config(dir.path()))
        .env(Env::new())
        .start()
        .unwrap();
    live.record(case(2, CaseStatus::Passed)).unwrap();
    let summary = live.finish(Duration::from_secs(30)).unwrap();
    assert!(summary.result.duration_seconds < 86_400.0);
}
