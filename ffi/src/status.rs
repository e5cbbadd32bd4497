//! `tr_status`: the result of every C call, with the codes of `ErrorKind`.

use testrelay::ErrorKind;

/// The result of a testrelay C call: `TR_OK` (0) or the stable code of what
/// went wrong (the same numbers as the Rust `ErrorKind` and the Node
/// module's `err.code`). The text is in `tr_last_error_message`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    non_camel_case_types,
    reason = "C naming: the header exposes this type as tr_status"
)]
pub enum tr_status {
    /// Success.
    TR_OK = 0,
    /// A caller-supplied value is wrong (NULL, invalid UTF-8, misuse).
    TR_INVALID_ARGUMENT = 1,
    /// The configuration is incomplete or contradictory, or not valid JSON.
    TR_CONFIGURATION = 2,
    /// The CI API rejected the credentials.
    TR_AUTHENTICATION = 3,
    /// Authenticated but not allowed.
    TR_PERMISSION = 4,
    /// The resource or file does not exist.
    TR_NOT_FOUND = 5,
    /// The CI API's rate limit was hit and retries ran out.
    TR_RATE_LIMITED = 6,
    /// The CI API could not be reached.
    TR_CONNECTION = 7,
    /// An operation ran past its time limit.
    TR_TIMEOUT = 8,
    /// Reading or writing a local file failed.
    TR_IO = 9,
    /// The history database failed or is not ours.
    TR_DATABASE = 10,
    /// Malformed input (JUnit XML, JSON).
    TR_PARSE = 11,
    /// The CI system has no such capability.
    TR_UNSUPPORTED = 12,
    /// A bug in testrelay, including a caught panic.
    TR_INTERNAL = 13,
}

impl From<ErrorKind> for tr_status {
    fn from(kind: ErrorKind) -> tr_status {
        match kind {
            ErrorKind::InvalidArgument => tr_status::TR_INVALID_ARGUMENT,
            ErrorKind::Configuration => tr_status::TR_CONFIGURATION,
            ErrorKind::Authentication => tr_status::TR_AUTHENTICATION,
            ErrorKind::Permission => tr_status::TR_PERMISSION,
            ErrorKind::NotFound => tr_status::TR_NOT_FOUND,
            ErrorKind::RateLimited => tr_status::TR_RATE_LIMITED,
            ErrorKind::Connection => tr_status::TR_CONNECTION,
            ErrorKind::Timeout => tr_status::TR_TIMEOUT,
            ErrorKind::Io => tr_status::TR_IO,
            ErrorKind::Database => tr_status::TR_DATABASE,
            ErrorKind::Parse => tr_status::TR_PARSE,
            ErrorKind::Unsupported => tr_status::TR_UNSUPPORTED,
            ErrorKind::Internal => tr_status::TR_INTERNAL,
            // `ErrorKind` is non-exhaustive; a new kind gets its own status
            // here (`codes_match_error_kinds` fails until it does).
            _ => tr_status::TR_INTERNAL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_error_kinds() {
        for kind in ErrorKind::ALL {
            let status = tr_status::from(kind);
            assert_eq!(status as i32, kind.code());
            assert_eq!(format!("{status:?}"), kind.symbol());
        }
        assert_eq!(tr_status::TR_OK as i32, 0);
    }
}
