//! `tr_history`: queries on a testrelay history file, answered as JSON.

use std::ffi::c_char;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use testrelay::history::{FlakyQuery, History, HistoryFilter, SplitQuery, TrendsQuery};
use testrelay::{Error, ErrorKind, Result};

use crate::boundary::boundary;
use crate::status::tr_status;
use crate::strings::{optional_text, out_ptr, put, put_json, text, tr_string};

/// An open history file (SQLite). Create it with `tr_history_open`, free it
/// with `tr_history_free`.
///
/// Thread-safety: the functions taking a `tr_history *` may be called from
/// several threads at once (they take turns), except `tr_history_free`,
/// which must be the last call on the handle.
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_history"
)]
pub struct tr_history {
    inner: Mutex<History>,
}

/// Opens (creating when missing) the history file at `path`. On success
/// `*out` owns the handle; free it with `tr_history_free`. On failure `*out`
/// is NULL.
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments or invalid UTF-8,
/// `TR_IO` when the file cannot be opened or created, `TR_DATABASE` when it
/// is not a testrelay history or has a newer schema.
///
/// # Safety
/// `path` must be NULL or NUL-terminated; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_open(
    path: *const c_char,
    out: *mut *mut tr_history,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (both lines).
        let slot = unsafe { out_ptr(out, "out") }?;
        let path = unsafe { text(path, "path") }?;
        let history = History::open(Path::new(path))?;
        put(
            slot,
            Box::new(tr_history {
                inner: Mutex::new(history),
            }),
        );
        Ok(())
    })
}

/// Closes the history. NULL is ignored.
///
/// Thread-safety: must be the last call on `h`, with no other thread using it.
///
/// # Safety
/// `h` must be NULL or a history from `tr_history_open` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_free(h: *mut tr_history) {
    if h.is_null() {
        return;
    }
    boundary(|| {
        // SAFETY: `h` came from Box::into_raw in tr_history_open, freed once.
        drop(unsafe { Box::from_raw(h) });
        Ok(())
    });
}

/// Locks the history behind `h`.
///
/// # Safety
/// `h` must be NULL or a live history.
pub(crate) unsafe fn history<'a>(h: *const tr_history) -> Result<MutexGuard<'a, History>> {
    // SAFETY: the caller passes NULL or a live history.
    let h = unsafe { h.as_ref() }.ok_or_else(|| Error::invalid("`history` is NULL"))?;
    // A panic while holding the lock left no half-written state the
    // database would not have rolled back, so a poisoned lock is usable.
    Ok(h.inner.lock().unwrap_or_else(|p| p.into_inner()))
}

/// Stores the runs matching `filter_json` in `*runs_json` as a JSON array,
/// newest first: each `{"id":…,"run":{…},"counts":{…}}`. `filter_json` is
/// NULL (all runs) or a JSON object with any of `limit`, `branch`,
/// `commit_sha`, `provider`, `since_ms`, `until_ms`. `*runs_json` is owned
/// by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for a NULL `h` or `runs_json`, or invalid
/// UTF-8; `TR_PARSE` for a malformed filter; `TR_DATABASE` when the query
/// fails.
///
/// # Safety
/// `h` must be NULL or live; `filter_json` NULL or NUL-terminated;
/// `runs_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_runs(
    h: *const tr_history,
    filter_json: *const c_char,
    runs_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(runs_json, "runs_json") }?;
        let history = unsafe { history(h) }?;
        let filter = match unsafe { optional_text(filter_json, "filter_json") }? {
            None => HistoryFilter::default(),
            Some(json) => serde_json::from_str(json).map_err(|e| {
                Error::new(ErrorKind::Parse, format!("invalid history filter: {e}"))
            })?,
        };
        put_json(slot, &history.get_test_history(&filter)?)
    })
}

/// Stores the cases of the run `run_key` in `*cases_json` as a JSON array of
/// test cases, in recorded order. `*cases_json` is owned by the caller
/// (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments or invalid UTF-8,
/// `TR_NOT_FOUND` when no run has the key `run_key` (`*cases_json` is then
/// NULL, as after every failure), `TR_DATABASE` when the query fails.
///
/// # Safety
/// `h` must be NULL or live; `run_key` NULL or NUL-terminated; `cases_json`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_cases(
    h: *const tr_history,
    run_key: *const c_char,
    cases_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(cases_json, "cases_json") }?;
        let history = unsafe { history(h) }?;
        let run_key = unsafe { text(run_key, "run_key") }?;
        put_json(slot, &history.run_cases(run_key)?)
    })
}

