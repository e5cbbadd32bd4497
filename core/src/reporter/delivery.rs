//! The delivery thread and `flush`: every provider operation goes through
//! the outbox (queued before it is tried, removed once acknowledged), so it
//! happens once even across crashes and retries.
//!
//! Operations ([`Operation`]) and their outbox keys (`{run_key}:{operation}`):
//! `create`, `close`, `status`, `comment` are queued when the run starts;
//! `artifact:{name}` when a file is attached. Live `update`s are not queued:
//! the final `close` supersedes them. `create`, `update` and `close` go to
//! the CI system, `status` and `comment` to the code host, artifacts to the
//! CI system's store. At the end artifacts go first, then the job summary,
//! `close`, `status` and `comment`, whose texts link each stored artifact
//! to where the provider keeps it.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use serde::Serialize;

use super::owner::Owner;
use super::{Delivered, Event, NotDelivered, Shared};
use crate::analysis::diff::RunDiff;
use crate::analysis::regressions::PerformanceReport;
use crate::config::Config;
use crate::detect::{Env, detect};
use crate::error::{Error, ErrorKind, Result};
use crate::history::History;
use crate::model::{RunStatus, TestRun};
use crate::provider::{
    BuildState, Provider, Registry, RunContext, RunHandle, RunUpdate, comment_marker,
    upsert_comment,
};
use crate::report::markdown;

/// A provider operation kept in the outbox until acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Operation {
    /// Create (or find) the run in the CI system.
    Create,
    /// Complete the run.
    Close,
    /// Set the commit status on the code host.
    Status,
    /// Post or update the PR comment on the code host.
    Comment,
    /// Store the attached file of this name.
    Artifact(String),
}

impl Operation {
    /// The operation of an outbox key's suffix (`create`, `artifact:log.txt`),
    /// as written by every version so far.
    pub(crate) fn parse(suffix: &str) -> Option<Operation> {
        Some(match suffix {
            "create" => Operation::Create,
            "close" => Operation::Close,
            "status" => Operation::Status,
            "comment" => Operation::Comment,
            other => Operation::Artifact(other.strip_prefix("artifact:")?.to_string()),
        })
    }

    /// The outbox's `operation` column: the kind, without the artifact name.
    fn kind(&self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Close => "close",
            Operation::Status => "status",
            Operation::Comment => "comment",
            Operation::Artifact(_) => "artifact",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Operation::Artifact(name) => write!(f, "artifact:{name}"),
            other => f.write_str(other.kind()),
        }
    }
}

/// Work for the delivery thread.
pub(super) enum Job {
    Create,
    Update(Arc<TestRun>),
    /// Show the run so far (update, status, comment) and send the receipt.
    Publish {
        run: Arc<TestRun>,
        done: Sender<super::Published>,
    },
    Final {
        run: Arc<TestRun>,
        artifacts: Vec<(PathBuf, String)>,
        artifact_links: Vec<markdown::ArtifactLink>,
        report_url: Option<String>,
        diff: Option<Box<RunDiff>>,
        performance: Option<Box<PerformanceReport>>,
        done: Sender<Receipt>,
    },
}

/// What the final texts show besides the run: where the full report is,
/// the comparison with the previous run, and the metrics against their
/// baseline.
#[derive(Default)]
struct Extras {
    report_url: Option<String>,
    diff: Option<RunDiff>,
    performance: Option<PerformanceReport>,
    artifacts: Vec<markdown::ArtifactLink>,
}

/// The texts a provider posts for a run: the Markdown summary (within the
/// comment budget, with the comment marker) and the one-line description.
struct Rendered {
    summary: String,
    description: String,
}

impl Rendered {
    fn new(config: &Config, run: &TestRun, extras: Extras) -> Rendered {
        let summary = markdown::render_markdown(
            run,
            &markdown::MarkdownOptions {
                budget_bytes: config.comment_budget_bytes,
                report_url: extras.report_url,
                title: config.run_name.clone(),
                marker: Some(comment_marker(&config.status_context)),
                diff: extras.diff,
                performance: extras.performance,
                artifacts: extras.artifacts,
                ..markdown::MarkdownOptions::default()
            },
        );
        Rendered {
            summary,
            description: markdown::status_description(run, 140),
        }
    }

