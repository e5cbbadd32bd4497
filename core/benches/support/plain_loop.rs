//! The yardstick for the JUnit reader (issue #20): a plain quick-xml loop
//! that builds a full owned model (suites, cases, messages, traces, output,
//! properties) and does nothing else: no limits, no dialect rules, no ids,
//! no line and column tracking. Our reader should cost at most 1.2× this.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// A suite of the plain model.
#[derive(Debug, Default)]
pub struct PlainSuite {
    /// `name`.
    pub name: String,
    /// `<property>` name and value pairs.
    pub properties: Vec<(String, String)>,
    /// Its cases.
    pub cases: Vec<PlainCase>,
}

/// A case of the plain model.
#[derive(Debug, Default)]
pub struct PlainCase {
    /// `name`.
    pub name: String,
    /// `classname`.
    pub classname: String,
    /// `time` in seconds.
    pub time: f64,
    /// 0 passed, 1 failed, 2 error, 3 skipped.
    pub status: u8,
    /// The outcome's `message`.
    pub message: Option<String>,
    /// The outcome's body.
    pub details: String,
    /// `system-out`.
    pub stdout: String,
    /// `system-err`.
    pub stderr: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Target {
    Nothing,
    Details,
    Out,
    Err,
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Reads every suite of `input` into the plain model.
pub fn read_plain<R: BufRead>(input: R) -> Result<Vec<PlainSuite>, quick_xml::Error> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::with_capacity(64 << 10);
    let mut suites: Vec<PlainSuite> = Vec::new();
    let mut case: Option<PlainCase> = None;
    let mut into = Target::Nothing;
    loop {
        let event = reader.read_event_into(&mut buf)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => match e.local_name().as_ref() {
                b"testsuite" => suites.push(PlainSuite {
                    name: attr(e, b"name").unwrap_or_default(),
                    ..PlainSuite::default()
                }),
                b"testcase" => {
                    let c = PlainCase {
                        name: attr(e, b"name").unwrap_or_default(),
                        classname: attr(e, b"classname").unwrap_or_default(),
                        time: attr(e, b"time").and_then(|t| t.parse().ok()).unwrap_or(0.0),
                        ..PlainCase::default()
                    };
                    if matches!(event, Event::Start(_)) {
                        case = Some(c);
                    } else if let Some(s) = suites.last_mut() {
                        s.cases.push(c);
                    }
                }
                name @ (b"failure" | b"error" | b"skipped") => {
                    if let Some(c) = case.as_mut() {
                        c.status = match name {
                            b"failure" => 1,
                            b"error" => 2,
                            _ => 3,
                        };
                        c.message = attr(e, b"message");
                        into = Target::Details;
                    }
                }
                b"system-out" => into = Target::Out,
                b"system-err" => into = Target::Err,
                b"property" => {
                    if let Some(s) = suites.last_mut() {
                        s.properties.push((
                            attr(e, b"name").unwrap_or_default(),
                            attr(e, b"value").unwrap_or_default(),
                        ));
                    }
                }
                _ => {}
            },
            Event::Text(t) => push(&mut case, into, &t.decode().unwrap_or_default()),
            Event::CData(t) => push(&mut case, into, &t.decode().unwrap_or_default()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().ok().flatten() {
                    Some(c) => Some(c),
                    None => match r.as_ref() {
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"amp" => Some('&'),
                        b"apos" => Some('\''),
                        b"quot" => Some('"'),
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    push(&mut case, into, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"testcase" => {
                    if let (Some(c), Some(s)) = (case.take(), suites.last_mut()) {
                        s.cases.push(c);
                    }
                }
                b"failure" | b"error" | b"skipped" | b"system-out" | b"system-err" => {
                    into = Target::Nothing
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(suites)
}

/// The bytes of text the model holds (names, messages, bodies, output,
/// properties), so that every part of it is used.
pub fn text_bytes(suites: &[PlainSuite]) -> usize {
    suites
        .iter()
        .map(|s| {
            s.name.len()
                + s.properties
                    .iter()
                    .map(|(k, v)| k.len() + v.len())
                    .sum::<usize>()
                + s.cases
                    .iter()
                    .map(|c| {
                        c.name.len()
                            + c.classname.len()
                            + usize::from(c.time > 0.0)
                            + c.message.as_ref().map_or(0, String::len)
                            + c.details.len()
                            + c.stdout.len()
                            + c.stderr.len()
                    })
                    .sum::<usize>()
        })
        .sum()
}

fn push(case: &mut Option<PlainCase>, into: Target, text: &str) {
    let Some(c) = case.as_mut() else { return };
    match into {
        Target::Details => c.details.push_str(text),
        Target::Out => c.stdout.push_str(text),
        Target::Err => c.stderr.push_str(text),
        Target::Nothing => {}
    }
}
