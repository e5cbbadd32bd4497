//! Performance regressions: each metric of a run compared with its
//! baseline, the same metric of the same test in the baseline runs (the
//! store picks them: the last `baseline_runs` finished runs of the baseline
//! branch, see `History::compare_metrics`).
//!
//! Per metric name and test id ([`compare`]):
//!
//! - **Which test.** One value in the run: Student's t-test of that value
//!   against the baseline sample ([`stats::single_value_t_test`], needs two
//!   baseline values). Two or more: Welch's t-test
//!   ([`stats::welch_t_test`]), unless either sample has fewer than
//!   [`SMALL_SAMPLE`] values or is skewed (sample skewness beyond
//!   ±[`SKEWED`]); then the Mann–Whitney U test ([`stats::mann_whitney_u`]),
//!   which assumes no distribution.
//! - **Change** is `(now − baseline) / |baseline|` in percent, of the means.
//! - **Verdict.** A regression when `p < alpha`, the change is at least
//!   `min_change_pct` and it goes the worse way ([`Better`], from the
//!   configuration's `better` map, else [`Better::default_for`] the name
//!   and unit); an improvement the same way round; otherwise unchanged
//!   (noise). A metric with no baseline value is new.

use std::collections::BTreeMap;

use serde::Serialize;

use super::stats;
use super::trends::Better;

/// Below this many values in either sample (and with two or more in the
/// run), the Mann–Whitney U test is used instead of Welch's.
pub const SMALL_SAMPLE: usize = 5;
/// A sample whose skewness is beyond ± this is compared with the
/// Mann–Whitney U test instead of Welch's.
pub const SKEWED: f64 = 1.0;
/// Characters of the sparkline, lowest to highest.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One value of a metric, as the store hands it over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricValue {
    /// Run it was recorded in.
    pub run_key: String,
    /// Metric name.
    pub name: String,
    /// Test it belongs to (`None`: the run as a whole).
    pub test_id: Option<String>,
    /// The value.
    pub value: f64,
    /// Its unit (may be empty).
    pub unit: String,
}

/// Settings of [`compare`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareOptions {
    /// Smallest change in percent that counts.
    pub min_change_pct: f64,
    /// Significance level.
    pub alpha: f64,
    /// Which way is better, per metric name (overrides the default).
    pub better: BTreeMap<String, Better>,
}

/// The statistical test used for one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonTest {
    /// Student's t-test of one value against the baseline.
    SingleValue,
    /// Welch's two-sample t-test.
    Welch,
    /// The Mann–Whitney U test.
    MannWhitney,
}

impl ComparisonTest {
    /// A short label: `t`, `Welch` or `U`.
    pub fn label(self) -> &'static str {
        match self {
            ComparisonTest::SingleValue => "t",
            ComparisonTest::Welch => "Welch",
            ComparisonTest::MannWhitney => "U",
        }
    }
}

/// What a comparison found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Significantly worse, by at least the minimum change.
    Regression,
    /// Significantly better, by at least the minimum change.
    Improvement,
    /// Within noise: not significant, or smaller than the minimum change.
    Unchanged,
    /// No baseline value to compare with.
    New,
}

impl Verdict {
    /// `regression`, `improvement`, `unchanged` or `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Regression => "regression",
            Verdict::Improvement => "improvement",
            Verdict::Unchanged => "unchanged",
            Verdict::New => "new",
        }
    }
}

/// One metric of one test (or of the run) against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricComparison {
    /// Metric name.
    pub name: String,
    /// Test it belongs to; `None` for a run-level metric.
    pub test_id: Option<String>,
    /// The test's full name when the history knows it (for display).
    pub test_name: Option<String>,
    /// Unit of the run's value (may be empty).
    pub unit: String,
    /// Which way is better, as used.
    pub better: Better,
    /// Baseline runs that have this metric.
    pub baseline_runs: usize,
    /// Values in the baseline.
    pub baseline_count: usize,
    /// Mean of the baseline values; `None` without any.
    pub baseline: Option<f64>,
    /// Values in this run.
    pub count: usize,
    /// Mean of this run's values.
    pub now: f64,
    /// `(now − baseline) / |baseline|` in percent; `None` without a
    /// baseline or when it is 0.
    pub change_pct: Option<f64>,
    /// The test used; `None` when there were too few values for one.
    pub test: Option<ComparisonTest>,
    /// Two-sided p-value of that test.
    pub p_value: Option<f64>,
    /// The verdict (see the module docs).
    pub verdict: Verdict,
    /// Per-run means, oldest first: the baseline runs, then this run (for
    /// the sparkline).
    pub recent: Vec<f64>,
}

