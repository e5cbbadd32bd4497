//! `detectEnvironment()`: which CI this is and what testrelay reads from it.

use std::collections::HashMap;

use napi::Env;
use napi::bindgen_prelude::Unknown;
use napi_derive::napi;
use serde_json::Value;
use testrelay::{Env as CiEnv, detect};

use crate::convert::{json_type, read, to_value};
use crate::errors::{Failure, Outcome, to_napi};

/// Detects the CI system, code host, repository, commit, branch, pull
/// request and shard from `env` (an object of strings), or from
/// `process.env` when it is omitted. Never fails on the variables' content.
///
/// Throws a `TypeError` when `env` is not an object of strings.
#[napi(
    ts_args_type = "env?: Record<string, string | undefined>",
    ts_return_type = "Detection"
)]
pub fn detect_environment(env: Env, vars: Option<Unknown<'_>>) -> napi::Result<Value> {
    to_napi(&env, detect_from(&env, vars))
}

fn detect_from(env: &Env, vars: Option<Unknown<'_>>) -> Outcome<Value> {
    let ci_env = match vars {
        None => CiEnv::from_process(),
        Some(vars) => {
            let value = read(env, vars, "env")?;
            let Value::Object(map) = value else {
                return Err(Failure::type_error(format!(
                    "env must be an object of strings, not {}",
                    json_type(&value)
                )));
            };
            let mut strings: HashMap<String, String> = HashMap::with_capacity(map.len());
            for (key, value) in map {
                match value {
                    Value::String(s) => {
                        strings.insert(key, s);
                    }
                    Value::Null => {}
                    other => {
                        return Err(Failure::type_error(format!(
                            "env.{key} must be a string, not {}",
                            json_type(&other)
                        )));
                    }
                }
            }
            CiEnv::from_vars(strings).with_disk_files()
        }
    };
    to_value(&detect(&ci_env))
}
