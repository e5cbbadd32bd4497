//! Merging the reports of parallel shards (or of reruns) into one run.
//!
//! Cases are matched by their stable id. When the same test appears more
//! than once:
//!
//! | outcomes seen | merged status |
//! |---------------|---------------|
//! | the same outcome twice | that outcome, counted once |
//! | a pass (or flaky) and a failure or error | `flaky`; each failing execution becomes an attempt |
//! | skipped and anything else | the other outcome (the test ran somewhere) |
//! | a failure and an error | the first one seen; the other becomes an attempt |
//!
//! The merged run starts at the earliest start, ends at the latest end, and
//! lasts the longest shard's duration when no timestamps are known (shards
//! run side by side).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use crate::report::results::IdHasher;

use crate::model::{Attempt, CaseStatus, RunStatus, SuiteInfo, TestCase, TestRun};
use crate::time::{format_rfc3339, parse_timestamp};

/// Merges `runs` into one run named after the first. Case order is first
/// appearance; suites are deduplicated by name; metrics and properties are
/// concatenated (later properties win).
pub fn merge_runs(runs: impl IntoIterator<Item = TestRun>) -> TestRun {
    let mut merged = TestRun::default();
    let mut index = CaseIndex::default();
    let mut suite_names = HashSet::new();
    let mut first = true;
    let mut earliest: Option<i64> = None;
    let mut latest: Option<i64> = None;
    let mut longest = 0.0f64;
    let mut any_error = false;
    for run in runs {
        if first {
            merged.run_key = run.run_key.clone();
            merged.name = run.name.clone();
            first = false;
        }
        any_error |= matches!(
            run.status,
            RunStatus::Error | RunStatus::TimedOut | RunStatus::Cancelled
        );
        let start = run.started_at.as_deref().and_then(parse_timestamp);
        let end = run
            .finished_at
            .as_deref()
            .and_then(parse_timestamp)
            .or_else(|| start.map(|s| s + (run.duration_seconds * 1000.0) as i64));
        earliest = min_opt(earliest, start);
        latest = max_opt(latest, end);
        longest = longest.max(run.duration_seconds);
        merge_suites(&mut merged.suites, &mut suite_names, run.suites);
        merged.metrics.extend(run.metrics);
        merged.properties.extend(run.properties);
        for mut case in run.cases {
            case.ensure_id();
            match index.insert(&case.id, merged.cases.len()) {
                Some(i) => combine(&mut merged.cases[i], case),
                None => merged.cases.push(case),
            }
        }
    }
    merged.started_at = earliest.map(format_rfc3339);
    merged.finished_at = latest.map(format_rfc3339);
    merged.duration_seconds = match (earliest, latest) {
        (Some(s), Some(e)) if e >= s => ((e - s) as f64 / 1000.0).max(longest),
        _ => longest,
    };
    merged.status = if any_error {
        RunStatus::Error
    } else {
        merged.counts().final_status()
    };
    merged
}

/// The position of each case in the merged run, by id: computed ids (16
/// hex digits) as numbers hashed as they are, any other id as a string.
#[derive(Default)]
struct CaseIndex {
    hex: HashMap<u64, usize, BuildHasherDefault<IdHasher>>,
    other: HashMap<String, usize>,
}

