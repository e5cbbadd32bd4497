//! Descriptive statistics and the hypothesis tests the trend and
//! regression analyses use: the t-test on an OLS slope, Welch's two-sample
//! t-test, Student's single-value t-test and the Mann–Whitney U test.
//!
//! Every function takes plain slices and returns plain data. Non-finite
//! values (NaN, ±∞) carry no measurement, so they are left out before any
//! computation (for [`ols_trend`], the whole `(x, y)` pair is left out).
//! The Student t distribution comes from `statrs`.
//!
//! Degenerate inputs have one documented answer each:
//! - too few values for the statistic to exist: `None`;
//! - a test whose statistic is `0/0` (no spread and no difference): the
//!   null hypothesis stands, `p_value = 1.0`;
//! - a test whose statistic is `d/0` with `d ≠ 0` (no spread but a
//!   difference): the difference is certain, `t = ±∞`, `p_value = 0.0`
//!   (serialized to JSON, an infinite `t` becomes `null`).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Count, location and spread of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Number of finite values summarized.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Sample standard deviation (divisor `n - 1`); `0.0` for a single value.
    pub std_dev: f64,
    /// Median (50th percentile, linear interpolation; see [`percentile`]).
    pub p50: f64,
    /// 95th percentile (linear interpolation; see [`percentile`]).
    pub p95: f64,
}

/// Summarizes the finite values of `values`.
///
/// Returns `None` when there is no finite value. With one value the sample
/// standard deviation does not exist; it is reported as `0.0` (no spread
/// was observed) so that a single run still renders.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    let mut sorted: Vec<f64> = finite(values);
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let count = sorted.len();
    let mean = mean_of(&sorted);
    let std_dev = if count < 2 {
        0.0
    } else {
        sample_variance(&sorted, mean).sqrt()
    };
    Some(Summary {
        count,
        mean,
        min: sorted[0],
        max: sorted[count - 1],
        std_dev,
        p50: percentile_of_sorted(&sorted, 0.50),
        p95: percentile_of_sorted(&sorted, 0.95),
    })
}

/// The `q`-quantile (`q` in `[0, 1]`, clamped) of the finite values of
/// `values`, `None` when there is none.
///
/// Definition: linear interpolation between order statistics, the same as
/// numpy's default (`method="linear"`, Hyndman & Fan type 7). With the
/// values sorted ascending as `x[0..n]`, let `h = (n - 1)·q`, `i = ⌊h⌋`;
/// the result is `x[i] + (h - i)·(x[i+1] - x[i])` (just `x[i]` when
/// `i = n - 1`).
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted = finite(values);
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(percentile_of_sorted(&sorted, q))
}

/// A least-squares line through `(x, y)` points and the test of its slope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Trend {
    /// Change of `y` per unit of `x`.
    pub slope: f64,
    /// `y` at `x = 0`.
    pub intercept: f64,
    /// Coefficient of determination (square of Pearson's r); `0.0` when `y` is constant.
    pub r_squared: f64,
    /// Two-sided p-value of the slope against zero (Student t, `n - 2` degrees of freedom).
    pub p_value: f64,
    /// Number of points used.
    pub count: usize,
    /// `p_value < alpha`.
    pub significant: bool,
}

