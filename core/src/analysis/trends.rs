//! Performance trends of one metric over time: summary, direction, OLS
//! slope and regression detection, overall and per group.
//!
//! The store selects the points (one metric, one timeframe, a group label
//! per point); [`analyze`] does the rest in memory. Definitions:
//!
//! - **Direction** compares the mean of the later half of the points with
//!   the mean of the earlier half (points in time order; with an odd count
//!   the middle point belongs to neither half). The change is relative to
//!   the earlier half's mean; within `±stable_band` it is
//!   [`Direction::Stable`], otherwise improving or degrading according to
//!   [`Better`]. Halves rather than the slope, because a single outlier run
//!   moves a half-mean far less than it tilts a least-squares line.
//! - **Trend** is the OLS line of value against time in days since the
//!   group's first point, with the two-sided t-test of its slope
//!   ([`stats::ols_trend`]).
//! - **Regression** compares the latest run's values with the values of
//!   the `baseline_window` runs before it. Runs are ordered by their
//!   earliest point (then run key). With two or more latest values the test
//!   is Welch's t-test; with one, Student's t-test of a single value
//!   against the baseline ([`stats::single_value_t_test`]). It is a
//!   regression (`significant`) when `p < alpha` **and** the change is
//!   beyond the stable band in the worse direction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stats::{self, Summary, Trend, WelchResult};
use crate::error::{Error, Result};
use crate::time::parse_timestamp;

/// Milliseconds in a day: the unit of the trend's time axis.
const DAY_MS: i64 = 86_400_000;

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Smaller is better (times, memory, sizes, error counts).
    Lower,
    /// Larger is better (throughput, accuracy, scores).
    Higher,
}

/// Units of a rate (something per unit of time): higher is better.
const RATE_UNITS: &[&str] = &["hz", "fps", "qps", "rps", "tps", "iops", "ops"];
/// Units of time and size: lower is better.
const COST_UNITS: &[&str] = &[
    "ns", "us", "µs", "μs", "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute",
    "minutes", "h", "hr", "hrs", "hour", "hours", "b", "byte", "bytes", "kb", "kib", "mb", "mib",
    "gb", "gib", "tb", "tib",
];
/// Time units, as the denominator of a rate (`ops/s`, `requests per second`).
const TIME_WORDS: &[&str] = &[
    "ns", "us", "ms", "s", "sec", "secs", "second", "seconds", "min", "minute", "minutes", "h",
    "hr", "hour", "hours",
];
/// Words in a metric name that mean higher is better.
const HIGHER_WORDS: &[&str] = &[
    "throughput",
    "goodput",
    "bandwidth",
    "ops",
    "fps",
    "qps",
    "rps",
    "tps",
    "iops",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "auc",
    "score",
    "hit",
    "hits",
    "speedup",
    "speed",
];
impl Better {
    /// The default for a metric, from its unit first and then its name:
    ///
    /// 1. a rate unit (`<anything>/<time unit>` such as `ops/s` or `MB/s`,
    ///    or `hz`, `fps`, `qps`, `rps`, `tps`, `iops`, `ops`) → `Higher`;
    /// 2. a time or size unit (`ms`, `s`, `ns`, `us`, `bytes`, `kb`, `MiB`, ...) → `Lower`;
    /// 3. the name, split into lower-case words at every non-alphanumeric
    ///    character: `per` followed by a time unit (`requests_per_second`),
    ///    or one of the words `throughput`, `goodput`, `bandwidth`, `ops`,
    ///    `fps`, `qps`, `rps`, `tps`, `iops`, `accuracy`, `precision`,
    ///    `recall`, `f1`, `auc`, `score`, `hit`, `hits`, `speedup`, `speed`
    ///    → `Higher`;
    /// 4. anything else → `Lower`: times, durations, latency, memory,
    ///    sizes and error counts, which are most CI metrics.
    ///
    /// So a higher-is-better word wins over a cost word in a name:
    /// `throughput_mb` is `Higher`, `frame_time_ms` is `Lower`.
    pub fn default_for(metric_name: &str, unit: &str) -> Better {
        let unit = unit.trim().to_lowercase();
        if let Some((_, per)) = unit.rsplit_once('/') {
            if TIME_WORDS.contains(&per.trim()) {
                return Better::Higher;
            }
        }
        if RATE_UNITS.contains(&unit.as_str()) {
            return Better::Higher;
        }
        if COST_UNITS.contains(&unit.as_str()) {
            return Better::Lower;
        }
        let name = metric_name.to_lowercase();
        let words: Vec<&str> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let per_time = words
            .windows(2)
            .any(|w| w[0] == "per" && TIME_WORDS.contains(&w[1]));
        if per_time || words.iter().any(|w| HIGHER_WORDS.contains(w)) {
            return Better::Higher;
        }
        Better::Lower
    }

