//! The data model: test cases, runs, results and metrics.
//!
//! Every type here is plain data with a stable JSON form (snake_case field
//! names, lower-case status strings). The same JSON crosses the C and Node
//! boundaries, is written into `run.json`, and is stored in the history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Result;

/// Outcome of one test case. One vocabulary for every input and output;
/// each provider maps it to its vendor's words in one table.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// The test ran and passed (the default when an input omits the status).
    #[default]
    Passed,
    /// An assertion failed.
    Failed,
    /// The test could not run to completion (crash, unexpected exception, setup error).
    Error,
    /// The test was not run (ignored, disabled, xfail).
    Skipped,
    /// The test failed at least once and then passed on a rerun.
    Flaky,
}

impl CaseStatus {
    /// The lower-case name used in JSON, history and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Passed => "passed",
            CaseStatus::Failed => "failed",
            CaseStatus::Error => "error",
            CaseStatus::Skipped => "skipped",
            CaseStatus::Flaky => "flaky",
        }
    }

    /// Parses the lower-case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<CaseStatus> {
        match s {
            "passed" => Some(CaseStatus::Passed),
            "failed" => Some(CaseStatus::Failed),
            "error" => Some(CaseStatus::Error),
            "skipped" => Some(CaseStatus::Skipped),
            "flaky" => Some(CaseStatus::Flaky),
            _ => None,
        }
    }

    /// True for `Failed` and `Error`: the outcomes that fail a build.
    pub fn is_failure(self) -> bool {
        matches!(self, CaseStatus::Failed | CaseStatus::Error)
    }
}

/// State of a whole test run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Created, no result yet.
    Pending,
    /// Results are arriving.
    Running,
    /// Finished with no failed or errored case.
    Passed,
    /// Finished with at least one failed or errored case.
    Failed,
    /// The harness itself failed (crashed, wrote no report).
    Error,
    /// Stopped on purpose before the end.
    Cancelled,
    /// Stopped because it ran past its time limit.
    TimedOut,
}

impl RunStatus {
    /// The lower-case name used in JSON, history and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Passed => "passed",
            RunStatus::Failed => "failed",
            RunStatus::Error => "error",
            RunStatus::Cancelled => "cancelled",
            RunStatus::TimedOut => "timed_out",
        }
    }

    /// True once the run can no longer change.
    pub fn is_final(self) -> bool {
        !matches!(self, RunStatus::Pending | RunStatus::Running)
    }
}

/// One execution of a test, when a runner retried it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Attempt {
    /// Outcome of this attempt (`passed`, `failed`, `error` or `skipped`).
    pub status: CaseStatus,
    /// Wall time of this attempt in seconds.
    pub duration_seconds: f64,
    /// Short failure message.
    pub message: Option<String>,
    /// Stack trace or long failure text.
    pub details: Option<String>,
    /// Captured standard output of this attempt.
    pub stdout: Option<String>,
    /// Captured standard error of this attempt.
    pub stderr: Option<String>,
}

/// One test case result.
///
/// `id` is the stable identity of the test (see [`TestCase::compute_id`]): the
/// same test has the same id in every run and every shard. Inputs may leave it
/// empty; [`TestCase::ensure_id`] fills it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct TestCase {
    /// Stable id: 16 hex digits, see [`TestCase::compute_id`].
    pub id: String,
    /// The test's own name.
    pub name: String,
    /// Class, module or fixture the test belongs to (JUnit `classname`).
    pub classname: String,
    /// Suite (JUnit `testsuite@name`, test binary, project).
    pub suite: String,
    /// Source file, when the runner reports it.
    pub file: Option<String>,
    /// Line in `file`, when known.
    pub line: Option<u32>,
    /// Final outcome.
    pub status: CaseStatus,
    /// Wall time in seconds (the last attempt's, for reruns).
    pub duration_seconds: f64,
    /// Short failure or skip message.
    pub message: Option<String>,
    /// Stack trace or long failure text.
    pub details: Option<String>,
    /// Captured standard output.
    pub stdout: Option<String>,
    /// Captured standard error.
    pub stderr: Option<String>,
    /// Earlier executions when the runner retried the test, oldest first.
    pub attempts: Vec<Attempt>,
    /// Free-form key/value properties (JUnit `<property>`).
    pub properties: BTreeMap<String, String>,
}

impl TestCase {
    /// A case with the given identity and status; the id is computed.
    pub fn new(
        suite: impl Into<String>,
        classname: impl Into<String>,
        name: impl Into<String>,
        status: CaseStatus,
    ) -> TestCase {
        let mut case = TestCase {
            suite: suite.into(),
            classname: classname.into(),
            name: name.into(),
            status,
            ..TestCase::default()
        };
        case.ensure_id();
        case
    }