/// Every metric of a run against its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceReport {
    /// The branch the baseline runs are from (`None`: any branch).
    pub baseline_branch: Option<String>,
    /// How many baseline runs were found (at most `baseline_runs`).
    pub baseline_runs: usize,
    /// Smallest change in percent that counted.
    pub min_change_pct: f64,
    /// Significance level used.
    pub alpha: f64,
    /// Regressions first, then improvements, unchanged and new metrics;
    /// each by the size of the change, largest first, then by name.
    pub comparisons: Vec<MetricComparison>,
}

impl PerformanceReport {
    /// The regressions.
    pub fn regressions(&self) -> impl Iterator<Item = &MetricComparison> {
        self.comparisons
            .iter()
            .filter(|c| c.verdict == Verdict::Regression)
    }

    /// The improvements.
    pub fn improvements(&self) -> impl Iterator<Item = &MetricComparison> {
        self.comparisons
            .iter()
            .filter(|c| c.verdict == Verdict::Improvement)
    }

    /// True when any metric regressed.
    pub fn has_regression(&self) -> bool {
        self.regressions().next().is_some()
    }
}

/// Key of a metric series: name and test id.
type Key = (String, Option<String>);

/// Compares every metric in `current` with the same metric (name and test
/// id) in `baseline`, whose runs are `baseline_runs` (oldest first; values
/// of other runs are ignored). Non-finite values are left out.
pub fn compare(
    current: &[MetricValue],
    baseline: &[MetricValue],
    baseline_runs: &[String],
    opts: &CompareOptions,
) -> Vec<MetricComparison> {
    let mut now: BTreeMap<Key, (Vec<f64>, String)> = BTreeMap::new();
    for m in current.iter().filter(|m| m.value.is_finite()) {
        let entry = now
            .entry((m.name.clone(), m.test_id.clone()))
            .or_insert_with(|| (Vec::new(), m.unit.clone()));
        entry.0.push(m.value);
    }
    let order: BTreeMap<&str, usize> = baseline_runs
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    // Per key, per baseline run (by position), the values.
    let mut before: BTreeMap<Key, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
    for m in baseline.iter().filter(|m| m.value.is_finite()) {
        let Some(&pos) = order.get(m.run_key.as_str()) else {
            continue;
        };
        let key = (m.name.clone(), m.test_id.clone());
        if now.contains_key(&key) {
            before
                .entry(key)
                .or_default()
                .entry(pos)
                .or_default()
                .push(m.value);
        }
    }
    let mut out: Vec<MetricComparison> = now
        .into_iter()
        .map(|(key, (values, unit))| {
            let runs = before.remove(&key).unwrap_or_default();
            compare_one(key, unit, &values, &runs, opts)
        })
        .collect();
    out.sort_by(|a, b| {
        a.verdict
            .cmp(&b.verdict)
            .then_with(|| {
                let size = |c: &MetricComparison| c.change_pct.map_or(0.0, f64::abs);
                size(b).total_cmp(&size(a))
            })
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.test_id.cmp(&b.test_id))
    });
    out
}

fn compare_one(
    (name, test_id): Key,
    unit: String,
    values: &[f64],
    runs: &BTreeMap<usize, Vec<f64>>,
    opts: &CompareOptions,
) -> MetricComparison {
    let better = opts
        .better
        .get(&name)
        .copied()
        .unwrap_or_else(|| Better::default_for(&name, &unit));
    let base: Vec<f64> = runs.values().flatten().copied().collect();
    let now = mean(values);
    let mut recent: Vec<f64> = runs.values().map(|v| mean(v)).collect();
    recent.push(now);
    let baseline = (!base.is_empty()).then(|| mean(&base));
    let change_pct = baseline
        .filter(|b| *b != 0.0)
        .map(|b| (now - b) / b.abs() * 100.0);
    let (test, p_value) = if base.is_empty() {
        (None, None)
    } else {
        run_test(&base, values, opts.alpha)
    };
    let verdict = match (baseline, p_value) {
        (None, _) => Verdict::New,
        (Some(b), Some(p)) if p < opts.alpha => {
            let big_enough = match change_pct {
                Some(c) => c.abs() >= opts.min_change_pct,
                None => now != b,
            };
            if !big_enough || now == b {
                Verdict::Unchanged
            } else if (now > b) == (better == Better::Higher) {
                Verdict::Improvement
            } else {
                Verdict::Regression
            }
        }
        _ => Verdict::Unchanged,
    };
    MetricComparison {
        name,
        test_id,
        test_name: None,
        unit,
        better,
        baseline_runs: runs.len(),
        baseline_count: base.len(),
        baseline,
        count: values.len(),
        now,
        change_pct,
        test,
        p_value,
        verdict,
        recent,
    }
}

