//! Promises settled from the binding's own threads.
//!
//! Work that waits (the network, `finish`, history queries) runs on a small
//! [`ThreadPool`] owned by the binding, never on libuv's workers and never
//! on the JS thread. When it ends, the deferred promise is settled through
//! Node's thread-safe mechanism, so the result is converted on the JS
//! thread while the event loop keeps running in between.

use std::sync::OnceLock;

use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, JsDeferred};
use testrelay::pool::ThreadPool;
use testrelay::{Error, ErrorKind};

use crate::errors::{Failure, Outcome};

/// Threads that run the binding's promise work (shared by every reporter
/// and history in the process).
const POOL_THREADS: usize = 4;

fn pool() -> Outcome<&'static ThreadPool> {
    static POOL: OnceLock<Option<ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| ThreadPool::new("testrelay-node", POOL_THREADS).ok())
        .as_ref()
        .ok_or_else(|| {
            Failure::Core(Error::new(
                ErrorKind::Internal,
                "the binding's worker threads could not start",
            ))
        })
}

/// Runs `work` on the binding's pool and returns a promise of its value
/// (a camelCase JSON-like value, or a class instance). A failure rejects the promise with a
/// coded `Error`; a panic in `work` rejects it with `TR_INTERNAL`.
pub(crate) fn spawn<'env, T: ToNapiValue + Send + 'static>(
    env: &'env Env,
    work: impl FnOnce() -> Outcome<T> + Send + 'static,
) -> Outcome<Object<'env>> {
    let (deferred, promise): (JsDeferred<T, _>, Object<'env>) = env
        .create_deferred()
        .map_err(|e| Failure::Core(Error::new(ErrorKind::Internal, e.reason)))?;
    pool()?
        .execute(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|payload| {
                    Err(Failure::Core(Error::new(
                        ErrorKind::Internal,
                        format!(
                            "testrelay panicked: {}",
                            testrelay::pool::panic_message(&*payload)
                        ),
                    )))
                });
            deferred.resolve(move |env: Env| outcome.map_err(|f| f.into_napi(&env)));
        })
        .map_err(Failure::Core)?;
    Ok(promise)
}

/// A promise already rejected with `failure` (for calls that return a
/// promise, so that they reject rather than throw).
pub(crate) fn rejected<'env>(env: &'env Env, failure: Failure) -> Outcome<Object<'env>> {
    spawn::<bool>(env, move || Err(failure))
}
