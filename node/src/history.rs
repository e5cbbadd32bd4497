//! `History`: queries on a testrelay history file. Every query runs on the
//! binding's threads and resolves a promise; the queries' arguments are the
//! core's request types ([`HistoryFilter`], [`TrendsQuery`], [`FlakyQuery`],
//! [`SplitQuery`]) with camelCase keys.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::Env;
use napi::bindgen_prelude::{Object, Unknown};
use napi_derive::napi;
use testrelay::ErrorKind;
use testrelay::artifact::requests::{CompareRequest, GetRequest};
use testrelay::history::{
    ArtifactQuery, FlakyQuery, History as Store, HistoryFilter, SplitQuery, TrendsQuery,
};

use crate::convert::{from_js, from_value, json_type, read, string, to_value};
use crate::errors::{Failure, Outcome, to_napi};
use crate::promise;

/// An open history file (SQLite), shared by the queries in flight; they
/// take turns.
#[napi]
pub struct History {
    store: Arc<Mutex<Store>>,
}

#[napi]
impl History {
    /// Opens (creating when missing) the history file at `path`.
    ///
    /// Rejects with `TR_IO` when the file cannot be opened or created,
    /// `TR_DATABASE` when it is not a testrelay history.
    #[napi(ts_args_type = "path: string", ts_return_type = "Promise<History>")]
    pub fn open<'env>(env: &'env Env, path: Unknown<'_>) -> napi::Result<Object<'env>> {
        let path = PathBuf::from(to_napi(env, string(path, "path"))?);
        to_napi(
            env,
            promise::spawn(env, move || {
                Ok(History {
                    store: Arc::new(Mutex::new(Store::open(&path)?)),
                })
            }),
        )
    }

