//! The reads the analyses need, as one interface over both stores: the
//! SQLite [`History`] and, with the `postgres` feature, the PostgreSQL
//! history. Trends, flaky scores, run diffs and splits are written once
//! against [`Reads`] (in `insights.rs`), so both stores answer them alike.

use std::collections::{BTreeMap, BTreeSet};

use super::query::{CaseOutcome, DurationKey, HistoryFilter, MetricPoint};
use super::runs::{RunKind, RunSummary};
use super::store::History;
use crate::error::Result;
use crate::model::TestCase;

/// What a history store answers for the analyses; each method has the
/// meaning of the [`History`] method of the same name.
pub(super) trait Reads {
    /// How error messages name this history (`history PATH`, or the
    /// PostgreSQL database without its credentials).
    fn location(&self) -> String;

    /// See [`History::metric_series`].
    fn metric_series(&self, metric: &str, filter: &HistoryFilter) -> Result<Vec<MetricPoint>>;

    /// See [`History::case_outcomes`].
    fn case_outcomes(
        &self,
        test_id: Option<&str>,
        last_n_runs: usize,
        branch: Option<&str>,
    ) -> Result<Vec<CaseOutcome>>;

    /// See [`History::find_run`].
    fn find_run(&self, run_key: &str) -> Result<Option<RunSummary>>;

    /// See [`History::run_cases`].
    fn run_cases(&self, run_key: &str) -> Result<Vec<TestCase>>;

    /// See [`History::run_metrics`].
    fn run_metrics(&self, run_key: &str) -> Result<Vec<crate::model::Metric>>;

    /// See [`History::latest_run`]; only runs of `kind` when given.
    fn latest_run_of_kind(
        &self,
        branch: Option<&str>,
        before_run_key: Option<&str>,
        kind: Option<&RunKind<'_>>,
    ) -> Result<Option<RunSummary>>;

    /// See [`History::durations`].
    fn durations(
        &self,
        key: DurationKey,
        ids: &[&str],
        last_n_runs: usize,
    ) -> Result<BTreeMap<String, Vec<f64>>>;

    /// See [`History::test_ids_by_name`].
    fn test_ids_by_name(&self, names: &[&str]) -> Result<BTreeMap<String, String>>;
}

impl Reads for History {
    fn location(&self) -> String {
        format!("history {}", self.path().display())
    }

    fn metric_series(&self, metric: &str, filter: &HistoryFilter) -> Result<Vec<MetricPoint>> {
        History::metric_series(self, metric, filter)
    }

    fn case_outcomes(
        &self,
        test_id: Option<&str>,
        last_n_runs: usize,
        branch: Option<&str>,
    ) -> Result<Vec<CaseOutcome>> {
        History::case_outcomes(self, test_id, last_n_runs, branch)
    }

    fn find_run(&self, run_key: &str) -> Result<Option<RunSummary>> {
        History::find_run(self, run_key)
    }

    fn run_cases(&self, run_key: &str) -> Result<Vec<TestCase>> {
        History::run_cases(self, run_key)
    }

    fn run_metrics(&self, run_key: &str) -> Result<Vec<crate::model::Metric>> {
        History::run_metrics(self, run_key)
    }

    fn latest_run_of_kind(
        &self,
        branch: Option<&str>,
        before_run_key: Option<&str>,
        kind: Option<&RunKind<'_>>,
    ) -> Result<Option<RunSummary>> {
        History::latest_run_of_kind(self, branch, before_run_key, kind)
    }

    fn durations(
        &self,
        key: DurationKey,
        ids: &[&str],
        last_n_runs: usize,
    ) -> Result<BTreeMap<String, Vec<f64>>> {
        History::durations(self, key, ids, last_n_runs)
    }

    fn test_ids_by_name(&self, names: &[&str]) -> Result<BTreeMap<String, String>> {
        History::test_ids_by_name(self, names)
    }
}

/// Finds the stored test id each wanted name stands for, as
/// [`History::test_ids_by_name`] documents (`N`, `C.N`, `C::N`, `C#N`,
/// `F::N`); both stores offer it every stored test identity.
pub(super) struct NameMatcher<'a> {
    wanted: BTreeSet<&'a str>,
    candidates: BTreeMap<&'a str, BTreeSet<String>>,
}

impl<'a> NameMatcher<'a> {
    /// A matcher for `names`.
    pub(super) fn new(names: impl IntoIterator<Item = &'a str>) -> NameMatcher<'a> {
        NameMatcher {
            wanted: names.into_iter().collect(),
            candidates: BTreeMap::new(),
        }
    }

    /// Offers one stored test identity.
    pub(super) fn offer(&mut self, test_id: &str, name: &str, classname: &str, file: Option<&str>) {
        let mut forms = vec![name.to_string()];
        if !classname.is_empty() {
            for sep in [".", "::", "#"] {
                forms.push(format!("{classname}{sep}{name}"));
            }
        }
        if let Some(file) = file.filter(|f| !f.is_empty()) {
            forms.push(format!("{file}::{name}"));
        }
        for form in forms {
            if let Some(&wanted) = self.wanted.get(form.as_str()) {
                self.candidates
                    .entry(wanted)
                    .or_default()
                    .insert(test_id.to_string());
            }
        }
    }

    /// Each wanted name that matched exactly one test id, with that id.
    pub(super) fn unique(self) -> BTreeMap<String, String> {
        self.candidates
            .into_iter()
            .filter(|(_, ids)| ids.len() == 1)
            .filter_map(|(name, ids)| ids.into_iter().next().map(|id| (name.to_string(), id)))
            .collect()
    }
}
