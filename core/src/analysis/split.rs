//! Timing-based test splitting across parallel CI shards.
//!
//! [`plan`] assigns tests (ids or file names, any strings) to shards by
//! their historical duration with the greedy longest-processing-time-first
//! rule: tests are taken longest first (ties by name) and each goes to the
//! shard with the least total so far (ties to the lowest index). The
//! result depends only on the *set* of tests and the durations, never on
//! input order, so a retried shard gets exactly the same tests.
//!
//! A test without a usable duration (missing, negative or not finite) is
//! estimated at the median of the known durations of the tests being split
//! (the mean of the two middle ones for an even count), or 1 second when
//! none is known.
//!
//! LPT's makespan is at most `(4/3 - 1/(3k))` times the optimum for `k`
//! shards (Graham, 1969).
//!
//! [`shard_from_env`] reads the shard index and count from the CI's own
//! variables when the user gives none.

use std::collections::{BTreeSet, BinaryHeap, HashMap};

use serde::Serialize;

use crate::detect::SHARD_VARIABLES;
use crate::error::{Error, ErrorKind, Result};

/// Estimated duration of a test when no test has a known duration.
const FALLBACK_SECONDS: f64 = 1.0;

/// One shard of a [`SplitPlan`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardPlan {
    /// 0-based shard index.
    pub index: usize,
    /// The shard's tests, in assignment order (longest first, ties by name).
    pub tests: Vec<String>,
    /// Sum of the tests' estimated durations, in seconds.
    pub estimated_seconds: f64,
}

/// Every shard's tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitPlan {
    /// The shards, by index.
    pub shards: Vec<ShardPlan>,
    /// The estimate used for tests without a known duration, in seconds.
    pub default_seconds: f64,
    /// How many tests had no known duration.
    pub unknown_tests: usize,
}

/// Most shards [`plan`] lists: its answer holds every shard, so a huge
/// count would be a huge answer. [`split`] takes any count.
pub const PLAN_SHARDS_MAX: usize = 65_536;

/// Splits the distinct `tests` over `shard_total` shards (see the module
/// docs). `durations` maps a test to its historical duration in seconds.
///
/// Errors: `InvalidArgument` when `shard_total` is 0 or above
/// [`PLAN_SHARDS_MAX`].
pub fn plan(
    tests: &[String],
    durations: &HashMap<String, f64>,
    shard_total: usize,
) -> Result<SplitPlan> {
    check_total(shard_total)?;
    if shard_total > PLAN_SHARDS_MAX {
        return Err(Error::invalid(format!(
            "a plan lists every shard, and {shard_total} shards are more than {PLAN_SHARDS_MAX}; \
             ask for one shard's tests (split) instead"
        )));
    }
    let assigned = assign(tests, durations, shard_total);
    let mut shards: Vec<ShardPlan> = (0..shard_total)
        .map(|index| ShardPlan {
            index,
            tests: Vec::new(),
            estimated_seconds: 0.0,
        })
        .collect();
    for (name, shard) in assigned.tests {
        shards[shard].tests.push(name.to_string());
    }
    for (shard, load) in assigned.loads.into_iter().enumerate() {
        shards[shard].estimated_seconds = load;
    }
    Ok(SplitPlan {
        shards,
        default_seconds: assigned.default_seconds,
        unknown_tests: assigned.unknown_tests,
    })
}

fn check_total(shard_total: usize) -> Result<()> {
    if shard_total == 0 {
        return Err(Error::invalid(
            "shard total is 0: the number of shards must be at least 1",
        ));
    }
    Ok(())
}

/// What [`assign`] decided.
struct Assignment<'a> {
    /// Each test with its shard, in assignment order.
    tests: Vec<(&'a str, usize)>,
    /// The load of each shard that got a test: shards `0..loads.len()`
    /// (the others are empty).
    loads: Vec<f64>,
    default_seconds: f64,
    unknown_tests: usize,
}

/// A shard's load in the heap: the least load first, ties to the lowest
/// index (a max-heap of reversed keys).
#[derive(PartialEq)]
struct Load(f64, usize);

impl Eq for Load {}

impl PartialOrd for Load {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Load {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| other.1.cmp(&self.1))
    }
}

