//! The Reporter: the session a test harness drives.
//!
//! ```no_run
//! use testrelay::{CaseStatus, Config, Reporter, TestCase};
//! let reporter = Reporter::start(Config::default())?;
//! reporter.record(TestCase::new("suite", "math", "adds", CaseStatus::Passed))?;
//! let summary = reporter.finish(std::time::Duration::from_secs(60))?;
//! println!("{} tests, receipt: {:?}", summary.result.total_tests, summary.delivered);
//! # Ok::<(), testrelay::Error>(())
//! ```
//!
//! `record`, `record_metric`, `attach_artifact` and `set_property` only put
//! a message on a bounded queue; two threads of the Reporter's own pool do
//! the rest:
//!
//! - the **collector** (`testrelay-0`) keeps the run, writes the history in
//!   batched transactions and asks for a live update at most once per
//!   `update_interval_secs`;
//! - the **delivery** thread (`testrelay-1`) calls the CI provider. Every
//!   provider operation is first written to the history's outbox and removed
//!   once acknowledged, so nothing is lost when the CI API is down or the
//!   process dies: `testrelay flush`, or the next Reporter on the same
//!   history file, delivers what is left (see [`flush`]).
//!
//! When the queue is full, `record` waits (backpressure) rather than drop a
//! result; the number of waits is in the [`RunSummary`].
//!
//! Reporting problems never fail the harness unless `strict` is set: they
//! are in the summary's receipt and logged through `log`.

mod collector;
mod delivery;
mod owner;
mod packed;
mod resolve;
mod standalone;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};
use serde::Serialize;

use crate::artifact::ArtifactMetadata;
use crate::config::Config;
use crate::detect::{Env, detect};
use crate::error::{Error, ErrorKind, Result};
use crate::history::History;
use crate::model::{Counts, Metric, RunStatus, SuiteInfo, TestCase, TestRun, TestRunResult};
use crate::pool::ThreadPool;
use crate::provider::{Provider, Registry, RunContext};

pub(crate) use delivery::stored_run_provider;
pub use delivery::{FlushReport, flush};
pub use packed::{CaseText, PackedCase};
pub use resolve::ENV_VARIABLES;
pub use standalone::{MetricReceipt, record_metric};

/// Capacity of the record queue; a full queue makes `record` wait.
const QUEUE_CAPACITY: usize = 65_536;

/// A lifecycle event, passed to the callbacks registered with
/// [`ReporterBuilder::on_event`] or [`Reporter::on_event`].
#[derive(Debug)]
pub enum Event<'a> {
    /// The run was opened (fires on the thread that calls `start`, or for a
    /// hook added later with [`Reporter::on_event`], on the adding thread).
    RunStarted {
        /// The run key.
        run_key: &'a str,
    },
    /// A case was taken off the queue and added to the run (collector thread).
    CaseRecorded(&'a TestCase),
    /// A metric was added (collector thread).
    MetricRecorded(&'a Metric),
    /// A provider operation failed; it stays in the outbox (delivery thread).
    DeliveryFailed {
        /// The operation (`create`, `update`, `close`, `status`, `comment`, `artifact`).
        operation: &'a str,
        /// What went wrong.
        error: &'a Error,
    },
    /// `finish` completed (fires on the thread that calls `finish`, once).
    RunFinished(&'a RunSummary),
}

type Hook = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// One operation the provider acknowledged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivered {
    /// The operation.
    pub operation: String,
    /// The CI's id for what was created (run id, comment id, artifact name).
    pub id: Option<String>,
    /// Where to see it.
    pub url: Option<String>,
}

/// One operation not delivered (still in the outbox, or unsupported).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotDelivered {
    /// The operation.
    pub operation: String,
    /// The error kind.
    pub kind: ErrorKind,
    /// What went wrong.
    pub message: String,
    /// True when it is still in the outbox and `testrelay flush` can retry it.
    pub pending: bool,
}

/// What `finish` returns: the result, the reports written, and a delivery
/// receipt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Display name of the run.
    pub run_name: String,
    /// Counts and status (`test_run_id` is the run key).
    pub result: TestRunResult,
    /// The provider that received the run.
    pub provider: String,
    /// Report files written.
    pub reports: Vec<PathBuf>,
    /// The history file, when history is on.
    pub history_path: Option<PathBuf>,
    /// Operations the provider acknowledged.
    pub delivered: Vec<Delivered>,
    /// Operations that failed, are pending, or are unsupported.
    pub not_delivered: Vec<NotDelivered>,
    /// How often `record` had to wait for a full queue.
    pub backpressure_waits: u64,
    /// True when `finish` ran out of time before delivery ended.
    pub timed_out: bool,
    /// The run's metrics compared with their baseline in the history;
    /// `None` without a history or without metrics.
    pub performance: Option<crate::analysis::regressions::PerformanceReport>,
}