    fn update<'a>(&'a self, run: &'a TestRun) -> RunUpdate<'a> {
        RunUpdate {
            run,
            summary_markdown: &self.summary,
            description: &self.description,
        }
    }
}

/// What was and was not delivered.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Receipt {
    /// Acknowledged operations.
    pub delivered: Vec<Delivered>,
    /// Failed, pending or unsupported operations.
    pub not_delivered: Vec<NotDelivered>,
}

fn key(run_key: &str, operation: &Operation) -> String {
    format!("{run_key}:{operation}")
}

fn owner_payload(extra: serde_json::Value) -> serde_json::Value {
    let mut payload = serde_json::json!({ "owner": Owner::current() });
    if let (Some(map), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        map.extend(extra);
    }
    payload
}

/// Stores the run and queues the operations every run ends with, owned by
/// this process, in one transaction: a failure (a full disk) leaves
/// neither, never a `create` without its `close`.
pub(super) fn register_operations(
    history: &mut History,
    shared: &Shared,
    record: &crate::history::RunRecord,
) -> Result<()> {
    let run_key = &shared.run_key;
    let mut ops = vec![Operation::Create, Operation::Close];
    if shared.config.enable_status_updates {
        ops.push(Operation::Status);
    }
    if shared.config.enable_pr_comments {
        ops.push(Operation::Comment);
    }
    let ops: Vec<_> = ops
        .into_iter()
        .map(|op| crate::history::QueuedOperation {
            operation: op.kind().to_string(),
            idempotency_key: key(run_key, &op),
            payload: owner_payload(serde_json::json!({})),
        })
        .collect();
    history.begin_run_queued(record, &ops)?;
    Ok(())
}

/// Queues an artifact upload.
pub(super) fn register_artifact(
    history: &mut History,
    run_key: &str,
    path: &std::path::Path,
    name: &str,
) -> Result<()> {
    let op = Operation::Artifact(name.to_string());
    history.outbox_put(
        run_key,
        op.kind(),
        &key(run_key, &op),
        &owner_payload(serde_json::json!({ "path": path, "name": name })),
    )
}

/// Runs one provider operation with outbox bookkeeping.
struct Steps<'a> {
    provider: &'a Provider,
    history: Option<&'a mut History>,
    config: &'a Config,
    ctx: &'a RunContext,
    receipt: Receipt,
    /// Where `DeliveryFailed` events go (none during `flush`).
    events: Option<&'a Shared>,
    /// True in the live session; `flush` runs later, often in another CI
    /// step, so it does not publish the token-free summary again.
    live: bool,
}

