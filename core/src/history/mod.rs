//! The local SQLite history of runs, test cases and performance metrics.
//!
//! [`History`] is one SQLite file (bundled SQLite, WAL journaling) that
//! several processes may write at once. It keeps every case of every run,
//! metrics, and artifact rows; retention is explicit ([`History::prune`], [`History::compact`]);
//! files from shards are combined with [`History::merge`]. Queries return
//! plain structs for the analysis on top (trends, flaky tests, run diffs,
//! timing-based splitting).
//!
//! [`HistoryStore`] opens either that file or, with the cargo feature
//! `postgres`, a shared PostgreSQL history (`PgHistory`, a `postgres://`
//! URL), and answers the operations both have: record, history, flaky,
//! trends, split, diff, prune and merge (between any two of them).
//!
//! Branch names are stored and filtered in the form of
//! [`normalize_branch`](crate::model::normalize_branch).

mod artifacts;
mod backend;
mod branch;
mod bulk;
mod compact;
mod dashboard;
mod identities;
mod insights;
mod maintenance;
mod outbox;
#[cfg(feature = "postgres")]
mod postgres;
mod query;
mod reads;
mod record;
mod requests;
mod runs;
mod schema;
mod store;
mod url;

pub use artifacts::{ArtifactMetricRow, ArtifactQuery, ValueCondition};
pub use backend::HistoryStore;
pub use compact::{CompactPolicy, CompactStats};
pub use dashboard::{
    BaseComparison, Bucketing, DashboardData, DashboardQuery, FlakyRow, MAX_DAY_POINTS,
    MAX_FLAKY_CANDIDATES, MAX_RUN_POINTS, MetricBucket, MetricTrend, RegressedTest, RunPoint,
    SlowTest,
};
pub use insights::NO_GROUP;
pub use maintenance::{MergeStats, PruneStats};
pub use outbox::{OutboxEntry, QueuedOperation};
#[cfg(feature = "postgres")]
pub use postgres::{PG_SCHEMA_VERSION, PgHistory};
pub use query::{CaseOutcome, DurationKey, HistoryFilter, MetricPoint};
pub use requests::{FlakyQuery, SplitQuery, TrendsQuery};
pub use runs::{RunRecord, RunSummary};
pub use store::{History, SCHEMA_VERSION};
pub use url::{HISTORY_URL_VARIABLE, is_database_url, unsupported_url};
