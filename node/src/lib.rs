//! The Node binding of testrelay: the npm package `testrelay`.
//!
//! It has no behaviour of its own. It converts JS values to the core's
//! types and back (one mapping, [`convert`]: camelCase keys onto the
//! core's serde types), turns errors into coded JS errors ([`errors`]), and
//! settles promises from its own threads ([`promise`]) so the event loop
//! never waits on the network. `record()`, the hot path, reads its case
//! without the generic mapping ([`test_case`](mod@test_case)); the
//! package's entry point `index.js` wraps this binding (loaded by
//! `binding.js`, internal) in a JS `TestReporter` whose `record()` reads
//! the fields in JS and passes them to the hidden native `_recordFields`.
//!
//! - [`reporter::TestReporter`]: the seed's SDK and the full session;
//! - [`history::History`]: history queries;
//! - [`junit::parse_junit`], [`junit::parse_results`],
//!   [`detection::detect_environment`], [`version`].

#![deny(clippy::unwrap_used)]

pub mod convert;
pub mod detection;
pub mod errors;
pub mod history;
pub mod junit;
pub mod promise;
pub mod reporter;
pub mod test_case;

use napi_derive::napi;

/// The version of the testrelay library, e.g. "0.1.0".
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