    /// The stable id of a test: the first 16 hex digits (64 bits) of the
    /// SHA-256 of `suite`, `classname`, `name` and `file` (empty when
    /// unknown), each followed by a 0x1F unit separator byte.
    ///
    /// Duration, status and line are not part of it, so a test keeps its id
    /// when it moves within its file or changes outcome.
    pub fn compute_id(suite: &str, classname: &str, name: &str, file: Option<&str>) -> String {
        let mut hasher = Sha256::new();
        for part in [suite, classname, name, file.unwrap_or("")] {
            hasher.update(part.as_bytes());
            hasher.update([0x1f]);
        }
        hex16(&hasher.finalize())
    }

    /// This case's id, or the one [`TestCase::compute_id`] gives its
    /// identity when none was set yet.
    pub fn id_or_computed(&self) -> String {
        if self.id.is_empty() {
            TestCase::compute_id(
                &self.suite,
                &self.classname,
                &self.name,
                self.file.as_deref(),
            )
        } else {
            self.id.clone()
        }
    }

    /// The id of the `n`th case (`n` ≥ 2) of one input whose identity is
    /// the same as an earlier case's (`first` is that earlier case's id): the
    /// first 16 hex digits of the SHA-256 of `first` and the decimal `n`,
    /// each followed by a 0x1F unit separator byte.
    ///
    /// Readers give every case they read its own id this way, so two
    /// `<testcase>` elements with the same name in one file stay two tests
    /// (each tracked by the history), and the first keeps the id it would
    /// have alone.
    pub fn repeat_id(first: &str, n: u32) -> String {
        let mut hasher = Sha256::new();
        hasher.update(first.as_bytes());
        hasher.update([0x1f]);
        hasher.update(n.to_string().as_bytes());
        hasher.update([0x1f]);
        hex16(&hasher.finalize())
    }

    /// Fills `id` from the identity fields when it is empty.
    pub fn ensure_id(&mut self) {
        if self.id.is_empty() {
            self.id = TestCase::compute_id(
                &self.suite,
                &self.classname,
                &self.name,
                self.file.as_deref(),
            );
        }
    }

    /// `classname.name`, or just `name` when there is no classname: the label
    /// shown to people.
    pub fn full_name(&self) -> String {
        if self.classname.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.classname, self.name)
        }
    }
}

/// The first 8 bytes of `digest` as 16 lower-case hex digits.
fn hex16(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for byte in &digest[..8] {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

/// Suite-level data from a JUnit report that is not part of any case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SuiteInfo {
    /// Suite name (matches [`TestCase::suite`]).
    pub name: String,
    /// Start time as written by the runner (ISO 8601, often without zone).
    pub timestamp: Option<String>,
    /// Host the suite ran on.
    pub hostname: Option<String>,
    /// Suite wall time in seconds, when the runner gave one.
    pub duration_seconds: Option<f64>,
    /// Suite properties.
    pub properties: BTreeMap<String, String>,
    /// Suite-level standard output.
    pub stdout: Option<String>,
    /// Suite-level standard error.
    pub stderr: Option<String>,
}

/// A performance metric (timing, memory, throughput, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Metric {
    /// Metric name, e.g. `frame_time_ms`.
    pub name: String,
    /// The measured value.
    pub value: f64,
    /// Unit, e.g. `ms`, `bytes`, `ops/s` (may be empty).
    pub unit: String,
    /// Stable id of the test it belongs to, if any.
    pub test_id: Option<String>,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
}

/// Counts of a run's cases by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// All cases.
    pub total: u64,
    /// Passed cases (not counting flaky ones).
    pub passed: u64,
    /// Failed cases.
    pub failed: u64,
    /// Errored cases.
    pub errors: u64,
    /// Skipped cases.
    pub skipped: u64,
    /// Cases that failed and then passed on a rerun.
    pub flaky: u64,
}

impl Counts {
    /// Counts the statuses of `cases`.
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a TestCase>) -> Counts {
        let mut c = Counts::default();
        for case in cases {
            c.add(case.status);
        }
        c
    }

    /// Adds one case of `status`.
    pub fn add(&mut self, status: CaseStatus) {
        self.total += 1;
        match status {
            CaseStatus::Passed => self.passed += 1,
            CaseStatus::Failed => self.failed += 1,
            CaseStatus::Error => self.errors += 1,
            CaseStatus::Skipped => self.skipped += 1,
            CaseStatus::Flaky => self.flaky += 1,
        }
    }

    /// The run status these counts give once the run is over: `Failed` when
    /// any case failed or errored, otherwise `Passed`.
    pub fn final_status(&self) -> RunStatus {
        if self.failed > 0 || self.errors > 0 {
            RunStatus::Failed
        } else {
            RunStatus::Passed
        }
    }
}

