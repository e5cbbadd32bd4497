//! `TestReporter`: the seed's SDK (`reportResults`, `reportFailure`) and the
//! full session of the core [`Reporter`] (record, metrics, artifacts,
//! properties, hooks, finish).
//!
//! The core run starts lazily, at the first call that records or finishes,
//! so the constructor only parses and checks the options. Hooks registered
//! with `on()` before then are given to the core's builder; later ones are
//! added to the running reporter, which tells a `runStarted` hook at once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use napi::bindgen_prelude::{Function, JsObjectValue, Object, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status, ValueType};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{Value, json};
use testrelay::{
    Config, Counts, ErrorKind, Event, Metric, Reporter, RunStatus, RunSummary, TestRun,
};

use crate::convert::{self, from_js, from_value, read};
use crate::errors::{Failure, Outcome, to_napi};
use crate::promise;
use crate::test_case::{case_from_fields, read_case};

/// A hook as the core calls it.
type Hook = Box<dyn Fn(&Event<'_>) + Send + Sync>;

/// A JS callback callable from any thread; calls run on the JS thread.
/// Weak: a registered hook does not keep the process alive.
type JsHook = ThreadsafeFunction<Value, Unknown<'static>, Value, Status, false, true>;

/// The lifecycle events `on()` accepts.
const EVENTS: [&str; 5] = [
    "runStarted",
    "caseRecorded",
    "metricRecorded",
    "deliveryFailed",
    "runFinished",
];

/// What the constructor prepared, until the run starts.
struct Pending {
    config: Config,
    hooks: Vec<Hook>,
}

/// A reporting session (one test run) with the seed's API.
#[napi]
pub struct TestReporter {
    pending: Mutex<Option<Pending>>,
    started: OnceLock<Arc<Reporter>>,
    finish_timeout: Duration,
    /// Every `reportFailure` message so far: the run's `failure` property
    /// holds them all, one per line.
    failures: Arc<Mutex<Vec<String>>>,
}

/// The seed's `reportResults` argument: the harness's own tally.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tally {
    total_tests: u64,
    passed_tests: u64,
    failed_tests: u64,
    skipped_tests: u64,
    #[serde(default)]
    duration: f64,
}

#[napi]
impl TestReporter {
    /// Checks the options (`ciSystem`, `testRunId`, `apiToken`,
    /// `repository` and every configuration key in camelCase). The run
    /// starts at the first record or finish.
    ///
    /// Throws a `TypeError` when `options` is not an object or a value has
    /// the wrong type, an `Error` coded `TR_CONFIGURATION` for an unknown
    /// key or a bad value.
    #[napi(constructor, ts_args_type = "options?: ReporterOptions")]
    pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<TestReporter> {
        let config = to_napi(&env, parse_options(&env, options))?;
        if config.log_level.is_some() || config.log_file.is_some() {
            let level = config
                .log_level
                .unwrap_or(testrelay::LogLevel::Warn)
                .filter();
            to_napi(
                &env,
                testrelay::logging::install(level, config.log_file.as_deref())
                    .map_err(Failure::Core),
            )?;
        }
        Ok(TestReporter {
            failures: Arc::new(Mutex::new(Vec::new())),
            finish_timeout: Duration::from_secs(config.timeouts.finish_secs),
            pending: Mutex::new(Some(Pending {
                config,
                hooks: Vec::new(),
            })),
            started: OnceLock::new(),
        })
    }

    /// The core reporter, started on first use with the hooks registered so far.
    fn reporter(&self) -> Outcome<Arc<Reporter>> {
        if let Some(r) = self.started.get() {
            return Ok(r.clone());
        }
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = self.started.get() {
            return Ok(r.clone());
        }
        let Pending { config, hooks } = pending.take().ok_or_else(|| {
            Failure::Core(testrelay::Error::new(
                ErrorKind::Internal,
                "the reporter lost its configuration",
            ))
        })?;
        let mut builder = Reporter::builder(config.clone());
        for hook in hooks {
            builder = builder.on_event(hook);
        }
        match builder.start() {
            Ok(reporter) => Ok(self.started.get_or_init(|| Arc::new(reporter)).clone()),
            Err(e) => {
                // Hooks went into the failed builder; a retry starts without them.
                *pending = Some(Pending {
                    config,
                    hooks: Vec::new(),
                });
                Err(e.into())
            }
        }
    }

