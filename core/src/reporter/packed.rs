//! A test case packed into one buffer for the trip from a binding to the
//! collector thread.
//!
//! Bindings copy foreign strings (C's `char *`) before `record` returns.
//! Copying each field into its own `String` costs one allocation per field
//! on the caller's thread, freed later on another thread, which is what
//! made recording from C slow. A [`PackedCase`] costs one allocation; the
//! collector unpacks it into a [`TestCase`] off the caller's thread.

use crate::error::{Error, Result};
use crate::model::{CaseStatus, TestCase};

/// The text fields of a packed case, in packing order.
const FIELDS: usize = 8;
/// The end offset of a field that was not given.
const ABSENT: u32 = u32::MAX;

/// A test case whose text fields share one buffer. Build it with
/// [`PackedCase::new`] and record it with
/// [`Reporter::record_packed`](super::Reporter::record_packed).
#[derive(Debug, Clone, PartialEq)]
pub struct PackedCase {
    text: String,
    /// End offset in `text` of each field; [`ABSENT`] for a field not given.
    ends: [u32; FIELDS],
    line: Option<u32>,
    status: CaseStatus,
    duration_seconds: f64,
}

/// The text fields of a case, borrowed, for [`PackedCase::new`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseText<'a> {
    /// The test's name.
    pub name: &'a str,
    /// Class, module or fixture (`None` = empty).
    pub classname: Option<&'a str>,
    /// Suite (`None` = empty).
    pub suite: Option<&'a str>,
    /// Source file.
    pub file: Option<&'a str>,
    /// Short failure or skip message.
    pub message: Option<&'a str>,
    /// Stack trace or long failure text.
    pub details: Option<&'a str>,
    /// Captured standard output.
    pub stdout: Option<&'a str>,
    /// Captured standard error.
    pub stderr: Option<&'a str>,
}

impl PackedCase {
    /// Copies `text` into one buffer (one allocation). The id is computed
    /// when the collector unpacks the case.
    ///
    /// Errors: `InvalidArgument` when the fields total 4 GiB or more.
    pub fn new(
        text: &CaseText<'_>,
        line: Option<u32>,
        status: CaseStatus,
        duration_seconds: f64,
    ) -> Result<PackedCase> {
        let fields = [
            Some(text.name),
            text.classname,
            text.suite,
            text.file,
            text.message,
            text.details,
            text.stdout,
            text.stderr,
        ];
        let len: usize = fields.iter().flatten().map(|f| f.len()).sum();
        if len >= ABSENT as usize {
            return Err(Error::invalid(format!(
                "the case's text fields total {len} bytes; at most {} are accepted",
                ABSENT - 1
            )));
        }
        let mut buffer = String::with_capacity(len);
        let mut ends = [ABSENT; FIELDS];
        for (end, field) in ends.iter_mut().zip(fields) {
            if let Some(field) = field {
                buffer.push_str(field);
                // Below ABSENT: checked against the total above.
                *end = buffer.len() as u32;
            }
        }
        Ok(PackedCase {
            text: buffer,
            ends,
            line,
            status,
            duration_seconds,
        })
    }

    /// The case as a [`TestCase`] (id still empty).
    pub fn unpack(&self) -> TestCase {
        let mut start = 0;
        let mut fields: [Option<String>; FIELDS] = Default::default();
        for (field, end) in fields.iter_mut().zip(self.ends) {
            if end != ABSENT {
                let end = end as usize;
                *field = Some(self.text[start..end].to_string());
                start = end;
            }
        }
        let [
            name,
            classname,
            suite,
            file,
            message,
            details,
            stdout,
            stderr,
        ] = fields;
        TestCase {
            name: name.unwrap_or_default(),
            classname: classname.unwrap_or_default(),
            suite: suite.unwrap_or_default(),
            file,
            line: self.line,
            status: self.status,
            duration_seconds: self.duration_seconds,
            message,
            details,
            stdout,
            stderr,
            ..TestCase::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacking_gives_back_every_field_and_keeps_empty_apart_from_absent() {
        let text = CaseText {
            name: "adds ünïcode",
            classname: Some("math"),
            suite: None,
            file: Some(""),
            message: Some("expected 4"),
            details: None,
            stdout: Some("out\n"),
            stderr: Some("err"),
        };
        let case = PackedCase::new(&text, Some(7), CaseStatus::Failed, 0.25)
            .unwrap()
            .unpack();
        let expected = TestCase {
            name: "adds ünïcode".into(),
            classname: "math".into(),
            suite: String::new(),
            file: Some(String::new()),
            line: Some(7),
            status: CaseStatus::Failed,
            duration_seconds: 0.25,
            message: Some("expected 4".into()),
            details: None,
            stdout: Some("out\n".into()),
            stderr: Some("err".into()),
            ..TestCase::default()
        };
        assert_eq!(case, expected);
    }
}
