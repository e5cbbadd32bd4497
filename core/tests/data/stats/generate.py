#!/usr/bin/env python3
"""Writes expected.json: reference values for testrelay's statistics,
computed independently with numpy and scipy.

Run from anywhere:  python3 generate.py   (needs numpy and scipy)
The Rust test core/tests/analysis_stats.rs compares against the output.

Conventions mirrored from the Rust side (see history/analysis/stats.rs):
- std_dev is the sample standard deviation (ddof=1);
- percentiles use numpy's default linear interpolation;
- Welch's t is reported as candidate minus baseline, so it is the negated
  t of scipy.stats.ttest_ind(baseline, candidate, equal_var=False);
- the single-value test is Student's pooled t-test with a one-element
  candidate, ttest_ind(baseline, [value], equal_var=True), again negated.
- the trend case uses x = days since the first point (86 400 000 ms).
- Mann-Whitney U is mannwhitneyu(candidate, baseline, alternative="two-sided")
  with scipy's defaults (method="auto": exact without ties when a sample has
  at most 8 values, else the normal approximation with tie and continuity
  corrections); "method" records which one scipy chose.
"""

import json
import os

import numpy as np
import scipy
from scipy import stats

SUMMARY_SETS = {
    "single": [42.5],
    "pair": [1.0, 3.0],
    "odd": [12.1, 11.8, 12.6, 13.0, 11.9, 12.4, 12.2],
    "even_unsorted": [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 10.0],
    "negative_and_large": [-1.5e6, 2.25e6, 3.0e5, -7.5e5, 1.0e6, 4.4e6],
    "timings_ms": [101.3, 98.7, 102.9, 99.4, 100.1, 97.8, 103.6, 100.0, 99.9, 101.1, 250.4],
}

REGRESSION_SETS = {
    "rising": (
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        [10.2, 10.9, 11.1, 12.3, 12.8, 13.1, 14.2, 14.6],
    ),
    "noisy_flat": (
        [0.0, 1.5, 2.0, 4.25, 5.0, 7.5, 8.0, 9.75, 11.0],
        [50.1, 49.2, 51.3, 48.7, 50.9, 49.8, 50.4, 51.0, 49.5],
    ),
    "falling_three": ([0.0, 1.0, 3.0], [9.0, 7.5, 2.0]),
    "days_fractional": (
        [0.0, 0.25, 0.5, 1.75, 2.0, 3.125, 4.5, 6.0, 6.5, 7.0, 9.0, 12.0],
        [3.1, 2.9, 3.4, 3.3, 3.8, 3.6, 4.1, 4.0, 4.6, 4.2, 5.1, 5.9],
    ),
}

WELCH_SETS = {
    "clear_shift": ([100.0, 102.0, 98.0, 101.0, 99.0], [110.0, 112.0, 109.0, 111.5]),
    "equal_means": ([5.1, 4.9, 5.3, 5.0, 4.8, 5.2], [5.0, 5.2, 4.9, 5.1]),
    "unequal_variance": ([1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.02], [0.5, 1.9, 1.4, 0.7, 2.1]),
    "minimal": ([1.0, 2.0], [3.0, 5.0]),
}

SINGLE_VALUE_SETS = {
    "outlier": ([100.0, 102.0, 98.0, 101.0, 99.0], 108.0),
    "typical": ([10.0, 12.0, 11.0, 9.0], 11.2),
    "below": ([3.3, 3.1, 3.6, 3.4, 3.2, 3.5], 2.9),
}

MANN_WHITNEY_SETS = {
    # exact: no ties, small samples
    "exact_shift": ([10.1, 10.4, 9.8, 10.0, 10.2, 9.9], [11.5, 12.0, 11.8]),
    "exact_overlap": ([5.0, 7.0, 6.0, 8.0, 4.0], [6.5, 5.5, 7.5, 4.5]),
    "exact_single": ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], [11.0]),
    "exact_one_small": ([float(v) for v in range(1, 21)], [21.5, 0.5, 22.5]),
    # asymptotic: ties, or both samples larger than 8
    "ties_small": ([3.0, 3.0, 4.0, 5.0, 5.0], [5.0, 6.0, 6.0, 7.0]),
    "large_skewed": (
        [101.0, 99.5, 100.2, 98.7, 250.0, 100.9, 99.1, 100.4, 101.7, 99.8, 100.1],
        [104.2, 105.0, 103.8, 300.0, 104.6, 105.3, 104.9, 103.5, 104.1],
    ),
    "large_equal": (
        [float(v % 7) for v in range(12)],
        [float(v % 7) + 0.5 for v in range(10)],
    ),
    "all_tied": ([2.0, 2.0, 2.0], [2.0, 2.0]),
}