impl Steps<'_> {
    fn step<T>(
        &mut self,
        op: &Operation,
        describe: impl Fn(&T) -> (Option<String>, Option<String>),
        call: impl FnOnce() -> Result<T>,
    ) -> Option<T> {
        let k = key(&self.ctx.run_key, op);
        let operation = &op.to_string();
        match call() {
            Ok(value) => {
                let (id, url) = describe(&value);
                self.forget(&k);
                self.receipt.delivered.push(Delivered {
                    operation: operation.to_string(),
                    id,
                    url,
                });
                Some(value)
            }
            Err(err) => {
                let unsupported = err.kind() == ErrorKind::Unsupported;
                let pending = if unsupported {
                    // Retrying cannot help: the provider lacks it.
                    self.forget(&k);
                    false
                } else {
                    self.fail(&k, &err)
                };
                if !unsupported {
                    if let Some(shared) = self.events {
                        shared.emit(&Event::DeliveryFailed {
                            operation,
                            error: &err,
                        });
                    }
                    log::warn!("testrelay: {operation} failed: {err}");
                }
                self.receipt.not_delivered.push(NotDelivered {
                    operation: operation.to_string(),
                    kind: err.kind(),
                    message: err.to_string(),
                    pending,
                });
                None
            }
        }
    }

    fn forget(&mut self, k: &str) {
        if let Some(h) = self.history.as_deref_mut() {
            if let Err(e) = h.outbox_done(k) {
                log::error!("testrelay: clearing outbox entry {k}: {e}");
            }
        }
    }

    /// Records the failure; returns whether the operation stays queued.
    fn fail(&mut self, k: &str, err: &Error) -> bool {
        match self.history.as_deref_mut() {
            Some(h) => match h.outbox_failed(k, &err.to_string()) {
                Ok(()) => h.outbox_contains(k).unwrap_or(false),
                Err(e) => {
                    log::error!("testrelay: recording outbox failure for {k}: {e}");
                    false
                }
            },
            None => false,
        }
    }

    fn create(&mut self) -> Option<RunHandle> {
        let ci = &*self.provider.ci;
        let ctx = self.ctx;
        self.step(
            &Operation::Create,
            |h: &RunHandle| (Some(h.external_id.clone()), h.url.clone()),
            || ci.create_test_run(ctx),
        )
    }

    /// Status and comment when there is no code host: said once, and
    /// dropped from the outbox (retrying cannot help).
    fn no_code_host(&mut self, wanted: &dyn Fn(&Operation) -> bool) {
        let mut ops = Vec::new();
        for (op, enabled) in [
            (Operation::Status, self.config.enable_status_updates),
            (Operation::Comment, self.config.enable_pr_comments),
        ] {
            if enabled && wanted(&op) {
                self.forget(&key(&self.ctx.run_key, &op));
                ops.push(op.to_string());
            }
        }
        if ops.is_empty() {
            return;
        }
        let message = self
            .provider
            .no_host_reason
            .clone()
            .unwrap_or_else(|| "this provider posts no commit status or PR comment".into());
        self.receipt.not_delivered.push(NotDelivered {
            operation: ops.join(", "),
            kind: ErrorKind::Unsupported,
            message,
            pending: false,
        });
    }

    /// Artifacts, then the summary, close, status and comment, skipping
    /// what `wanted` rejects. The uploads come first so that the texts
    /// link each stored artifact to where the provider keeps it; one that
    /// fails is listed without a link (its failure is in the receipt).
    fn finish(
        &mut self,
        handle: Option<RunHandle>,
        run: &TestRun,
        artifacts: &[(PathBuf, String)],
        mut extras: Extras,
        wanted: &dyn Fn(&Operation) -> bool,
    ) {
        let (provider, config, ctx) = (self.provider, self.config, self.ctx);
        let ci = &*provider.ci;
        let needs_handle = wanted(&Operation::Close)
            || artifacts
                .iter()
                .any(|(_, name)| wanted(&Operation::Artifact(name.clone())));
        let handle = match handle {
            Some(h) => Some(h),
            // `create_test_run` finds the run when it already exists.
            None if needs_handle => self.create(),
            None => None,
        };
        if config.enable_artifacts {
            for (path, name) in artifacts {
                let op = Operation::Artifact(name.clone());
                if !wanted(&op) {
                    continue;
                }
                let stored = self.step(
                    &op,
                    |a: &crate::provider::ArtifactRef| (Some(a.name.clone()), Some(a.url.clone())),
                    || ci.upload_artifact(ctx, handle.as_ref(), path, name),
                );
                let url = stored.map(|a| a.url).filter(|u| !u.is_empty());
                if let Some(link) = extras.artifacts.iter_mut().find(|l| l.name == *name) {
                    link.url = url.or(link.url.take());
                }
            }
        }
        // The HTML report is a file on this machine: a link to it only
        // helps locally. A CI system's readers get the build page instead.
        let report_url = match extras.report_url.take() {
            Some(url) if ci.capabilities().local_files || url.starts_with("http") => Some(url),
            _ => ctx.build_url.clone(),
        };
        let rendered = Rendered::new(
            config,
            run,
            Extras {
                report_url,
                ..extras
            },
        );
        let update = rendered.update(run);
        let (summary, description) = (&rendered.summary, &rendered.description);
        // Token-free channels (job summary, log commands): not queued in the
        // outbox, they are local and happen once, here.
        if self.live && wanted(&Operation::Close) {
            match ci.publish_summary(&update) {
                Ok(true) => self.receipt.delivered.push(Delivered {
                    operation: "summary".into(),
                    id: None,
                    url: None,
                }),
                Ok(false) => {}
                Err(err) => self.receipt.not_delivered.push(NotDelivered {
                    operation: "summary".into(),
                    kind: err.kind(),
                    message: err.to_string(),
                    pending: false,
                }),
            }
        }
        match &handle {
            Some(h) if wanted(&Operation::Close) => {
                self.step(
                    &Operation::Close,
                    |_| (None, None),
                    || ci.close(ctx, h, &update),
                );
            }
            None if wanted(&Operation::Close) => self.receipt.not_delivered.push(NotDelivered {
                operation: "close".into(),
                kind: ErrorKind::Connection,
                message: "the run could not be created, so it cannot be closed yet".into(),
                pending: self.history.is_some(),
            }),
            _ => {}
        }
        match provider.host() {
            Some(host) => {
                if config.enable_status_updates && wanted(&Operation::Status) {
                    let state = BuildState::for_run(run.status);
                    self.step(
                        &Operation::Status,
                        |_| (None, None),
                        || host.set_build_status(ctx, state, description),
                    );
                }
                if config.enable_pr_comments && wanted(&Operation::Comment) {
                    self.step(
                        &Operation::Comment,
                        |c: &crate::provider::CommentRef| (Some(c.id.clone()), c.url.clone()),
                        || upsert_comment(host, ctx, summary),
                    );
                }
            }
            None => self.no_code_host(wanted),
        }
    }
}

