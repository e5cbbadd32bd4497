//! Flakiness scores from each test's outcome history.
//!
//! Per test, rows are put in time order (`recorded_at_ms`, then run key),
//! skipped rows are dropped (a skipped test says nothing about flakiness),
//! and only the last `window` remaining rows are looked at. Each row is an
//! outcome in one run:
//!
//! - **pass**: `passed` or `flaky`; **fail**: `failed` or `error`;
//! - **in-run rerun**: the test failed and then passed within the run:
//!   status `flaky`, or status `passed` with `attempts > 0` (runners rerun
//!   only failing tests, so earlier attempts mean earlier failures);
//! - **same-commit conflict**: a commit on which the test has both a pass
//!   row and a fail row (counted once per commit; rows without a commit
//!   never conflict);
//! - **flips**: adjacent rows whose pass/fail outcome differs.
//!
//! Both in-run reruns and same-commit conflicts are direct proof of
//! nondeterminism (same code, different outcomes), while flips can also be
//! a real break followed by a fix. The score is therefore
//!
//! ```text
//! events    = same_commit_conflicts + in_run_reruns
//! evidence  = 1 - 0.5^events                  (1 event → 0.5, 2 → 0.75, ...)
//! flip_rate = flips / (runs - 1)              (0 when runs < 2)
//! score     = 1 - (1 - evidence) · (1 - flip_rate)
//! ```
//!
//! which lies in `[0, 1]`, is 0 only for a test that never changed outcome
//! and has no proof of nondeterminism, and is 1 for a test that flips on
//! every run. A test broken once and fixed once in 30 runs scores
//! `2/29 ≈ 0.07`; a single rerun-to-pass scores at least 0.5.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::CaseStatus;

/// One test's outcome in one run, as the store hands it over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeRow {
    /// Stable test id.
    pub test_id: String,
    /// `classname.name`, for display.
    pub full_name: String,
    /// The run.
    pub run_key: String,
    /// The commit the run tested, when known.
    pub commit_sha: Option<String>,
    /// Final outcome in the run.
    pub status: CaseStatus,
    /// Executions before the final one within the run (in-run reruns).
    pub attempts: usize,
    /// When the run recorded it, ms since the epoch.
    pub recorded_at_ms: i64,
}

/// Settings of [`flaky_tests`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FlakyOptions {
    /// How many of each test's most recent non-skipped runs to look at.
    pub window: usize,
    /// Report only tests scoring at least this (tests scoring 0 are never reported).
    pub min_score: f64,
}

impl Default for FlakyOptions {
    /// The last 30 runs, every test with a score above 0.
    fn default() -> FlakyOptions {
        FlakyOptions {
            window: 30,
            min_score: 0.0,
        }
    }
}

/// A test with signs of flakiness.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlakyTest {
    /// Stable test id.
    pub test_id: String,
    /// Full name from the test's most recent row.
    pub full_name: String,
    /// Flakiness score in `[0, 1]` (see the module docs).
    pub score: f64,
    /// Pass/fail changes between adjacent runs.
    pub flips: usize,
    /// Non-skipped runs looked at.
    pub runs: usize,
    /// Runs that ended failed or errored.
    pub failures: usize,
    /// Commits with both a pass and a fail.
    pub same_commit_conflicts: usize,
    /// Runs in which the test passed only on a rerun.
    pub in_run_reruns: usize,
    /// Why the test scored, one sentence per signal.
    pub reasons: Vec<String>,
}

/// Scores every test in `rows` (any order) and returns those scoring above
/// 0 and at least `min_score`, highest score first (ties by full name, then
/// id).
///
/// Errors: `InvalidArgument` when `window` is 0 or `min_score` is not a
/// number in `[0, 1]`.
pub fn flaky_tests(rows: &[OutcomeRow], opts: &FlakyOptions) -> Result<Vec<FlakyTest>> {
    if opts.window == 0 {
        return Err(Error::invalid(
            "flakiness window is 0 runs: use a positive number of runs (e.g. 30)",
        ));
    }
    if !(0.0..=1.0).contains(&opts.min_score) {
        return Err(Error::invalid(format!(
            "minimum flakiness score {} is not between 0 and 1",
            opts.min_score
        )));
    }
    let mut by_test: BTreeMap<&str, Vec<&OutcomeRow>> = BTreeMap::new();
    for row in rows {
        by_test.entry(row.test_id.as_str()).or_default().push(row);
    }
    let mut found: Vec<FlakyTest> = by_test
        .into_values()
        .filter_map(|history| score_test(history, opts.window))
        .filter(|t| t.score > 0.0 && t.score >= opts.min_score)
        .collect();
    found.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.full_name.cmp(&b.full_name))
            .then_with(|| a.test_id.cmp(&b.test_id))
    });
    Ok(found)
}

