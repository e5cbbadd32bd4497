//! The command line's logger ([`testrelay::logging`]): `warn` and above on
//! stderr unless `TESTRELAY_LOG` says otherwise (`error`, `warn`, `info`,
//! `debug`, `trace` or `off`); the configuration's `log_level` and
//! `log_file` (`--log-level`, `--log-file`) win over it.

use log::LevelFilter;
use testrelay::{Config, Error};

/// The level `TESTRELAY_LOG` asks for (default `warn`; an unknown value
/// keeps the default and says so).
fn from_env() -> LevelFilter {
    let requested = std::env::var("TESTRELAY_LOG").ok();
    match requested.as_deref().map(str::parse::<LevelFilter>) {
        None => LevelFilter::Warn,
        Some(Ok(level)) => level,
        Some(Err(_)) => {
            crate::out::warn(&format!(
                "testrelay: TESTRELAY_LOG={:?} is not one of off, error, warn, info, debug, trace; using warn",
                requested.unwrap_or_default()
            ));
            LevelFilter::Warn
        }
    }
}

/// Installs the logger with the level from `TESTRELAY_LOG`.
pub fn init() {
    let _ = testrelay::logging::install(from_env(), None);
}

/// Applies the configuration's `log_level` and `log_file`, when set.
///
/// Errors: `Io` when the log file cannot be opened.
pub fn configure(config: &Config) -> Result<(), Error> {
    if config.log_level.is_none() && config.log_file.is_none() {
        return Ok(());
    }
    let level = config.log_level.map_or_else(from_env, |l| l.filter());
    testrelay::logging::install(level, config.log_file.as_deref()).map(|_| ())
}