/// The delivery thread's state.
pub(super) struct Delivery {
    provider: Provider,
    history: Option<History>,
    shared: Arc<Shared>,
    registry: Registry,
    handle: Option<RunHandle>,
    receipt: Receipt,
}

impl Delivery {
    pub(super) fn new(
        provider: Provider,
        history: Option<History>,
        shared: Arc<Shared>,
        registry: Registry,
    ) -> Delivery {
        Delivery {
            provider,
            history,
            shared,
            registry,
            handle: None,
            receipt: Receipt::default(),
        }
    }

    pub(super) fn run(&mut self, rx: Receiver<Job>) {
        let mut next: Option<Job> = None;
        loop {
            let job = match next.take() {
                Some(j) => j,
                None => match rx.recv() {
                    Ok(j) => j,
                    Err(_) => return,
                },
            };
            if self.shared.cancel.load(Ordering::SeqCst) {
                return;
            }
            // Each operation ends within `finish_secs`, and by the run's
            // deadline once `finish` or drop sets it.
            let deadline = crate::http::Deadline::within(Duration::from_secs(
                self.shared.config.timeouts.finish_secs,
            ))
            .with_shared(self.shared.deadline.clone());
            let stop = crate::http::with_deadline(deadline, || self.job(job, &rx, &mut next));
            if stop {
                return;
            }
        }
    }

    /// Does one job; returns true when the thread is done.
    fn job(&mut self, job: Job, rx: &Receiver<Job>, next: &mut Option<Job>) -> bool {
        {
            match job {
                Job::Create => {
                    self.create();
                    self.replay_others();
                    false
                }
                Job::Update(mut run) => {
                    // Coalesce: only the newest queued update is sent.
                    while let Ok(j) = rx.try_recv() {
                        match j {
                            Job::Update(newer) => run = newer,
                            other => {
                                *next = Some(other);
                                break;
                            }
                        }
                    }
                    self.update(&run);
                    false
                }
                Job::Publish { run, done } => {
                    let _ = done.send(self.publish(&run));
                    false
                }
                Job::Final {
                    run,
                    artifacts,
                    artifact_links,
                    report_url,
                    diff,
                    performance,
                    done,
                } => {
                    let extras = Extras {
                        report_url,
                        diff: diff.map(|d| *d),
                        performance: performance.map(|p| *p),
                        artifacts: artifact_links,
                    };
                    let receipt = self.finish(&run, &artifacts, extras);
                    let _ = done.send(receipt);
                    true
                }
            }
        }
    }