/// The LPT assignment in memory and time proportional to the tests, not
/// the shards: only shards that received a test are kept (in a heap by
/// load), and since every empty shard has load 0, the next empty shard is
/// always the lowest index not used yet.
fn assign<'a>(
    tests: &'a [String],
    durations: &HashMap<String, f64>,
    shard_total: usize,
) -> Assignment<'a> {
    let names: BTreeSet<&str> = tests.iter().map(String::as_str).collect();
    let known = |name: &str| {
        durations
            .get(name)
            .copied()
            .filter(|d| d.is_finite() && *d >= 0.0)
    };
    let mut known_values: Vec<f64> = names.iter().filter_map(|n| known(n)).collect();
    known_values.sort_by(f64::total_cmp);
    let default_seconds = median_of_sorted(&known_values).unwrap_or(FALLBACK_SECONDS);
    let unknown_tests = names.len() - known_values.len();

    let mut items: Vec<(&str, f64)> = names
        .iter()
        .map(|n| (*n, known(n).unwrap_or(default_seconds)))
        .collect();
    items.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));

    let mut heap: BinaryHeap<Load> = BinaryHeap::new();
    let mut loads: Vec<f64> = Vec::new();
    let mut assigned = Vec::with_capacity(items.len());
    for (name, seconds) in items {
        let fresh = Load(0.0, loads.len());
        let use_fresh = loads.len() < shard_total && heap.peek().is_none_or(|top| fresh > *top);
        let Load(load, shard) = if use_fresh {
            loads.push(0.0);
            fresh
        } else {
            heap.pop().unwrap_or(fresh)
        };
        let load = load + seconds;
        loads[shard] = load;
        heap.push(Load(load, shard));
        assigned.push((name, shard));
    }
    Assignment {
        tests: assigned,
        loads,
        default_seconds,
        unknown_tests,
    }
}

/// The tests of shard `shard_index` (0-based) of `shard_total`, as [`plan`]
/// assigns them. Costs memory and time in proportion to the tests, whatever
/// the number of shards.
///
/// Errors: `InvalidArgument` when `shard_total` is 0 or `shard_index` is
/// not below it.
pub fn split(
    tests: &[String],
    durations: &HashMap<String, f64>,
    shard_index: usize,
    shard_total: usize,
) -> Result<Vec<String>> {
    if shard_total > 0 && shard_index >= shard_total {
        return Err(Error::invalid(format!(
            "shard index {shard_index} is out of range for {shard_total} shard(s): indexes run from 0 to total - 1"
        )));
    }
    check_total(shard_total)?;
    Ok(assign(tests, durations, shard_total)
        .tests
        .into_iter()
        .filter(|(_, shard)| *shard == shard_index)
        .map(|(name, _)| name.to_string())
        .collect())
}

/// A shard position read from CI variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShardEnv {
    /// 0-based shard index (converted when the CI counts from 1).
    pub index: usize,
    /// Number of shards.
    pub total: usize,
    /// The CI the variables belong to.
    pub ci: &'static str,
    /// The variable the index came from.
    pub source: &'static str,
}