/// The test the module docs choose, and its p-value; `(None, None)` when
/// the samples are too small for it.
fn run_test(base: &[f64], now: &[f64], alpha: f64) -> (Option<ComparisonTest>, Option<f64>) {
    if let [single] = now {
        return match stats::single_value_t_test(base, *single, alpha) {
            Some(r) => (Some(ComparisonTest::SingleValue), Some(r.p_value)),
            None => (None, None),
        };
    }
    let rank_based = base.len().min(now.len()) < SMALL_SAMPLE
        || skewness(base).is_some_and(|g| g.abs() > SKEWED)
        || skewness(now).is_some_and(|g| g.abs() > SKEWED);
    if !rank_based && let Some(r) = stats::welch_t_test(base, now, alpha) {
        return (Some(ComparisonTest::Welch), Some(r.p_value));
    }
    match stats::mann_whitney_u(base, now, alpha) {
        Some(r) => (Some(ComparisonTest::MannWhitney), Some(r.p_value)),
        None => (None, None),
    }
}

/// The sample skewness `m₃ / m₂^(3/2)` (moments about the mean, divisor
/// `n`); `None` below three values or without spread.
pub fn skewness(values: &[f64]) -> Option<f64> {
    if values.len() < 3 {
        return None;
    }
    let n = values.len() as f64;
    let m = mean(values);
    let m2 = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n;
    let m3 = values.iter().map(|v| (v - m).powi(3)).sum::<f64>() / n;
    (m2 > 0.0).then(|| m3 / m2.powf(1.5))
}

/// `values` as a sparkline of `▁▂▃▄▅▆▇█`, one character per value, scaled
/// from the smallest (`▁`) to the largest (`█`); all equal values are `▄`.
/// Non-finite values are `·`.
pub fn sparkline(values: &[f64]) -> String {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    values
        .iter()
        .map(|v| {
            if !v.is_finite() {
                '·'
            } else if hi <= lo {
                BARS[3]
            } else {
                let i = ((v - lo) / (hi - lo) * (BARS.len() - 1) as f64).round() as usize;
                BARS[i.min(BARS.len() - 1)]
            }
        })
        .collect()
}