/// A whole run: its identity, its cases and its metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestRun {
    /// Unique key of this run (stable across retries of the same CI job).
    pub run_key: String,
    /// Display name (check run name, report title).
    pub name: String,
    /// Current status.
    pub status: RunStatus,
    /// Start time (RFC 3339 UTC), when known.
    pub started_at: Option<String>,
    /// End time (RFC 3339 UTC), once finished.
    pub finished_at: Option<String>,
    /// Wall time of the run in seconds.
    pub duration_seconds: f64,
    /// Every case, in the order recorded.
    pub cases: Vec<TestCase>,
    /// Suite-level data from the inputs.
    pub suites: Vec<SuiteInfo>,
    /// Metrics recorded during the run.
    pub metrics: Vec<Metric>,
    /// Run properties (commit, branch, environment, user-set keys).
    pub properties: BTreeMap<String, String>,
}

impl Default for TestRun {
    fn default() -> Self {
        TestRun {
            run_key: String::new(),
            name: String::new(),
            status: RunStatus::Pending,
            started_at: None,
            finished_at: None,
            duration_seconds: 0.0,
            cases: Vec::new(),
            suites: Vec::new(),
            metrics: Vec::new(),
            properties: BTreeMap::new(),
        }
    }
}

impl TestRun {
    /// Counts of the cases by outcome.
    pub fn counts(&self) -> Counts {
        Counts::of(&self.cases)
    }

    /// The summary of this run in the seed's `TestRunResult` shape.
    pub fn result(&self) -> TestRunResult {
        let c = self.counts();
        let mut metadata = serde_json::Map::new();
        for (k, v) in &self.properties {
            metadata.insert(k.clone(), serde_json::Value::String(v.clone()));
        }
        TestRunResult {
            test_run_id: self.run_key.clone(),
            status: self.status,
            total_tests: c.total,
            passed_tests: c.passed,
            failed_tests: c.failed,
            skipped_tests: c.skipped,
            error_tests: c.errors,
            flaky_tests: c.flaky,
            duration_seconds: self.duration_seconds,
            metadata,
        }
    }

    /// Sets `status` from the counts (`Passed` or `Failed`) unless the run
    /// already ended as error, cancelled or timed out.
    pub fn settle_status(&mut self) {
        if !matches!(
            self.status,
            RunStatus::Error | RunStatus::Cancelled | RunStatus::TimedOut
        ) {
            self.status = self.counts().final_status();
        }
    }

    /// Failed and errored cases, in recorded order.
    pub fn failures(&self) -> impl Iterator<Item = &TestCase> {
        self.cases.iter().filter(|c| c.status.is_failure())
    }

    /// The `n` slowest cases, slowest first (ties keep recorded order).
    pub fn slowest(&self, n: usize) -> Vec<&TestCase> {
        if n == 0 {
            return Vec::new();
        }
        // Slower first, then recorded order: a total order, so selecting
        // the first `n` and sorting only those gives what a stable sort of
        // every case would (without sorting every case).
        let order = |a: &(usize, &TestCase), b: &(usize, &TestCase)| {
            b.1.duration_seconds
                .total_cmp(&a.1.duration_seconds)
                .then(a.0.cmp(&b.0))
        };
        let mut v: Vec<(usize, &TestCase)> = self.cases.iter().enumerate().collect();
        if n < v.len() {
            v.select_nth_unstable_by(n - 1, order);
            v.truncate(n);
        }
        v.sort_unstable_by(order);
        v.into_iter().map(|(_, case)| case).collect()
    }
}

/// Summary of a run, in the seed's shape (plus error and flaky counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRunResult {
    /// Run id (the run key, or the CI's id for it once created).
    pub test_run_id: String,
    /// Run status.
    pub status: RunStatus,
    /// All cases.
    pub total_tests: u64,
    /// Passed cases.
    pub passed_tests: u64,
    /// Failed cases.
    pub failed_tests: u64,
    /// Skipped cases.
    pub skipped_tests: u64,
    /// Errored cases.
    #[serde(default)]
    pub error_tests: u64,
    /// Flaky cases (failed, then passed on a rerun).
    #[serde(default)]
    pub flaky_tests: u64,
    /// Wall time in seconds.
    pub duration_seconds: f64,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

impl TestRunResult {
    /// Serializes to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("TestRunResult always serializes")
    }

    /// Parses JSON written by [`TestRunResult::to_json`] (or by hand).
    ///
    /// Errors: `Parse` naming the problem.
    pub fn from_json(json: &str) -> Result<TestRunResult> {
        Ok(serde_json::from_str(json)?)
    }
}