    fn steps(&mut self) -> Steps<'_> {
        let shared = &*self.shared;
        Steps {
            provider: &self.provider,
            history: self.history.as_mut(),
            config: &shared.config,
            ctx: &shared.ctx,
            receipt: std::mem::take(&mut self.receipt),
            events: Some(shared),
            live: true,
        }
    }

    fn create(&mut self) {
        let mut steps = self.steps();
        let handle = steps.create();
        let receipt = steps.receipt;
        self.receipt = receipt;
        self.handle = handle;
    }

    fn update(&mut self, run: &TestRun) {
        let Some(handle) = self.handle.clone() else {
            return;
        };
        let rendered = Rendered::new(&self.shared.config, run, Extras::default());
        if let Err(err) =
            self.provider
                .ci
                .update_test_run(&self.shared.ctx, &handle, &rendered.update(run))
        {
            if err.kind() != ErrorKind::Unsupported {
                log::warn!("testrelay: live update failed: {err}");
                self.shared.emit(&Event::DeliveryFailed {
                    operation: "update",
                    error: &err,
                });
            }
        }
    }

    /// An intermediate delivery: the CI's run updated, the commit status
    /// and the PR comment set to the run so far. Nothing here touches the
    /// outbox: the final `close`, `status` and `comment` stay queued.
    fn publish(&mut self, run: &TestRun) -> super::Published {
        let mut out = super::Published {
            status: Some(run.status),
            ..super::Published::default()
        };
        if self.handle.is_none() {
            // Created now if `Job::Create` failed; the outbox entry is cleared
            // as for any create.
            self.create();
            if let Some(h) = &self.handle {
                out.delivered.push(Delivered {
                    operation: "create".into(),
                    id: Some(h.external_id.clone()),
                    url: h.url.clone(),
                });
            }
        }
        let (config, ctx) = (&self.shared.config, &self.shared.ctx);
        let rendered = Rendered::new(
            config,
            run,
            Extras {
                report_url: ctx.build_url.clone(),
                ..Extras::default()
            },
        );
        let update = rendered.update(run);
        let mut note =
            |operation: &str, result: Result<(Option<String>, Option<String>)>| match result {
                Ok((id, url)) => out.delivered.push(Delivered {
                    operation: operation.into(),
                    id,
                    url,
                }),
                Err(err) => {
                    if err.kind() != ErrorKind::Unsupported {
                        log::warn!("testrelay: {operation} failed: {err}");
                        self.shared.emit(&Event::DeliveryFailed {
                            operation,
                            error: &err,
                        });
                    }
                    out.not_delivered.push(NotDelivered {
                        operation: operation.into(),
                        kind: err.kind(),
                        message: err.to_string(),
                        pending: false,
                    });
                }
            };
        match &self.handle {
            Some(h) => note(
                "update",
                self.provider
                    .ci
                    .update_test_run(ctx, h, &update)
                    .map(|()| (None, None)),
            ),
            None => note(
                "update",
                Err(Error::new(
                    ErrorKind::Connection,
                    "the run could not be created, so it cannot be updated yet",
                )),
            ),
        }
        match self.provider.host() {
            Some(host) => {
                if config.enable_status_updates {
                    let state = BuildState::for_run(run.status);
                    note(
                        "status",
                        host.set_build_status(ctx, state, &rendered.description)
                            .map(|()| (None, None)),
                    );
                }
                if config.enable_pr_comments {
                    note(
                        "comment",
                        upsert_comment(host, ctx, &rendered.summary).map(|c| (Some(c.id), c.url)),
                    );
                }
            }
            None if config.enable_status_updates || config.enable_pr_comments => note(
                "status, comment",
                Err(Error::new(
                    ErrorKind::Unsupported,
                    self.provider.no_host_reason.clone().unwrap_or_else(|| {
                        "this provider posts no commit status or PR comment".into()
                    }),
                )),
            ),
            None => {}
        }
        out
    }

    fn finish(
        &mut self,
        run: &TestRun,
        artifacts: &[(PathBuf, String)],
        extras: Extras,
    ) -> Receipt {
        let handle = self.handle.clone();
        let mut steps = self.steps();
        steps.finish(handle, run, artifacts, extras, &|_| true);
        steps.receipt
    }

    /// Delivers what dead processes left in the outbox of this history.
    fn replay_others(&mut self) {
        let Some(history) = self.history.as_mut() else {
            return;
        };
        let own = self.shared.run_key.clone();
        match flush_with(
            history,
            &self.shared.config,
            &self.registry,
            false,
            Some(&own),
            &self.shared.env,
        ) {
            Ok(report) => {
                for run in report.runs {
                    log::info!(
                        "testrelay: delivered {} pending operations of earlier run {}",
                        run.receipt.delivered.len(),
                        run.run_key
                    );
                }
            }
            Err(e) => log::warn!("testrelay: replaying the outbox failed: {e}"),
        }
    }
}