    /// Parses `lower` or `higher` (the per-metric configuration).
    ///
    /// Errors: `InvalidArgument` for anything else.
    pub fn parse(s: &str) -> Result<Better> {
        match s.trim() {
            "lower" => Ok(Better::Lower),
            "higher" => Ok(Better::Higher),
            other => Err(Error::invalid(format!(
                "unknown metric direction {other:?}: use \"lower\" (smaller is better) or \"higher\" (larger is better)"
            ))),
        }
    }

    /// `lower` or `higher`.
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
        }
    }
}

/// Where a metric is heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Moving the better way by more than the stable band.
    Improving,
    /// Moving the worse way by more than the stable band.
    Degrading,
    /// Within the stable band (or too few points to tell).
    Stable,
}

/// How the store labels each point's group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// By the run's (normalised) branch.
    Branch,
    /// By the run's commit SHA.
    Commit,
    /// By the test task's type.
    TaskType,
    /// By the test's stable id.
    Test,
}

impl Grouping {
    /// Parses `branch`, `commit`, `task_type` (or `task-type`) or `test`.
    ///
    /// Errors: `InvalidArgument` for anything else.
    pub fn parse(s: &str) -> Result<Grouping> {
        match s.trim() {
            "branch" => Ok(Grouping::Branch),
            "commit" => Ok(Grouping::Commit),
            "task_type" | "task-type" => Ok(Grouping::TaskType),
            "test" => Ok(Grouping::Test),
            other => Err(Error::invalid(format!(
                "unknown grouping {other:?}: use branch, commit, task_type or test"
            ))),
        }
    }

    /// `branch`, `commit`, `task_type` or `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::Branch => "branch",
            Grouping::Commit => "commit",
            Grouping::TaskType => "task_type",
            Grouping::Test => "test",
        }
    }
}

/// Which points a query covers, in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeframe {
    /// The last 24 hours (`1d`).
    Day,
    /// The last 7 days (`1w`).
    Week,
    /// The last 30 days (`1m`).
    Month,
    /// Everything (`all`).
    All,
    /// `[from_ms, to_ms)`: from inclusive, to exclusive, in ms since the epoch.
    Range {
        /// Start, inclusive.
        from_ms: i64,
        /// End, exclusive.
        to_ms: i64,
    },
}

impl Timeframe {
    /// Parses `1d`, `1w`, `1m` (30 days), `all`, or `FROM..TO` where both
    /// ends are timestamps [`parse_timestamp`] accepts (RFC 3339, or a bare
    /// date meaning midnight UTC). The range is half-open, so
    /// `2026-01-01..2026-02-01` is exactly January.
    ///
    /// Errors: `InvalidArgument` naming the bad part, for an unknown form,
    /// an unparsable timestamp, or a range whose end is not after its start.
    pub fn parse(s: &str) -> Result<Timeframe> {
        let s = s.trim();
        match s {
            "1d" => return Ok(Timeframe::Day),
            "1w" => return Ok(Timeframe::Week),
            "1m" => return Ok(Timeframe::Month),
            "all" => return Ok(Timeframe::All),
            _ => {}
        }
        let Some((from, to)) = s.split_once("..") else {
            return Err(Error::invalid(format!(
                "unknown timeframe {s:?}: use 1d, 1w, 1m, all, or FROM..TO with RFC 3339 timestamps (e.g. 2026-01-01..2026-02-01)"
            )));
        };
        let end = |label: &str, text: &str| {
            parse_timestamp(text).ok_or_else(|| {
                Error::invalid(format!(
                    "timeframe {s:?}: the {label} {text:?} is not a timestamp; write e.g. 2026-01-01 or 2026-01-01T12:00:00Z"
                ))
            })
        };
        let from_ms = end("start", from)?;
        let to_ms = end("end", to)?;
        if to_ms <= from_ms {
            return Err(Error::invalid(format!(
                "timeframe {s:?}: the end must be after the start"
            )));
        }
        Ok(Timeframe::Range { from_ms, to_ms })
    }