# One metric over time: (recorded_at_ms, value). Used for analyze(): its
# overall summary and OLS trend must match these.
DAY_MS = 86_400_000
TREND_POINTS = [
    (1_767_225_600_000, 120.0),
    (1_767_225_600_000 + DAY_MS // 2, 118.5),
    (1_767_225_600_000 + 1 * DAY_MS, 121.0),
    (1_767_225_600_000 + 2 * DAY_MS + 3_600_000, 125.5),
    (1_767_225_600_000 + 3 * DAY_MS, 124.0),
    (1_767_225_600_000 + 5 * DAY_MS + 7_200_000, 129.25),
    (1_767_225_600_000 + 6 * DAY_MS, 131.0),
    (1_767_225_600_000 + 8 * DAY_MS + 60_000, 133.5),
]


def summary(values):
    a = np.asarray(values, dtype=float)
    return {
        "values": values,
        "count": int(a.size),
        "mean": float(np.mean(a)),
        "min": float(np.min(a)),
        "max": float(np.max(a)),
        "std_dev": float(np.std(a, ddof=1)) if a.size > 1 else 0.0,
        "p50": float(np.percentile(a, 50)),
        "p95": float(np.percentile(a, 95)),
    }


def regression(xs, ys):
    r = stats.linregress(xs, ys)
    return {
        "xs": xs,
        "ys": ys,
        "slope": float(r.slope),
        "intercept": float(r.intercept),
        "r_squared": float(r.rvalue**2),
        "p_value": float(r.pvalue),
    }


def welch(baseline, candidate):
    r = stats.ttest_ind(baseline, candidate, equal_var=False)
    return {
        "baseline": baseline,
        "candidate": candidate,
        "t": -float(r.statistic),
        "df": float(r.df),
        "p_value": float(r.pvalue),
        "baseline_mean": float(np.mean(baseline)),
        "candidate_mean": float(np.mean(candidate)),
    }


def single_value(baseline, value):
    r = stats.ttest_ind(baseline, [value], equal_var=True)
    return {
        "baseline": baseline,
        "value": value,
        "t": -float(r.statistic),
        "df": float(r.df),
        "p_value": float(r.pvalue),
    }


def mann_whitney(baseline, candidate):
    n1, n2 = len(candidate), len(baseline)
    ties = len(set(baseline + candidate)) < n1 + n2
    method = "asymptotic" if (n1 > 8 and n2 > 8) or ties else "exact"
    r = stats.mannwhitneyu(candidate, baseline, alternative="two-sided")
    p = float(r.pvalue)
    if np.isnan(p):
        # every value tied: no evidence (the Rust side reports 1.0)
        p = 1.0
    return {
        "baseline": baseline,
        "candidate": candidate,
        "u": float(r.statistic),
        "p_value": p,
        "method": method,
    }


def trend_case():
    ms = [p[0] for p in TREND_POINTS]
    values = [p[1] for p in TREND_POINTS]
    days = [(m - ms[0]) / DAY_MS for m in ms]
    return {
        "points": [{"recorded_at_ms": m, "value": v} for m, v in TREND_POINTS],
        "summary": summary(values),
        "ols": regression(days, values),
    }


def main():
    out = {
        "generator": {"numpy": np.__version__, "scipy": scipy.__version__},
        "summaries": {k: summary(v) for k, v in SUMMARY_SETS.items()},
        "regressions": {k: regression(*v) for k, v in REGRESSION_SETS.items()},
        "welch": {k: welch(*v) for k, v in WELCH_SETS.items()},
        "single_value": {k: single_value(*v) for k, v in SINGLE_VALUE_SETS.items()},
        "mann_whitney": {k: mann_whitney(*v) for k, v in MANN_WHITNEY_SETS.items()},
        "trend": trend_case(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
