//! The local SQLite history of runs, test cases and performance metrics.

pub mod analysis;
