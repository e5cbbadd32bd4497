//! The local SQLite history of runs, test cases and performance metrics.
//!
//! [`History`] is one SQLite file (bundled SQLite, WAL journaling) that
//! several processes may write at once.
//!
//! Branch names are stored and filtered in the form of [`normalize_branch`].

mod branch;
mod schema;
mod store;

pub use branch::normalize_branch;
pub use store::{History, SCHEMA_VERSION};
