//! The C ABI of testrelay: C and C++ test harnesses report results through
//! these `tr_` functions, declared in the generated `include/testrelay.h`.
//!
//! This crate has no behaviour of its own: it converts C values to the
//! `testrelay` API and back, and keeps the boundary safe:
//!
//! - every function returns a [`tr_status`] (0 = `TR_OK`, otherwise the
//!   stable code of the error kind) and writes results through out-pointers;
//!   the few that cannot fail (`tr_version`, `tr_string_ptr`,
//!   `tr_string_len`, the `_free` functions) return their value directly;
//! - the error text of the last failing call on a thread is copied out by
//!   [`tr_last_error_message`];
//! - no panic crosses the boundary (it becomes `TR_INTERNAL`); NULL where a
//!   pointer is required and invalid UTF-8 are `TR_INVALID_ARGUMENT`;
//! - strings in are NUL-terminated UTF-8, copied before the call returns;
//!   strings out are [`tr_string`]s owned by the caller until `tr_string_free`.

// The modules are declared in the order the header's sections follow (cbindgen
// writes the functions in source order): version and status, strings, the
// reporter, the history, parsing, detection. Keep each in its own group so
// rustfmt does not sort them.
mod version;

mod status;

mod boundary;

mod strings;

mod reporter;

mod history;

mod artifacts;

mod parsing;

mod detection;

pub use artifacts::{tr_artifact_get, tr_artifacts_compare, tr_artifacts_find};
pub use boundary::tr_last_error_message;
pub use detection::tr_detect_environment;
pub use history::{
    tr_history, tr_history_cases, tr_history_flaky, tr_history_free, tr_history_merge,
    tr_history_open, tr_history_runs, tr_history_split, tr_history_trends,
};
pub use parsing::{tr_parse_junit_file, tr_parse_results_file};
pub use reporter::{
    tr_case, tr_case_status, tr_event_callback, tr_event_kind, tr_reporter,
    tr_reporter_attach_artifact, tr_reporter_finish, tr_reporter_free, tr_reporter_new,
    tr_reporter_on_event, tr_reporter_record_case, tr_reporter_record_metric,
    tr_reporter_set_property,
};
pub use status::tr_status;
pub use strings::{tr_string, tr_string_free, tr_string_len, tr_string_ptr};
pub use version::tr_version;

/// Major version of the C ABI: bumped only for incompatible changes.
pub const TESTRELAY_ABI_VERSION_MAJOR: u32 = 1;
/// Minor version of the C ABI: bumped when functions or enum values are added.
pub const TESTRELAY_ABI_VERSION_MINOR: u32 = 3;
