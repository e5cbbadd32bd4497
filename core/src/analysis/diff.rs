//! What changed between two runs of the same suite: new failures, fixes,
//! still-failing tests, added, removed and newly skipped tests.
//!
//! Tests are matched by their stable id ([`TestCase::id`], computed with
//! [`TestCase::ensure_id`] when a case leaves it empty). Definitions:
//!
//! - a **failure** is `failed` or `error` ([`CaseStatus::is_failure`]);
//! - a **pass** is `passed` or `flaky`: a flaky test passed in the end, so
//!   it is passing with a warning, never a new failure;
//! - **new failures**: failing now and not failing before, including tests
//!   that did not exist before (so a failing new test is listed both here
//!   and in `new_tests`);
//! - **fixed**: failing before, passing now (a test that went from failing
//!   to skipped is newly skipped, not fixed);
//! - **still failing**: failing in both runs;
//! - **new tests** / **removed tests**: present only in the current /
//!   previous run, whatever their status;
//! - **newly skipped**: present in both runs, skipped now and not before.
//!
//! When one run holds several cases with the same id (the test ran in two
//! shards, or a runner reported each rerun as a case), they are combined
//! into one outcome: a failure together with a pass is `flaky`; otherwise
//! the first failure, else `flaky`, else `passed`, else `skipped`.
//!
//! Every list is sorted by full name, then id.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{CaseStatus, TestCase};

/// One test in a [`RunDiff`] list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffEntry {
    /// Stable test id.
    pub test_id: String,
    /// `classname.name` (see [`TestCase::full_name`]).
    pub full_name: String,
    /// Source file, when known.
    pub file: Option<String>,
    /// The message of the run the entry is about: the previous run's for
    /// `fixed` and `removed_tests` (what was fixed or lost), the current
    /// run's otherwise.
    pub message: Option<String>,
    /// Outcome in the previous run; `None` for a new test.
    pub previous_status: Option<CaseStatus>,
    /// Outcome in the current run; `None` for a removed test.
    pub current_status: Option<CaseStatus>,
}

/// The differences between a previous and a current run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RunDiff {
    /// Run key of the run compared with, when known (set by
    /// `History::diff_against_previous`; [`diff_runs`] leaves it `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_run: Option<String>,
    /// Failing now, not failing before (or new).
    pub new_failures: Vec<DiffEntry>,
    /// Failing before, passing now.
    pub fixed: Vec<DiffEntry>,
    /// Failing in both runs.
    pub still_failing: Vec<DiffEntry>,
    /// Only in the current run.
    pub new_tests: Vec<DiffEntry>,
    /// Only in the previous run.
    pub removed_tests: Vec<DiffEntry>,
    /// In both runs, skipped now and not before.
    pub newly_skipped: Vec<DiffEntry>,
}

impl RunDiff {
    /// True when no list has an entry.
    pub fn is_empty(&self) -> bool {
        self.new_failures.is_empty()
            && self.fixed.is_empty()
            && self.still_failing.is_empty()
            && self.new_tests.is_empty()
            && self.removed_tests.is_empty()
            && self.newly_skipped.is_empty()
    }
}

/// Compares `current` with `previous` as the module docs define.
pub fn diff_runs(previous: &[TestCase], current: &[TestCase]) -> RunDiff {
    let before = outcomes(previous);
    let after = outcomes(current);
    let mut diff = RunDiff::default();
    for (id, now) in &after {
        match before.get(id) {
            None => {
                let entry = entry(id, None, Some(now), now);
                if now.status.is_failure() {
                    diff.new_failures.push(entry.clone());
                }
                diff.new_tests.push(entry);
            }
            Some(was) => {
                let (p, c) = (was.status, now.status);
                if c.is_failure() {
                    let entry = entry(id, Some(was), Some(now), now);
                    if p.is_failure() {
                        diff.still_failing.push(entry);
                    } else {
                        diff.new_failures.push(entry);
                    }
                } else if p.is_failure() && c != CaseStatus::Skipped {
                    diff.fixed.push(entry(id, Some(was), Some(now), was));
                }
                if c == CaseStatus::Skipped && p != CaseStatus::Skipped {
                    diff.newly_skipped
                        .push(entry(id, Some(was), Some(now), now));
                }
            }
        }
    }
    for (id, was) in &before {
        if !after.contains_key(id) {
            diff.removed_tests.push(entry(id, Some(was), None, was));
        }
    }
    for list in [
        &mut diff.new_failures,
        &mut diff.fixed,
        &mut diff.still_failing,
        &mut diff.new_tests,
        &mut diff.removed_tests,
        &mut diff.newly_skipped,
    ] {
        list.sort_by(|a, b| {
            a.full_name
                .cmp(&b.full_name)
                .then_with(|| a.test_id.cmp(&b.test_id))
        });
    }
    diff
}