    /// The first millisecond covered, given the current time; `None` for `All`.
    pub fn start_ms(&self, now_ms: i64) -> Option<i64> {
        match *self {
            Timeframe::Day => Some(now_ms.saturating_sub(DAY_MS)),
            Timeframe::Week => Some(now_ms.saturating_sub(7 * DAY_MS)),
            Timeframe::Month => Some(now_ms.saturating_sub(30 * DAY_MS)),
            Timeframe::All => None,
            Timeframe::Range { from_ms, .. } => Some(from_ms),
        }
    }

    /// The first millisecond no longer covered: `Some` only for a range
    /// (relative timeframes run up to and past now).
    pub fn end_ms(&self) -> Option<i64> {
        match *self {
            Timeframe::Range { to_ms, .. } => Some(to_ms),
            _ => None,
        }
    }

    /// Whether a point recorded at `ms` falls in this timeframe at `now_ms`.
    pub fn contains(&self, ms: i64, now_ms: i64) -> bool {
        self.start_ms(now_ms).is_none_or(|start| ms >= start)
            && self.end_ms().is_none_or(|end| ms < end)
    }
}

/// One value of the metric, as the store hands it over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// When the value was recorded, ms since the epoch.
    pub recorded_at_ms: i64,
    /// The value (non-finite values are ignored).
    pub value: f64,
    /// The group label (branch, commit, task type or test id).
    pub group: String,
    /// The run the value belongs to.
    pub run_key: String,
}

/// Settings of [`analyze`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendOptions {
    /// Which way the metric improves.
    pub better: Better,
    /// Relative change treated as no change (`0.05` = ±5%).
    pub stable_band: f64,
    /// Significance level of the slope and regression tests.
    pub alpha: f64,
    /// How many runs before the latest form the regression baseline.
    pub baseline_window: usize,
    /// At most this many groups in the report (`None`: all).
    pub limit: Option<usize>,
}

impl TrendOptions {
    /// The defaults for a metric improving `better`: ±5% stable band,
    /// α = 0.05, a baseline of the previous 10 runs, no group limit.
    pub fn new(better: Better) -> TrendOptions {
        TrendOptions {
            better,
            stable_band: 0.05,
            alpha: 0.05,
            baseline_window: 10,
            limit: None,
        }
    }

    /// [`TrendOptions::new`] with [`Better::default_for`] the metric.
    pub fn for_metric(metric_name: &str, unit: &str) -> TrendOptions {
        TrendOptions::new(Better::default_for(metric_name, unit))
    }

    /// Checks the options.
    ///
    /// Errors: `InvalidArgument` when `stable_band` is negative or not
    /// finite, `alpha` is not strictly between 0 and 1, or
    /// `baseline_window` is 0.
    pub fn validate(&self) -> Result<()> {
        if !(self.stable_band.is_finite() && self.stable_band >= 0.0) {
            return Err(Error::invalid(format!(
                "stable band {} is not a non-negative fraction: use e.g. 0.05 for ±5%",
                self.stable_band
            )));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid(format!(
                "significance level {} is not between 0 and 1: use e.g. 0.05",
                self.alpha
            )));
        }
        if self.baseline_window == 0 {
            return Err(Error::invalid(
                "baseline window is 0 runs: use at least 1 (e.g. 10)",
            ));
        }
        Ok(())
    }
}

/// The test used for regression detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegressionTest {
    /// Welch's t-test (the latest run has two or more values).
    Welch,
    /// Student's t-test of one value against the baseline sample.
    SingleValue,
}

/// The latest run compared with the runs before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// Run key of the latest run.
    pub latest_run_key: String,
    /// Number of runs in the baseline (at most `baseline_window`).
    pub baseline_runs: usize,
    /// Number of values in the baseline.
    pub baseline_count: usize,
    /// Number of values in the latest run.
    pub latest_count: usize,
    /// Mean of the baseline values.
    pub baseline_mean: f64,
    /// Mean of the latest run's values.
    pub latest_mean: f64,
    /// `(latest_mean - baseline_mean) / |baseline_mean|`; `None` when the baseline mean is 0.
    pub change_ratio: Option<f64>,
    /// The change judged with the stable band and [`Better`].
    pub direction: Direction,
    /// Which t-test was used.
    pub test: RegressionTest,
    /// The t statistic (latest minus baseline; `null` in JSON when infinite).
    pub t: f64,
    /// Degrees of freedom.
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// A detected regression: `p_value < alpha` and `direction` is `Degrading`.
    pub significant: bool,
}

