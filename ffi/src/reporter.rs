//! `tr_reporter`: a reporting session, wrapping `testrelay::Reporter`.

use std::ffi::{c_char, c_int, c_void};
use std::time::Duration;

use serde::Serialize;
use testrelay::reporter::{CaseText, PackedCase};
use testrelay::{CaseStatus, Config, Error, ErrorKind, Event, Metric, Reporter, Result};

use crate::boundary::boundary;
use crate::status::tr_status;
use crate::strings::{optional_text, out_ptr, put, put_json, text, tr_string};

/// A reporting session (one test run). Create it with `tr_reporter_new`,
/// free it with `tr_reporter_free`.
///
/// Thread-safety: every function taking a `tr_reporter *` may be called from
/// any number of threads at once, except `tr_reporter_free`, which must be
/// the last call on the handle.
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_reporter"
)]
pub struct tr_reporter {
    inner: Reporter,
}

/// The outcome of a test case, for `tr_case.status`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_case_status"
)]
pub enum tr_case_status {
    /// The test ran and passed.
    TR_CASE_PASSED = 0,
    /// An assertion failed.
    TR_CASE_FAILED = 1,
    /// The test could not run to completion (crash, exception, setup error).
    TR_CASE_ERROR = 2,
    /// The test was not run.
    TR_CASE_SKIPPED = 3,
    /// The test failed at least once and then passed on a rerun.
    TR_CASE_FLAKY = 4,
}

/// One test case result, passed to `tr_reporter_record_case`. The library
/// copies every field before the call returns; the caller keeps ownership
/// of the struct and its strings.
///
/// Strings are NUL-terminated UTF-8. Only `name` is required; NULL
/// `classname` and `suite` mean "", NULL `file`, `message`, `details`,
/// `stdout_text` and `stderr_text` mean absent.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_case"
)]
pub struct tr_case {
    /// Test name (required).
    pub name: *const c_char,
    /// Class, fixture or module of the test (NULL = "").
    pub classname: *const c_char,
    /// Suite name (NULL = "").
    pub suite: *const c_char,
    /// Source file (NULL = unknown).
    pub file: *const c_char,
    /// Line in `file` (0 = unknown).
    pub line: u32,
    /// A `tr_case_status` value; anything else is `TR_INVALID_ARGUMENT`.
    pub status: c_int,
    /// Wall time in seconds (finite, not negative).
    pub duration_seconds: f64,
    /// Short failure message (NULL = none).
    pub message: *const c_char,
    /// Stack trace or long failure text (NULL = none).
    pub details: *const c_char,
    /// Captured standard output (NULL = none).
    pub stdout_text: *const c_char,
    /// Captured standard error (NULL = none).
    pub stderr_text: *const c_char,
}

/// Which lifecycle event a `tr_event_callback` receives.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_event_kind"
)]
pub enum tr_event_kind {
    /// A case was added to the run; the payload is the case as JSON (with
    /// its id). Fires on the reporter's collector thread.
    TR_EVENT_CASE_RECORDED = 1,
    /// A metric was added; the payload is the metric as JSON. Fires on the
    /// collector thread.
    TR_EVENT_METRIC_RECORDED = 2,
    /// A CI provider operation failed and stays in the outbox; the payload is
    /// `{"operation":…,"kind":…,"code":…,"message":…}`. Fires on the
    /// reporter's delivery thread.
    TR_EVENT_DELIVERY_FAILED = 3,
    /// `tr_reporter_finish` completed; the payload is the run summary JSON.
    /// Fires once, on the thread that called `tr_reporter_finish`.
    TR_EVENT_RUN_FINISHED = 4,
    /// The run is open; the payload is `{"run_key":…}`. Fires once per
    /// callback, inside `tr_reporter_on_event` on the registering thread
    /// (the run opened in `tr_reporter_new`). ABI 1.1.
    TR_EVENT_RUN_STARTED = 5,
}

