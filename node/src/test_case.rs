//! Reading a test case from JS for `record()`, the hot path, with the same
//! camelCase names and checks as the generic mapping of [`crate::convert`],
//! which still reads the nested `attempts` and `properties` when they are
//! given.
//!
//! The fields come either from the object itself (`read_case`: a dozen
//! `napi_get_named_property` calls, each creating its key string) or, on
//! the fast path, already read by the package's JS `record()` and passed
//! positionally (`case_from_fields`: V8's inline caches make those reads
//! nearly free). Both check the fields in the same order, `FIELDS`.

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};
use testrelay::{Attempt, CaseStatus, ErrorKind, TestCase};

use crate::convert::{self, from_value, read};
use crate::errors::{Failure, Outcome};

/// The fields of a test case, in the order they are read and checked.
#[derive(Clone, Copy)]
enum Field {
    Name,
    Status,
    DurationSeconds,
    Line,
    Attempts,
    Properties,
    Classname,
    Suite,
    File,
    Message,
    Details,
    Stdout,
    Stderr,
}

/// The camelCase keys of the fields, indexed by [`Field`]: the order in
/// which `record()` reads them and the order of `_recordFields`'s
/// arguments.
const FIELDS: [&str; 13] = [
    "name",
    "status",
    "durationSeconds",
    "line",
    "attempts",
    "properties",
    "classname",
    "suite",
    "file",
    "message",
    "details",
    "stdout",
    "stderr",
];

impl Field {
    fn key(self) -> &'static str {
        FIELDS[self as usize]
    }
}

/// Reads `value` (a `TestCaseInput`) into a [`TestCase`] without its id
/// (the core computes it). Each field is read just before it is checked,
/// so a read stops at the first bad field.
///
/// Errors: a `TypeError` for a non-object, a missing or empty `name`, a
/// field of the wrong type, a line that is not a whole number, or a
/// negative or non-finite `durationSeconds`; `TR_INVALID_ARGUMENT` for an
/// unknown status.
pub(crate) fn read_case(env: &Env, value: Unknown<'_>) -> Outcome<TestCase> {
    if !matches!(value.get_type(), Ok(ValueType::Object)) {
        return Err(Failure::type_error(format!(
            "test case must be an object, not {}",
            convert::js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be an object.
    let object = unsafe { value.cast::<Object<'_>>() }.map_err(internal)?;
    build_case(env, |f| {
        let value: Unknown<'_> = object
            .get_named_property_unchecked(f.key())
            .map_err(internal)?;
        Ok(given(value))
    })
}

/// Builds a [`TestCase`] from the values of its fields, already read from
/// the object, in the order of [`FIELDS`] (`undefined` or `null` when not
/// given).
///
/// Errors: those of [`read_case`] for the fields.
pub(crate) fn case_from_fields<'env>(env: &Env, fields: [Unknown<'env>; 13]) -> Outcome<TestCase> {
    build_case(env, |f| Ok(given(fields[f as usize])))
}

/// `value`, or `None` when it is undefined or null.
fn given(value: Unknown<'_>) -> Option<Unknown<'_>> {
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => None,
        _ => Some(value),
    }
}

/// Reads and checks the fields one by one, in the order of [`FIELDS`],
/// through `get` (the value of a field, `None` when not given).
fn build_case<'env>(
    env: &Env,
    mut get: impl FnMut(Field) -> Outcome<Option<Unknown<'env>>>,
) -> Outcome<TestCase> {
    let name = string(get(Field::Name)?, Field::Name)?.unwrap_or_default();
    if name.is_empty() {
        return Err(Failure::type_error(
            "test case `name` must be a non-empty string",
        ));
    }
    let status = match string(get(Field::Status)?, Field::Status)? {
        None => CaseStatus::Passed,
        Some(s) => CaseStatus::parse(&s).ok_or_else(|| {
            Failure::Core(testrelay::Error::invalid(format!(
                "test case `status` is \"{s}\"; use passed, failed, error, skipped or flaky"
            )))
        })?,
    };
    let duration_seconds =
        number(get(Field::DurationSeconds)?, Field::DurationSeconds)?.unwrap_or(0.0);
    if !duration_seconds.is_finite() || duration_seconds < 0.0 {
        return Err(Failure::type_error(format!(
            "test case `durationSeconds` is {duration_seconds}; it must be finite and not negative"
        )));
    }
    let line = match number(get(Field::Line)?, Field::Line)? {
        None => None,
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => Some(n as u32),
        Some(n) => {
            return Err(Failure::type_error(format!(
                "test case `line` is {n}; it must be a whole number from 0"
            )));
        }
    };
    let attempts: Vec<Attempt> = match get(Field::Attempts)? {
        None => Vec::new(),
        Some(v) => from_value(
            read(env, v, "attempts")?,
            "test case `attempts`",
            ErrorKind::InvalidArgument,
        )?,
    };
    let properties = match get(Field::Properties)? {
        None => Default::default(),
        Some(v) => serde_json::from_value(read(env, v, "properties")?)
            .map_err(|e| Failure::type_error(format!("test case `properties`: {e}")))?,
    };
    let mut text = |f: Field| -> Outcome<Option<String>> { string(get(f)?, f) };
    Ok(TestCase {
        name,
        classname: text(Field::Classname)?.unwrap_or_default(),
        suite: text(Field::Suite)?.unwrap_or_default(),
        file: text(Field::File)?,
        line,
        status,
        duration_seconds,
        message: text(Field::Message)?,
        details: text(Field::Details)?,
        stdout: text(Field::Stdout)?,
        stderr: text(Field::Stderr)?,
        attempts,
        properties,
        ..TestCase::default()
    })
}

/// The string value of field `f`, if given.
fn string(value: Option<Unknown<'_>>, f: Field) -> Outcome<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !matches!(value.get_type(), Ok(ValueType::String)) {
        return Err(Failure::type_error(format!(
            "test case `{}` must be a string, not {}",
            f.key(),
            convert::js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be a string.
    unsafe { value.cast::<String>() }
        .map(Some)
        .map_err(internal)
}

/// The number value of field `f`, if given.
fn number(value: Option<Unknown<'_>>, f: Field) -> Outcome<Option<f64>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if !matches!(value.get_type(), Ok(ValueType::Number)) {
        return Err(Failure::type_error(format!(
            "test case `{}` must be a number, not {}",
            f.key(),
            convert::js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be a number.
    unsafe { value.cast::<f64>() }.map(Some).map_err(internal)
}

fn internal(e: napi::Error) -> Failure {
    Failure::Core(testrelay::Error::new(ErrorKind::Internal, e.reason))
}
