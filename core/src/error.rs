//! The one error type of testrelay, with stable numeric codes shared by the
//! Rust API, the C ABI (`tr_status`) and the Node module (`err.code`).
//!
//! | code | kind               | C / JS name              | meaning                                             |
//! |-----:|--------------------|--------------------------|-----------------------------------------------------|
//! |    0 | (ok)               | `TR_OK`                  | success                                             |
//! |    1 | `InvalidArgument`  | `TR_INVALID_ARGUMENT`    | a caller-supplied value is wrong (NULL, bad UTF-8, misuse, vendor 422) |
//! |    2 | `Configuration`    | `TR_CONFIGURATION`       | the configuration is incomplete or contradictory    |
//! |    3 | `Authentication`   | `TR_AUTHENTICATION`      | the CI API rejected the credentials (401)           |
//! |    4 | `Permission`       | `TR_PERMISSION`          | authenticated but not allowed (403)                 |
//! |    5 | `NotFound`         | `TR_NOT_FOUND`           | the resource does not exist (404, missing file)     |
//! |    6 | `RateLimited`      | `TR_RATE_LIMITED`        | the CI API's rate limit was hit and retries ran out |
//! |    7 | `Connection`       | `TR_CONNECTION`          | the CI API could not be reached                     |
//! |    8 | `Timeout`          | `TR_TIMEOUT`             | an operation ran past its time limit                |
//! |    9 | `Io`               | `TR_IO`                  | reading or writing a local file failed              |
//! |   10 | `Database`         | `TR_DATABASE`            | the history database failed or is not ours          |
//! |   11 | `Parse`            | `TR_PARSE`               | malformed input (JUnit XML, JSON)                   |
//! |   12 | `Unsupported`      | `TR_UNSUPPORTED`         | the CI system has no such capability                |
//! |   13 | `Internal`         | `TR_INTERNAL`            | a bug in testrelay (including a caught panic)       |
//!
//! Codes are never renumbered; new kinds get new numbers.

use std::fmt;

/// What went wrong, as a stable category. See the module docs for the code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A caller-supplied value is wrong (code 1).
    InvalidArgument = 1,
    /// The configuration is incomplete or contradictory (code 2).
    Configuration = 2,
    /// The CI API rejected the credentials (code 3).
    Authentication = 3,
    /// Authenticated but not allowed (code 4).
    Permission = 4,
    /// The resource does not exist (code 5).
    NotFound = 5,
    /// Rate limited and retries ran out (code 6).
    RateLimited = 6,
    /// The CI API could not be reached (code 7).
    Connection = 7,
    /// An operation ran past its time limit (code 8).
    Timeout = 8,
    /// A local file could not be read or written (code 9).
    Io = 9,
    /// The history database failed (code 10).
    Database = 10,
    /// Malformed input (code 11).
    Parse = 11,
    /// The CI system lacks this capability (code 12).
    Unsupported = 12,
    /// A bug in testrelay (code 13).
    Internal = 13,
}

impl ErrorKind {
    /// Every kind, in code order.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::InvalidArgument,
        ErrorKind::Configuration,
        ErrorKind::Authentication,
        ErrorKind::Permission,
        ErrorKind::NotFound,
        ErrorKind::RateLimited,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::Io,
        ErrorKind::Database,
        ErrorKind::Parse,
        ErrorKind::Unsupported,
        ErrorKind::Internal,
    ];

    /// The stable numeric code (never 0; 0 means success at the boundaries).
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The kind for a numeric code, or `None` for 0 and unknown codes.
    pub fn from_code(code: i32) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name used across boundaries, e.g. `TR_RATE_LIMITED`.
    pub fn symbol(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "TR_INVALID_ARGUMENT",
            ErrorKind::Configuration => "TR_CONFIGURATION",
            ErrorKind::Authentication => "TR_AUTHENTICATION",
            ErrorKind::Permission => "TR_PERMISSION",
            ErrorKind::NotFound => "TR_NOT_FOUND",
            ErrorKind::RateLimited => "TR_RATE_LIMITED",
            ErrorKind::Connection => "TR_CONNECTION",
            ErrorKind::Timeout => "TR_TIMEOUT",
            ErrorKind::Io => "TR_IO",
            ErrorKind::Database => "TR_DATABASE",
            ErrorKind::Parse => "TR_PARSE",
            ErrorKind::Unsupported => "TR_UNSUPPORTED",
            ErrorKind::Internal => "TR_INTERNAL",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Configuration => "configuration error",
            ErrorKind::Authentication => "authentication failed",
            ErrorKind::Permission => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Connection => "connection failed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Io => "I/O error",
            ErrorKind::Database => "history database error",
            ErrorKind::Parse => "parse error",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Internal => "internal error",
        };
        f.write_str(s)
    }
}

