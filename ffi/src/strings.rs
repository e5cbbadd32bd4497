//! Strings across the boundary: C strings in, `tr_string` out, and the
//! out-pointer checks.

use std::ffi::{CStr, CString, c_char};

use testrelay::{Error, Result};

use crate::boundary::boundary;

/// A string returned by testrelay (always UTF-8, usually JSON), owned by the
/// caller until it is passed to `tr_string_free`. Read it with
/// `tr_string_ptr` and `tr_string_len`.
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_string"
)]
pub struct tr_string {
    text: CString,
}

impl tr_string {
    /// A boxed C string of `text` (which must not contain NUL; JSON never
    /// does, as it escapes control characters).
    pub(crate) fn boxed(text: String) -> Result<Box<tr_string>> {
        let text = CString::new(text).map_err(|e| {
            Error::new(
                testrelay::ErrorKind::Internal,
                format!(
                    "a returned string contains a NUL byte at {}",
                    e.nul_position()
                ),
            )
        })?;
        Ok(Box::new(tr_string { text }))
    }
}

/// The NUL-terminated UTF-8 text of `s`, valid until `tr_string_free(s)`;
/// NULL when `s` is NULL.
///
/// Thread-safety: safe from any thread while no thread frees `s`.
///
/// # Safety
/// `s` must be NULL or a live `tr_string` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_string_ptr(s: *const tr_string) -> *const c_char {
    // SAFETY: the caller passes NULL or a live tr_string.
    match unsafe { s.as_ref() } {
        Some(s) => s.text.as_ptr(),
        None => std::ptr::null(),
    }
}

/// The length in bytes of the text of `s`, without the NUL; 0 when `s` is
/// NULL.
///
/// Thread-safety: safe from any thread while no thread frees `s`.
///
/// # Safety
/// `s` must be NULL or a live `tr_string` from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_string_len(s: *const tr_string) -> usize {
    // SAFETY: the caller passes NULL or a live tr_string.
    match unsafe { s.as_ref() } {
        Some(s) => s.text.as_bytes().len(),
        None => 0,
    }
}

/// Frees a string returned by testrelay. NULL is ignored.
///
/// Thread-safety: call it once per string, from any thread, when no other
/// thread uses the string.
///
/// # Safety
/// `s` must be NULL or a `tr_string` from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_string_free(s: *mut tr_string) {
    if s.is_null() {
        return;
    }
    boundary(|| {
        // SAFETY: `s` came from Box::into_raw in `put` and is freed once.
        drop(unsafe { Box::from_raw(s) });
        Ok(())
    });
}

/// Reads the required NUL-terminated UTF-8 argument `name`.
///
/// Errors: `InvalidArgument` when it is NULL or not valid UTF-8.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn text<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: forwarded from the caller.
    unsafe { optional_text(p, name) }?.ok_or_else(|| Error::invalid(format!("`{name}` is NULL")))
}

/// Reads the optional NUL-terminated UTF-8 argument `name` (NULL → `None`).
///
/// Errors: `InvalidArgument` when it is not valid UTF-8.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn optional_text<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map(Some).map_err(|e| {
        Error::invalid(format!(
            "`{name}` is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// Checks the out-pointer `out` (named `name`) and sets `*out` to NULL, so
/// that a failed call leaves NULL behind.
///
/// Errors: `InvalidArgument` when `out` is NULL.
///
/// # Safety
/// `out` must be NULL or point to a writable pointer.
pub(crate) unsafe fn out_ptr<'a, T>(out: *mut *mut T, name: &str) -> Result<&'a mut *mut T> {
    // SAFETY: the caller passes NULL or a writable pointer.
    let slot =
        unsafe { out.as_mut() }.ok_or_else(|| Error::invalid(format!("`{name}` is NULL")))?;
    *slot = std::ptr::null_mut();
    Ok(slot)
}

/// Moves `value` to the heap and hands it to C through `slot`.
pub(crate) fn put<T>(slot: &mut *mut T, value: Box<T>) {
    *slot = Box::into_raw(value);
}

/// Serializes `value` as JSON into a new `tr_string` stored in `slot`.
///
/// Errors: `Internal` when serialization fails.
pub(crate) fn put_json<T: serde::Serialize + ?Sized>(
    slot: &mut *mut tr_string,
    value: &T,
) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| {
        Error::new(
            testrelay::ErrorKind::Internal,
            format!("serializing the result to JSON failed: {e}"),
        )
    })?;
    put(slot, tr_string::boxed(json)?);
    Ok(())
}