/// Reads the shard index and total from the CI's variables in `env`.
///
/// Tried in order, first match wins (an empty value counts as unset):
///
/// | CI | index | total | index base |
/// |---|---|---|---|
/// | GitLab CI (only with `GITLAB_CI` set) | `CI_NODE_INDEX` | `CI_NODE_TOTAL` | 1 |
/// | CircleCI | `CIRCLE_NODE_INDEX` | `CIRCLE_NODE_TOTAL` | 0 |
/// | Buildkite | `BUILDKITE_PARALLEL_JOB` | `BUILDKITE_PARALLEL_JOB_COUNT` | 0 |
/// | Azure Pipelines | `SYSTEM_JOBPOSITIONINPHASE` | `SYSTEM_TOTALJOBSINPHASE` | 1 |
/// | Semaphore | `SEMAPHORE_JOB_INDEX` | `SEMAPHORE_JOB_COUNT` | 1 |
/// | Bitbucket Pipelines | `BITBUCKET_PARALLEL_STEP` | `BITBUCKET_PARALLEL_STEP_COUNT` | 0 |
///
/// The index is returned 0-based. `Ok(None)` when no pair is set.
///
/// Errors: `Configuration`, naming the variable, when only half of a pair
/// is set, a value is not a whole number, the total is 0, or the index is
/// outside `[base, base + total)`.
pub fn shard_from_env(env: &HashMap<String, String>) -> Result<Option<ShardEnv>> {
    let get = |name: &str| env.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    for vars in SHARD_VARIABLES {
        if vars.marker.is_some_and(|m| get(m).is_none()) {
            continue;
        }
        let (index, total) = match (get(vars.index), get(vars.total)) {
            (None, None) => continue,
            (Some(index), Some(total)) => (index, total),
            (Some(_), None) | (None, Some(_)) => {
                let (set, unset) = if get(vars.index).is_some() {
                    (vars.index, vars.total)
                } else {
                    (vars.total, vars.index)
                };
                return Err(config_error(format!(
                    "{set} is set but {unset} is not ({} sharding needs both); set both, or give the shard index and total explicitly",
                    vars.ci.name()
                )));
            }
        };
        let number = |name: &str, value: &str| {
            value.parse::<usize>().map_err(|_| {
                config_error(format!(
                    "{name}={value:?} is not a whole number; fix the variable or give the shard index and total explicitly"
                ))
            })
        };
        let raw_index = number(vars.index, index)?;
        let total = number(vars.total, total)?;
        if total == 0 {
            return Err(config_error(format!(
                "{}=0: the number of shards must be at least 1",
                vars.total
            )));
        }
        let base = usize::from(vars.one_based);
        if raw_index < base || raw_index - base >= total {
            return Err(config_error(format!(
                "{}={raw_index} is outside {base}..={} ({} numbers shards from {base}, and {}={total})",
                vars.index,
                total - 1 + base,
                vars.ci.name(),
                vars.total
            )));
        }
        return Ok(Some(ShardEnv {
            index: raw_index - base,
            total,
            ci: vars.ci.name(),
            source: vars.index,
        }));
    }
    Ok(None)
}

/// A `Configuration` error about the CI's shard variables.
fn config_error(message: String) -> Error {
    Error::new(ErrorKind::Configuration, message)
}