/// What [`Reporter::publish`] returns: the receipt of one intermediate
/// delivery of the run as recorded so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Published {
    /// The run's status as it was shown (settled from the cases so far).
    pub status: Option<RunStatus>,
    /// Operations the CI acknowledged (`update`, `status`, `comment`, and
    /// `create` when the run was not created yet).
    pub delivered: Vec<Delivered>,
    /// Operations that failed or are unsupported (not kept in the outbox:
    /// the final delivery of `finish` supersedes them).
    pub not_delivered: Vec<NotDelivered>,
    /// True when the delivery did not end within the timeout.
    pub timed_out: bool,
}

/// Messages from the API to the collector.
/// A `TestCase` travels unboxed: boxing it would cost the Rust caller an
/// allocation that the collector's thread frees, which measured slower
/// than copying the larger slot.
enum Msg {
    Case(TestCase),
    /// Every case of a run read whole (`record_run`): the collector stores
    /// them in one history transaction.
    Cases(Vec<TestCase>),
    Packed(PackedCase),
    Metric(Metric),
    Suite(SuiteInfo),
    Property(String, String),
    Artifact(ArtifactMetadata),
    Timing {
        started_at: Option<String>,
        duration_seconds: f64,
    },
    Status(RunStatus),
    Sync(Sender<Result<()>>),
    Publish(Sender<Receiver<Published>>),
    Finish(Sender<collector::Finished>),
}

struct Shared {
    run_key: String,
    config: Config,
    ctx: RunContext,
    /// The environment the run started in (earlier runs left in the outbox
    /// are delivered with the endpoints it gives).
    env: Env,
    /// When delivery must end: brought forward by `finish`'s timeout and by
    /// dropping the Reporter, so no retry wait outlives them.
    deadline: Arc<crate::http::SharedDeadline>,
    hooks: RwLock<Vec<Hook>>,
    /// The provider attaches the report files to the run
    /// (`Capabilities::attach_reports`).
    attach_reports: bool,
    progress: Mutex<Counts>,
    waits: AtomicU64,
    in_flight: AtomicUsize,
    closed: AtomicBool,
    cancel: AtomicBool,
    /// The run's status as last shown to the CI (`Running` until the first
    /// publish or the end).
    shown: Mutex<RunStatus>,
}

