//! Reading a test case from JS for `record()`, the hot path: the known
//! fields are read straight from the object (a dozen property reads, no
//! intermediate JSON), with the same camelCase names and checks as the
//! generic mapping of [`crate::convert`], which still reads the nested
//! `attempts` and `properties` when they are given.

use napi::bindgen_prelude::{JsObjectValue, Object, Unknown};
use napi::{Env, ValueType};
use testrelay::{Attempt, CaseStatus, ErrorKind, TestCase};

use crate::convert::{self, from_value, read};
use crate::errors::{Failure, Outcome};

/// Reads `value` (a `TestCaseInput`) into a [`TestCase`] without its id
/// (the core computes it).
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
    let name = string(&object, "name")?.unwrap_or_default();
    if name.is_empty() {
        return Err(Failure::type_error(
            "test case `name` must be a non-empty string",
        ));
    }
    let status = match string(&object, "status")? {
        None => CaseStatus::Passed,
        Some(s) => CaseStatus::parse(&s).ok_or_else(|| {
            Failure::Core(testrelay::Error::invalid(format!(
                "test case `status` is \"{s}\"; use passed, failed, error, skipped or flaky"
            )))
        })?,
    };
    let duration_seconds = number(&object, "durationSeconds")?.unwrap_or(0.0);
    if !duration_seconds.is_finite() || duration_seconds < 0.0 {
        return Err(Failure::type_error(format!(
            "test case `durationSeconds` is {duration_seconds}; it must be finite and not negative"
        )));
    }
    let line = match number(&object, "line")? {
        None => None,
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => Some(n as u32),
        Some(n) => {
            return Err(Failure::type_error(format!(
                "test case `line` is {n}; it must be a whole number from 0"
            )));
        }
    };
    let attempts: Vec<Attempt> = match field(&object, "attempts")? {
        None => Vec::new(),
        Some(v) => from_value(
            read(env, v, "attempts")?,
            "test case `attempts`",
            ErrorKind::InvalidArgument,
        )?,
    };
    let properties = match field(&object, "properties")? {
        None => Default::default(),
        Some(v) => serde_json::from_value(read(env, v, "properties")?)
            .map_err(|e| Failure::type_error(format!("test case `properties`: {e}")))?,
    };
    Ok(TestCase {
        name,
        classname: string(&object, "classname")?.unwrap_or_default(),
        suite: string(&object, "suite")?.unwrap_or_default(),
        file: string(&object, "file")?,
        line,
        status,
        duration_seconds,
        message: string(&object, "message")?,
        details: string(&object, "details")?,
        stdout: string(&object, "stdout")?,
        stderr: string(&object, "stderr")?,
        attempts,
        properties,
        ..TestCase::default()
    })
}

fn internal(e: napi::Error) -> Failure {
    Failure::Core(testrelay::Error::new(ErrorKind::Internal, e.reason))
}

/// The property `key`, or `None` when it is undefined or null.
fn field<'env>(object: &Object<'env>, key: &str) -> Outcome<Option<Unknown<'env>>> {
    let value: Unknown<'env> = object.get_named_property_unchecked(key).map_err(internal)?;
    Ok(match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => None,
        _ => Some(value),
    })
}

fn string(object: &Object<'_>, key: &str) -> Outcome<Option<String>> {
    let Some(value) = field(object, key)? else {
        return Ok(None);
    };
    if !matches!(value.get_type(), Ok(ValueType::String)) {
        return Err(Failure::type_error(format!(
            "test case `{key}` must be a string, not {}",
            convert::js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be a string.
    unsafe { value.cast::<String>() }
        .map(Some)
        .map_err(internal)
}

fn number(object: &Object<'_>, key: &str) -> Outcome<Option<f64>> {
    let Some(value) = field(object, key)? else {
        return Ok(None);
    };
    if !matches!(value.get_type(), Ok(ValueType::Number)) {
        return Err(Failure::type_error(format!(
            "test case `{key}` must be a number, not {}",
            convert::js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be a number.
    unsafe { value.cast::<f64>() }.map(Some).map_err(internal)
}