/// A testrelay error: a kind plus a message for people.
///
/// The message says what failed and, where it can, what to do; it never
/// contains a token (see `config::Secret`).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// `Result` with testrelay's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a human message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying cause (kept for `source()`, not shown in `Display`).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.source = Some(Box::new(source));
        self
    }

    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable numeric code of the kind.
    pub fn code(&self) -> i32 {
        self.kind.code()
    }

    /// The human message, without the kind prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Shorthand for `Error::new(ErrorKind::InvalidArgument, ..)`.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    /// Shorthand for `Error::new(ErrorKind::Unsupported, ..)`.
    pub fn unsupported(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported, message)
    }

    /// True when the cause is storage that cannot take more: a full disk
    /// or quota, a file-size limit (`ulimit -f`), or SQLite failing to
    /// write the history (`SQLITE_FULL`, `SQLITE_IOERR`). Nothing is wrong
    /// with the input then; the command line exits with code 4.
    pub fn is_storage_failure(&self) -> bool {
        let mut cause = self
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(err) = cause {
            if let Some(io) = err.downcast_ref::<std::io::Error>()
                && matches!(
                    io.kind(),
                    std::io::ErrorKind::StorageFull
                        | std::io::ErrorKind::FileTooLarge
                        | std::io::ErrorKind::QuotaExceeded
                )
            {
                return true;
            }
            if let Some(rusqlite::Error::SqliteFailure(e, _)) =
                err.downcast_ref::<rusqlite::Error>()
                && matches!(
                    e.code,
                    rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure
                )
            {
                return true;
            }
            if let Some(inner) = err.downcast_ref::<Error>() {
                if inner.is_storage_failure() {
                    return true;
                }
            }
            cause = err.source();
        }
        false
    }

    /// An I/O error about `path`, with the action that failed ("reading", "writing", ...).
    pub fn io(action: &str, path: &std::path::Path, err: std::io::Error) -> Error {
        let kind = if err.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        Error::new(kind, format!("{action} {}: {err}", path.display())).with_source(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Error {
        Error::new(ErrorKind::Parse, format!("invalid JSON: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_unique() {
        let codes: Vec<i32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes, (1..=13).collect::<Vec<_>>());
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
            assert!(kind.symbol().starts_with("TR_"));
        }
        assert_eq!(ErrorKind::from_code(0), None);
        assert_eq!(ErrorKind::RateLimited.symbol(), "TR_RATE_LIMITED");
        assert_eq!(ErrorKind::Internal.code(), 13);
    }

    #[test]
    fn full_storage_is_recognised_through_the_causes() {
        let path = std::path::Path::new("out/report.html");
        for kind in [
            std::io::ErrorKind::StorageFull,
            std::io::ErrorKind::FileTooLarge,
            std::io::ErrorKind::QuotaExceeded,
        ] {
            let e = Error::io("writing", path, std::io::Error::from(kind));
            assert!(e.is_storage_failure(), "{kind:?}");
            assert_eq!(e.kind(), ErrorKind::Io);
        }
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(!Error::io("writing", path, denied).is_storage_failure());
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(
            Error::new(ErrorKind::Io, "x")
                .with_source(full)
                .is_storage_failure()
        );
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(
            !Error::new(ErrorKind::Database, "x")
                .with_source(busy)
                .is_storage_failure()
        );
        assert!(!Error::invalid("x").is_storage_failure());
    }

    #[test]
    fn missing_file_is_not_found() {
        let err = std::fs::read("/definitely/not/here").unwrap_err();
        let e = Error::io("reading", std::path::Path::new("/definitely/not/here"), err);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("reading /definitely/not/here"));
    }
}