/// What `flush` did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct FlushReport {
    /// Runs whose pending operations were attempted.
    pub runs: Vec<FlushedRun>,
    /// Runs left alone because their process is still alive.
    pub skipped_live: Vec<String>,
}

/// One run handled by `flush`.
#[derive(Debug, Clone, Serialize)]
pub struct FlushedRun {
    /// The run.
    pub run_key: String,
    /// True when its process died before `finish`; it was closed as `error`.
    pub abandoned: bool,
    /// What was delivered and what is still pending.
    pub receipt: Receipt,
}

/// Delivers every operation left in the outbox of `config.history_path` by
/// processes that are no longer running (all of them with `force`). A run
/// whose process died before `finish` is completed as `error` in the
/// history and closed that way in the CI, with every case it had stored.
/// Each run goes to the provider it began with; what `config` leaves unset
/// (token, API URL) comes from the environment as for a Reporter.
///
/// Errors: `Configuration` when history is off or an environment variable
/// is malformed; `Database` for the file.
/// Provider failures are in the report, and stay queued. The whole flush
/// ends within `timeouts.finish_secs`: what is left then stays queued.
pub fn flush(config: &Config, force: bool) -> Result<FlushReport> {
    let Some(path) = &config.history_path else {
        return Err(Error::new(
            ErrorKind::Configuration,
            "flush needs a history file (history_path is null)",
        ));
    };
    let mut history = History::open(path)?;
    let deadline = crate::http::Deadline::within(Duration::from_secs(config.timeouts.finish_secs));
    crate::http::with_deadline(deadline, || {
        flush_with(
            &mut history,
            config,
            &Registry::with_builtins(),
            force,
            None,
            &Env::from_process(),
        )
    })
}

/// The provider a stored run reported to, its context and the
/// configuration for it: each run's endpoints come from this environment
/// for that run's provider; the run's own identity wins over this
/// process's. Used by `flush` and by artifact retrieval.
///
/// Errors: `Configuration` (unknown provider, missing token, bad config).
pub(crate) fn stored_run_provider(
    stored: &crate::history::RunSummary,
    config: &Config,
    registry: &Registry,
    env: &Env,
    detection: &crate::detect::Detection,
) -> Result<(crate::provider::Provider, RunContext, Config)> {
    let ctx = RunContext {
        run_key: stored.run.run_key.clone(),
        name: stored.run.name.clone(),
        repository: stored.run.repository.clone(),
        commit_sha: stored.run.commit_sha.clone(),
        branch: stored.run.branch.clone(),
        pr_number: stored.run.pr_number,
        build_url: stored.run.build_url.clone(),
        build_id: stored.run.build_id.clone(),
        // Not stored: a fork's merge request is found again only by a
        // flush inside the same CI job.
        pr_repository: detection.pr_repository.clone(),
    };
    let provider_name = if stored.run.provider.is_empty() {
        config.provider.clone()
    } else {
        stored.run.provider.clone()
    };
    let mut run_config = super::resolve::fill_config(config.clone(), detection, env)?;
    run_config.repository = ctx.repository.clone().or(run_config.repository);
    run_config.commit_sha = ctx.commit_sha.clone().or(run_config.commit_sha);
    run_config.branch = ctx.branch.clone().or(run_config.branch);
    run_config.pr_number = ctx.pr_number.or(run_config.pr_number);
    let provider_name = registry.resolve_name(&provider_name, detection);
    let provider = registry.build(&provider_name, &run_config, env, detection)?;
    Ok((provider, ctx, run_config))
}

