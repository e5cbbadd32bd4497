//! The artifact queries on a `tr_history`: find, get (retrieve through a
//! cache) and compare, JSON in and out like the other history queries.

use std::ffi::c_char;

use testrelay::artifact::requests::{CompareRequest, GetRequest, find_json};
use testrelay::{Error, ErrorKind, Result};

use crate::boundary::boundary;
use crate::history::{history, tr_history};
use crate::status::tr_status;
use crate::strings::{optional_text, out_ptr, put_json, text, tr_string};

fn parse<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| Error::new(ErrorKind::Parse, format!("invalid {what} request: {e}")))
}

/// Stores in `*artifacts_json` the artifacts matching `query_json`, newest
/// first, as a JSON array of artifact metadata (`name`, `path`, `run_key`,
/// `provider`, `size`, `sha256`, `content_type`, `semantic_type`,
/// `labels`, `metadata`, `created_at`, `values`). `query_json` is NULL
/// (all) or a JSON object with any of `run_key`, `type`, `labels` (all
/// of), `metadata` (object), `values` (`[{"path":…,"min":…,"max":…}]`),
/// `name` (glob), `branch`, `since_ms`, `until_ms`, `limit`.
/// `*artifacts_json` is owned by the caller (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL `h`/`artifacts_json` or invalid
/// UTF-8; `TR_PARSE` for a malformed query or an unknown key;
/// `TR_DATABASE` when the query fails.
///
/// # Safety
/// `h` must be NULL or live; `query_json` NULL or NUL-terminated;
/// `artifacts_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_artifacts_find(
    h: *const tr_history,
    query_json: *const c_char,
    artifacts_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(artifacts_json, "artifacts_json") }?;
        let history = unsafe { history(h) }?;
        let query = unsafe { optional_text(query_json, "query_json") }?;
        put_json(slot, &find_json(&history, query)?)
    })
}

/// Fetches artifacts of a run, each from where it was attached when the
/// file is unchanged, else the cache, else the store of the provider the
/// run reported to (GitHub release assets), checked against the recorded
/// SHA-256. `request_json` is a JSON object: `run_key` (required), `names`
/// (default: all of the run's), `cache_dir` (required), `cache`
/// (`{"max_bytes":…,"max_age_ms":…}`), `config` (the configuration giving
/// providers their endpoint and token, read as `tr_reporter_new` reads its
/// JSON, the guide's names included), `parallel` (default 4). Stores in
/// `*results_json` a JSON array, one object per artifact: `name` and
/// either `path` and `source` (`local`|`cache`|`provider`) or `error` and
/// `kind` (`unsupported` for a provider without a store); one failure
/// does not fail the others. `*results_json` is owned by the caller
/// (`tr_string_free`). Blocks until done (each download within the
/// configuration's `timeouts.finish_secs`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments or invalid UTF-8;
/// `TR_PARSE` for a malformed request; `TR_NOT_FOUND` for an unknown run
/// or name; `TR_IO` for the cache directory; `TR_DATABASE`.
///
/// # Safety
/// `h` must be NULL or live; `request_json` NULL or NUL-terminated;
/// `results_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_artifact_get(
    h: *const tr_history,
    request_json: *const c_char,
    results_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(results_json, "results_json") }?;
        let history = unsafe { history(h) }?;
        let request: GetRequest = parse(unsafe { text(request_json, "request_json") }?, "get")?;
        put_json(slot, &request.run(&history)?)
    })
}

/// Compares two artifacts: identical by hash; JSON as changed paths with
/// numeric deltas and percent change; text as a bounded unified diff;
/// images by dimensions; else size and hash. `request_json` is a JSON
/// object `{"a": SIDE, "b": SIDE, "retrieve": {…}}` where a SIDE is
/// `{"path": …}` or `{"run_key": …, "name": …}`, and the optional
/// `retrieve` (`cache_dir`, `cache`, `config`, as for `tr_artifact_get`)
/// lets stored artifacts whose file is gone be fetched. Stores in
/// `*result_json` `{"comparison": {…}, "markdown": "…"}` (Markdown for a
/// PR comment, every name escaped), owned by the caller
/// (`tr_string_free`).
///
/// Thread-safety: safe from any thread.
///
/// Returns `TR_INVALID_ARGUMENT` for NULL arguments, invalid UTF-8 or a
/// side with neither form; `TR_PARSE` for a malformed request;
/// `TR_NOT_FOUND` for what cannot be found or fetched; `TR_IO`;
/// `TR_DATABASE`.
///
/// # Safety
/// `h` must be NULL or live; `request_json` NULL or NUL-terminated;
/// `result_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_artifacts_compare(
    h: *const tr_history,
    request_json: *const c_char,
    result_json: *mut *mut tr_string,
) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract (all three lines).
        let slot = unsafe { out_ptr(result_json, "result_json") }?;
        let history = unsafe { history(h) }?;
        let request: CompareRequest =
            parse(unsafe { text(request_json, "request_json") }?, "compare")?;
        put_json(slot, &request.run(&history)?)
    })
}
