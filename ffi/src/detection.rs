//! Which CI runs this process, and the build's identity.

use testrelay::{Env, detect};

use crate::boundary::boundary;
use crate::status::tr_status;
use crate::strings::{out_ptr, put_json, tr_string};

/// Detects the CI system, code host, repository, commit, branch and pull
/// request from this process's environment and stores the result in
/// `*detection_json` (owned by the caller: `tr_string_free`). Never fails on
/// the environment's content.
///
/// Thread-safety: safe from any thread (it reads the environment; do not
/// change the environment concurrently).
///
/// Returns `TR_INVALID_ARGUMENT` when `detection_json` is NULL.
///
/// # Safety
/// `detection_json` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_detect_environment(detection_json: *mut *mut tr_string) -> tr_status {
    boundary(|| {
        // SAFETY: forwarded from the caller's contract.
        let slot = unsafe { out_ptr(detection_json, "detection_json") }?;
        put_json(slot, &detect(&Env::from_process()))
    })
}
