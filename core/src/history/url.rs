//! History locations that are database URLs rather than files.
//!
//! A PostgreSQL URL (`postgres://`, `postgresql://`) names a PostgreSQL
//! history, which [`HistoryStore::open`](super::HistoryStore::open) opens
//! in a build with the cargo feature `postgres`. Where a URL cannot be used
//! (a build without the feature, or an operation only the SQLite file has)
//! it is refused with an `Unsupported` error instead of being taken for a
//! file name. The URL itself never appears in a message (it may hold a
//! password).

use crate::error::Error;

/// The environment variable naming a shared history database.
pub const HISTORY_URL_VARIABLE: &str = "TESTRELAY_HISTORY_URL";

/// True when `location` is a database URL (`postgres://` or
/// `postgresql://`, any case) rather than a file path.
pub fn is_database_url(location: &str) -> bool {
    let lower = location.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The `Unsupported` error for a database URL given as `given_as` (a
/// configuration key, option or variable name) where it cannot be used.
pub fn unsupported_url(given_as: &str) -> Error {
    #[cfg(not(feature = "postgres"))]
    let why = "this build keeps the history in a SQLite file (it was built without the \
               cargo feature postgres)";
    #[cfg(feature = "postgres")]
    let why = "this operation works on a SQLite history file only (the PostgreSQL history \
               has runs, cases and metrics: history, merge, flaky, trends, split, prune)";
    Error::unsupported(format!(
        "not supported yet: a PostgreSQL history here ({given_as} is a postgres:// URL); \
         {why}: give a file path (history_path, --history) and keep it between CI jobs, or \
         merge it into the shared history (docs/history.md, \"Which backend\")"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn database_urls_are_recognised_and_refused_by_where_they_were_given() {
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
        let err = unsupported_url(HISTORY_URL_VARIABLE);
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(
            err.message()
                .starts_with("not supported yet: a PostgreSQL history"),
            "{err}"
        );
        assert!(err.message().contains(HISTORY_URL_VARIABLE), "{err}");
    }
}