    /// Runs `query` on the store on the binding's threads.
    fn query<'env, T: serde::Serialize>(
        &self,
        env: &'env Env,
        query: impl FnOnce(&mut Store) -> testrelay::Result<T> + Send + 'static,
    ) -> Outcome<Object<'env>> {
        let store = self.store.clone();
        promise::spawn(env, move || {
            // A panic while holding the lock left nothing the database did
            // not roll back, so a poisoned lock is usable.
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            to_value(&query(&mut store)?)
        })
    }

    /// The runs matching `filter` (`limit`, `branch`, `commitSha`,
    /// `provider`, `sinceMs`, `untilMs`), newest first, each
    /// `{ id, run, counts }`.
    #[napi(
        ts_args_type = "filter?: HistoryFilter",
        ts_return_type = "Promise<StoredRun[]>"
    )]
    pub fn runs<'env>(
        &self,
        env: &'env Env,
        filter: Option<Unknown<'_>>,
    ) -> napi::Result<Object<'env>> {
        let outcome = optional::<HistoryFilter>(env, filter, "history filter").and_then(|filter| {
            self.query(env, move |s| {
                s.get_test_history(&filter.unwrap_or_default())
            })
        });
        to_napi(env, outcome)
    }

    /// The cases stored for the run `runKey`.
    ///
    /// Rejects with `TR_NOT_FOUND` when no run has that key.
    #[napi(
        ts_args_type = "runKey: string",
        ts_return_type = "Promise<TestCase[]>"
    )]
    pub fn cases<'env>(&self, env: &'env Env, run_key: Unknown<'_>) -> napi::Result<Object<'env>> {
        let run_key = to_napi(env, string(run_key, "runKey"))?;
        to_napi(env, self.query(env, move |s| s.run_cases(&run_key)))
    }

    /// Performance trends of a metric: `{ metric, grouping?, timeframe?,
    /// limit? }` (grouping `branch`|`commit`|`task_type`|`test`, timeframe
    /// `1d`|`1w`|`1m`|`all`|`FROM..TO`).
    ///
    /// Rejects with `TR_INVALID_ARGUMENT` for a bad grouping or timeframe.
    #[napi(
        ts_args_type = "query: TrendsQuery",
        ts_return_type = "Promise<TrendReport>"
    )]
    pub fn trends<'env>(&self, env: &'env Env, query: Unknown<'_>) -> napi::Result<Object<'env>> {
        let outcome =
            from_js::<TrendsQuery>(env, query, "trends query", ErrorKind::InvalidArgument)
                .and_then(|q| self.query(env, move |s| q.run(s, testrelay::time::now_unix_ms())));
        to_napi(env, outcome)
    }

    /// Flaky tests, most flaky first: `{ window?, branch? }`.
    #[napi(
        ts_args_type = "query?: FlakyQuery",
        ts_return_type = "Promise<FlakyTest[]>"
    )]
    pub fn flaky<'env>(
        &self,
        env: &'env Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Object<'env>> {
        let outcome = optional::<FlakyQuery>(env, query, "flaky query")
            .and_then(|q| self.query(env, move |s| q.unwrap_or_default().run(s)));
        to_napi(env, outcome)
    }

    /// The tests of one shard by recorded durations: `{ tests, shardIndex,
    /// shardTotal, byFile?, lastRuns? }`.
    ///
    /// Rejects with `TR_INVALID_ARGUMENT` for an index outside the total.
    #[napi(
        ts_args_type = "query: SplitQuery",
        ts_return_type = "Promise<string[]>"
    )]
    pub fn split<'env>(&self, env: &'env Env, query: Unknown<'_>) -> napi::Result<Object<'env>> {
        let outcome = from_js::<SplitQuery>(env, query, "split query", ErrorKind::InvalidArgument)
            .and_then(|q| self.query(env, move |s| q.run(s)));
        to_napi(env, outcome)
    }

    /// Merges the history file at `otherPath` into this one (runs already
    /// present are skipped) and resolves with what was added.
    #[napi(
        ts_args_type = "otherPath: string",
        ts_return_type = "Promise<MergeStats>"
    )]
    pub fn merge<'env>(
        &self,
        env: &'env Env,
        other_path: Unknown<'_>,
    ) -> napi::Result<Object<'env>> {
        let other_path = to_napi(env, string(other_path, "otherPath"))?;
        to_napi(
            env,
            self.query(env, move |s| s.merge(std::path::Path::new(&other_path))),
        )
    }

    /// The artifacts matching `query` (`runKey`, `type`, `labels` (all
    /// of), `metadata`, `values` (`[{ path, min?, max? }]`), `name` (glob),
    /// `branch`, `sinceMs`, `untilMs`, `limit`), newest first.
    ///
    /// Rejects with `TR_INVALID_ARGUMENT` for an unknown key.
    #[napi(
        ts_args_type = "query?: ArtifactQuery",
        ts_return_type = "Promise<ArtifactMetadata[]>"
    )]
    pub fn artifacts_find<'env>(
        &self,
        env: &'env Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Object<'env>> {
        let outcome = optional::<ArtifactQuery>(env, query, "artifacts query")
            .and_then(|q| self.query(env, move |s| s.find_artifacts(&q.unwrap_or_default())));
        to_napi(env, outcome)
    }

    /// Fetches artifacts of a run: `{ runKey, names?, cacheDir, cache?,
    /// config?, parallel? }`; each from its attached file when unchanged,
    /// else the cache, else the provider's store, checked against the
    /// recorded SHA-256. Resolves with one `{ name, path, source }` or
    /// `{ name, error, kind }` per artifact.
    ///
    /// Rejects with `TR_NOT_FOUND` for an unknown run or name.
    #[napi(
        ts_args_type = "request: ArtifactGetRequest",
        ts_return_type = "Promise<ArtifactGetResult[]>"
    )]
    pub fn artifact_get<'env>(
        &self,
        env: &'env Env,
        request: Unknown<'_>,
    ) -> napi::Result<Object<'env>> {
        let outcome =
            artifact_request::<GetRequest>(env, request, "artifact get request", &["config"])
                .and_then(|r| self.query(env, move |s| r.run(s)));
        to_napi(env, outcome)
    }

    /// Compares two artifacts, each `{ path }` or `{ runKey, name }`:
    /// `{ a, b, retrieve? }`. Resolves with `{ comparison, markdown }`.
    ///
    /// Rejects with `TR_NOT_FOUND` for what cannot be found.
    #[napi(
        ts_args_type = "request: ArtifactCompareRequest",
        ts_return_type = "Promise<ArtifactCompareResult>"
    )]
    pub fn artifacts_compare<'env>(
        &self,
        env: &'env Env,
        request: Unknown<'_>,
    ) -> napi::Result<Object<'env>> {
        let outcome = artifact_request::<CompareRequest>(
            env,
            request,
            "artifact compare request",
            &["retrieve", "config"],
        )
        .and_then(|r| self.query(env, move |s| r.run(s)));
        to_napi(env, outcome)
    }
}

/// Reads an artifact request whose `config` (at `config_at`) is read as
/// the Reporter's options are: the same keys, the guide's names included
/// (`ciSystem`, `retryAttempts`, ...), `null` values dropped. The core
/// then translates and checks it as it does `testrelay.json`.
fn artifact_request<T: serde::de::DeserializeOwned>(
    env: &Env,
    request: Unknown<'_>,
    what: &str,
    config_at: &[&str],
) -> Outcome<T> {
    let mut value = read(env, request, what)?;
    if !value.is_object() {
        return Err(Failure::type_error(format!(
            "{what} must be an object, not {}",
            json_type(&value)
        )));
    }
    let mut slot = Some(&mut value);
    for key in config_at {
        slot = slot.and_then(|v| v.get_mut(*key));
    }
    if let Some(config) = slot.filter(|c| !c.is_null()) {
        let given = std::mem::take(config);
        let snake =
            crate::reporter::options_in_snake_case(given, &format!("{what}: config"), false)?;
        *config = serde_json::Value::Object(snake);
    }
    from_value(value, what, ErrorKind::InvalidArgument)
}

/// Reads an optional query object; `undefined`/`null` is `None`.
pub(crate) fn optional<T: serde::de::DeserializeOwned>(
    env: &Env,
    value: Option<Unknown<'_>>,
    what: &str,
) -> Outcome<Option<T>> {
    match value {
        Some(v)
            if !matches!(
                v.get_type(),
                Ok(napi::ValueType::Undefined | napi::ValueType::Null)
            ) =>
        {
            from_js(env, v, what, ErrorKind::InvalidArgument).map(Some)
        }
        _ => Ok(None),
    }
}
