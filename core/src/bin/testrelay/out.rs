//! Everything the command line prints goes through here, so no test name,
//! message or CI value can drive the terminal or the CI reading the log
//! (see [`testrelay::text`]): human text through [`text::terminal`], JSON
//! through [`text::json_for_terminal`].

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use testrelay::text;
use testrelay::{Error, ErrorKind};

/// Writes `text` to stdout, made safe. A closed pipe (`| head`) is not an
/// error.
///
/// Errors: `Io` when writing fails otherwise.
pub fn emit(text: &str) -> Result<ExitCode, Error> {
    write_stdout(&text::terminal(text))
}

/// Writes `value` as pretty JSON and a newline to stdout, made safe
/// without changing its value.
///
/// Errors: `Io` when writing fails (not for a closed pipe).
pub fn emit_json<T: Serialize>(value: &T) -> Result<ExitCode, Error> {
    let mut json = serde_json::to_string_pretty(value)?;
    json.push('\n');
    write_stdout(&text::json_for_terminal(&json))
}

fn write_stdout(text: &str) -> Result<ExitCode, Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::new(
            ErrorKind::Io,
            format!("writing to standard output failed: {e}"),
        )),
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Writes one line (a newline is added) to stderr, made safe. Failures to
/// write to stderr are ignored: there is nowhere else to say so.
pub fn warn(line: &str) {
    let mut text = text::terminal(line).into_owned();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
