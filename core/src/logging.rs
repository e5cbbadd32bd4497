//! testrelay's own logger, for programs that have none: the CLI, and the
//! Node package when `log_level` or `log_file` is set. One line per `log`
//! record (`warn: ...`), made safe for a terminal and a CI log
//! ([`crate::text::terminal`]), on stderr or appended to a file. The
//! transport's raw wire dump is never written, at any level: it holds the
//! request headers, credentials included ([`crate::http::is_wire_dump`]).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use log::{LevelFilter, Log, Metadata, Record};

use crate::error::{Error, Result};

/// Where lines go: `None` is stderr.
static FILE: Mutex<Option<File>> = Mutex::new(None);

struct Logger;

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && !crate::http::is_wire_dump(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = record.level().as_str().to_ascii_lowercase();
        let mut line = crate::text::terminal(&format!("{level}: {}", record.args())).into_owned();
        line.push('\n');
        let mut file = FILE.lock().unwrap_or_else(|p| p.into_inner());
        match file.as_mut() {
            Some(f) => {
                let _ = f.write_all(line.as_bytes());
            }
            None => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
        }
    }

    fn flush(&self) {
        if let Some(f) = FILE.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            let _ = f.flush();
        }
    }
}

/// Installs the logger (once per process) or changes its level and target:
/// lines at `level` and above go to `file` (appended, created with its
/// directory) or, with `None`, to stderr. Returns false, changing nothing,
/// when the program has a `log` logger of its own.
///
/// Errors: `Io` naming the file when it cannot be opened.
pub fn install(level: LevelFilter, file: Option<&Path>) -> Result<bool> {
    let opened = match file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
            }
            Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| Error::io("opening the log file", path, e))?,
            )
        }
        None => None,
    };
    static OURS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ours = *OURS.get_or_init(|| log::set_logger(&Logger).is_ok());
    if !ours {
        return Ok(false);
    }
    *FILE.lock().unwrap_or_else(|p| p.into_inner()) = opened;
    log::set_max_level(level);
    Ok(true)
}
