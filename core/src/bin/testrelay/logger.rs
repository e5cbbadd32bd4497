//! The command line's logger: the library's `log` records on stderr, one
//! line each, `warn` and above unless `TESTRELAY_LOG` says otherwise
//! (`error`, `warn`, `info`, `debug`, `trace` or `off`). The transport's
//! raw wire dump is never shown, at any level: it holds the request headers,
//! credentials included ([`testrelay::http::is_wire_dump`]).

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && !testrelay::http::is_wire_dump(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = record.level().as_str().to_ascii_lowercase();
            crate::out::warn(&format!("{level}: {}", record.args()));
        }
    }

    fn flush(&self) {}
}

/// Installs the logger with the level from `TESTRELAY_LOG` (default `warn`;
/// an unknown value keeps the default and says so).
pub fn init() {
    let requested = std::env::var("TESTRELAY_LOG").ok();
    let level = match requested.as_deref().map(str::parse::<LevelFilter>) {
        None => LevelFilter::Warn,
        Some(Ok(level)) => level,
        Some(Err(_)) => {
            crate::out::warn(&format!(
                "testrelay: TESTRELAY_LOG={:?} is not one of off, error, warn, info, debug, trace; using warn",
                requested.unwrap_or_default()
            ));
            LevelFilter::Warn
        }
    };
    if log::set_logger(&Stderr).is_ok() {
        log::set_max_level(level);
    }
}