/// Mean of a non-empty slice.
fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(run: &str, name: &str, test: Option<&str>, v: f64, unit: &str) -> MetricValue {
        MetricValue {
            run_key: run.into(),
            name: name.into(),
            test_id: test.map(str::to_string),
            value: v,
            unit: unit.into(),
        }
    }

    fn opts() -> CompareOptions {
        CompareOptions {
            min_change_pct: 5.0,
            alpha: 0.05,
            better: BTreeMap::new(),
        }
    }

    fn baseline(name: &str, values: &[f64], unit: &str) -> (Vec<MetricValue>, Vec<String>) {
        let runs: Vec<String> = (0..values.len()).map(|i| format!("b{i}")).collect();
        let vals = values
            .iter()
            .zip(&runs)
            .map(|(v, r)| value(r, name, Some("t1"), *v, unit))
            .collect();
        (vals, runs)
    }

    const NOISY: [f64; 10] = [
        100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.0,
    ];

    #[test]
    fn a_slower_run_is_a_regression_and_a_faster_one_an_improvement() {
        let (base, runs) = baseline("latency_ms", &NOISY, "ms");
        let slow = [value("now", "latency_ms", Some("t1"), 130.0, "ms")];
        let c = &compare(&slow, &base, &runs, &opts())[0];
        assert_eq!(c.verdict, Verdict::Regression);
        assert_eq!(c.test, Some(ComparisonTest::SingleValue));
        assert_eq!((c.baseline_runs, c.baseline_count, c.count), (10, 10, 1));
        assert!((c.change_pct.unwrap() - 30.0).abs() < 1e-9);
        assert!(c.p_value.unwrap() < 0.001);
        assert_eq!(c.recent.len(), 11);
        let fast = [value("now", "latency_ms", Some("t1"), 70.0, "ms")];
        assert_eq!(
            compare(&fast, &base, &runs, &opts())[0].verdict,
            Verdict::Improvement
        );
        // Higher is better, by configuration: the slow value improves.
        let mut o = opts();
        o.better.insert("latency_ms".into(), Better::Higher);
        assert_eq!(
            compare(&slow, &base, &runs, &o)[0].verdict,
            Verdict::Improvement
        );
    }

    #[test]
    fn noise_and_small_changes_do_not_count() {
        let (base, runs) = baseline("latency_ms", &NOISY, "ms");
        let noise = [value("now", "latency_ms", Some("t1"), 101.0, "ms")];
        let c = &compare(&noise, &base, &runs, &opts())[0];
        assert_eq!(c.verdict, Verdict::Unchanged);
        assert!(c.p_value.unwrap() > 0.05);
        // Significant but under the minimum change: still noise.
        let flat: Vec<f64> = vec![100.0; 10];
        let (base, runs) = baseline("latency_ms", &flat, "ms");
        let tiny = [value("now", "latency_ms", Some("t1"), 103.0, "ms")];
        let c = &compare(&tiny, &base, &runs, &opts())[0];
        assert_eq!(c.p_value, Some(0.0));
        assert_eq!(c.verdict, Verdict::Unchanged);
        let o = CompareOptions {
            min_change_pct: 2.0,
            ..opts()
        };
        assert_eq!(
            compare(&tiny, &base, &runs, &o)[0].verdict,
            Verdict::Regression
        );
    }

    #[test]
    fn the_test_depends_on_sample_size_and_shape() {
        let (base, runs) = baseline("x_ms", &NOISY, "ms");
        let many: Vec<MetricValue> = [120.0, 121.0, 119.0, 120.5, 119.5, 120.2]
            .iter()
            .map(|v| value("now", "x_ms", Some("t1"), *v, "ms"))
            .collect();
        let c = &compare(&many, &base, &runs, &opts())[0];
        assert_eq!(c.test, Some(ComparisonTest::Welch));
        assert_eq!(c.verdict, Verdict::Regression);
        let few = &many[..3];
        let c = &compare(few, &base, &runs, &opts())[0];
        assert_eq!(c.test, Some(ComparisonTest::MannWhitney));
        let expect = stats::mann_whitney_u(&NOISY, &[120.0, 121.0, 119.0], 0.05).unwrap();
        assert_eq!(c.p_value, Some(expect.p_value));
        let skewed: Vec<MetricValue> = [120.0, 120.5, 119.5, 120.2, 119.8, 400.0]
            .iter()
            .map(|v| value("now", "x_ms", Some("t1"), *v, "ms"))
            .collect();
        assert_eq!(
            compare(&skewed, &base, &runs, &opts())[0].test,
            Some(ComparisonTest::MannWhitney)
        );
    }

    #[test]
    fn new_metrics_and_other_tests_are_kept_apart() {
        let (base, runs) = baseline("latency_ms", &NOISY, "ms");
        let now = [
            value("now", "latency_ms", Some("t2"), 500.0, "ms"),
            value("now", "fresh", None, 1.0, ""),
        ];
        let out = compare(&now, &base, &runs, &opts());
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|c| c.verdict == Verdict::New));
        assert!(
            out.iter()
                .all(|c| c.baseline.is_none() && c.p_value.is_none())
        );
        assert_eq!(out[0].recent, [1.0]);
    }

    #[test]
    fn ordering_puts_regressions_first() {
        let mut base = Vec::new();
        let runs: Vec<String> = (0..10).map(|i| format!("b{i}")).collect();
        for (i, v) in NOISY.iter().enumerate() {
            for name in ["a_ms", "b_ms", "c_ms"] {
                base.push(value(&runs[i], name, None, *v, "ms"));
            }
        }
        let now = [
            value("now", "a_ms", None, 100.0, "ms"),
            value("now", "b_ms", None, 60.0, "ms"),
            value("now", "c_ms", None, 150.0, "ms"),
        ];
        let out = compare(&now, &base, &runs, &opts());
        let verdicts: Vec<(&str, Verdict)> =
            out.iter().map(|c| (c.name.as_str(), c.verdict)).collect();
        assert_eq!(
            verdicts,
            [
                ("c_ms", Verdict::Regression),
                ("b_ms", Verdict::Improvement),
                ("a_ms", Verdict::Unchanged)
            ]
        );
    }

    #[test]
    fn sparkline_and_skewness() {
        assert_eq!(sparkline(&[1.0, 2.0, 3.0, 8.0]), "▁▂▃█");
        assert_eq!(sparkline(&[5.0, 5.0]), "▄▄");
        assert_eq!(sparkline(&[1.0, f64::NAN, 2.0]), "▁·█");
        assert_eq!(sparkline(&[]), "");
        assert_eq!(skewness(&[1.0, 2.0]), None);
        assert_eq!(skewness(&[2.0, 2.0, 2.0]), None);
        assert!(skewness(&[1.0, 2.0, 3.0]).unwrap().abs() < 1e-12);
        assert!(skewness(&[1.0, 1.0, 1.0, 10.0]).unwrap() > 1.0);
    }
}
