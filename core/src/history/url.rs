//! History locations that are database URLs rather than files.
//!
//! This build keeps the history in a SQLite file only. A PostgreSQL URL
//! (`postgres://`, `postgresql://`) given as the history's location, or in
//! [`HISTORY_URL_VARIABLE`], is refused with an `Unsupported` error instead
//! of being taken for a file name. The URL itself never appears in the
//! message (it may hold a password).

use crate::error::{Error, Result};

/// The environment variable naming a shared history database.
pub const HISTORY_URL_VARIABLE: &str = "TESTRELAY_HISTORY_URL";

/// True when `location` is a database URL (`postgres://` or
/// `postgresql://`, any case) rather than a file path.
pub fn is_database_url(location: &str) -> bool {
    let lower = location.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The `Unsupported` error for a database URL given as `given_as` (a
/// configuration key, option or variable name).
pub(crate) fn unsupported_url(given_as: &str) -> Error {
    Error::unsupported(format!(
        "not supported yet: a PostgreSQL history ({given_as} is a postgres:// URL); this \
         build keeps the history in a SQLite file: give a file path (history_path, \
         --history) and keep it between CI jobs (docs/history.md, \"Keeping the history between \
         CI jobs\")"
    ))
}

/// Refuses a set [`HISTORY_URL_VARIABLE`]: `value` is the variable's value,
/// `None` or empty when unset.
///
/// Errors: `Unsupported` when it is set.
pub fn refuse_history_url_variable(value: Option<&str>) -> Result<()> {
    match value {
        Some(v) if !v.trim().is_empty() => Err(unsupported_url(HISTORY_URL_VARIABLE)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn database_urls_are_recognised_and_refused_without_their_text() {
        for url in [
            "postgres://u:pw@db/h",
            "PostgreSQL://db/h",
            " postgres://db",
        ] {
            assert!(is_database_url(url), "{url}");
        }
        for path in [
            ".testrelay/history.db",
            "postgres/history.db",
            "sqlite://x",
            "",
        ] {
            assert!(!is_database_url(path), "{path}");
        }
        let err = refuse_history_url_variable(Some("postgres://u:s3cret@db/h")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(err.message().starts_with("not supported yet: "), "{err}");
        assert!(err.message().contains(HISTORY_URL_VARIABLE), "{err}");
        assert!(!err.message().contains("s3cret"), "{err}");
        assert!(refuse_history_url_variable(None).is_ok());
        assert!(refuse_history_url_variable(Some(" ")).is_ok());
    }
}