/// The branch name detection reports and the history stores and compares: `name` without
/// surrounding whitespace and without a leading `refs/heads/` or
/// `refs/remotes/origin/`, so `refs/heads/main`, `refs/remotes/origin/main`
/// and `main` are one branch.
///
/// Nothing else is stripped: `heads/main` and `origin/main` are kept as they
/// are, because a branch may really be called that (Git allows a local
/// branch named `origin/main`), and other refs such as `refs/pull/7/merge`
/// or `refs/tags/v1` are not branches of the same name. Jenkins'
/// `GIT_BRANCH` (`origin/main`) has its remote prefix removed by detection
/// before this runs.
pub fn normalize_branch(name: &str) -> String {
    let name = name.trim();
    let short = name
        .strip_prefix("refs/heads/")
        .or_else(|| name.strip_prefix("refs/remotes/origin/"))
        .unwrap_or(name);
    short.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_is_stable_and_documented() {
        let id = TestCase::compute_id("suite", "pkg.Class", "test_one", Some("a.py"));
        assert_eq!(id.len(), 16);
        assert_eq!(
            id,
            TestCase::compute_id("suite", "pkg.Class", "test_one", Some("a.py"))
        );
        // Separator matters: ("ab","c") and ("a","bc") differ.
        assert_ne!(
            TestCase::compute_id("ab", "c", "n", None),
            TestCase::compute_id("a", "bc", "n", None)
        );
        // The documented recipe, computed by hand.
        let mut h = Sha256::new();
        h.update(b"suite\x1fpkg.Class\x1ftest_one\x1fa.py\x1f");
        let d = h.finalize();
        let hex: String = d[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(id, hex);
        // A repeat's id: the documented recipe, by hand.
        let mut h = Sha256::new();
        h.update(format!("{id}\x1f2\x1f").as_bytes());
        let d = h.finalize();
        let hex: String = d[..8].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(TestCase::repeat_id(&id, 2), hex);
        assert_ne!(TestCase::repeat_id(&id, 2), TestCase::repeat_id(&id, 3));
        let case = TestCase::new("suite", "pkg.Class", "test_one", CaseStatus::Passed);
        assert_eq!(
            case.id,
            TestCase::compute_id("suite", "pkg.Class", "test_one", None)
        );
    }

    #[test]
    fn counts_and_status() {
        let mut run = TestRun::default();
        for (i, s) in [
            CaseStatus::Passed,
            CaseStatus::Failed,
            CaseStatus::Skipped,
            CaseStatus::Flaky,
            CaseStatus::Error,
        ]
        .into_iter()
        .enumerate()
        {
            run.cases.push(TestCase::new("s", "c", format!("t{i}"), s));
        }
        let c = run.counts();
        assert_eq!(
            (c.total, c.passed, c.failed, c.errors, c.skipped, c.flaky),
            (5, 1, 1, 1, 1, 1)
        );
        run.settle_status();
        assert_eq!(run.status, RunStatus::Failed);
        run.cases.retain(|c| !c.status.is_failure());
        run.settle_status();
        assert_eq!(run.status, RunStatus::Passed);
    }

    #[test]
    fn case_json_uses_stable_names() {
        let case = TestCase::new("s", "c", "n", CaseStatus::Skipped);
        let json = serde_json::to_value(&case).unwrap();
        assert_eq!(json["status"], "skipped");
        assert_eq!(json["duration_seconds"], 0.0);
        let back: TestCase = serde_json::from_value(json).unwrap();
        assert_eq!(back, case);
        let minimal: TestCase = serde_json::from_str(r#"{"name":"x","status":"failed"}"#).unwrap();
        assert_eq!(minimal.status, CaseStatus::Failed);
        assert!(minimal.id.is_empty());
    }

    fn arb_status() -> impl Strategy<Value = RunStatus> {
        prop_oneof![
            Just(RunStatus::Pending),
            Just(RunStatus::Running),
            Just(RunStatus::Passed),
            Just(RunStatus::Failed),
            Just(RunStatus::Error),
            Just(RunStatus::Cancelled),
            Just(RunStatus::TimedOut),
        ]
    }

    fn arb_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            ".*".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(".*", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn test_run_result_round_trips_exactly(
            id in ".*",
            status in arb_status(),
            counts in prop::array::uniform6(any::<u64>()),
            duration in any::<f64>().prop_filter("finite", |f| f.is_finite()),
            metadata in prop::collection::btree_map(".*", arb_value(), 0..5),
        ) {
            let r = TestRunResult {
                test_run_id: id,
                status,
                total_tests: counts[0],
                passed_tests: counts[1],
                failed_tests: counts[2],
                skipped_tests: counts[3],
                error_tests: counts[4],
                flaky_tests: counts[5],
                duration_seconds: duration,
                metadata: metadata.into_iter().collect(),
            };
            let back = TestRunResult::from_json(&r.to_json()).unwrap();
            prop_assert_eq!(&back, &r);
            prop_assert_eq!(back.to_json(), r.to_json());
        }
    }
}