/// A test's combined outcome in one run, and the case that speaks for it.
struct Outcome<'a> {
    status: CaseStatus,
    case: &'a TestCase,
}

/// The combined outcome of every test id in a run.
fn outcomes(cases: &[TestCase]) -> BTreeMap<Cow<'_, str>, Outcome<'_>> {
    let mut by_id: BTreeMap<Cow<'_, str>, Vec<&TestCase>> = BTreeMap::new();
    for case in cases {
        by_id.entry(stable_id(case)).or_default().push(case);
    }
    by_id
        .into_iter()
        .map(|(id, group)| (id, combine(&group)))
        .collect()
}

/// Combines the cases of one id (see the module docs); `group` is non-empty.
fn combine<'a>(group: &[&'a TestCase]) -> Outcome<'a> {
    let first_with =
        |pred: &dyn Fn(CaseStatus) -> bool| group.iter().copied().find(|c| pred(c.status));
    let failure = first_with(&|s| s.is_failure());
    let flaky = first_with(&|s| s == CaseStatus::Flaky);
    let passed = first_with(&|s| s == CaseStatus::Passed);
    match (failure, flaky.or(passed)) {
        (Some(case), Some(_)) => Outcome {
            status: CaseStatus::Flaky,
            case,
        },
        (Some(case), None) => Outcome {
            status: case.status,
            case,
        },
        (None, Some(case)) => Outcome {
            status: case.status,
            case,
        },
        (None, None) => Outcome {
            status: group[0].status,
            case: group[0],
        },
    }
}

/// The case's id, computed as [`TestCase::ensure_id`] would when empty.
fn stable_id(case: &TestCase) -> Cow<'_, str> {
    if !case.id.is_empty() {
        return Cow::Borrowed(case.id.as_str());
    }
    let mut key = TestCase {
        suite: case.suite.clone(),
        classname: case.classname.clone(),
        name: case.name.clone(),
        file: case.file.clone(),
        ..TestCase::default()
    };
    key.ensure_id();
    Cow::Owned(key.id)
}