/// Scores one test's history (non-empty); `None` when every row is skipped.
fn score_test(mut history: Vec<&OutcomeRow>, window: usize) -> Option<FlakyTest> {
    history.sort_by(|a, b| {
        a.recorded_at_ms
            .cmp(&b.recorded_at_ms)
            .then_with(|| a.run_key.cmp(&b.run_key))
    });
    let latest = *history.last()?;
    let ran: Vec<&OutcomeRow> = history
        .into_iter()
        .filter(|r| r.status != CaseStatus::Skipped)
        .collect();
    let recent = &ran[ran.len().saturating_sub(window)..];
    if recent.is_empty() {
        return None;
    }

    let failed = |r: &OutcomeRow| r.status.is_failure();
    let runs = recent.len();
    let failures = recent.iter().filter(|r| failed(r)).count();
    let flips = recent
        .windows(2)
        .filter(|w| failed(w[0]) != failed(w[1]))
        .count();
    let in_run_reruns = recent
        .iter()
        .filter(|r| {
            r.status == CaseStatus::Flaky || (r.status == CaseStatus::Passed && r.attempts > 0)
        })
        .count();
    let mut by_commit: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
    for r in recent {
        if let Some(sha) = r.commit_sha.as_deref().filter(|s| !s.is_empty()) {
            let seen = by_commit.entry(sha).or_default();
            if failed(r) {
                seen.1 = true;
            } else {
                seen.0 = true;
            }
        }
    }
    let conflicting: BTreeSet<&str> = by_commit
        .into_iter()
        .filter(|(_, (pass, fail))| *pass && *fail)
        .map(|(sha, _)| sha)
        .collect();

    let events = conflicting.len() + in_run_reruns;
    let evidence = 1.0 - 0.5f64.powi(events.min(i32::MAX as usize) as i32);
    let flip_rate = if runs < 2 {
        0.0
    } else {
        flips as f64 / (runs - 1) as f64
    };
    let score = 1.0 - (1.0 - evidence) * (1.0 - flip_rate);

    let mut reasons = Vec::new();
    if !conflicting.is_empty() {
        let shas: Vec<&str> = conflicting
            .iter()
            .map(|s| s.get(..7).unwrap_or(s))
            .collect();
        reasons.push(format!(
            "passed and failed on the same commit ({})",
            shas.join(", ")
        ));
    }
    if in_run_reruns > 0 {
        reasons.push(format!(
            "passed only on a rerun in {}",
            count(in_run_reruns, "run")
        ));
    }
    if flips > 0 {
        reasons.push(format!(
            "outcome changed {} in the last {}",
            count(flips, "time"),
            count(runs, "run")
        ));
    }
    Some(FlakyTest {
        test_id: latest.test_id.clone(),
        full_name: latest.full_name.clone(),
        score,
        flips,
        runs,
        failures,
        same_commit_conflicts: conflicting.len(),
        in_run_reruns,
        reasons,
    })
}