/// A lifecycle callback: `kind`, the event's JSON payload (`payload_len`
/// bytes plus a NUL, valid only during the call) and the `user_data` given
/// to `tr_reporter_on_event`. It must not unwind (no C++ exception may leave
/// it) and must be safe to call from the threads named in `tr_event_kind`.
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_event_callback"
)]
pub type tr_event_callback = Option<
    unsafe extern "C" fn(
        kind: tr_event_kind,
        payload_json: *const c_char,
        payload_len: usize,
        user_data: *mut c_void,
    ),
>;

/// Creates a reporter and starts the run from `config_json`, a JSON object
/// of configuration keys (`"{}"` for all defaults). On success `*out` owns
/// the new reporter; free it with `tr_reporter_free`. On failure `*out` is
/// NULL.
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments or invalid UTF-8,
/// `TR_CONFIGURATION` for malformed JSON, an unknown key (named in the
/// message) or a bad value, or the status of what failed when opening the
/// history or the CI provider.
///
/// # Safety
/// `config_json` must be NULL or NUL-terminated; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_new(
    config_json: *const c_char,
    out: *mut *mut tr_reporter,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract.
        let slot = unsafe { out_ptr(out, "out") }?;
        // SAFETY: forwarded from the caller's contract.
        let json = unsafe { text(config_json, "config_json") }?;
        let config = Config::from_json(json)?;
        let inner = Reporter::start(config)?;
        put(slot, Box::new(tr_reporter { inner }));
        Ok(())
    })
}

/// Borrows the reporter behind `r`.
///
/// # Safety
/// `r` must be NULL or a live reporter.
unsafe fn reporter<'a>(r: *const tr_reporter) -> Result<&'a Reporter> {
    // SAFETY: the caller passes NULL or a live reporter.
    unsafe { r.as_ref() }
        .map(|r| &r.inner)
        .ok_or_else(|| Error::invalid("`reporter` is NULL"))
}

fn case_status(code: c_int) -> Result<CaseStatus> {
    Ok(match code {
        0 => CaseStatus::Passed,
        1 => CaseStatus::Failed,
        2 => CaseStatus::Error,
        3 => CaseStatus::Skipped,
        4 => CaseStatus::Flaky,
        other => {
            return Err(Error::invalid(format!(
                "`case->status` is {other}; use a tr_case_status value (0 to 4)"
            )));
        }
    })
}

/// Copies a C case into one packed buffer (the id is filled by the
/// reporter): one allocation per case, whatever the number of fields.
///
/// # Safety
/// Every string of `c` must be NULL or NUL-terminated.
unsafe fn copy_case(c: &tr_case) -> Result<PackedCase> {
    if !c.duration_seconds.is_finite() || c.duration_seconds < 0.0 {
        return Err(Error::invalid(format!(
            "`case->duration_seconds` is {}; it must be finite and not negative",
            c.duration_seconds
        )));
    }
    // SAFETY (every line below): forwarded from the caller's contract.
    let text = CaseText {
        name: unsafe { text(c.name, "case->name") }?,
        classname: unsafe { optional_text(c.classname, "case->classname") }?,
        suite: unsafe { optional_text(c.suite, "case->suite") }?,
        file: unsafe { optional_text(c.file, "case->file") }?,
        message: unsafe { optional_text(c.message, "case->message") }?,
        details: unsafe { optional_text(c.details, "case->details") }?,
        stdout: unsafe { optional_text(c.stdout_text, "case->stdout_text") }?,
        stderr: unsafe { optional_text(c.stderr_text, "case->stderr_text") }?,
    };
    let line = (c.line != 0).then_some(c.line);
    PackedCase::new(&text, line, case_status(c.status)?, c.duration_seconds)
}

/// Records one test case. Every field is copied before the call returns.
/// Only enqueues (the id, the history and the CI work happen on the
/// reporter's threads); waits when the queue is full.
///
/// Thread-safety: safe from many threads at once on the same reporter.
///
/// Returns `TR_INVALID_ARGUMENT` for a NULL `r`, `c` or `c->name`, invalid
/// UTF-8 in any string, a bad status or duration, or after
/// `tr_reporter_finish`.
///
/// # Safety
/// `r` must be NULL or live; `c` NULL or a valid `tr_case` whose strings are
/// NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_record_case(
    r: *const tr_reporter,
    c: *const tr_case,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract.
        let reporter = unsafe { reporter(r) }?;
        // SAFETY: the caller passes NULL or a valid tr_case.
        let c = unsafe { c.as_ref() }.ok_or_else(|| Error::invalid("`case` is NULL"))?;
        // SAFETY: forwarded from the caller's contract.
        let case = unsafe { copy_case(c) }?;
        reporter.record_packed(case)
    })
}