/// The analysis of one group of points (or of all of them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTrend {
    /// The group label; empty for the overall trend.
    pub group: String,
    /// Count, mean, min, max, standard deviation, p50, p95.
    pub summary: Summary,
    /// Number of distinct runs.
    pub runs: usize,
    /// Time of the earliest point, ms since the epoch.
    pub first_recorded_at_ms: i64,
    /// Time of the latest point, ms since the epoch.
    pub last_recorded_at_ms: i64,
    /// Mean of the earlier half of the points (`None` below two points).
    pub first_half_mean: Option<f64>,
    /// Mean of the later half of the points (`None` below two points).
    pub second_half_mean: Option<f64>,
    /// `(second_half_mean - first_half_mean) / |first_half_mean|`; `None`
    /// below two points or when the first half's mean is 0.
    pub change_ratio: Option<f64>,
    /// Improving, degrading or stable (see the module docs).
    pub direction: Direction,
    /// OLS of value against days since the first point; `None` below two
    /// distinct times.
    pub trend: Option<Trend>,
    /// The latest run against its baseline; `None` without a previous run
    /// or without enough values for a t-test (two baseline values, and one
    /// latest value).
    pub regression: Option<Regression>,
}

/// The result of [`analyze`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendReport {
    /// Which way the metric improves (as used).
    pub better: Better,
    /// Number of finite points analysed.
    pub points: usize,
    /// All points together; `None` when there are none.
    pub overall: Option<GroupTrend>,
    /// Per group, most recently active first (ties by label), at most `limit`.
    pub groups: Vec<GroupTrend>,
}

/// Analyses `points` (any order; non-finite values are left out): overall
/// and per group, as the module docs define.
///
/// Errors: `InvalidArgument` when the options are invalid
/// (see [`TrendOptions::validate`]).
pub fn analyze(points: &[TrendPoint], opts: &TrendOptions) -> Result<TrendReport> {
    opts.validate()?;
    let mut sorted: Vec<&TrendPoint> = points.iter().filter(|p| p.value.is_finite()).collect();
    sorted.sort_by(|a, b| {
        a.recorded_at_ms
            .cmp(&b.recorded_at_ms)
            .then_with(|| a.run_key.cmp(&b.run_key))
            .then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.value.total_cmp(&b.value))
    });
    let overall = analyze_group(String::new(), &sorted, opts);
    let mut by_group: BTreeMap<&str, Vec<&TrendPoint>> = BTreeMap::new();
    for p in &sorted {
        by_group.entry(p.group.as_str()).or_default().push(p);
    }
    let mut groups: Vec<GroupTrend> = by_group
        .into_iter()
        .filter_map(|(name, pts)| analyze_group(name.to_string(), &pts, opts))
        .collect();
    groups.sort_by(|a, b| {
        b.last_recorded_at_ms
            .cmp(&a.last_recorded_at_ms)
            .then_with(|| a.group.cmp(&b.group))
    });
    if let Some(limit) = opts.limit {
        groups.truncate(limit);
    }
    Ok(TrendReport {
        better: opts.better,
        points: sorted.len(),
        overall,
        groups,
    })
}

/// Analyses one group's points, already in time order and finite.
fn analyze_group(group: String, points: &[&TrendPoint], opts: &TrendOptions) -> Option<GroupTrend> {
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let summary = stats::summarize(&values)?;
    let first_ms = points.first()?.recorded_at_ms;
    let last_ms = points.last()?.recorded_at_ms;

    let half = values.len() / 2;
    let (first_half_mean, second_half_mean) = if half == 0 {
        (None, None)
    } else {
        (
            Some(mean(&values[..half])),
            Some(mean(&values[values.len() - half..])),
        )
    };
    let (direction, change_ratio) = match (first_half_mean, second_half_mean) {
        (Some(before), Some(after)) => judge(before, after, opts),
        _ => (Direction::Stable, None),
    };

    let days: Vec<f64> = points
        .iter()
        .map(|p| (p.recorded_at_ms - first_ms) as f64 / DAY_MS as f64)
        .collect();
    let trend = stats::ols_trend(&days, &values, opts.alpha);

    let runs = runs_in_order(points);
    let regression = detect_regression(&runs, opts);
    Some(GroupTrend {
        group,
        summary,
        runs: runs.len(),
        first_recorded_at_ms: first_ms,
        last_recorded_at_ms: last_ms,
        first_half_mean,
        second_half_mean,
        change_ratio,
        direction,
        trend,
        regression,
    })
}

