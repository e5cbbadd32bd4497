//! Pure analysis over history data: statistics, performance trends and
//! regressions, run diffs, flakiness scores and timing-based shard splitting.
//!
//! Nothing here touches SQLite: the store selects plain rows and these
//! modules compute on them, so every result can be tested with hand-made
//! inputs.

pub mod diff;
pub mod flaky;
pub mod regressions;
pub mod split;
pub mod stats;
pub mod trends;
