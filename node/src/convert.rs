//! The one mapping between JS values and the core's serde types.
//!
//! A JS object is read as JSON-like data, its keys are turned from
//! camelCase into the core's snake_case, and the core type deserializes
//! it (so `testRunId` is `Config::test_run_id`, `shardIndex` is
//! `SplitQuery::shard_index`). Results go the other way: the core value
//! is serialized and its keys are turned into camelCase. The keys inside
//! user-supplied maps (`properties`, `labels`, `metadata`, `sources`,
//! `better`, keyed by metric name, an artifact's `values` by JSON path,
//! and a comparison's `before`/`after` JSON values) are data and are left
//! as they are.

use napi::bindgen_prelude::{Function, Unknown};
use napi::{Env, ValueType};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use testrelay::ErrorKind;

use crate::errors::{Failure, Outcome};

/// Keys whose values are maps of user data, never renamed inside.
const USER_MAPS: [&str; 8] = [
    "properties",
    "labels",
    "metadata",
    "sources",
    "better",
    "values",
    "before",
    "after",
];

/// Reads a JS value as JSON-like data. Functions, symbols and other
/// values JSON cannot hold are a `TypeError` naming `what`.
pub(crate) fn read(env: &Env, value: Unknown<'_>, what: &str) -> Outcome<Value> {
    env.from_js_value::<Value, _>(value)
        .map_err(|e| Failure::type_error(format!("{what}: {}", e.reason)))
}

/// Deserializes `value` (camelCase keys) into the core type `T`.
///
/// Errors: a `TypeError` when a value has the wrong type, otherwise an
/// `Error` of `kind` (unknown key, unknown enum value), both naming the
/// camelCase key and `what`.
pub(crate) fn from_value<T: DeserializeOwned>(
    value: Value,
    what: &str,
    kind: ErrorKind,
) -> Outcome<T> {
    serde_json::from_value(rename_keys(value, snake_case)).map_err(|e| {
        let text = e.to_string();
        // Field names are renamed back; enum values (`timed_out`) are not.
        let text = if text.contains("field") {
            camel_names(&text)
        } else {
            text
        };
        let message = format!("invalid {what}: {text}");
        if message.contains("invalid type") {
            Failure::Type(kind, message)
        } else {
            Failure::Core(testrelay::Error::new(kind, message))
        }
    })
}

/// Reads a JS object into the core type `T`; anything but a plain object
/// is a `TypeError`.
pub(crate) fn from_js<T: DeserializeOwned>(
    env: &Env,
    value: Unknown<'_>,
    what: &str,
    kind: ErrorKind,
) -> Outcome<T> {
    let value = read(env, value, what)?;
    if !value.is_object() {
        return Err(Failure::type_error(format!(
            "{what} must be an object, not {}",
            json_type(&value)
        )));
    }
    from_value(value, what, kind)
}

/// Serializes a core value into JSON-like data with camelCase keys, ready
/// to become a JS value (`serde_json::Value` converts on the JS thread).
pub(crate) fn to_value(value: &impl Serialize) -> Outcome<Value> {
    let json = serde_json::to_value(value).map_err(|e| {
        testrelay::Error::new(
            ErrorKind::Internal,
            format!("a result did not serialize: {e}"),
        )
    })?;
    Ok(rename_keys(json, camel_case))
}

/// The JSON type name of `value`, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null or undefined",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn rename_keys(value: Value, rename: fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                let inner = if USER_MAPS.contains(&key.as_str()) {
                    inner
                } else {
                    rename_keys(inner, rename)
                };
                out.insert(rename(&key), inner);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| rename_keys(v, rename)).collect())
        }
        other => other,
    }
}

/// `testRunId` → `test_run_id`.
pub(crate) fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `test_run_id` → `testRunId`.
pub(crate) fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Rewrites the backquoted snake_case names in a serde message in
/// camelCase, so that it names the keys the JS caller wrote.
fn camel_names(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let is_name = i % 2 == 1
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if is_name {
            out.push_str(&camel_case(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The `typeof`-style name of a JS value, for messages.
pub(crate) fn js_type(value: &Unknown<'_>) -> &'static str {
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "a boolean",
        Ok(ValueType::Number) => "a number",
        Ok(ValueType::BigInt) => "a bigint",
        Ok(ValueType::String) => "a string",
        Ok(ValueType::Symbol) => "a symbol",
        Ok(ValueType::Function) => "a function",
        Ok(ValueType::Object) => "an object",
        _ => "an unknown value",
    }
}

/// Reads a JS string argument; anything else is a `TypeError` naming `what`.
/// Lone surrogates become U+FFFD.
pub(crate) fn string(value: Unknown<'_>, what: &str) -> Outcome<String> {
    if !matches!(value.get_type(), Ok(ValueType::String)) {
        return Err(Failure::type_error(format!(
            "{what} must be a string, not {}",
            js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be a string.
    unsafe { value.cast::<String>() }
        .map_err(|e| Failure::type_error(format!("{what}: {}", e.reason)))
}

/// Reads a JS function argument; anything else is a `TypeError`.
pub(crate) fn function<'env, Args, Return>(
    value: Unknown<'env>,
    what: &str,
) -> Outcome<Function<'env, Args, Return>>
where
    Args: napi::bindgen_prelude::JsValuesTupleIntoVec,
    Return: napi::bindgen_prelude::FromNapiValue,
{
    if !matches!(value.get_type(), Ok(ValueType::Function)) {
        return Err(Failure::type_error(format!(
            "{what} must be a function, not {}",
            js_type(&value)
        )));
    }
    // SAFETY: the value was just checked to be a function.
    unsafe { value.cast::<Function<'env, Args, Return>>() }
        .map_err(|e| Failure::type_error(format!("{what}: {}", e.reason)))
}

/// Reads an optional non-negative integer argument (`undefined`/`null` is
/// `None`); anything else is a `TypeError`.
pub(crate) fn optional_u32(value: Option<Unknown<'_>>, what: &str) -> Outcome<Option<u32>> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        Ok(ValueType::Number) => {
            // SAFETY: the value was just checked to be a number.
            let n = unsafe { value.cast::<f64>() }
                .map_err(|e| Failure::type_error(format!("{what}: {}", e.reason)))?;
            if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                Ok(Some(n as u32))
            } else {
                Err(Failure::type_error(format!(
                    "{what} must be a whole number from 0 to {}, not {n}",
                    u32::MAX
                )))
            }
        }
        _ => Err(Failure::type_error(format!(
            "{what} must be a number, not {}",
            js_type(&value)
        ))),
    }
}