    /// The run key (`testRunId`, or the one derived from the CI build);
    /// starts the run.
    #[napi(getter)]
    pub fn run_key(&self, env: Env) -> napi::Result<String> {
        to_napi(&env, self.reporter().map(|r| r.run_key().to_string()))
    }

    /// Records one test case. Synchronous and cheap: it only enqueues (the
    /// id, history and CI work happen on the core's threads).
    ///
    /// Throws a `TypeError` for a non-object, a missing or empty `name`, a
    /// value of the wrong type or a negative or non-finite
    /// `durationSeconds`; `TR_INVALID_ARGUMENT` for an unknown status or
    /// after the run finished.
    #[napi(ts_args_type = "testCase: TestCaseInput")]
    pub fn record(&self, env: Env, test_case: Unknown<'_>) -> napi::Result<()> {
        let outcome =
            read_case(&env, test_case).and_then(|case| Ok(self.reporter()?.record(case)?));
        to_napi(&env, outcome)
    }

    /// `record()`'s fast path: the fields of the test case, already read
    /// by the package's JS `record()` (`index.js`), in the order
    /// `name, status, durationSeconds, line, attempts, properties,
    /// classname, suite, file, message, details, stdout, stderr`
    /// (`undefined` when not given). Not part of the API: `index.js` keeps
    /// the binding's reporter out of reach.
    ///
    /// Throws what `record()` throws for those values.
    #[allow(
        clippy::too_many_arguments,
        reason = "one argument per field: reading them from the object in Rust costs a \
                  napi_get_named_property (creating and internalizing the key) each"
    )]
    #[napi(js_name = "_recordFields", skip_typescript)]
    pub fn record_fields<'env>(
        &self,
        env: Env,
        name: Unknown<'env>,
        status: Unknown<'env>,
        duration_seconds: Unknown<'env>,
        line: Unknown<'env>,
        attempts: Unknown<'env>,
        properties: Unknown<'env>,
        classname: Unknown<'env>,
        suite: Unknown<'env>,
        file: Unknown<'env>,
        message: Unknown<'env>,
        details: Unknown<'env>,
        stdout: Unknown<'env>,
        stderr: Unknown<'env>,
    ) -> napi::Result<()> {
        let fields = [
            name,
            status,
            duration_seconds,
            line,
            attempts,
            properties,
            classname,
            suite,
            file,
            message,
            details,
            stdout,
            stderr,
        ];
        let outcome =
            case_from_fields(&env, fields).and_then(|case| Ok(self.reporter()?.record(case)?));
        to_napi(&env, outcome)
    }

    /// Records a metric (`{ name, value, unit?, testId? }`).
    ///
    /// Throws a `TypeError` for a wrong type or a missing `name` or `value`; `TR_INVALID_ARGUMENT` for a
    /// non-finite value or after the run finished.
    #[napi(ts_args_type = "metric: MetricInput")]
    pub fn record_metric(&self, env: Env, metric: Unknown<'_>) -> napi::Result<()> {
        let outcome = read(&env, metric, "metric")
            .and_then(check_metric)
            .and_then(|value| from_value::<Metric>(value, "metric", ErrorKind::InvalidArgument))
            .and_then(|metric| Ok(self.reporter()?.record_metric(metric)?));
        to_napi(&env, outcome)
    }

    /// Attaches a file to upload when the run finishes, with optional
    /// string labels. The file is hashed now, on the calling thread.
    ///
    /// Throws `TR_NOT_FOUND`/`TR_IO` when the file cannot be read,
    /// `TR_INVALID_ARGUMENT` after the run finished, a `TypeError` for
    /// labels that are not an object of strings.
    #[napi(ts_args_type = "path: string, labels?: Record<string, string>")]
    pub fn attach_artifact(
        &self,
        env: Env,
        path: Unknown<'_>,
        labels: Option<Unknown<'_>>,
    ) -> napi::Result<()> {
        let outcome = convert::string(path, "path").and_then(|path| {
            let labels = optional_object::<BTreeMap<String, String>>(&env, labels, "labels")?;
            Ok(self
                .reporter()?
                .attach_artifact(&path, labels.unwrap_or_default())?)
        });
        to_napi(&env, outcome)
    }

    /// Sets a run property (shown in reports, kept in the history).
    ///
    /// Throws `TR_INVALID_ARGUMENT` after the run finished.
    #[napi(ts_args_type = "key: string, value: string")]
    pub fn set_property(&self, env: Env, key: Unknown<'_>, value: Unknown<'_>) -> napi::Result<()> {
        let outcome = convert::string(key, "key").and_then(|key| {
            let value = convert::string(value, "value")?;
            Ok(self.reporter()?.set_property(&key, &value)?)
        });
        to_napi(&env, outcome)
    }

    /// Registers a lifecycle callback: `runStarted` (`{ runKey }`),
    /// `caseRecorded` (the case), `metricRecorded` (the metric),
    /// `deliveryFailed` (`{ operation, code, message }`), `runFinished`
    /// (the run summary). Callbacks run on the JS thread, after the event
    /// (the core's threads queue them); one that throws is reported on
    /// stderr and does not stop the run. They do not keep the process alive.
    ///
    /// A `runStarted` callback registered after the run started is called
    /// once, at once. Throws `TR_INVALID_ARGUMENT` for an unknown event; a
    /// `TypeError` when `callback` is not a function.
    #[napi(
        ts_args_type = "event: 'runStarted' | 'caseRecorded' | 'metricRecorded' | 'deliveryFailed' | 'runFinished', callback: (payload: any) => void"
    )]
    pub fn on(&self, env: Env, event: Unknown<'_>, callback: Unknown<'_>) -> napi::Result<()> {
        let outcome = convert::string(event, "event")
            .and_then(|event| self.add_hook(event, convert::function(callback, "callback")?));
        to_napi(&env, outcome)
    }

    fn add_hook(
        &self,
        event: String,
        callback: Function<'_, Value, Unknown<'static>>,
    ) -> Outcome<()> {
        let Some(event) = EVENTS.iter().copied().find(|e| *e == event) else {
            return Err(Failure::Core(testrelay::Error::invalid(format!(
                "unknown event `{event}`; use one of {}",
                EVENTS.join(", ")
            ))));
        };
        let tsfn: JsHook = callback
            .build_threadsafe_function()
            .callee_handled::<false>()
            .weak::<true>()
            .build()
            .map_err(|e| Failure::type_error(format!("callback: {}", e.reason)))?;
        let hook: Hook = Box::new(move |e: &Event<'_>| {
            if let Some(payload) = event_payload(event, e) {
                tsfn.call_with_return_value(
                    payload,
                    ThreadsafeFunctionCallMode::NonBlocking,
                    move |returned, _env| {
                        if let Err(e) = returned {
                            // The reason can hold test text: shown safely.
                            let line =
                                format!("testrelay: the `{event}` callback threw: {}", e.reason);
                            eprintln!("{}", testrelay::text::terminal(&line));
                        }
                        Ok(())
                    },
                );
            }
        });
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        match (pending.as_mut(), self.started.get()) {
            (Some(p), None) => p.hooks.push(hook),
            (_, Some(r)) => r.on_event(hook),
            (None, None) => {
                return Err(Failure::Core(testrelay::Error::new(
                    ErrorKind::Internal,
                    "the reporter lost its configuration",
                )));
            }
        }
        Ok(())
    }

    /// Ends the run: drains the queue, writes the history and the reports,
    /// delivers to the CI, and resolves with the run summary. Waits at most
    /// `timeoutMs` (default: the `timeouts.finishSecs` option); what is not
    /// delivered by then is listed as pending. A second call resolves with
    /// the same summary. Resolved from the binding's own thread; rejected
    /// with the error that kept the run from starting (`TR_DATABASE`, ...),
    /// or, with `strict`, the first reporting problem.
    #[napi(
        ts_args_type = "timeoutMs?: number",
        ts_return_type = "Promise<RunSummary>"
    )]
    pub fn finish<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<Unknown<'_>>,
    ) -> napi::Result<Object<'env>> {
        let timeout_ms = to_napi(env, convert::optional_u32(timeout_ms, "timeoutMs"))?;
        let timeout = timeout_ms.map_or(self.finish_timeout, |ms| Duration::from_millis(ms.into()));
        let outcome = match self.reporter() {
            Ok(reporter) => {
                promise::spawn(env, move || convert::to_value(&reporter.finish(timeout)?))
            }
            Err(failure) => promise::rejected(env, failure),
        };
        to_napi(env, outcome)
    }

    /// The seed's call: reports the harness's tally and shows it in the CI
    /// (the run, the commit status, the PR comment), without ending the
    /// run: it may be called again, and each call updates the same CI run
    /// and comment; `close()` (or the process's exit) ends it.
    /// Cases recorded with `record()` must add up to the tally (`passedTests`
    /// counts flaky cases, `failedTests` counts errors). Without recorded
    /// cases the tally is delivered as run properties (`totalTests`,
    /// `passedTests`, `failedTests`, `skippedTests`) with the duration, and a
    /// tally with failures marks the run `error`. Resolves `true` when the
    /// CI acknowledged every operation, `false` when one failed or did not
    /// end in time (unsupported capabilities do not count).
    ///
    /// Throws a `TypeError` for a wrong type. Rejects with a `TypeError` for
    /// a negative or non-finite duration, `TR_INVALID_ARGUMENT` for counts
    /// that do not add up or
    /// disagree with the recorded cases, or after the run was closed; or with
    /// the error that kept the run from starting.
    #[napi(
        ts_args_type = "results: TestResults",
        ts_return_type = "Promise<boolean>"
    )]
    pub fn report_results<'env>(
        &self,
        env: &'env Env,
        results: Unknown<'_>,
    ) -> napi::Result<Object<'env>> {
        let timeout = self.finish_timeout;
        let outcome = from_js::<Tally>(env, results, "results", ErrorKind::InvalidArgument)
            .and_then(|tally| match self.reporter() {
                Ok(reporter) => promise::spawn(env, move || {
                    record_tally(&reporter, &check_tally(tally)?, timeout)?;
                    published(&reporter.publish(timeout)?)
                }),
                Err(failure) => promise::rejected(env, failure),
            });
        to_napi(env, outcome)
    }

    /// The seed's call for a run that could not complete: adds `message`
    /// to the run's `failure` property (one line per call, after what was
    /// reported before), marks the run `error` and shows it in the CI like
    /// `reportResults`, without ending the run. Resolves like
    /// `reportResults`.
    ///
    /// Rejects with `TR_INVALID_ARGUMENT` after the run was closed, or with
    /// the error that kept the run from starting.
    #[napi(ts_args_type = "message: string", ts_return_type = "Promise<boolean>")]
    pub fn report_failure<'env>(
        &self,
        env: &'env Env,
        message: Unknown<'_>,
    ) -> napi::Result<Object<'env>> {
        let message = to_napi(env, convert::string(message, "message"))?;
        let timeout = self.finish_timeout;
        let failures = self.failures.clone();
        let outcome = match self.reporter() {
            Ok(reporter) => promise::spawn(env, move || {
                if reporter.is_finished() {
                    return Err(Failure::Core(testrelay::Error::invalid(
                        "the run is closed; start a new TestReporter to report more",
                    )));
                }
                let text = {
                    let mut all = failures.lock().unwrap_or_else(|p| p.into_inner());
                    all.push(message);
                    all.join("\n")
                };
                reporter.set_property("failure", &text)?;
                reporter.set_run_status(RunStatus::Error)?;
                published(&reporter.publish(timeout)?)
            }),
            Err(failure) => promise::rejected(env, failure),
        };
        to_napi(env, outcome)
    }

    /// Ends the run as `finish()` does (reports, history, the final CI
    /// update, status and comment) and resolves `true` when the CI
    /// acknowledged every operation, `false` when one failed or is still
    /// pending in the outbox. Waits at most `timeoutMs` (default: the
    /// `timeouts.finishSecs` option). Closing again resolves the same way
    /// and posts nothing. Runs by itself when the process exits without it
    /// (`beforeExit`, else `exit`, within the same time limit).
    ///
    /// Throws a `TypeError` for a bad `timeoutMs`; rejects with the error
    /// that kept the run from starting or, with `strict`, the first
    /// reporting problem.
    #[napi(
        ts_args_type = "timeoutMs?: number",
        ts_return_type = "Promise<boolean>"
    )]
    pub fn close<'env>(
        &self,
        env: &'env Env,
        timeout_ms: Option<Unknown<'_>>,
    ) -> napi::Result<Object<'env>> {
        let timeout_ms = to_napi(env, convert::optional_u32(timeout_ms, "timeoutMs"))?;
        let timeout = timeout_ms.map_or(self.finish_timeout, |ms| Duration::from_millis(ms.into()));
        let outcome = match self.reporter() {
            Ok(reporter) => promise::spawn(env, move || delivered(&reporter.finish(timeout)?)),
            Err(failure) => promise::rejected(env, failure),
        };
        to_napi(env, outcome)
    }

    /// What the guide's `get_ci_status()` returned: `{ ciSystem, runId,
    /// status, closed }`: the provider the run reports to, the run key,
    /// the run's status as last shown to the CI (`running` until the first
    /// report, then `passed`, `failed`, `error`, ...) and whether it is
    /// closed. Starts the run.
    ///
    /// Throws the error that kept the run from starting.
    #[napi(ts_return_type = "CiStatus")]
    pub fn status(&self, env: Env) -> napi::Result<Value> {
        let outcome = self.reporter().map(|r| {
            json!({
                "ciSystem": r.provider_name(),
                "runId": r.run_key(),
                "status": r.shown_status().as_str(),
                "closed": r.is_finished(),
            })
        });
        to_napi(&env, outcome)
    }

    /// Whether the run started and is not closed (for the package's exit
    /// handling, `index.js`). Not part of the API.
    #[napi(js_name = "_isOpen", skip_typescript)]
    pub fn is_open(&self) -> bool {
        self.started.get().is_some_and(|r| !r.is_finished())
    }

    /// `close()` on the JS thread, blocking for at most the finish timeout:
    /// for the process's `exit` event, where nothing asynchronous runs any
    /// more. Returns what `close()` resolves; never throws (a failure is
    /// `false`). Not part of the API.
    #[napi(js_name = "_closeSync", skip_typescript)]
    pub fn close_sync(&self) -> bool {
        let Some(reporter) = self.started.get() else {
            return true;
        };
        let run = std::panic::AssertUnwindSafe(|| reporter.finish(self.finish_timeout));
        match std::panic::catch_unwind(run) {
            Ok(Ok(summary)) => matches!(delivered(&summary), Ok(Value::Bool(true))),
            _ => false,
        }
    }
}