/// Records a metric `name` = `value` with `unit` (NULL = "") for the test
/// whose id is `test_id` (NULL = the whole run).
///
/// Thread-safety: safe from many threads at once on the same reporter.
///
/// Returns `TR_INVALID_ARGUMENT` for a NULL `r` or `name`, invalid UTF-8, a
/// non-finite value, or after `tr_reporter_finish`.
///
/// # Safety
/// `r` must be NULL or live; the strings NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_record_metric(
    r: *const tr_reporter,
    name: *const c_char,
    value: f64,
    unit: *const c_char,
    test_id: *const c_char,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all four lines).
        let reporter = unsafe { reporter(r) }?;
        let name = unsafe { text(name, "name") }?;
        let unit = unsafe { optional_text(unit, "unit") }?;
        let test_id = unsafe { optional_text(test_id, "test_id") }?;
        reporter.record_metric(Metric {
            name: name.to_string(),
            value,
            unit: unit.unwrap_or_default().to_string(),
            test_id: test_id.map(str::to_string),
            recorded_at: String::new(),
        })
    })
}

/// Attaches the file at `path` to upload when the run finishes (when
/// artifacts are enabled in the configuration), with optional labels:
/// `labels_json` is NULL or a JSON object of string values, e.g.
/// `{"kind":"screenshot"}`. The file is hashed now (size, SHA-256 and
/// content type go to the history with the labels) and read again at upload.
///
/// Thread-safety: safe from many threads at once on the same reporter.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL `r`/`path`, invalid UTF-8 or after
/// `tr_reporter_finish`; `TR_PARSE` for labels that are not such an object;
/// `TR_NOT_FOUND` when `path` is not a file now.
///
/// # Safety
/// `r` must be NULL or live; `path` and `labels_json` NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_attach_artifact(
    r: *const tr_reporter,
    path: *const c_char,
    labels_json: *const c_char,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (three lines).
        let reporter = unsafe { reporter(r) }?;
        let path = unsafe { text(path, "path") }?;
        let labels = match unsafe { optional_text(labels_json, "labels_json") }? {
            Some(json) => serde_json::from_str(json).map_err(|e| {
                Error::new(
                    ErrorKind::Parse,
                    format!("`labels_json` must be an object of strings: {e}"),
                )
            })?,
            None => Default::default(),
        };
        reporter.attach_artifact(path, labels)
    })
}

/// Sets the run property `key` to `value` (shown in reports, kept in the
/// history).
///
/// Thread-safety: safe from many threads at once on the same reporter.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments, invalid UTF-8 or after
/// `tr_reporter_finish`.
///
/// # Safety
/// `r` must be NULL or live; the strings NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_set_property(
    r: *const tr_reporter,
    key: *const c_char,
    value: *const c_char,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let reporter = unsafe { reporter(r) }?;
        let key = unsafe { text(key, "key") }?;
        let value = unsafe { text(value, "value") }?;
        reporter.set_property(key, value)
    })
}

/// The caller's `user_data`, which the callback contract makes usable from
/// the reporter's threads.
struct UserData(*mut c_void);

// SAFETY: `tr_reporter_on_event` requires the callback and its user_data to
// be safe to use from the threads listed in `tr_event_kind`.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

#[derive(Serialize)]
struct DeliveryFailure<'a> {
    operation: &'a str,
    kind: ErrorKind,
    code: i32,
    message: &'a str,
}