/// `1 run`, `2 runs`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    /// Rows for one test: (status, commit, attempts), one run per entry,
    /// recorded one second apart.
    fn history(id: &str, outcomes: &[(CaseStatus, &str, usize)]) -> Vec<OutcomeRow> {
        outcomes
            .iter()
            .enumerate()
            .map(|(i, (status, commit, attempts))| OutcomeRow {
                test_id: id.to_string(),
                full_name: format!("suite.{id}"),
                run_key: format!("run-{i:03}"),
                commit_sha: (!commit.is_empty()).then(|| commit.to_string()),
                status: *status,
                attempts: *attempts,
                recorded_at_ms: 1_000 * i as i64,
            })
            .collect()
    }

    #[test]
    fn stable_tests_are_not_reported() {
        let mut rows = history("always_passes", &[(Passed, "c1", 0); 5]);
        rows.extend(history("always_fails", &[(Failed, "c1", 0); 5]));
        rows.extend(history("skipped", &[(Skipped, "", 0); 3]));
        assert!(
            flaky_tests(&rows, &FlakyOptions::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn alternating_outcome_scores_one() {
        let rows = history(
            "alt",
            &[
                (Passed, "a", 0),
                (Failed, "b", 0),
                (Passed, "c", 0),
                (Failed, "d", 0),
            ],
        );
        let found = flaky_tests(&rows, &FlakyOptions::default()).unwrap();
        assert_eq!(
            found,
            [FlakyTest {
                test_id: "alt".to_string(),
                full_name: "suite.alt".to_string(),
                score: 1.0,
                flips: 3,
                runs: 4,
                failures: 2,
                same_commit_conflicts: 0,
                in_run_reruns: 0,
                reasons: vec!["outcome changed 3 times in the last 4 runs".to_string()],
            }]
        );
    }

    #[test]
    fn same_commit_conflict_is_strong_evidence() {
        // Fails then passes on a retry of the same commit's job.
        let rows = history(
            "race",
            &[
                (Passed, "aaaaaaaaaa1", 0),
                (Passed, "bbbbbbbbbb2", 0),
                (Failed, "cccccccccc3", 0),
                (Passed, "cccccccccc3", 0),
                (Passed, "dddddddddd4", 0),
            ],
        );
        let t = &flaky_tests(&rows, &FlakyOptions::default()).unwrap()[0];
        assert_eq!((t.flips, t.runs, t.failures), (2, 5, 1));
        assert_eq!((t.same_commit_conflicts, t.in_run_reruns), (1, 0));
        // evidence 0.5, flip rate 2/4: 1 - 0.5 · 0.5.
        assert_eq!(t.score, 0.75);
        assert_eq!(
            t.reasons,
            [
                "passed and failed on the same commit (ccccccc)",
                "outcome changed 2 times in the last 5 runs"
            ]
        );
    }

    #[test]
    fn in_run_reruns_count() {
        // A flaky status and a pass after an earlier attempt are both reruns;
        // a failure after reruns is not.
        let rows = history(
            "rerun",
            &[
                (Passed, "a", 0),
                (Flaky, "b", 1),
                (Passed, "c", 2),
                (Passed, "d", 0),
                (Failed, "e", 2),
            ],
        );
        let t = &flaky_tests(&rows, &FlakyOptions::default()).unwrap()[0];
        assert_eq!((t.in_run_reruns, t.flips, t.failures), (2, 1, 1));
        // evidence 1 - 0.25 = 0.75, flip rate 1/4: 1 - 0.25 · 0.75.
        assert_eq!(t.score, 0.8125);
        assert_eq!(
            t.reasons,
            [
                "passed only on a rerun in 2 runs",
                "outcome changed 1 time in the last 5 runs"
            ]
        );
    }

    #[test]
    fn window_and_skips() {
        // Old flips fall outside the window; skipped runs are ignored entirely.
        let rows = history(
            "w",
            &[
                (Failed, "a", 0),
                (Passed, "b", 0),
                (Failed, "c", 0),
                (Passed, "d", 0),
                (Skipped, "e", 0),
                (Passed, "f", 0),
                (Skipped, "g", 0),
                (Failed, "h", 0),
            ],
        );
        let opts = FlakyOptions {
            window: 3,
            min_score: 0.0,
        };
        let t = &flaky_tests(&rows, &opts).unwrap()[0];
        // Window: d (pass), f (pass), h (fail).
        assert_eq!((t.runs, t.flips, t.failures), (3, 1, 1));
        assert_eq!(t.score, 0.5);
    }

    #[test]
    fn ordering_and_min_score() {
        let mut rows = history(
            "b_low",
            &[(Passed, "", 0), (Passed, "", 0), (Failed, "", 0)],
        );
        rows.extend(history(
            "a_high",
            &[(Passed, "", 0), (Failed, "", 0), (Passed, "", 0)],
        ));
        rows.extend(history(
            "c_high",
            &[(Failed, "", 0), (Passed, "", 0), (Failed, "", 0)],
        ));
        rows.reverse();
        let found = flaky_tests(&rows, &FlakyOptions::default()).unwrap();
        let ids: Vec<(&str, f64)> = found
            .iter()
            .map(|t| (t.test_id.as_str(), t.score))
            .collect();
        assert_eq!(ids, [("a_high", 1.0), ("c_high", 1.0), ("b_low", 0.5)]);
        let strict = FlakyOptions {
            window: 30,
            min_score: 0.6,
        };
        assert_eq!(flaky_tests(&rows, &strict).unwrap().len(), 2);
    }

    #[test]
    fn invalid_options() {
        for opts in [
            FlakyOptions {
                window: 0,
                min_score: 0.0,
            },
            FlakyOptions {
                window: 5,
                min_score: 1.5,
            },
            FlakyOptions {
                window: 5,
                min_score: f64::NAN,
            },
        ] {
            assert_eq!(
                flaky_tests(&[], &opts).unwrap_err().kind(),
                crate::error::ErrorKind::InvalidArgument
            );
        }
    }

    #[test]
    fn latest_name_is_shown() {
        let mut rows = history("id1", &[(Passed, "", 0), (Failed, "", 0)]);
        rows[1].full_name = "suite.renamed".to_string();
        let found = flaky_tests(&rows, &FlakyOptions::default()).unwrap();
        assert_eq!(found[0].full_name, "suite.renamed");
    }
}
