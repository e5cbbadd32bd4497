//! The collector thread: takes messages off the record queue, keeps the
//! run, writes the history in batches, and asks the delivery thread for a
//! live update at most once per `update_interval_secs`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, bounded};

use super::delivery::{Job, Receipt};
use super::{Event, Msg, NotDelivered, Shared};
use crate::history::History;
use crate::model::{TestCase, TestRun, TestRunResult};
use crate::report;

/// Cases written to the history per transaction when they arrive faster
/// than [`FLUSH_EVERY`]: large batches rewrite the B-tree pages they share
/// less often (100 MB of JUnit, 374k cases: 10,000 per batch wrote 3.7×
/// the database's growth, 200,000 2.1×). A whole run handed over at once
/// (`record_run`, which `report` uses) goes in one transaction: 2.0×, the
/// least WAL journaling can do (each page once in the journal, once in the
/// file). Other writers wait for the lock up to the history's busy timeout
/// (30 s); one batch takes seconds.
const BATCH: usize = 200_000;
/// Longest time a recorded case waits before it is written to the history.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// While messages keep coming, the collector naps this long when the queue
/// runs dry instead of blocking on it: a blocked receiver makes every
/// `record` pay for waking it (a futex call, microseconds), a napping one
/// costs `record` nothing.
const NAP: Duration = Duration::from_micros(500);
/// How long after the last message the collector keeps napping before it
/// blocks (and an idle Reporter costs no CPU).
const BUSY_WINDOW: Duration = Duration::from_millis(20);

/// What the collector hands back to `finish`.
pub(super) struct Finished {
    pub result: TestRunResult,
    pub reports: Vec<PathBuf>,
    pub problems: Vec<NotDelivered>,
    pub performance: Option<crate::analysis::regressions::PerformanceReport>,
    pub delivery: crossbeam_channel::Receiver<Receipt>,
}

pub(super) struct Collector {
    run: TestRun,
    history: Option<History>,
    persisted: usize,
    artifacts: Vec<(PathBuf, String)>,
    /// What reports list of the attached artifacts.
    artifact_links: Vec<crate::report::markdown::ArtifactLink>,
    deliver: Sender<Job>,
    shared: Arc<Shared>,
    last_flush: Instant,
    last_update: Instant,
    changed_since_update: bool,
    /// Whether the run's timing came from its source (`record_run`): then
    /// its duration stands as given, even 0, and is never "now − start".
    timed: bool,
    /// The names of `run.suites` (a file may have tens of thousands).
    suite_names: HashSet<String>,
}

impl Collector {
    pub(super) fn new(
        run: TestRun,
        history: Option<History>,
        deliver: Sender<Job>,
        shared: Arc<Shared>,
    ) -> Collector {
        Collector {
            history,
            persisted: 0,
            artifacts: Vec::new(),
            artifact_links: Vec::new(),
            deliver,
            shared,
            last_flush: Instant::now(),
            last_update: Instant::now(),
            changed_since_update: false,
            timed: false,
            suite_names: run.suites.iter().map(|s| s.name.clone()).collect(),
            run,
        }
    }