/// Merges the history file at `other_path` into `h` (runs already present
/// are skipped) and stores what was added in `*stats_json` as a JSON object
/// of counts. `*stats_json` is owned by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments or invalid UTF-8,
/// `TR_NOT_FOUND`, `TR_IO` or `TR_DATABASE` when the other file cannot be
/// read as a history.
///
/// # Safety
/// `h` must be NULL or live; `other_path` NULL or NUL-terminated;
/// `stats_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_merge(
    h: *const tr_history,
    other_path: *const c_char,
    stats_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(stats_json, "stats_json") }?;
        let mut history = unsafe { history(h) }?;
        let other = unsafe { text(other_path, "other_path") }?;
        put_json(slot, &history.merge(Path::new(other))?)
    })
}

fn parse_query<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorKind::Parse, format!("invalid {what} query: {e}")))
}

/// Stores the performance trends of a metric in `*report_json` (count, mean,
/// min, max, standard deviation, p50, p95, direction, OLS slope with its
/// p-value and regression of the latest run, overall and per group).
/// `query_json` is a JSON object: `metric` (required), `grouping`
/// (`branch`|`commit`|`task_type`|`test`, default `branch`), `timeframe`
/// (`1d`|`1w`|`1m`|`all`|`FROM..TO`, default `all`), `limit` (groups).
/// `*report_json` is owned by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments, invalid UTF-8 or a bad
/// grouping/timeframe; `TR_PARSE` for a malformed query; `TR_DATABASE` when
/// the query fails.
///
/// # Safety
/// `h` must be NULL or live; `query_json` NULL or NUL-terminated;
/// `report_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_trends(
    h: *const tr_history,
    query_json: *const c_char,
    report_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(report_json, "report_json") }?;
        let history = unsafe { history(h) }?;
        let query: TrendsQuery = parse_query(unsafe { text(query_json, "query_json") }?, "trends")?;
        put_json(slot, &query.run(&history, testrelay::time::now_unix_ms())?)
    })
}

/// Stores the flaky tests in `*flaky_json`, most flaky first, each with its
/// score and the evidence. `query_json` is NULL or a JSON object with
/// `window` (runs per test, default 30) and `branch`. `*flaky_json` is owned
/// by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL `h`/`flaky_json` or invalid UTF-8;
/// `TR_PARSE` for a malformed query; `TR_DATABASE` when the query fails.
///
/// # Safety
/// `h` must be NULL or live; `query_json` NULL or NUL-terminated;
/// `flaky_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_flaky(
    h: *const tr_history,
    query_json: *const c_char,
    flaky_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(flaky_json, "flaky_json") }?;
        let history = unsafe { history(h) }?;
        let query: FlakyQuery = match unsafe { optional_text(query_json, "query_json") }? {
            Some(json) => parse_query(json, "flaky")?,
            None => FlakyQuery::default(),
        };
        put_json(slot, &query.run(&history)?)
    })
}

/// Stores in `*tests_json` (a JSON array of strings) the tests of shard
/// `shard_index` (0-based) of `shard_total`, split by recorded durations,
/// longest first. `query_json` is a JSON object: `tests` (ids, or files with
/// `by_file: true`), `shard_index`, `shard_total`, `last_runs` (default 10).
/// `*tests_json` is owned by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments, invalid UTF-8 or an
/// index outside the total; `TR_PARSE` for a malformed query;
/// `TR_DATABASE` when the query fails.
///
/// # Safety
/// `h` must be NULL or live; `query_json` NULL or NUL-terminated;
/// `tests_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_history_split(
    h: *const tr_history,
    query_json: *const c_char,
    tests_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(tests_json, "tests_json") }?;
        let history = unsafe { history(h) }?;
        let query: SplitQuery = parse_query(unsafe { text(query_json, "query_json") }?, "split")?;
        put_json(slot, &query.run(&history)?)
    })
}