/// Fits `y = intercept + slope·x` by ordinary least squares and tests the
/// slope against zero with a two-sided t-test on `n - 2` degrees of freedom
/// (the same test as `scipy.stats.linregress`).
///
/// Pairs where either coordinate is not finite are left out. Returns `None`
/// when `xs` and `ys` differ in length, when fewer than two pairs remain, or
/// when every `x` is equal (no line is defined).
///
/// Degenerate cases:
/// - every `y` equal: slope `0`, `r_squared = 0.0`, `p_value = 1.0`;
/// - exactly two points with different `y`: the line fits exactly but no
///   degree of freedom is left to test it, so `p_value = 1.0` (not
///   significant; scipy reports `0.0` here);
/// - three or more points exactly on a sloped line: `p_value = 0.0`.
pub fn ols_trend(xs: &[f64], ys: &[f64], alpha: f64) -> Option<Trend> {
    if xs.len() != ys.len() {
        return None;
    }
    let (x, y): (Vec<f64>, Vec<f64>) = xs
        .iter()
        .zip(ys)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (*x, *y))
        .unzip();
    let n = x.len();
    if n < 2 {
        return None;
    }
    let mean_x = mean_of(&x);
    let mean_y = mean_of(&y);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (xi, yi) in x.iter().zip(&y) {
        let dx = xi - mean_x;
        let dy = yi - mean_y;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let r = if syy == 0.0 {
        0.0
    } else {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    };
    let dof = n as f64 - 2.0;
    let p_value = if r == 0.0 || n == 2 {
        1.0
    } else if r.abs() == 1.0 {
        0.0
    } else {
        let t = r * (dof / ((1.0 - r) * (1.0 + r))).sqrt();
        two_sided_p(t, dof)
    };
    Some(Trend {
        slope,
        intercept,
        r_squared: r * r,
        p_value,
        count: n,
        significant: p_value < alpha,
    })
}

/// The outcome of a two-sample t-test of a candidate against a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WelchResult {
    /// The t statistic, `(candidate_mean - baseline_mean) / standard error`;
    /// positive when the candidate is larger. `±∞` when there is no spread
    /// but the means differ.
    pub t: f64,
    /// Degrees of freedom of the t distribution used.
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// `p_value < alpha`.
    pub significant: bool,
    /// Mean of the baseline's finite values.
    pub baseline_mean: f64,
    /// Mean of the candidate's finite values.
    pub candidate_mean: f64,
}

/// Welch's unequal-variance t-test of `candidate` against `baseline`, two
/// sided, with Welch–Satterthwaite degrees of freedom (the same test as
/// `scipy.stats.ttest_ind(baseline, candidate, equal_var=False)`, with `t`'s
/// sign flipped so that a larger candidate gives a positive `t`).
///
/// Returns `None` unless each sample has at least two finite values (a
/// sample variance needs two). When both samples have zero variance the
/// Satterthwaite formula is `0/0`; `df` is then reported as
/// `n_baseline + n_candidate - 2` and the result follows the module rules:
/// equal means give `t = 0`, `p_value = 1.0`; different means give
/// `t = ±∞`, `p_value = 0.0`.
pub fn welch_t_test(baseline: &[f64], candidate: &[f64], alpha: f64) -> Option<WelchResult> {
    let base = finite(baseline);
    let cand = finite(candidate);
    if base.len() < 2 || cand.len() < 2 {
        return None;
    }
    let (n1, n2) = (base.len() as f64, cand.len() as f64);
    let (m1, m2) = (mean_of(&base), mean_of(&cand));
    let se1 = sample_variance(&base, m1) / n1;
    let se2 = sample_variance(&cand, m2) / n2;
    let se_sq = se1 + se2;
    let df = if se_sq == 0.0 {
        n1 + n2 - 2.0
    } else {
        se_sq * se_sq / (se1 * se1 / (n1 - 1.0) + se2 * se2 / (n2 - 1.0))
    };
    Some(t_result(m1, m2, se_sq.sqrt(), df, alpha))
}

/// Student's t-test of one new value against a baseline sample: is `value`
/// plausibly another draw from the baseline's population?
///
/// `t = (value - mean) / (s·√(1 + 1/n))` with `n - 1` degrees of freedom,
/// where `mean`, `s` and `n` are the baseline's. This is exactly Student's
/// pooled two-sample t-test with a one-value candidate
/// (`scipy.stats.ttest_ind(baseline, [value], equal_var=True)`), the test
/// to use when Welch's cannot be (a single value has no variance).
///
/// Returns `None` when `value` is not finite or the baseline has fewer than
/// two finite values. A baseline with zero variance follows the module rules
/// (`p_value = 1.0` when `value` equals its mean, otherwise `t = ±∞`,
/// `p_value = 0.0`).
pub fn single_value_t_test(baseline: &[f64], value: f64, alpha: f64) -> Option<WelchResult> {
    let base = finite(baseline);
    if base.len() < 2 || !value.is_finite() {
        return None;
    }
    let n = base.len() as f64;
    let mean = mean_of(&base);
    let se = (sample_variance(&base, mean) * (1.0 + 1.0 / n)).sqrt();
    Some(t_result(mean, value, se, n - 1.0, alpha))
}