/// Median of a sorted slice; `None` when empty.
fn median_of_sorted(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn durations(pairs: &[(&str, f64)]) -> HashMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn exact_assignment() {
        let tests = strings(&["a", "b", "c", "d", "e", "f", "g"]);
        let d = durations(&[
            ("a", 7.0),
            ("b", 5.0),
            ("c", 4.0),
            ("d", 3.0),
            ("e", 3.0),
            ("f", 1.0),
        ]);
        // Known: 1 3 3 4 5 7 → median (3 + 4) / 2 = 3.5 for "g".
        // Order: a7 b5 c4 g3.5 d3 e3 f1.
        // a→0 (7) | b→1 (5) | c→1 (9) | g→0 (10.5) | d→1 (12) | e→0 (13.5) | f→1 (13).
        let p = plan(&tests, &d, 2).unwrap();
        assert_eq!(p.default_seconds, 3.5);
        assert_eq!(p.unknown_tests, 1);
        assert_eq!(p.shards[0].tests, ["a", "g", "e"]);
        assert_eq!(p.shards[1].tests, ["b", "c", "d", "f"]);
        assert_eq!(p.shards[0].estimated_seconds, 13.5);
        assert_eq!(p.shards[1].estimated_seconds, 13.0);
        assert_eq!(split(&tests, &d, 1, 2).unwrap(), ["b", "c", "d", "f"]);
    }

    #[test]
    fn ties_go_to_lowest_shard_and_names_order_equal_durations() {
        let tests = strings(&["z", "y", "x", "w"]);
        let p = plan(&tests, &HashMap::new(), 3).unwrap();
        // No history: 1 s each, names ascending; loads tie → lowest index.
        assert_eq!(p.default_seconds, 1.0);
        assert_eq!(p.unknown_tests, 4);
        let got: Vec<&[String]> = p.shards.iter().map(|s| s.tests.as_slice()).collect();
        assert_eq!(
            got,
            [
                &strings(&["w", "z"])[..],
                &strings(&["x"]),
                &strings(&["y"])
            ]
        );
    }

    #[test]
    fn unusable_durations_and_duplicates() {
        let tests = strings(&["a", "b", "c", "a", "d"]);
        let d = durations(&[
            ("a", f64::NAN),
            ("b", -1.0),
            ("c", 2.0),
            ("d", 6.0),
            ("zz", 100.0),
        ]);
        let p = plan(&tests, &d, 1).unwrap();
        // Median of the split's known durations {2, 6} = 4; "zz" is not being split.
        assert_eq!(p.default_seconds, 4.0);
        assert_eq!(p.unknown_tests, 2);
        assert_eq!(p.shards[0].tests, ["d", "a", "b", "c"]);
        assert_eq!(p.shards[0].estimated_seconds, 16.0);
    }

    #[test]
    fn empty_input_and_more_shards_than_tests() {
        let p = plan(&[], &HashMap::new(), 2).unwrap();
        assert!(p.shards.iter().all(|s| s.tests.is_empty()));
        assert_eq!(
            split(&strings(&["only"]), &HashMap::new(), 3, 4).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn invalid_shards() {
        let tests = strings(&["a"]);
        for (index, total) in [(0, 0), (2, 2), (5, 1)] {
            let err = split(&tests, &HashMap::new(), index, total).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{index}/{total}");
        }
        assert!(
            split(&tests, &HashMap::new(), 0, 0)
                .unwrap_err()
                .message()
                .contains("shard total is 0")
        );
        assert!(
            split(&tests, &HashMap::new(), 2, 2)
                .unwrap_err()
                .message()
                .contains("shard index 2 is out of range for 2 shard(s)")
        );
    }

    #[test]
    fn lpt_can_exceed_four_thirds_of_the_trivial_lower_bound() {
        // Four equal tests on three shards: the lower bound max(sum/k, max) is 4/3,
        // the optimum (and LPT) is 2. So LPT is bounded against the optimum, not
        // against that lower bound times 4/3.
        let tests = strings(&["a", "b", "c", "d"]);
        let p = plan(&tests, &HashMap::new(), 3).unwrap();
        let loads: Vec<f64> = p.shards.iter().map(|s| s.estimated_seconds).collect();
        assert_eq!(loads, [2.0, 1.0, 1.0]);
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Variables set, then the expected 0-based index, total and source.
    type EnvCase<'a> = (&'a [(&'a str, &'a str)], usize, usize, &'a str);

    #[test]
    fn env_for_each_ci() {
        let cases: [EnvCase; 6] = [
            (
                &[
                    ("GITLAB_CI", "true"),
                    ("CI_NODE_INDEX", "1"),
                    ("CI_NODE_TOTAL", "4"),
                ],
                0,
                4,
                "CI_NODE_INDEX",
            ),
            (
                &[("CIRCLE_NODE_INDEX", "2"), ("CIRCLE_NODE_TOTAL", "3")],
                2,
                3,
                "CIRCLE_NODE_INDEX",
            ),
            (
                &[
                    ("BUILDKITE_PARALLEL_JOB", "0"),
                    ("BUILDKITE_PARALLEL_JOB_COUNT", "5"),
                ],
                0,
                5,
                "BUILDKITE_PARALLEL_JOB",
            ),
            (
                &[
                    ("SYSTEM_JOBPOSITIONINPHASE", "3"),
                    ("SYSTEM_TOTALJOBSINPHASE", "3"),
                ],
                2,
                3,
                "SYSTEM_JOBPOSITIONINPHASE",
            ),
            (
                &[("SEMAPHORE_JOB_INDEX", "2"), ("SEMAPHORE_JOB_COUNT", "2")],
                1,
                2,
                "SEMAPHORE_JOB_INDEX",
            ),
            (
                &[
                    ("BITBUCKET_PARALLEL_STEP", "1"),
                    ("BITBUCKET_PARALLEL_STEP_COUNT", "2"),
                ],
                1,
                2,
                "BITBUCKET_PARALLEL_STEP",
            ),
        ];
        for (vars, index, total, source) in cases {
            let got = shard_from_env(&env(vars)).unwrap().unwrap();
            assert_eq!(
                (got.index, got.total, got.source),
                (index, total, source),
                "{vars:?}"
            );
        }
        let azure = shard_from_env(&env(&[
            ("SYSTEM_JOBPOSITIONINPHASE", "1"),
            ("SYSTEM_TOTALJOBSINPHASE", "1"),
        ]))
        .unwrap();
        assert_eq!(
            azure,
            Some(ShardEnv {
                index: 0,
                total: 1,
                ci: "Azure Pipelines",
                source: "SYSTEM_JOBPOSITIONINPHASE"
            })
        );
    }

    #[test]
    fn env_absent_or_not_ours() {
        assert_eq!(shard_from_env(&HashMap::new()).unwrap(), None);
        // CI_NODE_* without GITLAB_CI is not read (another tool's 0-based convention).
        assert_eq!(
            shard_from_env(&env(&[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "2")])).unwrap(),
            None
        );
        // Empty values are unset.
        assert_eq!(
            shard_from_env(&env(&[
                ("CIRCLE_NODE_INDEX", ""),
                ("CIRCLE_NODE_TOTAL", "")
            ]))
            .unwrap(),
            None
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        for (vars, needle) in [
            (
                &[("CIRCLE_NODE_INDEX", "1")][..],
                "CIRCLE_NODE_INDEX is set but CIRCLE_NODE_TOTAL is not",
            ),
            (
                &[("BUILDKITE_PARALLEL_JOB_COUNT", "2")][..],
                "BUILDKITE_PARALLEL_JOB_COUNT is set but BUILDKITE_PARALLEL_JOB is not",
            ),
            (
                &[("CIRCLE_NODE_INDEX", "x"), ("CIRCLE_NODE_TOTAL", "2")][..],
                "CIRCLE_NODE_INDEX=\"x\" is not a whole number",
            ),
            (
                &[("CIRCLE_NODE_INDEX", "0"), ("CIRCLE_NODE_TOTAL", "0")][..],
                "CIRCLE_NODE_TOTAL=0",
            ),
            (
                &[("CIRCLE_NODE_INDEX", "2"), ("CIRCLE_NODE_TOTAL", "2")][..],
                "CIRCLE_NODE_INDEX=2 is outside 0..=1",
            ),
            (
                &[
                    ("GITLAB_CI", "true"),
                    ("CI_NODE_INDEX", "0"),
                    ("CI_NODE_TOTAL", "2"),
                ][..],
                "CI_NODE_INDEX=0 is outside 1..=2 (GitLab CI numbers shards from 1",
            ),
            (
                &[("SEMAPHORE_JOB_INDEX", "-1"), ("SEMAPHORE_JOB_COUNT", "2")][..],
                "SEMAPHORE_JOB_INDEX=\"-1\" is not a whole number",
            ),
        ] {
            let err = shard_from_env(&env(vars)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration);
            assert!(err.message().contains(needle), "{}", err.message());
        }
    }

    /// The optimal makespan by exhaustive search (small inputs only).
    fn optimal_makespan(items: &[f64], k: usize) -> f64 {
        fn go(items: &[f64], loads: &mut Vec<f64>, best: &mut f64) {
            let Some((first, rest)) = items.split_first() else {
                let max = loads.iter().copied().fold(0.0, f64::max);
                *best = best.min(max);
                return;
            };
            for i in 0..loads.len() {
                loads[i] += first;
                if loads[i] < *best {
                    go(rest, loads, best);
                }
                loads[i] -= first;
            }
        }
        let mut best = f64::INFINITY;
        go(items, &mut vec![0.0; k], &mut best);
        best
    }

    /// Distinct test names with integral durations (so sums are exact) or none.
    fn suite(max: usize) -> impl Strategy<Value = (Vec<String>, HashMap<String, f64>)> {
        prop::collection::btree_map("[a-z]{1,6}", prop::option::of(1u32..100), 0..max).prop_map(
            |m| {
                let tests: Vec<String> = m.keys().cloned().collect();
                let durations = m
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, f64::from(v))))
                    .collect();
                (tests, durations)
            },
        )
    }

    /// The straightforward LPT: every shard in a vector, scanned for the
    /// least load (what `assign` computed before it kept only used shards).
    fn naive_loads(tests: &[String], d: &HashMap<String, f64>, k: usize) -> Vec<Vec<String>> {
        let a = assign(tests, d, k);
        let mut items: Vec<(String, f64)> = a
            .tests
            .iter()
            .map(|(n, _)| {
                let known = d.get(*n).copied().filter(|v| v.is_finite() && *v >= 0.0);
                (n.to_string(), known.unwrap_or(a.default_seconds))
            })
            .collect();
        items.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        let mut shards = vec![(Vec::new(), 0.0f64); k];
        for (name, secs) in items {
            let mut target = 0;
            for i in 1..k {
                if shards[i].1 < shards[target].1 {
                    target = i;
                }
            }
            shards[target].0.push(name);
            shards[target].1 += secs;
        }
        shards.into_iter().map(|s| s.0).collect()
    }

    #[test]
    fn huge_shard_counts_cost_nothing() {
        let tests = strings(&["a", "b", "c"]);
        let d = durations(&[("a", 3.0), ("b", 2.0), ("c", 1.0)]);
        assert_eq!(split(&tests, &d, 0, usize::MAX).unwrap(), ["a"]);
        assert_eq!(split(&tests, &d, 2, usize::MAX).unwrap(), ["c"]);
        assert!(
            split(&tests, &d, usize::MAX - 1, usize::MAX)
                .unwrap()
                .is_empty()
        );
        assert!(split(&tests, &d, 7, 100_000_000_000).unwrap().is_empty());
        let err = plan(&tests, &d, PLAN_SHARDS_MAX + 1).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("split"), "{err}");
        assert_eq!(
            plan(&tests, &d, PLAN_SHARDS_MAX).unwrap().shards.len(),
            PLAN_SHARDS_MAX
        );
    }

    proptest! {
        #[test]
        fn same_as_scanning_every_shard((tests, d) in suite(40), k in 1usize..12) {
            let p = plan(&tests, &d, k).unwrap();
            let got: Vec<Vec<String>> = p.shards.into_iter().map(|s| s.tests).collect();
            prop_assert_eq!(got, naive_loads(&tests, &d, k));
        }

        #[test]
        fn every_test_lands_in_exactly_one_shard((tests, d) in suite(40), k in 1usize..7) {
            let p = plan(&tests, &d, k).unwrap();
            let mut all: Vec<String> = p.shards.iter().flat_map(|s| s.tests.clone()).collect();
            all.sort();
            let mut want = tests.clone();
            want.sort();
            prop_assert_eq!(all, want);
            for (i, shard) in p.shards.iter().enumerate() {
                prop_assert_eq!(split(&tests, &d, i, k).unwrap(), shard.tests.clone());
            }
        }

        #[test]
        fn order_of_input_does_not_matter(
            (tests, d) in suite(30),
            k in 1usize..5,
            seed in any::<u64>(),
        ) {
            let mut shuffled = tests.clone();
            // Deterministic Fisher–Yates driven by the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            shuffled.extend(tests.first().cloned()); // a duplicate changes nothing either
            prop_assert_eq!(plan(&tests, &d, k).unwrap(), plan(&shuffled, &d, k).unwrap());
        }

        #[test]
        fn within_grahams_bound((tests, d) in suite(9), k in 1usize..4) {
            let p = plan(&tests, &d, k).unwrap();
            let estimate = |t: &String| d.get(t).copied().unwrap_or(p.default_seconds);
            let items: Vec<f64> = tests.iter().map(estimate).collect();
            let makespan = p.shards.iter().map(|s| s.estimated_seconds).fold(0.0, f64::max);
            let opt = if items.is_empty() { 0.0 } else { optimal_makespan(&items, k) };
            let bound = (4.0 / 3.0 - 1.0 / (3.0 * k as f64)) * opt;
            prop_assert!(makespan <= bound + 1e-9, "makespan {} > bound {} (opt {})", makespan, bound, opt);
            // And the list-scheduling bound against the trivial lower bound.
            let sum: f64 = items.iter().sum();
            let max_item = items.iter().copied().fold(0.0, f64::max);
            prop_assert!(makespan <= sum / k as f64 + (1.0 - 1.0 / k as f64) * max_item + 1e-9);
        }
    }
}