fn event_json(event: &Event<'_>) -> (tr_event_kind, serde_json::Result<String>) {
    match event {
        Event::RunStarted { run_key } => (
            tr_event_kind::TR_EVENT_RUN_STARTED,
            serde_json::to_string(&serde_json::json!({ "run_key": run_key })),
        ),
        Event::CaseRecorded(case) => (
            tr_event_kind::TR_EVENT_CASE_RECORDED,
            serde_json::to_string(case),
        ),
        Event::MetricRecorded(metric) => (
            tr_event_kind::TR_EVENT_METRIC_RECORDED,
            serde_json::to_string(metric),
        ),
        Event::DeliveryFailed { operation, error } => (
            tr_event_kind::TR_EVENT_DELIVERY_FAILED,
            serde_json::to_string(&DeliveryFailure {
                operation,
                kind: error.kind(),
                code: error.code(),
                message: error.message(),
            }),
        ),
        Event::RunFinished(summary) => (
            tr_event_kind::TR_EVENT_RUN_FINISHED,
            serde_json::to_string(summary),
        ),
    }
}

/// Registers `callback` for the reporter's lifecycle events, called with
/// `user_data`. See `tr_event_kind` for the events and the thread each fires
/// on; `TR_EVENT_RUN_STARTED` reaches each callback once, before this
/// function returns, unless the run is finished. Callbacks stay
/// registered until `tr_reporter_free`; each is called in registration
/// order. A callback must return quickly: it holds up the thread it runs on.
///
/// Thread-safety: safe from any thread; `callback` and `user_data` must be
/// usable from the reporter's threads until `tr_reporter_free` returns.
///
/// Returns `TR_INVALID_ARGUMENT` for a NULL `r` or `callback`.
///
/// # Safety
/// `r` must be NULL or live; `callback` NULL or a function that does not
/// unwind.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_on_event(
    r: *const tr_reporter,
    callback: tr_event_callback,
    user_data: *mut c_void,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract.
        let reporter = unsafe { reporter(r) }?;
        let callback = callback.ok_or_else(|| Error::invalid("`callback` is NULL"))?;
        let user_data = UserData(user_data);
        reporter.on_event(move |event| {
            let (kind, json) = event_json(event);
            let json = match json.map(std::ffi::CString::new) {
                Ok(Ok(json)) => json,
                _ => return,
            };
            let user = &user_data;
            // SAFETY: the caller guaranteed the callback may be called from
            // this thread with its user_data; the payload lives for the call.
            unsafe { callback(kind, json.as_ptr(), json.as_bytes().len(), user.0) };
        });
        Ok(())
    })
}

/// Ends the run: drains the queue, completes the history, writes the
/// reports, delivers to the CI provider, and stores the run summary as JSON
/// in `*summary_json` (owned by the caller: `tr_string_free`). Waits at most
/// `timeout_ms` milliseconds; what is not delivered by then stays in the
/// outbox and is listed as pending in the summary.
///
/// Calling it again returns TR_OK and the same summary and sends nothing
/// (the core's behaviour). After it, recording calls return
/// `TR_INVALID_ARGUMENT`.
///
/// Thread-safety: safe from any thread; concurrent calls wait for the first.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments; with `strict` set in
/// the configuration, the status of the first reporting problem.
///
/// # Safety
/// `r` must be NULL or live; `summary_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_finish(
    r: *const tr_reporter,
    timeout_ms: u32,
    summary_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (both lines).
        let slot = unsafe { out_ptr(summary_json, "summary_json") }?;
        let reporter = unsafe { reporter(r) }?;
        let summary = reporter.finish(Duration::from_millis(u64::from(timeout_ms)))?;
        put_json(slot, &summary)
    })
}

/// Frees the reporter. Without a `tr_reporter_finish` before, the run stays
/// open in the history and the outbox (for `testrelay flush`). NULL is
/// ignored. Waits for the reporter's threads to stop.
///
/// Thread-safety: must be the last call on `r`, with no other thread using it.
///
/// # Safety
/// `r` must be NULL or a reporter from `tr_reporter_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_reporter_free(r: *mut tr_reporter) {
    if r.is_null() {
        return;
    }
    boundary(|| {
        // SAFETY: `r` came from Box::into_raw in tr_reporter_new, freed once.
        drop(unsafe { Box::from_raw(r) });
        Ok(())
    });
}