/// One run's values within a group.
struct RunValues<'a> {
    key: &'a str,
    first_ms: i64,
    values: Vec<f64>,
}

/// The group's runs ordered by their earliest point, then run key.
fn runs_in_order<'a>(points: &[&'a TrendPoint]) -> Vec<RunValues<'a>> {
    let mut by_key: BTreeMap<&str, RunValues<'a>> = BTreeMap::new();
    for p in points {
        let run = by_key.entry(p.run_key.as_str()).or_insert(RunValues {
            key: p.run_key.as_str(),
            first_ms: p.recorded_at_ms,
            values: Vec::new(),
        });
        run.first_ms = run.first_ms.min(p.recorded_at_ms);
        run.values.push(p.value);
    }
    let mut runs: Vec<RunValues<'a>> = by_key.into_values().collect();
    runs.sort_by(|a, b| a.first_ms.cmp(&b.first_ms).then_with(|| a.key.cmp(b.key)));
    runs
}

/// Tests the last run against the `baseline_window` runs before it.
fn detect_regression(runs: &[RunValues<'_>], opts: &TrendOptions) -> Option<Regression> {
    let (latest, earlier) = runs.split_last()?;
    let baseline_runs = &earlier[earlier.len().saturating_sub(opts.baseline_window)..];
    if baseline_runs.is_empty() {
        return None;
    }
    let baseline: Vec<f64> = baseline_runs
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .collect();
    let (result, test): (WelchResult, RegressionTest) = match latest.values.as_slice() {
        [single] => (
            stats::single_value_t_test(&baseline, *single, opts.alpha)?,
            RegressionTest::SingleValue,
        ),
        many => (
            stats::welch_t_test(&baseline, many, opts.alpha)?,
            RegressionTest::Welch,
        ),
    };
    let (direction, change_ratio) = judge(result.baseline_mean, result.candidate_mean, opts);
    Some(Regression {
        latest_run_key: latest.key.to_string(),
        baseline_runs: baseline_runs.len(),
        baseline_count: baseline.len(),
        latest_count: latest.values.len(),
        baseline_mean: result.baseline_mean,
        latest_mean: result.candidate_mean,
        change_ratio,
        direction,
        test,
        t: result.t,
        df: result.df,
        p_value: result.p_value,
        significant: result.significant && direction == Direction::Degrading,
    })
}

/// The direction of a move from `before` to `after` and its relative size.
///
/// The ratio is `(after - before) / |before|` (`None` when `before` is 0).
/// Within the stable band, or no move at all, is `Stable`; a move from 0
/// to anything else is outside any band.
fn judge(before: f64, after: f64, opts: &TrendOptions) -> (Direction, Option<f64>) {
    let ratio = (before != 0.0).then(|| (after - before) / before.abs());
    let stable = match ratio {
        Some(r) => r.abs() <= opts.stable_band,
        None => after == before,
    };
    let direction = if stable {
        Direction::Stable
    } else if (after > before) == (opts.better == Better::Higher) {
        Direction::Improving
    } else {
        Direction::Degrading
    };
    (direction, ratio)
}

/// Mean of a non-empty slice.
fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(ms: i64, value: f64, group: &str, run: &str) -> TrendPoint {
        TrendPoint {
            recorded_at_ms: ms,
            value,
            group: group.to_string(),
            run_key: run.to_string(),
        }
    }

    #[test]
    fn better_defaults() {
        use Better::*;
        for (name, unit, want) in [
            ("frame_time", "ms", Lower),
            ("anything", "s", Lower),
            ("peak", "MiB", Lower),
            ("x", "bytes", Lower),
            ("requests", "ops/s", Higher),
            ("transfer", "MB/s", Higher),
            ("render", "fps", Higher),
            ("frame_time_ms", "", Lower),
            ("peak_memory", "", Lower),
            ("p99 latency", "", Lower),
            ("model_accuracy", "%", Higher),
            ("throughput_mb", "", Higher),
            ("requests_per_second", "", Higher),
            ("BenchScore", "", Lower),
            ("bench.score", "", Higher),
            ("widgets", "", Lower),
        ] {
            assert_eq!(Better::default_for(name, unit), want, "{name} [{unit}]");
        }
    }

    #[test]
    fn better_and_grouping_parse() {
        assert_eq!(Better::parse("higher").unwrap(), Better::Higher);
        assert_eq!(Better::parse(" lower ").unwrap(), Better::Lower);
        let err = Better::parse("up").unwrap_err();
        assert_eq!(err.kind(), crate::error::ErrorKind::InvalidArgument);
        assert!(err.message().contains("\"up\""));
        assert_eq!(Grouping::parse("task-type").unwrap(), Grouping::TaskType);
        assert_eq!(Grouping::parse("test").unwrap().as_str(), "test");
        assert!(Grouping::parse("suite").is_err());
        let higher: Better = serde_json::from_str("\"higher\"").unwrap();
        assert_eq!(higher, Better::Higher);
        let grouping: Grouping = serde_json::from_str("\"task_type\"").unwrap();
        assert_eq!(grouping, Grouping::TaskType);
    }

    #[test]
    fn timeframe_parse_and_bounds() {
        let now = 1_000 * DAY_MS;
        assert_eq!(
            Timeframe::parse("1d").unwrap().start_ms(now),
            Some(999 * DAY_MS)
        );
        assert_eq!(
            Timeframe::parse("1w").unwrap().start_ms(now),
            Some(993 * DAY_MS)
        );
        assert_eq!(
            Timeframe::parse("1m").unwrap().start_ms(now),
            Some(970 * DAY_MS)
        );
        assert_eq!(Timeframe::parse("all").unwrap().start_ms(now), None);
        let jan = Timeframe::parse("2026-01-01..2026-02-01T00:00:00Z").unwrap();
        assert_eq!(
            jan,
            Timeframe::Range {
                from_ms: 1_767_225_600_000,
                to_ms: 1_769_904_000_000
            }
        );
        assert!(jan.contains(1_767_225_600_000, now));
        assert!(!jan.contains(1_769_904_000_000, now));
        assert!(!jan.contains(1_767_225_599_999, now));
        assert!(Timeframe::Day.contains(now + 5, now));
        assert!(!Timeframe::Day.contains(999 * DAY_MS - 1, now));
        for bad in [
            "2d",
            "",
            "2026-02-01..2026-01-01",
            "2026-01-01..later",
            "x..2026-01-01",
        ] {
            let err = Timeframe::parse(bad).unwrap_err();
            assert_eq!(
                err.kind(),
                crate::error::ErrorKind::InvalidArgument,
                "{bad}"
            );
        }
        assert!(
            Timeframe::parse("later..2026-01-01")
                .unwrap_err()
                .message()
                .contains("start \"later\"")
        );
    }

    #[test]
    fn options_are_validated() {
        let ok = TrendOptions::new(Better::Lower);
        assert!(ok.validate().is_ok());
        for bad in [
            TrendOptions { alpha: 0.0, ..ok },
            TrendOptions { alpha: 1.0, ..ok },
            TrendOptions {
                stable_band: -0.1,
                ..ok
            },
            TrendOptions {
                stable_band: f64::NAN,
                ..ok
            },
            TrendOptions {
                baseline_window: 0,
                ..ok
            },
        ] {
            assert_eq!(
                analyze(&[], &bad).unwrap_err().kind(),
                crate::error::ErrorKind::InvalidArgument
            );
        }
    }

    #[test]
    fn empty_input_has_no_overall() {
        let report = analyze(
            &[point(0, f64::NAN, "main", "r1")],
            &TrendOptions::new(Better::Lower),
        )
        .unwrap();
        assert_eq!(report.points, 0);
        assert_eq!(report.overall, None);
        assert!(report.groups.is_empty());
    }

    #[test]
    fn direction_uses_half_means_and_band() {
        let opts = TrendOptions::new(Better::Lower);
        // 5 points: halves are [10, 10] and [11, 11]; the middle 50 is in neither.
        let pts: Vec<TrendPoint> = [10.0, 10.0, 50.0, 11.0, 11.0]
            .iter()
            .enumerate()
            .map(|(i, v)| point(i as i64 * DAY_MS, *v, "g", &format!("r{i}")))
            .collect();
        let report = analyze(&pts, &opts).unwrap();
        let overall = report.overall.unwrap();
        assert_eq!(overall.first_half_mean, Some(10.0));
        assert_eq!(overall.second_half_mean, Some(11.0));
        assert_eq!(overall.change_ratio, Some(0.1));
        assert_eq!(overall.direction, Direction::Degrading);
        let higher = analyze(&pts, &TrendOptions::new(Better::Higher)).unwrap();
        assert_eq!(higher.overall.unwrap().direction, Direction::Improving);
        let wide = TrendOptions {
            stable_band: 0.1,
            ..opts
        };
        assert_eq!(
            analyze(&pts, &wide).unwrap().overall.unwrap().direction,
            Direction::Stable
        );
    }

    #[test]
    fn direction_from_zero_baseline() {
        let opts = TrendOptions::new(Better::Lower);
        let zeros = [point(0, 0.0, "g", "a"), point(1, 0.0, "g", "b")];
        let g = analyze(&zeros, &opts).unwrap().overall.unwrap();
        assert_eq!((g.direction, g.change_ratio), (Direction::Stable, None));
        let up = [point(0, 0.0, "g", "a"), point(1, 2.0, "g", "b")];
        let g = analyze(&up, &opts).unwrap().overall.unwrap();
        assert_eq!((g.direction, g.change_ratio), (Direction::Degrading, None));
        let single = analyze(&[point(0, 3.0, "g", "a")], &opts)
            .unwrap()
            .overall
            .unwrap();
        assert_eq!(single.direction, Direction::Stable);
        assert_eq!(single.trend, None);
        assert_eq!(single.regression, None);
        assert_eq!(single.first_half_mean, None);
    }

    #[test]
    fn regression_single_value_against_constant_baseline() {
        // Memory is often exactly constant: a change is then certain.
        let mut pts: Vec<TrendPoint> = (0..4)
            .map(|i| point(i * DAY_MS, 1000.0, "main", &format!("r{i}")))
            .collect();
        pts.push(point(4 * DAY_MS, 1200.0, "main", "r4"));
        let opts = TrendOptions {
            baseline_window: 3,
            ..TrendOptions::new(Better::Lower)
        };
        let g = analyze(&pts, &opts).unwrap().overall.unwrap();
        let reg = g.regression.unwrap();
        assert_eq!(reg.latest_run_key, "r4");
        assert_eq!(
            (reg.baseline_runs, reg.baseline_count, reg.latest_count),
            (3, 3, 1)
        );
        assert_eq!((reg.baseline_mean, reg.latest_mean), (1000.0, 1200.0));
        assert_eq!(reg.change_ratio, Some(0.2));
        assert_eq!(reg.direction, Direction::Degrading);
        assert_eq!(reg.test, RegressionTest::SingleValue);
        assert_eq!((reg.t, reg.df, reg.p_value), (f64::INFINITY, 2.0, 0.0));
        assert!(reg.significant);
        // Higher is better: the same data is a significant improvement, not a regression.
        let higher = TrendOptions {
            better: Better::Higher,
            ..opts
        };
        let reg = analyze(&pts, &higher)
            .unwrap()
            .overall
            .unwrap()
            .regression
            .unwrap();
        assert_eq!(reg.direction, Direction::Improving);
        assert_eq!((reg.p_value, reg.significant), (0.0, false));
    }

    #[test]
    fn regression_within_band_is_not_significant() {
        let mut pts: Vec<TrendPoint> = (0..3)
            .map(|i| point(i, 100.0, "g", &format!("r{i}")))
            .collect();
        pts.push(point(10, 101.0, "g", "r9"));
        let reg = analyze(&pts, &TrendOptions::new(Better::Lower))
            .unwrap()
            .overall
            .unwrap()
            .regression
            .unwrap();
        assert_eq!(reg.p_value, 0.0);
        assert_eq!(reg.direction, Direction::Stable);
        assert!(!reg.significant);
    }

    #[test]
    fn regression_needs_two_baseline_values() {
        let pts = [point(0, 1.0, "g", "a"), point(1, 5.0, "g", "b")];
        let g = analyze(&pts, &TrendOptions::new(Better::Lower))
            .unwrap()
            .overall
            .unwrap();
        assert_eq!(g.regression, None);
        assert_eq!(g.runs, 2);
    }

    #[test]
    fn regression_uses_welch_for_multi_value_runs_and_the_window() {
        // Runs a..d have two values each; only the last 2 runs before "e" form the baseline.
        let mut pts = Vec::new();
        for (i, (run, vals)) in [
            ("a", [500.0, 500.0]),
            ("b", [500.0, 500.0]),
            ("c", [10.0, 12.0]),
            ("d", [11.0, 13.0]),
            ("e", [20.0, 22.0]),
        ]
        .iter()
        .enumerate()
        {
            for v in vals {
                pts.push(point(i as i64 * 1000, *v, "g", run));
            }
        }
        let opts = TrendOptions {
            baseline_window: 2,
            ..TrendOptions::new(Better::Lower)
        };
        let reg = analyze(&pts, &opts)
            .unwrap()
            .overall
            .unwrap()
            .regression
            .unwrap();
        let expect = stats::welch_t_test(&[10.0, 12.0, 11.0, 13.0], &[20.0, 22.0], 0.05).unwrap();
        assert_eq!(reg.test, RegressionTest::Welch);
        assert_eq!(
            (reg.baseline_runs, reg.baseline_count, reg.latest_count),
            (2, 4, 2)
        );
        assert_eq!((reg.baseline_mean, reg.latest_mean), (11.5, 21.0));
        assert_eq!(
            (reg.t, reg.df, reg.p_value),
            (expect.t, expect.df, expect.p_value)
        );
        assert_eq!(reg.significant, expect.significant);
    }

    #[test]
    fn groups_are_ordered_by_recency_and_limited() {
        let pts = [
            point(5, 1.0, "main", "r1"),
            point(9, 2.0, "feature", "r2"),
            point(9, 3.0, "alpha", "r3"),
            point(1, 4.0, "old", "r0"),
        ];
        let report = analyze(&pts, &TrendOptions::new(Better::Lower)).unwrap();
        let names: Vec<&str> = report.groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["alpha", "feature", "main", "old"]);
        let overall = report.overall.unwrap();
        assert_eq!(overall.group, "");
        assert_eq!(overall.runs, 4);
        assert_eq!(
            (overall.first_recorded_at_ms, overall.last_recorded_at_ms),
            (1, 9)
        );
        let limited = TrendOptions {
            limit: Some(2),
            ..TrendOptions::new(Better::Lower)
        };
        let names: Vec<String> = analyze(&pts, &limited)
            .unwrap()
            .groups
            .into_iter()
            .map(|g| g.group)
            .collect();
        assert_eq!(names, ["alpha", "feature"]);
    }

    #[test]
    fn input_order_does_not_matter() {
        let pts: Vec<TrendPoint> = (0..12)
            .map(|i| {
                point(
                    (i % 5) * 3_600_000,
                    (i * 7 % 11) as f64,
                    ["a", "b"][i as usize % 2],
                    &format!("r{}", i % 5),
                )
            })
            .collect();
        let mut reversed = pts.clone();
        reversed.reverse();
        let opts = TrendOptions::new(Better::Lower);
        assert_eq!(
            analyze(&pts, &opts).unwrap(),
            analyze(&reversed, &opts).unwrap()
        );
    }

    #[test]
    fn report_serializes() {
        let pts = [
            point(0, 1.0, "main", "r1"),
            point(DAY_MS, 2.0, "main", "r2"),
        ];
        let report = analyze(&pts, &TrendOptions::new(Better::Lower)).unwrap();
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["better"], "lower");
        assert_eq!(json["overall"]["direction"], "degrading");
        assert_eq!(json["groups"][0]["group"], "main");
        assert_eq!(json["overall"]["trend"]["slope"], 1.0);
        assert_eq!(
            serde_json::to_value(Timeframe::Range {
                from_ms: 1,
                to_ms: 2
            })
            .unwrap(),
            serde_json::json!({"range": {"from_ms": 1, "to_ms": 2}})
        );
    }
}