impl Shared {
    fn emit(&self, event: &Event<'_>) {
        let hooks = match self.hooks.read() {
            Ok(h) => h.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for hook in &hooks {
            call_hook(hook, event);
        }
    }
}

/// Calls one hook; a panic in it is logged, never propagated.
fn call_hook(hook: &Hook, event: &Event<'_>) {
    let call = std::panic::AssertUnwindSafe(|| hook(event));
    if let Err(payload) = std::panic::catch_unwind(call) {
        log::error!(
            "testrelay event callback panicked: {}",
            crate::pool::panic_message(&*payload)
        );
    }
}

/// Builds a [`Reporter`]: hooks and a custom provider registry are set
/// before the run starts, so `RunStarted` reaches every hook.
pub struct ReporterBuilder {
    config: Config,
    registry: Registry,
    hooks: Vec<Hook>,
    env: Option<Env>,
}

impl ReporterBuilder {
    /// Registers a lifecycle callback (see [`Event`] for the thread each
    /// event fires on). A panicking callback is caught and logged.
    pub fn on_event(mut self, hook: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Uses `registry` instead of the built-in providers.
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// Detects the CI from `env` instead of the process environment.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Opens the history, builds the provider, removes the previous run's
    /// reports from the output directory, queues `create_test_run` and
    /// starts the worker threads.
    ///
    /// Errors: `Configuration` (bad config, unknown provider), `Database`
    /// (unusable history file), `Internal` (threads could not start).
    pub fn start(mut self) -> Result<Reporter> {
        self.config.validate()?;
        let env = self.env.take().unwrap_or_else(Env::from_process);
        crate::config::guide::apply_env(&mut self.config, &env);
        let detection = detect(&env);
        let provider_name = self
            .registry
            .resolve_name(&self.config.provider, &detection);
        let config = resolve::fill_config(self.config, &detection, &env)?;
        let ctx = resolve::run_context(&config, &detection);
        let provider: Provider =
            match self
                .registry
                .build(&provider_name, &config, &env, &detection)
            {
                Ok(p) => p,
                // `auto` picked a CI provider that is not set up (no token, no
                // repository): report locally rather than fail the harness.
                Err(e)
                    if config.provider.eq_ignore_ascii_case("auto") && provider_name != "local" =>
                {
                    log::warn!("testrelay: {e}; reporting with the local provider instead");
                    self.registry.build("local", &config, &env, &detection)?
                }
                Err(e) => return Err(e),
            };
        let history = match &config.history_path {
            Some(path) => Some(History::open(path)?),
            None => None,
        };
        let delivery_history = match &config.history_path {
            Some(path) => Some(History::open(path)?),
            None => None,
        };
        // A CI that reads results from the build log (TeamCity) gets them
        // as the collector takes them, through the same hooks as users.
        let mut hooks = self.hooks;
        if let Some(live) = provider.ci.live_channel() {
            hooks.insert(0, live);
        }
        let shared = Arc::new(Shared {
            run_key: ctx.run_key.clone(),
            config: config.clone(),
            ctx: ctx.clone(),
            env: env.clone(),
            deadline: crate::http::SharedDeadline::new(),
            hooks: RwLock::new(hooks),
            attach_reports: provider.ci.capabilities().attach_reports,
            progress: Mutex::new(Counts::default()),
            waits: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
            shown: Mutex::new(RunStatus::Running),
        });
        let mut history = history;
        let mut carried = Vec::new();
        if let Some(h) = history.as_mut() {
            let record = resolve::run_record(&ctx, &detection, provider.name(), RunStatus::Running);
            // Metrics a shell step recorded into this run before it began
            // (`testrelay metric record`) stay with it.
            carried = standalone::pending_metrics(h, &ctx.run_key)?;
            delivery::register_operations(h, &shared, &record)?;
            for m in &carried {
                h.record_performance_metric(
                    &ctx.run_key,
                    m.test_id.as_deref(),
                    &m.name,
                    m.value,
                    &m.unit,
                )?;
            }
        }
        // The reports in the output directory are the previous run's: gone
        // now, so a crash before `finish` cannot leave them beside this
        // run's state as if they were its own.
        match crate::report::remove_previous_reports(&config.output_dir) {
            Ok(removed) if !removed.is_empty() => log::debug!(
                "testrelay: removed {} reports of the previous run in {}",
                removed.len(),
                config.output_dir.display()
            ),
            Ok(_) => {}
            Err(e) => log::warn!("testrelay: {e}; they are not this run's"),
        }
        let (tx, rx): (Sender<Msg>, Receiver<Msg>) = bounded(QUEUE_CAPACITY);
        let (deliver_tx, deliver_rx) = crossbeam_channel::unbounded();
        let pool = ThreadPool::new("testrelay", 2)?;
        let mut delivery = delivery::Delivery::new(
            provider.clone(),
            delivery_history,
            shared.clone(),
            self.registry.clone(),
        );
        pool.execute(move || delivery.run(deliver_rx))?;
        let run = TestRun {
            run_key: ctx.run_key.clone(),
            name: ctx.name.clone(),
            status: RunStatus::Running,
            started_at: Some(crate::time::now_rfc3339()),
            metrics: carried,
            ..TestRun::default()
        };
        let mut collector = collector::Collector::new(run, history, deliver_tx, shared.clone());
        pool.execute(move || collector.run(rx))?;
        shared.emit(&Event::RunStarted {
            run_key: &shared.run_key,
        });
        Ok(Reporter {
            tx,
            shared,
            provider_name: provider.name().to_string(),
            pool: Mutex::new(Some(pool)),
            summary: Mutex::new(None),
        })
    }
}

/// A running test session. `Send + Sync`: any number of threads may record
/// at once. Dropping it without `finish` stops the threads; the run then
/// stays open in the history and the outbox, for `testrelay flush` to close.
pub struct Reporter {
    tx: Sender<Msg>,
    shared: Arc<Shared>,
    provider_name: String,
    pool: Mutex<Option<ThreadPool>>,
    summary: Mutex<Option<RunSummary>>,
}

impl Reporter {
    /// Starts a session with the built-in providers and no hooks; see
    /// [`ReporterBuilder::start`] for what happens and the errors.
    pub fn start(config: Config) -> Result<Reporter> {
        Reporter::builder(config).start()
    }