fn flush_with(
    history: &mut History,
    config: &Config,
    registry: &Registry,
    force: bool,
    except: Option<&str>,
    env: &Env,
) -> Result<FlushReport> {
    let detection = detect(env);
    let pending = history.outbox_pending(None)?;
    let mut report = FlushReport::default();
    let mut run_keys: Vec<String> = Vec::new();
    for entry in &pending {
        if Some(entry.run_key.as_str()) != except && !run_keys.contains(&entry.run_key) {
            run_keys.push(entry.run_key.clone());
        }
    }
    for run_key in run_keys {
        let entries: Vec<_> = pending.iter().filter(|e| e.run_key == run_key).collect();
        let alive = entries.iter().any(|e| {
            serde_json::from_value::<Owner>(e.payload["owner"].clone())
                .map(|o| o.is_alive())
                .unwrap_or(false)
        });
        if alive && !force {
            report.skipped_live.push(run_key);
            continue;
        }
        let Some(stored) = history.find_run(&run_key)? else {
            log::warn!("testrelay: outbox names unknown run {run_key}; dropping its entries");
            for e in &entries {
                history.outbox_done(&e.idempotency_key)?;
            }
            continue;
        };
        let mut abandoned = false;
        let mut status = stored.run.status;
        if !status.is_final() {
            abandoned = true;
            status = RunStatus::Error;
            history.complete_run(&run_key, status, None, stored.run.duration_seconds)?;
        }
        let run = TestRun {
            run_key: run_key.clone(),
            name: stored.run.name.clone(),
            status,
            duration_seconds: stored.run.duration_seconds,
            cases: history.run_cases(&run_key)?,
            properties: stored.run.metadata.clone(),
            ..TestRun::default()
        };
        let (provider, ctx, run_config) =
            stored_run_provider(&stored, config, registry, env, &detection)?;
        let config = &run_config;
        let wanted_ops: BTreeSet<Operation> = entries
            .iter()
            .filter_map(|e| Operation::parse(&e.idempotency_key[run_key.len() + 1..]))
            .collect();
        let artifacts: Vec<(PathBuf, String)> = entries
            .iter()
            .filter(|e| e.operation == "artifact")
            .filter_map(|e| {
                Some((
                    PathBuf::from(e.payload["path"].as_str()?),
                    e.payload["name"].as_str()?.to_string(),
                ))
            })
            .collect();
        let extras = Extras {
            report_url: None,
            diff: history.diff_against_previous(&run_key).ok().flatten(),
            performance: history
                .compare_metrics(&run_key, &config.performance)
                .ok()
                .flatten(),
            artifacts: history
                .run_artifacts(&run_key)
                .map(|stored| stored.iter().map(markdown::ArtifactLink::of).collect())
                .unwrap_or_default(),
        };
        let mut steps = Steps {
            provider: &provider,
            history: Some(&mut *history),
            config,
            ctx: &ctx,
            receipt: Receipt::default(),
            events: None,
            live: false,
        };
        let handle = if wanted_ops.contains(&Operation::Create) {
            steps.create()
        } else {
            None
        };
        steps.finish(handle, &run, &artifacts, extras, &|op| {
            wanted_ops.contains(op)
        });
        let receipt = steps.receipt;
        report.runs.push(FlushedRun {
            run_key,
            abandoned,
            receipt,
        });
    }
    Ok(report)
}