/// Reads the constructor's options into a [`Config`]: camelCase keys, with
/// `ciSystem` as the seed's name of `provider`.
///
/// `undefined` and `null` mean "not given" (`apiToken:
/// process.env.GITHUB_TOKEN` may be unset), except `historyPath: null`,
/// which turns the history off as in the JSON configuration.
fn parse_options(env: &Env, options: Option<Unknown<'_>>) -> Outcome<Config> {
    let history_off = match &options {
        Some(o) if matches!(o.get_type(), Ok(ValueType::Object)) => {
            // SAFETY: the value was just checked to be an object.
            let object = unsafe { o.cast::<Object<'_>>() }.ok();
            object
                .and_then(|o| {
                    o.get_named_property_unchecked::<Unknown<'_>>("historyPath")
                        .ok()
                })
                .is_some_and(|v| matches!(v.get_type(), Ok(ValueType::Null)))
        }
        _ => false,
    };
    let value = match options {
        Some(options) => read(env, options, "options")?,
        None => Value::Object(Default::default()),
    };
    let mut snake = options_in_snake_case(value, "options", history_off)?;
    testrelay::config::guide::translate(&mut snake)?;
    let value = Value::Object(snake);
    let config: Config = from_value(value, "options", ErrorKind::Configuration)?;
    config.validate()?;
    Ok(config)
}

/// A configuration object as JS gives it, in the core's snake_case: keys
/// set to `null` dropped (but `historyPath` when `history_off`), the
/// guide's `ciSystem` as `provider`, `retry`'s keys renamed too. The
/// guide's other names are then translated by the core's one table
/// ([`testrelay::config::guide::translate`]). Used for the Reporter's
/// options and the `config` of artifact requests.
///
/// Errors: a `TypeError` when `value` is not an object; `Configuration`
/// for `ciSystem` together with `provider`.
pub(crate) fn options_in_snake_case(
    mut value: Value,
    what: &str,
    history_off: bool,
) -> Outcome<serde_json::Map<String, Value>> {
    let Some(map) = value.as_object_mut() else {
        return Err(Failure::type_error(format!(
            "{what} must be an object, not {}",
            convert::json_type(&value)
        )));
    };
    map.retain(|_, v| !v.is_null());
    if history_off {
        map.insert("historyPath".into(), Value::Null);
    }
    if let Some(ci) = map.remove("ciSystem") {
        if map.contains_key("provider") {
            return Err(Failure::Core(testrelay::Error::new(
                ErrorKind::Configuration,
                "give `ciSystem` or `provider`, not both (they are the same setting)",
            )));
        }
        map.insert("provider".into(), ci);
    }
    // The guide's other names (`resultFormat`, `retryAttempts`, ...), by the
    // core's one table.
    Ok(std::mem::take(map)
        .into_iter()
        .map(|(k, v)| match v {
            // The guide's `retryAttempts` meets `retry.maxAttempts` here.
            Value::Object(inner) if k == "retry" => (
                k,
                Value::Object(
                    inner
                        .into_iter()
                        .map(|(k, v)| (convert::snake_case(&k), v))
                        .collect(),
                ),
            ),
            v => (convert::snake_case(&k), v),
        })
        .collect())
}

/// A metric needs a name and a value (the core's defaults would make them
/// empty and 0).
fn check_metric(value: Value) -> Outcome<Value> {
    let name_ok = value
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let value_ok = value.get("value").is_some_and(Value::is_number);
    if !value.is_object() || !name_ok || !value_ok {
        return Err(Failure::type_error(
            "metric must be an object with a non-empty string `name` and a number `value`",
        ));
    }
    Ok(value)
}

fn check_tally(tally: Tally) -> Outcome<Tally> {
    let parts = tally
        .passed_tests
        .checked_add(tally.failed_tests)
        .and_then(|n| n.checked_add(tally.skipped_tests));
    if parts.is_none_or(|n| n > tally.total_tests) {
        return Err(Failure::Core(testrelay::Error::invalid(format!(
            "results: passedTests + failedTests + skippedTests ({} + {} + {}) exceed totalTests ({})",
            tally.passed_tests, tally.failed_tests, tally.skipped_tests, tally.total_tests
        ))));
    }
    if !tally.duration.is_finite() || tally.duration < 0.0 {
        return Err(Failure::type_error(
            "results: `duration` (seconds) must be finite and not negative",
        ));
    }
    Ok(tally)
}

/// Puts the seed's tally into the run (see `reportResults`).
fn record_tally(reporter: &Reporter, tally: &Tally, timeout: Duration) -> Outcome<()> {
    reporter.sync(timeout)?;
    let recorded: Counts = reporter.progress();
    let mut properties = BTreeMap::new();
    if recorded.total > 0 {
        let agrees = recorded.total == tally.total_tests
            && recorded.passed + recorded.flaky == tally.passed_tests
            && recorded.failed + recorded.errors == tally.failed_tests
            && recorded.skipped == tally.skipped_tests;
        if !agrees {
            return Err(Failure::Core(testrelay::Error::invalid(format!(
                "results ({} tests: {} passed, {} failed, {} skipped) disagree with the {} cases \
                 recorded ({} passed, {} failed, {} skipped)",
                tally.total_tests,
                tally.passed_tests,
                tally.failed_tests,
                tally.skipped_tests,
                recorded.total,
                recorded.passed + recorded.flaky,
                recorded.failed + recorded.errors,
                recorded.skipped
            ))));
        }
    } else {
        for (key, n) in [
            ("totalTests", tally.total_tests),
            ("passedTests", tally.passed_tests),
            ("failedTests", tally.failed_tests),
            ("skippedTests", tally.skipped_tests),
        ] {
            properties.insert(key.to_string(), n.to_string());
        }
    }
    reporter.record_run(TestRun {
        run_key: reporter.run_key().to_string(),
        duration_seconds: tally.duration,
        properties,
        ..TestRun::default()
    })?;
    if recorded.total == 0 && tally.failed_tests > 0 {
        reporter.set_run_status(RunStatus::Error)?;
    }
    Ok(())
}

/// The seed's boolean: `true` when nothing is left undelivered (an
/// unsupported capability is not a failure to deliver).
fn delivered(summary: &RunSummary) -> Outcome<Value> {
    Ok(Value::Bool(
        summary
            .not_delivered
            .iter()
            .all(|p| p.kind == ErrorKind::Unsupported),
    ))
}

/// The boolean of an intermediate report: `true` when every operation was
/// acknowledged in time (an unsupported capability is not a failure).
fn published(p: &testrelay::reporter::Published) -> Outcome<Value> {
    Ok(Value::Bool(
        !p.timed_out
            && p.not_delivered
                .iter()
                .all(|n| n.kind == ErrorKind::Unsupported),
    ))
}

/// Reads an optional JS object into `T`; `undefined`/`null` is `None`.
fn optional_object<T: serde::de::DeserializeOwned>(
    env: &Env,
    value: Option<Unknown<'_>>,
    what: &str,
) -> Outcome<Option<T>> {
    let Some(value) = value else { return Ok(None) };
    let value = read(env, value, what)?;
    if value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(Failure::type_error(format!(
            "{what} must be an object, not {}",
            convert::json_type(&value)
        )));
    }
    // User maps keep their keys: deserialize without renaming.
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| Failure::type_error(format!("{what}: {e}")))
}

/// The payload of `event` for the callbacks registered for `name`.
fn event_payload(name: &str, event: &Event<'_>) -> Option<Value> {
    let value = match (name, event) {
        ("runStarted", Event::RunStarted { run_key }) => Ok(json!({ "runKey": run_key })),
        ("caseRecorded", Event::CaseRecorded(case)) => convert::to_value(case),
        ("metricRecorded", Event::MetricRecorded(metric)) => convert::to_value(metric),
        ("deliveryFailed", Event::DeliveryFailed { operation, error }) => Ok(json!({
            "operation": operation,
            "code": error.kind().symbol(),
            "message": error.to_string(),
        })),
        ("runFinished", Event::RunFinished(summary)) => convert::to_value(summary),
        _ => return None,
    };
    value.ok()
}