    /// A builder for hooks, a custom registry or an explicit run identity.
    pub fn builder(config: Config) -> ReporterBuilder {
        ReporterBuilder {
            config,
            registry: Registry::with_builtins(),
            hooks: Vec::new(),
            env: None,
        }
    }

    /// The run key of this session.
    pub fn run_key(&self) -> &str {
        &self.shared.run_key
    }

    /// Adds a lifecycle callback after start. Unless the run is finished, it
    /// receives `RunStarted` at once, on the calling thread, so a hook sees
    /// the same events wherever it was registered.
    pub fn on_event(&self, hook: impl Fn(&Event<'_>) + Send + Sync + 'static) {
        let hook: Hook = Arc::new(hook);
        match self.shared.hooks.write() {
            Ok(mut h) => h.push(hook.clone()),
            Err(poisoned) => poisoned.into_inner().push(hook.clone()),
        }
        if !self.shared.closed.load(Ordering::SeqCst) {
            call_hook(
                &hook,
                &Event::RunStarted {
                    run_key: &self.shared.run_key,
                },
            );
        }
    }

    fn send(&self, msg: Msg) -> Result<()> {
        self.shared.in_flight.fetch_add(1, Ordering::SeqCst);
        let result = if self.shared.closed.load(Ordering::SeqCst) {
            Err(Error::invalid(
                "the run is finished; start a new Reporter to record more",
            ))
        } else {
            match self.tx.try_send(msg) {
                Ok(()) => Ok(()),
                Err(TrySendError::Full(msg)) => {
                    self.shared.waits.fetch_add(1, Ordering::Relaxed);
                    self.tx.send(msg).map_err(|_| stopped())
                }
                Err(TrySendError::Disconnected(_)) => Err(stopped()),
            }
        };
        self.shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// Records one test case. Only enqueues: the id, history and provider
    /// work happen on the Reporter's threads. Waits when the queue is full.
    ///
    /// Errors: `InvalidArgument` after `finish`.
    pub fn record(&self, case: TestCase) -> Result<()> {
        self.send(Msg::Case(case))
    }

    /// Records a case packed by a binding ([`PackedCase`]): the same as
    /// [`Reporter::record`], with one allocation on the caller's thread.
    ///
    /// Errors: `InvalidArgument` after `finish`.
    pub fn record_packed(&self, case: PackedCase) -> Result<()> {
        self.send(Msg::Packed(case))
    }

    /// Records a metric (`recorded_at` is set when empty).
    ///
    /// Errors: `InvalidArgument` for a non-finite value or after `finish`.
    pub fn record_metric(&self, mut metric: Metric) -> Result<()> {
        if !metric.value.is_finite() {
            return Err(Error::invalid(format!(
                "metric `{}` has a non-finite value",
                metric.name
            )));
        }
        if metric.recorded_at.is_empty() {
            metric.recorded_at = crate::time::now_rfc3339();
        }
        self.send(Msg::Metric(metric))
    }

    /// Records suite-level data (timestamp, host, properties, output).
    ///
    /// Errors: `InvalidArgument` after `finish`.
    pub fn record_suite(&self, suite: SuiteInfo) -> Result<()> {
        self.send(Msg::Suite(suite))
    }

    /// Records a whole run read from elsewhere (e.g. parsed JUnit files):
    /// its cases, suites, metrics, properties and timing.
    ///
    /// Errors: `InvalidArgument` after `finish`.
    pub fn record_run(&self, run: TestRun) -> Result<()> {
        self.send(Msg::Timing {
            started_at: run.started_at,
            duration_seconds: run.duration_seconds,
        })?;
        for suite in run.suites {
            self.record_suite(suite)?;
        }
        for (k, v) in run.properties {
            self.set_property(&k, &v)?;
        }
        for metric in run.metrics {
            self.record_metric(metric)?;
        }
        if run.cases.is_empty() {
            return Ok(());
        }
        self.send(Msg::Cases(run.cases))
    }

    /// Attaches a file to upload when the run finishes (when
    /// `enable_artifacts` is on), under its file name, with free-form
    /// key/value metadata (called labels in the C and Node calls of this
    /// name). The file is hashed, typed and (JSON) indexed now
    /// ([`ArtifactMetadata::from_file`], with the configured
    /// `artifact_types`), stored in the history, and read again at upload
    /// time.
    ///
    /// Errors: `NotFound`/`Io` when the file cannot be read now;
    /// `InvalidArgument` after `finish`.
    pub fn attach_artifact(
        &self,
        path: impl AsRef<std::path::Path>,
        metadata: BTreeMap<String, String>,
    ) -> Result<()> {
        self.attach_labeled_artifact(path, Vec::new(), metadata)
    }

    /// [`attach_artifact`](Self::attach_artifact) with plain labels too
    /// (`nightly`, `linux`), which [`ArtifactQuery::labels`](crate::history::ArtifactQuery)
    /// finds.
    ///
    /// Errors: as `attach_artifact`.
    pub fn attach_labeled_artifact(
        &self,
        path: impl AsRef<std::path::Path>,
        labels: Vec<String>,
        metadata: BTreeMap<String, String>,
    ) -> Result<()> {
        let record = ArtifactMetadata::from_file(
            path.as_ref(),
            metadata,
            &self.shared.config.artifact_types,
        )?
        .with_labels(labels);
        self.send(Msg::Artifact(record))
    }

    /// Sets a run property (shown in reports and stored in the history).
    ///
    /// Errors: `InvalidArgument` after `finish`.
    pub fn set_property(&self, key: &str, value: &str) -> Result<()> {
        self.send(Msg::Property(key.to_string(), value.to_string()))
    }

    /// Ends the run as `error`, `cancelled` or `timed_out` whatever its cases
    /// say (a crashed or killed harness). Passed and failed come from the
    /// cases themselves.
    ///
    /// Errors: `InvalidArgument` for another status or after `finish`.
    pub fn set_run_status(&self, status: RunStatus) -> Result<()> {
        if !matches!(
            status,
            RunStatus::Error | RunStatus::Cancelled | RunStatus::TimedOut
        ) {
            return Err(Error::invalid(format!(
                "set_run_status takes error, cancelled or timed_out, not {}",
                status.as_str()
            )));
        }
        self.send(Msg::Status(status))
    }

    /// Counts of the cases processed so far (recording is asynchronous, so
    /// the last few recorded may not be counted yet; see [`Reporter::sync`]).
    pub fn progress(&self) -> Counts {
        match self.shared.progress.lock() {
            Ok(c) => *c,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// Waits until everything recorded before this call is in the history
    /// (a checkpoint: a crash after `sync` loses none of it).
    ///
    /// Errors: `Timeout`; `Database` when the write failed; `InvalidArgument`
    /// after `finish`.
    pub fn sync(&self, timeout: Duration) -> Result<()> {
        let (ack_tx, ack_rx) = bounded(1);
        self.send(Msg::Sync(ack_tx))?;
        match ack_rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("sync did not complete within {timeout:?}"),
            )),
        }
    }

    /// Shows the run as recorded so far in the CI, without ending it:
    /// writes what is queued to the history, then updates the CI's run, the
    /// commit status (with the status the cases so far give) and the PR
    /// comment in place, and waits at most `timeout` for the receipt. Each
    /// call updates the same run and comment; `finish` still delivers the
    /// final state. Meant for harnesses that report more than once (the
    /// guide's `reportResults` then `reportFailure`).
    ///
    /// Errors: `InvalidArgument` after `finish`; `Internal` when the
    /// threads stopped. Delivery problems are in the receipt.
    pub fn publish(&self, timeout: Duration) -> Result<Published> {
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 24 * 3600));
        let (ack_tx, ack_rx) = bounded(1);
        self.send(Msg::Publish(ack_tx))?;
        let timed_out = || Published {
            timed_out: true,
            not_delivered: vec![NotDelivered {
                operation: "publish".into(),
                kind: ErrorKind::Timeout,
                message: format!("the update did not end within {timeout:?}"),
                pending: false,
            }],
            ..Published::default()
        };
        let Ok(receipt) = ack_rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        else {
            return Ok(timed_out());
        };
        let published =
            match receipt.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(p) => p,
                Err(_) => timed_out(),
            };
        if let Some(status) = published.status {
            if !self.shared.closed.load(Ordering::SeqCst) {
                if let Ok(mut shown) = self.shared.shown.lock() {
                    *shown = status;
                }
            }
        }
        Ok(published)
    }

