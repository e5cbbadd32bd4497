//! The one panic boundary every entry point runs in, and the thread-local
//! last error it records.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use testrelay::{Error, ErrorKind};

use crate::status::tr_status;

thread_local! {
    /// The message of the last failed call on this thread (empty after a
    /// successful one).
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `body` so that no panic unwinds into C: a panic becomes
/// `TR_INTERNAL`, an error its kind's status; either way its message becomes
/// this thread's last error. A success clears the last error.
pub(crate) fn boundary(body: impl FnOnce() -> Result<(), Error>) -> tr_status {
    let outcome = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            Err(Error::new(
                ErrorKind::Internal,
                format!("testrelay panicked: {what}; please report this bug"),
            ))
        }
    };
    let (status, message) = match outcome {
        Ok(()) => (tr_status::TR_OK, String::new()),
        Err(e) => (tr_status::from(e.kind()), e.message().to_string()),
    };
    // A thread being torn down has no last error to keep; ignore that case.
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            *last = message;
        }
    });
    status
}

/// Copies the message of the last failed `tr_` call on this thread into
/// `buf` as a NUL-terminated UTF-8 string (empty when the last call
/// succeeded). The message stays available until the next `tr_` call on this
/// thread; this function itself does not change it.
///
/// `buf` may be NULL only when `len` is 0 (to ask for the size). `needed`
/// (may be NULL) receives the size the whole message needs, including its
/// NUL. When `len` is smaller, the message is cut at `len - 1` bytes (at a
/// UTF-8 character boundary), still NUL-terminated.
///
/// Thread-safety: safe from any thread; each thread has its own message.
///
/// Returns `TR_OK` when the whole message fit, `TR_INVALID_ARGUMENT` when
/// `buf` was too small (or NULL with `len` > 0).
///
/// # Safety
/// `buf` must point to `len` writable bytes; `needed` must be NULL or point
/// to a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tr_last_error_message(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> tr_status {
    let copy = || -> tr_status {
        let message = LAST_ERROR.with(|last| last.borrow().clone());
        let full = message.len() + 1;
        if !needed.is_null() {
            // SAFETY: the caller passes NULL or a writable size_t.
            unsafe { needed.write(full) };
        }
        if buf.is_null() {
            return if len == 0 {
                tr_status::TR_OK
            } else {
                tr_status::TR_INVALID_ARGUMENT
            };
        }
        if len == 0 {
            return tr_status::TR_INVALID_ARGUMENT;
        }
        let mut take = message.len().min(len - 1);
        while !message.is_char_boundary(take) {
            take -= 1;
        }
        // SAFETY: `buf` has `len` writable bytes and `take + 1 <= len`.
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), take);
            buf.add(take).write(0);
        }
        if take == message.len() {
            tr_status::TR_OK
        } else {
            tr_status::TR_INVALID_ARGUMENT
        }
    };
    // This function must leave the last error as it is, so it cannot run in
    // `boundary` (which records the outcome); it only catches the panic.
    catch_unwind(AssertUnwindSafe(copy)).unwrap_or(tr_status::TR_INTERNAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> (tr_status, String, usize) {
        let mut buf = [0 as c_char; 256];
        let mut needed = 0usize;
        // SAFETY: `buf` has 256 writable bytes and `needed` is writable.
        let status = unsafe { tr_last_error_message(buf.as_mut_ptr(), buf.len(), &mut needed) };
        // SAFETY: the function NUL-terminated `buf`.
        let text = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
        (status, text.to_string_lossy().into_owned(), needed)
    }

    #[test]
    fn a_panic_becomes_tr_internal_with_its_message() {
        let status = boundary(|| panic!("boom at the boundary"));
        assert_eq!(status, tr_status::TR_INTERNAL);
        let (status, text, needed) = last_error();
        assert_eq!(status, tr_status::TR_OK);
        assert_eq!(
            text,
            "testrelay panicked: boom at the boundary; please report this bug"
        );
        assert_eq!(needed, text.len() + 1);
    }

    #[test]
    fn an_error_sets_its_status_and_a_success_clears_it() {
        let status = boundary(|| Err(Error::new(ErrorKind::Timeout, "waited 5 s")));
        assert_eq!(status, tr_status::TR_TIMEOUT);
        assert_eq!(last_error().1, "waited 5 s");
        // Reading the message does not change it.
        assert_eq!(last_error().1, "waited 5 s");
        assert_eq!(boundary(|| Ok(())), tr_status::TR_OK);
        assert_eq!(last_error(), (tr_status::TR_OK, String::new(), 1));
    }

    #[test]
    fn a_cut_message_ends_at_a_character_boundary() {
        boundary(|| Err(Error::invalid("héllo")));
        let mut buf = [0x7f as c_char; 3];
        let mut needed = 0usize;
        // SAFETY: `buf` has 3 writable bytes and `needed` is writable.
        let status = unsafe { tr_last_error_message(buf.as_mut_ptr(), buf.len(), &mut needed) };
        assert_eq!(status, tr_status::TR_INVALID_ARGUMENT);
        assert_eq!(needed, "héllo".len() + 1);
        // "h" then the 2-byte "é" does not fit in 2 bytes: only "h" and NUL.
        assert_eq!(buf.map(|b| b as u8), [b'h', 0, 0x7f]);
    }
}