/// A diff entry for `id`, described by `about`'s case.
fn entry(
    id: &str,
    previous: Option<&Outcome<'_>>,
    current: Option<&Outcome<'_>>,
    about: &Outcome<'_>,
) -> DiffEntry {
    let named = current.unwrap_or(about).case;
    DiffEntry {
        test_id: id.to_string(),
        full_name: named.full_name(),
        file: named.file.clone(),
        message: about.case.message.clone(),
        previous_status: previous.map(|o| o.status),
        current_status: current.map(|o| o.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    fn case(name: &str, status: CaseStatus, message: Option<&str>) -> TestCase {
        let mut c = TestCase::new("suite", "pkg.T", name, status);
        c.message = message.map(str::to_string);
        c.file = Some("t.py".to_string());
        c.id.clear(); // exercised: ids are computed when empty
        c
    }

    fn names(list: &[DiffEntry]) -> Vec<&str> {
        list.iter().map(|e| e.full_name.as_str()).collect()
    }

    #[test]
    fn classifies_every_transition() {
        let previous = vec![
            case("a_pass_to_fail", Passed, None),
            case("b_fail_to_pass", Failed, Some("boom")),
            case("c_fail_to_error", Failed, Some("old")),
            case("d_pass_to_skip", Passed, None),
            case("e_removed", Error, Some("gone")),
            case("f_pass_to_flaky", Passed, None),
            case("g_flaky_to_fail", Flaky, None),
            case("h_fail_to_skip", Failed, Some("x")),
            case("i_skip_to_skip", Skipped, None),
            case("j_error_to_flaky", Error, Some("crash")),
            case("k_skip_to_fail", Skipped, None),
        ];
        let current = vec![
            case("k_skip_to_fail", Failed, Some("now")),
            case("a_pass_to_fail", Failed, Some("assert 1 == 2")),
            case("b_fail_to_pass", Passed, None),
            case("c_fail_to_error", Error, Some("new")),
            case("d_pass_to_skip", Skipped, Some("disabled")),
            case("f_pass_to_flaky", Flaky, None),
            case("g_flaky_to_fail", Failed, None),
            case("h_fail_to_skip", Skipped, None),
            case("i_skip_to_skip", Skipped, None),
            case("j_error_to_flaky", Flaky, None),
            case("z_new_failing", Error, Some("new and broken")),
            case("m_new_passing", Passed, None),
        ];
        let diff = diff_runs(&previous, &current);
        assert_eq!(
            names(&diff.new_failures),
            [
                "pkg.T.a_pass_to_fail",
                "pkg.T.g_flaky_to_fail",
                "pkg.T.k_skip_to_fail",
                "pkg.T.z_new_failing"
            ]
        );
        assert_eq!(
            names(&diff.fixed),
            ["pkg.T.b_fail_to_pass", "pkg.T.j_error_to_flaky"]
        );
        assert_eq!(names(&diff.still_failing), ["pkg.T.c_fail_to_error"]);
        assert_eq!(
            names(&diff.new_tests),
            ["pkg.T.m_new_passing", "pkg.T.z_new_failing"]
        );
        assert_eq!(names(&diff.removed_tests), ["pkg.T.e_removed"]);
        assert_eq!(
            names(&diff.newly_skipped),
            ["pkg.T.d_pass_to_skip", "pkg.T.h_fail_to_skip"]
        );

        let a = &diff.new_failures[0];
        assert_eq!(
            a,
            &DiffEntry {
                test_id: TestCase::compute_id("suite", "pkg.T", "a_pass_to_fail", Some("t.py")),
                full_name: "pkg.T.a_pass_to_fail".to_string(),
                file: Some("t.py".to_string()),
                message: Some("assert 1 == 2".to_string()),
                previous_status: Some(Passed),
                current_status: Some(Failed),
            }
        );
        // Fixed and removed carry the previous run's message.
        assert_eq!(diff.fixed[0].message.as_deref(), Some("boom"));
        assert_eq!(diff.removed_tests[0].message.as_deref(), Some("gone"));
        assert_eq!(diff.removed_tests[0].current_status, None);
        assert_eq!(diff.new_tests[1].previous_status, None);
        assert_eq!(diff.still_failing[0].message.as_deref(), Some("new"));
        assert_eq!(diff.newly_skipped[0].message.as_deref(), Some("disabled"));
    }

    #[test]
    fn identical_runs_have_no_diff() {
        let run = vec![case("a", Passed, None), case("b", Skipped, None)];
        assert!(diff_runs(&run, &run).is_empty());
        assert!(diff_runs(&[], &[]).is_empty());
    }

    #[test]
    fn given_ids_are_used_as_is() {
        let mut before = case("old_name", Passed, None);
        before.id = "0123456789abcdef".to_string();
        let mut after = case("renamed", Failed, None);
        after.id = "0123456789abcdef".to_string();
        let diff = diff_runs(&[before], &[after]);
        assert_eq!(names(&diff.new_failures), ["pkg.T.renamed"]);
        assert_eq!(diff.new_failures[0].test_id, "0123456789abcdef");
        assert!(diff.new_tests.is_empty() && diff.removed_tests.is_empty());
    }

    #[test]
    fn duplicate_cases_combine() {
        let previous = vec![case("t", Failed, Some("first")), case("u", Skipped, None)];
        // "t" failed in one shard and passed in another: flaky, so fixed.
        let current = vec![
            case("t", Passed, None),
            case("t", Failed, Some("shard 2")),
            case("u", Skipped, None),
            case("u", Error, Some("broke")),
        ];
        let diff = diff_runs(&previous, &current);
        assert_eq!(names(&diff.fixed), ["pkg.T.t"]);
        assert_eq!(diff.fixed[0].current_status, Some(Flaky));
        assert_eq!(names(&diff.new_failures), ["pkg.T.u"]);
        assert_eq!(diff.new_failures[0].message.as_deref(), Some("broke"));
    }

    #[test]
    fn serializes_with_lowercase_statuses() {
        let diff = diff_runs(&[], &[case("a", Error, None)]);
        let json = serde_json::to_value(&diff).unwrap();
        assert_eq!(json["new_failures"][0]["current_status"], "error");
        assert_eq!(
            json["new_failures"][0]["previous_status"],
            serde_json::Value::Null
        );
        assert_eq!(json["fixed"], serde_json::json!([]));
    }
}