impl CaseIndex {
    /// The position of `id` if it was seen; otherwise records `at` for it.
    fn insert(&mut self, id: &str, at: usize) -> Option<usize> {
        let slot = match u64::from_str_radix(id, 16) {
            Ok(key) if id.len() == 16 => self.hex.entry(key),
            _ => {
                return match self.other.get(id) {
                    Some(&i) => Some(i),
                    None => {
                        self.other.insert(id.to_string(), at);
                        None
                    }
                };
            }
        };
        match slot {
            Entry::Occupied(seen) => Some(*seen.get()),
            Entry::Vacant(new) => {
                new.insert(at);
                None
            }
        }
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Adds the suites whose names `names` (those of `into`) lacks.
fn merge_suites(into: &mut Vec<SuiteInfo>, names: &mut HashSet<String>, suites: Vec<SuiteInfo>) {
    for suite in suites {
        if names.insert(suite.name.clone()) {
            into.push(suite);
        }
    }
}

fn as_attempt(case: &TestCase) -> Attempt {
    Attempt {
        status: case.status,
        duration_seconds: case.duration_seconds,
        message: case.message.clone(),
        details: case.details.clone(),
        stdout: case.stdout.clone(),
        stderr: case.stderr.clone(),
    }
}

fn is_pass(s: CaseStatus) -> bool {
    matches!(s, CaseStatus::Passed | CaseStatus::Flaky)
}

/// Folds a second report of the same test into `kept` (see the module table).
fn combine(kept: &mut TestCase, other: TestCase) {
    use CaseStatus::*;
    match (kept.status, other.status) {
        (a, b) if a == b => {
            kept.attempts.extend(other.attempts);
        }
        (_, Skipped) => {}
        (Skipped, _) => *kept = other,
        (a, b) if is_pass(a) && is_pass(b) => {
            // Passed + Flaky: the flaky report carries the failing attempts.
            kept.status = Flaky;
            kept.attempts.extend(other.attempts);
        }
        (a, _) if is_pass(a) => {
            kept.attempts.extend(other.attempts.iter().cloned());
            kept.attempts.push(as_attempt(&other));
            kept.status = Flaky;
        }
        (_, b) if is_pass(b) => {
            let failing = as_attempt(kept);
            let earlier = std::mem::take(&mut kept.attempts);
            *kept = other;
            kept.attempts.splice(0..0, earlier);
            kept.attempts.push(failing);
            kept.status = Flaky;
        }
        _ => {
            // Failed and Error: keep the first, remember the other.
            kept.attempts.extend(other.attempts.iter().cloned());
            kept.attempts.push(as_attempt(&other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(key: &str, cases: &[(&str, CaseStatus)]) -> TestRun {
        TestRun {
            run_key: key.into(),
            name: key.into(),
            cases: cases
                .iter()
                .map(|(n, s)| {
                    let mut c = TestCase::new("suite", "cls", *n, *s);
                    c.message = s.is_failure().then(|| format!("{n} broke in {key}"));
                    c
                })
                .collect(),
            ..TestRun::default()
        }
    }

    #[test]
    fn shards_are_concatenated_and_counted() {
        use CaseStatus::*;
        let merged = merge_runs([
            run("shard-0", &[("a", Passed), ("b", Failed)]),
            run("shard-1", &[("c", Skipped), ("d", Passed)]),
        ]);
        assert_eq!(merged.run_key, "shard-0");
        let c = merged.counts();
        assert_eq!((c.total, c.passed, c.failed, c.skipped), (4, 2, 1, 1));
        assert_eq!(merged.status, RunStatus::Failed);
        let names: Vec<_> = merged.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
    }

    #[test]
    fn fail_then_pass_is_flaky_with_the_failure_as_attempt() {
        use CaseStatus::*;
        for order in [[Failed, Passed], [Passed, Failed]] {
            let merged = merge_runs([run("r1", &[("t", order[0])]), run("r2", &[("t", order[1])])]);
            assert_eq!(merged.cases.len(), 1);
            let t = &merged.cases[0];
            assert_eq!(t.status, Flaky);
            assert_eq!(t.attempts.len(), 1);
            assert_eq!(t.attempts[0].status, Failed);
            assert!(
                t.attempts[0]
                    .message
                    .as_deref()
                    .unwrap()
                    .starts_with("t broke")
            );
            assert_eq!(merged.status, RunStatus::Passed);
            assert_eq!(merged.counts().flaky, 1);
        }
    }

    #[test]
    fn duplicates_count_once_and_skips_yield() {
        use CaseStatus::*;
        let merged = merge_runs([
            run("r1", &[("same", Failed), ("s", Skipped), ("e", Error)]),
            run("r2", &[("same", Failed), ("s", Passed), ("e", Failed)]),
        ]);
        let c = merged.counts();
        assert_eq!((c.total, c.failed, c.passed, c.errors), (3, 1, 1, 1));
        let e = merged.cases.iter().find(|c| c.name == "e").unwrap();
        assert_eq!(e.status, Error);
        assert_eq!(e.attempts.len(), 1);
        assert_eq!(e.attempts[0].status, Failed);
    }

    #[test]
    fn merging_is_idempotent_for_identical_reports() {
        use CaseStatus::*;
        let a = run("r", &[("x", Passed), ("y", Failed), ("z", Flaky)]);
        let once = merge_runs([a.clone()]);
        let twice = merge_runs([a.clone(), a]);
        assert_eq!(once.counts(), twice.counts());
    }

    #[test]
    fn timestamps_span_the_shards() {
        let mut a = run("a", &[]);
        a.started_at = Some("2026-01-01T00:00:00Z".into());
        a.duration_seconds = 10.0;
        let mut b = run("b", &[]);
        b.started_at = Some("2026-01-01T00:00:05Z".into());
        b.duration_seconds = 20.0;
        let m = merge_runs([a, b]);
        assert_eq!(m.started_at.as_deref(), Some("2026-01-01T00:00:00.000Z"));
        assert_eq!(m.finished_at.as_deref(), Some("2026-01-01T00:00:25.000Z"));
        assert_eq!(m.duration_seconds, 25.0);
    }
}
