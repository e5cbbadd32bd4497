//! JS errors: every failure reaches JavaScript as an `Error` (or a
//! `TypeError` for a value of the wrong type) whose `code` is the
//! `TR_*` symbol of the core's [`ErrorKind`].

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsError, JsTypeError, Status};
use testrelay::{Error, ErrorKind};

/// A failure on its way to JavaScript.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A value of the wrong type: thrown as a `TypeError` with `code`.
    Type(ErrorKind, String),
    /// Any other error of the core: thrown as an `Error` with `code`.
    Core(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Core(error)
    }
}

impl Failure {
    /// A `TypeError` coded `TR_INVALID_ARGUMENT`.
    pub(crate) fn type_error(message: impl Into<String>) -> Failure {
        Failure::Type(ErrorKind::InvalidArgument, message.into())
    }

    /// Builds the JS error object on the JS thread of `env`.
    pub(crate) fn into_js(self, env: &Env) -> Unknown<'_> {
        match self {
            Failure::Type(kind, message) => {
                JsTypeError::from(napi::Error::new(kind.symbol(), message)).into_unknown(*env)
            }
            Failure::Core(error) => {
                JsError::from(napi::Error::new(error.kind().symbol(), error.to_string()))
                    .into_unknown(*env)
            }
        }
    }

    /// The error to return from a `#[napi]` function: napi throws the JS
    /// object built here (or rejects a promise with it) unchanged. When a
    /// JS exception is already pending (a getter or a Proxy trap of the
    /// caller's value threw while it was read), that exception propagates
    /// instead.
    pub(crate) fn into_napi(self, env: &Env) -> napi::Error {
        let mut pending = false;
        // SAFETY: `env` is the live env of the current call, on its JS thread.
        let status = unsafe { napi::sys::napi_is_exception_pending(env.raw(), &mut pending) };
        if status == napi::sys::Status::napi_ok && pending {
            // napi-rs leaves a pending exception in place for this status.
            return napi::Error::new(Status::PendingException, self.message());
        }
        napi::Error::from(self.into_js(env))
    }

    fn message(&self) -> String {
        match self {
            Failure::Type(_, message) => message.clone(),
            Failure::Core(error) => error.to_string(),
        }
    }
}

/// The result of the binding's own conversions and calls.
pub(crate) type Outcome<T> = std::result::Result<T, Failure>;

/// Converts an [`Outcome`] into what a `#[napi]` function returns.
pub(crate) fn to_napi<T>(env: &Env, outcome: Outcome<T>) -> napi::Result<T> {
    outcome.map_err(|f| f.into_napi(env))
}