    /// The thread's body: runs until `Finish` or until the queue closes.
    pub(super) fn run(&mut self, rx: Receiver<Msg>) {
        let _ = self.deliver.send(Job::Create);
        let tick = Duration::from_millis(100);
        let mut last_message = Instant::now();
        loop {
            let next = match rx.try_recv() {
                Ok(msg) => Ok(msg),
                Err(TryRecvError::Disconnected) => Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) if last_message.elapsed() < BUSY_WINDOW => {
                    std::thread::sleep(NAP);
                    Err(RecvTimeoutError::Timeout)
                }
                Err(TryRecvError::Empty) => rx.recv_timeout(tick),
            };
            if next.is_ok() {
                last_message = Instant::now();
            }
            match next {
                Ok(Msg::Finish(done)) => {
                    // Messages that raced with finish are still taken.
                    while let Ok(msg) = rx.try_recv() {
                        self.handle(msg);
                    }
                    let finished = self.finish();
                    let _ = done.send(finished);
                    return;
                }
                Ok(msg) => self.handle(msg),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    // Dropped without finish: keep what was recorded.
                    let _ = self.persist();
                    return;
                }
            }
            if self.run.cases.len() - self.persisted >= BATCH
                || (self.persisted < self.run.cases.len()
                    && self.last_flush.elapsed() >= FLUSH_EVERY)
            {
                if let Err(e) = self.persist() {
                    log::error!("testrelay: writing the history failed: {e}");
                }
            }
            self.maybe_update();
        }
    }

    fn add_case(&mut self, mut case: TestCase) {
        case.ensure_id();
        if let Ok(mut c) = self.shared.progress.lock() {
            c.add(case.status);
        }
        self.shared.emit(&Event::CaseRecorded(&case));
        self.run.cases.push(case);
        self.changed_since_update = true;
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Packed(packed) => self.add_case(packed.unpack()),
            Msg::Case(case) => self.add_case(case),
            Msg::Cases(cases) => {
                self.run.cases.reserve(cases.len());
                for case in cases {
                    self.add_case(case);
                }
                // A whole file goes to the history in one transaction.
                if let Err(e) = self.persist() {
                    log::error!("testrelay: writing the history failed: {e}");
                }
            }
            Msg::Metric(metric) => {
                self.shared.emit(&Event::MetricRecorded(&metric));
                let stored = self.shared.config.store_metrics;
                if let Some(h) = self.history.as_mut().filter(|_| stored) {
                    if let Err(e) = h.record_performance_metric(
                        &self.run.run_key,
                        metric.test_id.as_deref(),
                        &metric.name,
                        metric.value,
                        &metric.unit,
                    ) {
                        log::error!("testrelay: storing metric `{}` failed: {e}", metric.name);
                    }
                }
                self.run.metrics.push(metric);
            }
            Msg::Suite(suite) => {
                if self.suite_names.insert(suite.name.clone()) {
                    self.run.suites.push(suite);
                }
            }
            Msg::Property(k, v) => {
                self.run.properties.insert(k, v);
            }
            Msg::Artifact(artifact) => {
                let path = PathBuf::from(&artifact.path);
                if let Some(h) = self.history.as_mut() {
                    let stored = h
                        .record_artifact(&self.run.run_key, &artifact)
                        .and_then(|()| {
                            super::delivery::register_artifact(
                                h,
                                &self.run.run_key,
                                &path,
                                &artifact.name,
                            )
                        });
                    if let Err(e) = stored {
                        log::error!("testrelay: queueing artifact {}: {e}", artifact.name);
                    }
                }
                self.artifact_links
                    .push(crate::report::markdown::ArtifactLink::of(&artifact));
                self.artifacts.push((path, artifact.name));
            }
            Msg::Timing {
                started_at,
                duration_seconds,
            } => {
                if started_at.is_some() {
                    self.run.started_at = started_at;
                }
                self.run.duration_seconds = duration_seconds;
                self.timed = true;
            }
            Msg::Status(status) => self.run.status = status,
            Msg::Sync(ack) => {
                let _ = ack.send(self.persist());
            }
            Msg::Publish(ack) => {
                if let Err(e) = self.persist() {
                    log::error!("testrelay: writing the history failed: {e}");
                }
                let mut run = self.run.clone();
                run.settle_status();
                let (done_tx, done_rx) = bounded(1);
                let status = run.status;
                let job = Job::Publish {
                    run: Arc::new(run),
                    done: done_tx,
                };
                if self.deliver.send(job).is_err() {
                    let (tx, rx) = bounded(1);
                    let _ = tx.send(super::Published {
                        status: Some(status),
                        not_delivered: vec![NotDelivered {
                            operation: "publish".into(),
                            kind: crate::ErrorKind::Internal,
                            message: "the delivery thread stopped".into(),
                            pending: false,
                        }],
                        ..super::Published::default()
                    });
                    let _ = ack.send(rx);
                } else {
                    let _ = ack.send(done_rx);
                }
                // A publish shows everything so far: no live update needed.
                self.last_update = Instant::now();
                self.changed_since_update = false;
            }
            Msg::Finish(_) => unreachable!("handled by the loop"),
        }
    }

    /// Writes the cases not yet in the history, in one transaction.
    fn persist(&mut self) -> crate::Result<()> {
        self.last_flush = Instant::now();
        let Some(h) = self.history.as_mut() else {
            self.persisted = self.run.cases.len();
            return Ok(());
        };
        let pending = &self.run.cases[self.persisted..];
        if pending.is_empty() {
            return Ok(());
        }
        h.append_cases(&self.run.run_key, pending)?;
        self.persisted = self.run.cases.len();
        Ok(())
    }

    fn maybe_update(&mut self) {
        let interval = Duration::from_secs(self.shared.config.update_interval_secs);
        if self.shared.config.live_updates
            && self.changed_since_update
            && self.last_update.elapsed() >= interval
        {
            // The delivery thread keeps only the newest pending update.
            let _ = self.deliver.send(Job::Update(Arc::new(self.run.clone())));
            self.last_update = Instant::now();
            self.changed_since_update = false;
        }
    }

    /// Records the finished run from the local history into the shared
    /// one (`history_url`), in one transaction. A failure is a problem of
    /// the run, not an error: the run stays in the local file, and
    /// `testrelay history merge` copies it later.
    fn record_into_shared_history(&self) -> Option<NotDelivered> {
        let url = self.shared.config.history_url.as_ref()?;
        let local = self.history.as_ref()?;
        let recorded = crate::history::HistoryStore::open(url.expose())
            .and_then(|mut shared| shared.record_run_from(local, &self.run.run_key));
        let err = recorded.err()?;
        log::warn!("testrelay: recording the run into the shared history failed: {err}");
        Some(NotDelivered {
            operation: "shared history".into(),
            kind: err.kind(),
            message: format!(
                "{err}; the run is kept in the local history: `testrelay history merge FILE \
                 --history URL` copies it"
            ),
            pending: false,
        })
    }

    fn finish(&mut self) -> Finished {
        let mut problems = Vec::new();
        if let Err(e) = self.persist() {
            problems.push(NotDelivered {
                operation: "history".into(),
                kind: e.kind(),
                message: e.to_string(),
                pending: false,
            });
        }
        self.run.finished_at = Some(crate::time::now_rfc3339());
        // A live run lasted from its start until now; a run read from files
        // lasted what they say (a file's timestamp may be years old).
        if self.run.duration_seconds == 0.0 && !self.timed {
            self.run.duration_seconds = self
                .run
                .started_at
                .as_deref()
                .and_then(crate::time::parse_timestamp)
                .map(|s| (crate::time::now_unix_ms() - s).max(0) as f64 / 1000.0)
                .unwrap_or(0.0);
        }
        self.run.settle_status();
        if let Some(h) = self.history.as_mut() {
            if let Err(e) = h.complete_run(
                &self.run.run_key,
                self.run.status,
                None,
                self.run.duration_seconds,
            ) {
                problems.push(NotDelivered {
                    operation: "history".into(),
                    kind: e.kind(),
                    message: e.to_string(),
                    pending: false,
                });
            }
        }
        if let Some(problem) = self.record_into_shared_history() {
            problems.push(problem);
        }
        let diff = self.history.as_ref().and_then(|h| {
            h.diff_against_previous(&self.run.run_key)
                .map_err(|e| log::warn!("testrelay: comparing with the previous run failed: {e}"))
                .ok()
                .flatten()
        });
        let config = &self.shared.config;
        let performance = self.history.as_ref().and_then(|h| {
            h.compare_metrics(&self.run.run_key, &config.performance)
                .map_err(|e| {
                    log::warn!("testrelay: comparing metrics with their baseline failed: {e}")
                })
                .ok()
                .flatten()
        });
        let reports = match report::write_reports(
            &self.run,
            &config.output_dir,
            config,
            diff.as_ref(),
            performance.as_ref(),
            &self.artifact_links,
        ) {
            Ok(paths) => paths,
            Err(e) => {
                problems.push(NotDelivered {
                    operation: "reports".into(),
                    kind: e.kind(),
                    message: e.to_string(),
                    pending: false,
                });
                Vec::new()
            }
        };
        if self.shared.attach_reports && config.enable_artifacts {
            self.attach_reports(&reports);
        }
        let (receipt_tx, receipt_rx) = bounded(1);
        let run = Arc::new(std::mem::take(&mut self.run));
        let result = run.result();
        let job = Job::Final {
            run,
            artifacts: std::mem::take(&mut self.artifacts),
            artifact_links: std::mem::take(&mut self.artifact_links),
            report_url: reports
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == "html"))
                .map(|p| p.display().to_string()),
            diff: diff.map(Box::new),
            performance: performance.clone().map(Box::new),
            done: receipt_tx,
        };
        if self.deliver.send(job).is_err() {
            problems.push(NotDelivered {
                operation: "delivery".into(),
                kind: crate::ErrorKind::Internal,
                message: "the delivery thread stopped; run `testrelay flush`".into(),
                pending: true,
            });
        }
        Finished {
            result,
            reports,
            problems,
            performance,
            delivery: receipt_rx,
        }
    }

    /// Queues the report files as artifacts of the run, under their file
    /// names (a user's artifact of the same name wins), for providers that
    /// attach reports to the run. Queued in the outbox, so `flush` retries
    /// them like any artifact.
    fn attach_reports(&mut self, reports: &[PathBuf]) {
        for path in reports {
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            if self.artifacts.iter().any(|(_, n)| *n == name) {
                continue;
            }
            if let Some(h) = self.history.as_mut() {
                if let Err(e) =
                    super::delivery::register_artifact(h, &self.run.run_key, path, &name)
                {
                    log::error!("testrelay: queueing report {name} as an attachment: {e}");
                }
            }
            self.artifacts.push((path.clone(), name));
        }
    }
}