    /// The run's status as last shown to the CI: `Running` until the first
    /// [`Reporter::publish`], then what it showed, and the final status once
    /// `finish` has delivered it.
    pub fn shown_status(&self) -> RunStatus {
        match self.shared.shown.lock() {
            Ok(s) => *s,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// The name of the provider the run reports to (`github`, `local`, ...).
    pub fn provider_name(&self) -> &str {
        &self.provider_name
    }

    /// True once `finish` has been called.
    pub fn is_finished(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    /// Ends the run: drains the queue, completes the history, writes the
    /// reports, posts the final update, status and comment once, uploads the
    /// attachments, and returns the summary. Waits at most `timeout` for all
    /// of it; what is not delivered by then stays in the outbox and is
    /// listed as pending.
    ///
    /// Calling it again returns the same summary and posts nothing.
    ///
    /// Errors: only with `strict` set, the first reporting problem; otherwise
    /// problems are in the summary.
    pub fn finish(&self, timeout: Duration) -> Result<RunSummary> {
        let mut cached = match self.summary.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(summary) = cached.as_ref() {
            return Ok(summary.clone());
        }
        let deadline = Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 24 * 3600));
        self.shared.deadline.bring_forward(deadline);
        self.shared.closed.store(true, Ordering::SeqCst);
        while self.shared.in_flight.load(Ordering::SeqCst) > 0 {
            std::thread::yield_now();
        }
        let (done_tx, done_rx) = bounded(1);
        self.tx.send(Msg::Finish(done_tx)).map_err(|_| stopped())?;
        let finished = done_rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok();
        let summary = match finished {
            Some(f) => {
                let receipt = f
                    .delivery
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                    .ok();
                let mut summary = self.summarize(f.result, f.reports, f.problems, receipt);
                summary.performance = f.performance;
                summary
            }
            None => {
                self.shared.cancel.store(true, Ordering::SeqCst);
                self.summarize(
                    self.partial_result(),
                    Vec::new(),
                    vec![NotDelivered {
                        operation: "finish".into(),
                        kind: ErrorKind::Timeout,
                        message: format!("the run did not finish within {timeout:?}"),
                        pending: true,
                    }],
                    None,
                )
            }
        };
        if self.shared.config.strict {
            if let Some(p) = summary
                .not_delivered
                .iter()
                .find(|p| p.kind != ErrorKind::Unsupported)
            {
                return Err(Error::new(
                    p.kind,
                    format!("{}: {}", p.operation, p.message),
                ));
            }
        }
        if let Ok(mut shown) = self.shared.shown.lock() {
            *shown = summary.result.status;
        }
        self.shared.emit(&Event::RunFinished(&summary));
        *cached = Some(summary.clone());
        Ok(summary)
    }

    fn partial_result(&self) -> TestRunResult {
        let run = TestRun {
            run_key: self.shared.run_key.clone(),
            status: RunStatus::TimedOut,
            ..TestRun::default()
        };
        let mut result = run.result();
        let c = self.progress();
        result.total_tests = c.total;
        result.passed_tests = c.passed;
        result.failed_tests = c.failed;
        result.error_tests = c.errors;
        result.skipped_tests = c.skipped;
        result.flaky_tests = c.flaky;
        result
    }

    fn summarize(
        &self,
        result: TestRunResult,
        reports: Vec<PathBuf>,
        mut problems: Vec<NotDelivered>,
        receipt: Option<delivery::Receipt>,
    ) -> RunSummary {
        let timed_out = receipt.is_none();
        let delivered = match receipt {
            Some(r) => {
                problems.extend(r.not_delivered);
                r.delivered
            }
            None => {
                self.shared.cancel.store(true, Ordering::SeqCst);
                problems.push(NotDelivered {
                    operation: "delivery".into(),
                    kind: ErrorKind::Timeout,
                    message: "delivery did not end before the finish timeout; \
                              what is left stays in the outbox for `testrelay flush`"
                        .into(),
                    pending: true,
                });
                Vec::new()
            }
        };
        RunSummary {
            run_name: self.shared.ctx.name.clone(),
            result,
            provider: self.provider_name.clone(),
            reports,
            history_path: self.shared.config.history_path.clone(),
            delivered,
            not_delivered: problems,
            backpressure_waits: self.shared.waits.load(Ordering::Relaxed),
            timed_out,
            performance: None,
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.cancel.store(true, Ordering::SeqCst);
        // No retry wait may hold the threads (and so the caller) any longer.
        self.shared.deadline.bring_forward(Instant::now());
        // Closing the queue ends the collector, which closes the delivery
        // queue; then the pool joins both threads.
        let (tx, _rx) = bounded(0);
        drop(std::mem::replace(&mut self.tx, tx));
        let pool = match self.pool.get_mut() {
            Ok(p) => p.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        drop(pool);
    }
}

fn stopped() -> Error {
    Error::new(
        ErrorKind::Internal,
        "the reporter's worker threads have stopped; see the log for the cause",
    )
}
