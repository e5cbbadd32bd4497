//! The statistics and trend analysis against reference values computed
//! independently with numpy and scipy (`tests/data/stats/generate.py`,
//! output committed as `tests/data/stats/expected.json`).
//!
//! Tolerance: 1e-9 relative. The Rust and Python sides sum in different
//! orders (numpy uses pairwise summation) and compute the t distribution
//! with different incomplete-beta implementations (statrs vs. cephes), so
//! bit-for-bit equality is not expected; agreement to 9 significant digits
//! is far tighter than any decision made on these numbers.

use serde_json::Value;
use testrelay::analysis::stats::{
    MannWhitneyMethod, mann_whitney_u, ols_trend, single_value_t_test, summarize, welch_t_test,
};
use testrelay::analysis::trends::{Better, TrendOptions, TrendPoint, analyze};

const REL_TOL: f64 = 1e-9;

fn expected() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/stats/expected.json"
    );
    let text = std::fs::read_to_string(path).expect("expected.json is committed");
    serde_json::from_str(&text).expect("expected.json is valid JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number"))
}

#[track_caller]
fn close(what: &str, got: f64, want: f64) {
    let scale = got.abs().max(want.abs());
    assert!(
        got == want || (got - want).abs() <= REL_TOL * scale,
        "{what}: got {got:e}, want {want:e} (relative error {:e})",
        (got - want).abs() / scale
    );
}

fn cases(root: &Value, key: &str) -> Vec<(String, Value)> {
    let map = root[key].as_object().expect("an object of cases");
    assert!(!map.is_empty(), "{key} has cases");
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[test]
fn summaries_match_numpy() {
    for (name, case) in cases(&expected(), "summaries") {
        let s = summarize(&floats(&case["values"])).unwrap();
        assert_eq!(s.count as u64, case["count"].as_u64().unwrap(), "{name}");
        for (field, got) in [
            ("mean", s.mean),
            ("min", s.min),
            ("max", s.max),
            ("std_dev", s.std_dev),
            ("p50", s.p50),
            ("p95", s.p95),
        ] {
            close(&format!("{name}.{field}"), got, num(&case, field));
        }
    }
}

#[test]
fn ols_matches_scipy_linregress() {
    for (name, case) in cases(&expected(), "regressions") {
        let t = ols_trend(&floats(&case["xs"]), &floats(&case["ys"]), 0.05).unwrap();
        close(&format!("{name}.slope"), t.slope, num(&case, "slope"));
        close(
            &format!("{name}.intercept"),
            t.intercept,
            num(&case, "intercept"),
        );
        close(
            &format!("{name}.r_squared"),
            t.r_squared,
            num(&case, "r_squared"),
        );
        close(&format!("{name}.p_value"), t.p_value, num(&case, "p_value"));
        assert_eq!(t.significant, num(&case, "p_value") < 0.05, "{name}");
    }
}

#[test]
fn welch_matches_scipy_ttest_ind() {
    for (name, case) in cases(&expected(), "welch") {
        let w = welch_t_test(
            &floats(&case["baseline"]),
            &floats(&case["candidate"]),
            0.05,
        )
        .unwrap();
        close(&format!("{name}.t"), w.t, num(&case, "t"));
        close(&format!("{name}.df"), w.df, num(&case, "df"));
        close(&format!("{name}.p_value"), w.p_value, num(&case, "p_value"));
        close(
            &format!("{name}.baseline_mean"),
            w.baseline_mean,
            num(&case, "baseline_mean"),
        );
        close(
            &format!("{name}.candidate_mean"),
            w.candidate_mean,
            num(&case, "candidate_mean"),
        );
        assert_eq!(w.significant, num(&case, "p_value") < 0.05, "{name}");
    }
}

#[test]
fn single_value_matches_scipy_pooled_ttest() {
    for (name, case) in cases(&expected(), "single_value") {
        let r = single_value_t_test(&floats(&case["baseline"]), num(&case, "value"), 0.05).unwrap();
        close(&format!("{name}.t"), r.t, num(&case, "t"));
        close(&format!("{name}.df"), r.df, num(&case, "df"));
        close(&format!("{name}.p_value"), r.p_value, num(&case, "p_value"));
    }
}

#[test]
fn mann_whitney_matches_scipy_mannwhitneyu() {
    for (name, case) in cases(&expected(), "mann_whitney") {
        let r = mann_whitney_u(
            &floats(&case["baseline"]),
            &floats(&case["candidate"]),
            0.05,
        )
        .unwrap();
        close(&format!("{name}.u"), r.u, num(&case, "u"));
        close(&format!("{name}.p_value"), r.p_value, num(&case, "p_value"));
        let method = match r.method {
            MannWhitneyMethod::Exact => "exact",
            MannWhitneyMethod::Asymptotic => "asymptotic",
        };
        assert_eq!(method, case["method"].as_str().unwrap(), "{name}");
        assert_eq!(r.significant, num(&case, "p_value") < 0.05, "{name}");
    }
}

#[test]
fn analyze_overall_matches_numpy_and_scipy() {
    let root = expected();
    let case = &root["trend"];
    let points: Vec<TrendPoint> = case["points"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, p)| TrendPoint {
            recorded_at_ms: p["recorded_at_ms"].as_i64().unwrap(),
            value: num(p, "value"),
            group: "main".to_string(),
            run_key: format!("run-{i}"),
        })
        .rev() // input order must not matter
        .collect();
    let report = analyze(&points, &TrendOptions::for_metric("build_time", "ms")).unwrap();
    assert_eq!(report.better, Better::Lower);
    let overall = report.overall.unwrap();
    let want = &case["summary"];
    assert_eq!(
        overall.summary.count as u64,
        want["count"].as_u64().unwrap()
    );
    for (field, got) in [
        ("mean", overall.summary.mean),
        ("std_dev", overall.summary.std_dev),
        ("p50", overall.summary.p50),
        ("p95", overall.summary.p95),
    ] {
        close(&format!("trend.summary.{field}"), got, num(want, field));
    }
    let trend = overall.trend.unwrap();
    let ols = &case["ols"];
    close("trend.slope", trend.slope, num(ols, "slope"));
    close("trend.intercept", trend.intercept, num(ols, "intercept"));
    close("trend.r_squared", trend.r_squared, num(ols, "r_squared"));
    close("trend.p_value", trend.p_value, num(ols, "p_value"));
    assert!(trend.significant);
    // Rising build times: the later half is more than 5% slower.
    assert_eq!(
        serde_json::to_value(overall.direction).unwrap(),
        Value::from("degrading")
    );
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].trend, Some(trend));
}
