//! The library's version at run time (the header's `TR_VERSION_*` macros
//! are the version it was generated from).

use std::ffi::c_char;

/// The library version as a static NUL-terminated string, e.g. "0.1.0"
/// (never freed).
///
/// Thread-safety: safe from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn tr_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