/// How [`mann_whitney_u`] computed its p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MannWhitneyMethod {
    /// The exact null distribution of U (no ties, and one sample has at
    /// most 8 values).
    Exact,
    /// The normal approximation with tie and continuity corrections.
    Asymptotic,
}

/// The outcome of a Mann–Whitney U test of a candidate against a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitneyResult {
    /// The candidate's U: the number of (candidate, baseline) pairs where
    /// the candidate value is larger, ties counting one half.
    pub u: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Exact or normal approximation.
    pub method: MannWhitneyMethod,
    /// `p_value < alpha`.
    pub significant: bool,
}

/// The two-sided Mann–Whitney U (Wilcoxon rank-sum) test of `candidate`
/// against `baseline`: do the two samples come from one distribution? It
/// assumes no distribution shape, so it suits small and skewed samples
/// where a t-test's normality assumption does not hold.
///
/// The same test as `scipy.stats.mannwhitneyu(candidate, baseline,
/// alternative="two-sided")` with its defaults (`method="auto"`,
/// `use_continuity=True`):
/// - **exact** when there are no ties and one sample has at most 8 values:
///   `p = 2·P(U ≥ max(U₁, U₂))` under the exact null distribution (the
///   coefficients of the Gaussian binomial `[n₁+n₂ choose n₁]`), capped at 1;
/// - otherwise the **normal approximation**: `z = (max(U₁, U₂) − n₁n₂/2 −
///   ½) / σ` with `σ² = n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1)))` (`t` the
///   size of each group of tied values), `p = 2·(1 − Φ(z))`, capped at 1.
///   Every value tied (`σ = 0`) gives `p = 1`.
///
/// Non-finite values are left out. Returns `None` when either sample has
/// no finite value.
pub fn mann_whitney_u(
    baseline: &[f64],
    candidate: &[f64],
    alpha: f64,
) -> Option<MannWhitneyResult> {
    let base = finite(baseline);
    let cand = finite(candidate);
    if base.is_empty() || cand.is_empty() {
        return None;
    }
    let (n1, n2) = (cand.len(), base.len());
    // Average ranks over the pooled sample; candidate first.
    let mut pooled: Vec<(f64, bool)> = cand
        .iter()
        .map(|v| (*v, true))
        .chain(base.iter().map(|v| (*v, false)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < pooled.len() {
        let mut j = i;
        while j + 1 < pooled.len() && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let rank = (i + j + 2) as f64 / 2.0;
        let in_candidate = pooled[i..=j].iter().filter(|p| p.1).count();
        rank_sum += rank * in_candidate as f64;
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = rank_sum - f1 * (f1 + 1.0) / 2.0;
    let u = u1.max(f1 * f2 - u1);
    let ties = tie_term > 0.0;
    let (p, method) = if (n1 <= 8 || n2 <= 8) && !ties {
        // Without ties U is an integer.
        let k = (f1 * f2 - u).round() as usize;
        (
            2.0 * exact_u_cdf(n1.min(n2), n1.max(n2), k),
            MannWhitneyMethod::Exact,
        )
    } else {
        let n = f1 + f2;
        let sigma = (f1 * f2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
        let p = if sigma > 0.0 && sigma.is_finite() {
            let z = (u - f1 * f2 / 2.0 - 0.5) / sigma;
            match Normal::new(0.0, 1.0) {
                Ok(normal) => 2.0 * normal.sf(z),
                Err(_) => 1.0,
            }
        } else {
            1.0
        };
        (p, MannWhitneyMethod::Asymptotic)
    };
    let p_value = p.clamp(0.0, 1.0);
    Some(MannWhitneyResult {
        u: u1,
        p_value,
        method,
        significant: p_value < alpha,
    })
}

/// `P(U ≤ k)` under the null hypothesis for samples of sizes `m ≤ n`
/// without ties: the first `k + 1` coefficients of the Gaussian binomial
/// `∏ᵢ₌₁..ₘ (1 − q^(n+i)) / (1 − q^i)`, divided by their total `C(m+n, m)`.
fn exact_u_cdf(m: usize, n: usize, k: usize) -> f64 {
    let degree = m * n;
    let mut freq = vec![0.0f64; degree + 1];
    freq[0] = 1.0;
    for i in 1..=m {
        // Multiply by (1 - q^(n+i)), from the top down.
        let shift = n + i;
        for u in (shift..=degree).rev() {
            freq[u] -= freq[u - shift];
        }
        // Divide by (1 - q^i): a running sum with stride i.
        for u in i..=degree {
            freq[u] += freq[u - i];
        }
    }
    let total: f64 = freq.iter().sum();
    let below: f64 = freq[..=k.min(degree)].iter().sum();
    below / total
}

/// Builds a [`WelchResult`] from the means, the standard error of their
/// difference and the degrees of freedom, applying the degenerate rules.
fn t_result(baseline_mean: f64, candidate_mean: f64, se: f64, df: f64, alpha: f64) -> WelchResult {
    let diff = candidate_mean - baseline_mean;
    let (t, p_value) = if se > 0.0 {
        let t = diff / se;
        (t, two_sided_p(t, df))
    } else if diff == 0.0 {
        (0.0, 1.0)
    } else {
        (f64::INFINITY.copysign(diff), 0.0)
    };
    WelchResult {
        t,
        df,
        p_value,
        significant: p_value < alpha,
        baseline_mean,
        candidate_mean,
    }
}

/// Two-sided p-value `P(|T| ≥ |t|)` for Student's t with `df` degrees of
/// freedom. `0.0` for an infinite `t`; `1.0` when the distribution is
/// undefined (`df` not positive, or `t` NaN), i.e. no evidence.
fn two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_infinite() {
        return 0.0;
    }
    if t.is_nan() {
        return 1.0;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(dist) => (2.0 * dist.sf(t.abs())).min(1.0),
        Err(_) => 1.0,
    }
}

/// The finite values of `values`, in order.
fn finite(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

/// Mean of a non-empty slice.
fn mean_of(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample variance (divisor `n - 1`) around `mean`, by the two-pass formula;
/// needs at least two values.
fn sample_variance(values: &[f64], mean: f64) -> f64 {
    let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
    ss / (values.len() as f64 - 1.0)
}

/// Linear-interpolation quantile of a sorted, non-empty slice.
fn percentile_of_sorted(sorted: &[f64], q: f64) -> f64 {
    let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
    let h = (sorted.len() - 1) as f64 * q;
    let lower = h.floor() as usize;
    let frac = h - lower as f64;
    match sorted.get(lower + 1) {
        Some(upper) if frac > 0.0 => sorted[lower] + frac * (upper - sorted[lower]),
        _ => sorted[lower],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_small_sample() {
        let s = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.count, 4);
        assert_eq!(s.mean, 2.5);
        assert_eq!((s.min, s.max), (1.0, 4.0));
        // Sample variance = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3.
        assert_eq!(s.std_dev, (5.0f64 / 3.0).sqrt());
        assert_eq!(s.p50, 2.5);
        // h = 3 · 0.95 = 2.85 → 3 + 0.85 · (4 - 3).
        assert!((s.p95 - 3.85).abs() < 1e-15);
    }

    #[test]
    fn summary_degenerate_inputs() {
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[f64::NAN, f64::INFINITY]), None);
        let one = summarize(&[7.0, f64::NAN]).unwrap();
        assert_eq!(one.count, 1);
        assert_eq!(one.std_dev, 0.0);
        assert_eq!((one.mean, one.p50, one.p95), (7.0, 7.0, 7.0));
    }

    #[test]
    fn percentile_edges() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 0.0), Some(1.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 1.0), Some(3.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 2.0), Some(3.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 0.25), Some(1.5));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn ols_degenerate_inputs() {
        assert_eq!(ols_trend(&[1.0], &[1.0], 0.05), None);
        assert_eq!(ols_trend(&[1.0, 2.0], &[1.0], 0.05), None);
        assert_eq!(ols_trend(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0], 0.05), None);

        let flat = ols_trend(&[0.0, 1.0, 2.0], &[5.0, 5.0, 5.0], 0.05).unwrap();
        assert_eq!((flat.slope, flat.intercept), (0.0, 5.0));
        assert_eq!(
            (flat.r_squared, flat.p_value, flat.significant),
            (0.0, 1.0, false)
        );

        let two = ols_trend(&[0.0, 2.0], &[1.0, 5.0], 0.05).unwrap();
        assert_eq!((two.slope, two.intercept, two.r_squared), (2.0, 1.0, 1.0));
        assert_eq!((two.p_value, two.significant), (1.0, false));

        let exact = ols_trend(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0], 0.05).unwrap();
        assert_eq!(
            (exact.slope, exact.intercept, exact.r_squared),
            (2.0, 1.0, 1.0)
        );
        assert_eq!((exact.p_value, exact.significant), (0.0, true));

        let skipped = ols_trend(&[0.0, f64::NAN, 1.0, 2.0], &[1.0, 9.0, 3.0, 5.0], 0.05).unwrap();
        assert_eq!(skipped.count, 3);
        assert_eq!(skipped.slope, 2.0);
    }

    #[test]
    fn welch_degenerate_inputs() {
        assert_eq!(welch_t_test(&[1.0], &[1.0, 2.0], 0.05), None);
        assert_eq!(welch_t_test(&[1.0, 2.0], &[f64::NAN, 2.0], 0.05), None);

        let same = welch_t_test(&[3.0, 3.0], &[3.0, 3.0, 3.0], 0.05).unwrap();
        assert_eq!(
            (same.t, same.df, same.p_value, same.significant),
            (0.0, 3.0, 1.0, false)
        );

        let apart = welch_t_test(&[3.0, 3.0], &[4.0, 4.0, 4.0], 0.05).unwrap();
        assert_eq!(
            (apart.t, apart.df, apart.p_value),
            (f64::INFINITY, 3.0, 0.0)
        );
        assert!(apart.significant);
        assert_eq!((apart.baseline_mean, apart.candidate_mean), (3.0, 4.0));

        // One constant sample: Satterthwaite reduces to the other's n - 1.
        let one_flat = welch_t_test(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0, 4.0], 0.05).unwrap();
        assert_eq!(one_flat.df, 3.0);
    }

    #[test]
    fn single_value_degenerate_inputs() {
        assert_eq!(single_value_t_test(&[1.0], 1.0, 0.05), None);
        assert_eq!(single_value_t_test(&[1.0, 2.0], f64::NAN, 0.05), None);
        let same = single_value_t_test(&[2.0, 2.0, 2.0], 2.0, 0.05).unwrap();
        assert_eq!((same.t, same.df, same.p_value), (0.0, 2.0, 1.0));
        let lower = single_value_t_test(&[2.0, 2.0, 2.0], 1.0, 0.05).unwrap();
        assert_eq!((lower.t, lower.p_value), (f64::NEG_INFINITY, 0.0));
    }

    #[test]
    fn infinite_t_serializes_as_null() {
        let apart = welch_t_test(&[3.0, 3.0], &[4.0, 4.0], 0.05).unwrap();
        let json = serde_json::to_value(apart).unwrap();
        assert_eq!(json["t"], serde_json::Value::Null);
        assert_eq!(json["p_value"], 0.0);
    }
}
