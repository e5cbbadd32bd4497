//! Performance metrics that arrive with results: numeric `<property>`s
//! under the [`METRIC_PREFIX`] (JUnit and the other XML formats whose
//! properties testrelay reads), and metric JSON files (`--metrics`).
//!
//! Both become [`Metric`]s of the run, recorded like any other (the
//! Reporter stores them in the history; see `Reporter::record_metric`).
//!
//! **Properties.** A property `metric.<name>` with a numeric value is the
//! metric `<name>`, tied to the test case it is on (a suite's property
//! belongs to the run). Its unit is, first, the property
//! `metric.<name>.unit`; else a property `unit` on the same element; else
//! the name's suffix ([`unit_from_name`]). A non-numeric value is left out
//! with a warning.
//!
//! **JSON files.** One object; numbers are metrics, nested objects are
//! flattened to dotted names, and an object `{"value": 12.5, "unit": "ms"}`
//! is one metric with an explicit unit. The key `tests` holds per-test
//! metrics, keyed by test id or name:
//!
//! ```json
//! {
//!   "build_time_s": 84.2,
//!   "binary": {"size_bytes": 1843200},
//!   "tests": {
//!     "api.Search.test_query": {"latency_ms": 12.5, "cache": {"hit_pct": 97}},
//!     "3f1c9a0b5d2e7f48": {"throughput": {"value": 5200, "unit": "ops/s"}}
//!   }
//! }
//! ```
//!
//! Any other value (string, boolean, array, `null`, a non-finite number)
//! is an error naming its key.

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};
use crate::model::{Metric, TestRun};

/// Prefix of the properties that are metrics.
pub const METRIC_PREFIX: &str = "metric.";

/// Name suffixes and the unit each gives a metric without an explicit
/// unit, checked in this order (the first match wins, case-insensitive).
pub const UNIT_SUFFIXES: [(&str, &str); 22] = [
    ("_ops_per_s", "ops/s"),
    ("_per_s", "1/s"),
    ("_ns", "ns"),
    ("_us", "us"),
    ("_ms", "ms"),
    ("_seconds", "s"),
    ("_secs", "s"),
    ("_sec", "s"),
    ("_s", "s"),
    ("_bytes", "bytes"),
    ("_kb", "KB"),
    ("_kib", "KiB"),
    ("_mb", "MB"),
    ("_mib", "MiB"),
    ("_gb", "GB"),
    ("_gib", "GiB"),
    ("_ops", "ops/s"),
    ("_rps", "rps"),
    ("_qps", "qps"),
    ("_fps", "fps"),
    ("_pct", "%"),
    ("_percent", "%"),
];

/// The unit a metric name's suffix gives ([`UNIT_SUFFIXES`]); empty when
/// none matches.
pub fn unit_from_name(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    UNIT_SUFFIXES
        .iter()
        .find(|(suffix, _)| lower.ends_with(suffix) && lower.len() > suffix.len())
        .map_or("", |(_, unit)| unit)
}

/// The metrics in `run`'s case and suite properties (see the module docs),
/// cases' metrics tied to their test ids. Returns them with a warning for
/// each `metric.` property that is not a number, naming `source`.
pub fn from_properties(run: &TestRun, source: &str) -> (Vec<Metric>, Vec<String>) {
    let mut metrics = Vec::new();
    let mut warnings = Vec::new();
    for suite in &run.suites {
        collect(
            &suite.properties,
            None,
            &format!("suite {:?}", suite.name),
            source,
            &mut metrics,
            &mut warnings,
        );
    }
    for case in &run.cases {
        if !has_metrics(&case.properties) {
            continue;
        }
        let id = case.id_or_computed();
        collect(
            &case.properties,
            Some(&id),
            &format!("test {:?}", case.full_name()),
            source,
            &mut metrics,
            &mut warnings,
        );
    }
    (metrics, warnings)
}

fn has_metrics(properties: &BTreeMap<String, String>) -> bool {
    properties
        .range(METRIC_PREFIX.to_string()..)
        .next()
        .is_some_and(|(k, _)| k.starts_with(METRIC_PREFIX))
}

fn collect(
    properties: &BTreeMap<String, String>,
    test_id: Option<&str>,
    owner: &str,
    source: &str,
    metrics: &mut Vec<Metric>,
    warnings: &mut Vec<String>,
) {
    if !has_metrics(properties) {
        return;
    }
    let shared_unit = properties.get("unit").map(|u| u.trim());
    for (key, value) in properties.range(METRIC_PREFIX.to_string()..) {
        let Some(name) = key.strip_prefix(METRIC_PREFIX) else {
            break;
        };
        if name.is_empty() || name.ends_with(".unit") {
            continue;
        }
        let value = match value.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                warnings.push(format!(
                    "{source}: {owner}: property {key:?} is not a finite number ({:?}); not a metric",
                    crate::text::visible_line(value)
                ));
                continue;
            }
        };
        let unit = properties
            .get(&format!("{key}.unit"))
            .map(|u| u.trim())
            .or(shared_unit)
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| unit_from_name(name));
        metrics.push(Metric {
            name: name.to_string(),
            value,
            unit: unit.to_string(),
            test_id: test_id.map(str::to_string),
            recorded_at: String::new(),
        });
    }
}

/// A metric JSON file, parsed: run-level metrics and per-test metrics keyed
/// as written (a test id or name, resolved by [`MetricsFile::resolve`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsFile {
    /// Metrics of the run as a whole.
    pub run: Vec<Metric>,
    /// `(test id or name, its metrics)`, in file order.
    pub tests: Vec<(String, Vec<Metric>)>,
}

/// Parses a metric JSON file (shape in the module docs); `source` names it
/// in errors.
///
/// Errors: `Parse` for malformed JSON, a top level or `tests` that is not
/// an object, or a value that is not a finite number or a metric object,
/// naming the key.
pub fn parse_metrics_json(text: &str, source: &str) -> Result<MetricsFile> {
    let root: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Error::new(ErrorKind::Parse, format!("{source}: {e}")))?;
    let serde_json::Value::Object(root) = root else {
        return Err(parse_error(source, "the top level must be a JSON object"));
    };
    let mut file = MetricsFile::default();
    for (key, value) in &root {
        if key == "tests" {
            let serde_json::Value::Object(tests) = value else {
                return Err(parse_error(
                    source,
                    "`tests` must be an object: {\"<test id or name>\": {\"<metric>\": <number>}}",
                ));
            };
            for (test, metrics) in tests {
                let mut list = Vec::new();
                let serde_json::Value::Object(inner) = metrics else {
                    return Err(parse_error(
                        source,
                        &format!("`tests.{test}` must be an object of metrics"),
                    ));
                };
                for (k, v) in inner {
                    flatten(k, v, source, &format!("tests.{test}."), &mut list)?;
                }
                file.tests.push((test.clone(), list));
            }
        } else {
            flatten(key, value, source, "", &mut file.run)?;
        }
    }
    Ok(file)
}

/// Adds the metric(s) of `value` under `name` to `out`.
fn flatten(
    name: &str,
    value: &serde_json::Value,
    source: &str,
    context: &str,
    out: &mut Vec<Metric>,
) -> Result<()> {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            let v = n.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                parse_error(source, &format!("`{context}{name}` is not a finite number"))
            })?;
            out.push(Metric {
                name: name.to_string(),
                value: v,
                unit: unit_from_name(name).to_string(),
                ..Metric::default()
            });
            Ok(())
        }
        Value::Object(map) if map.get("value").is_some_and(Value::is_number) => {
            let v = map
                .get("value")
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    parse_error(
                        source,
                        &format!("`{context}{name}.value` is not a finite number"),
                    )
                })?;
            let unit = match map.get("unit") {
                None => unit_from_name(name).to_string(),
                Some(Value::String(u)) => u.trim().to_string(),
                Some(_) => {
                    return Err(parse_error(
                        source,
                        &format!("`{context}{name}.unit` must be a string"),
                    ));
                }
            };
            if let Some(extra) = map.keys().find(|k| *k != "value" && *k != "unit") {
                return Err(parse_error(
                    source,
                    &format!(
                        "`{context}{name}` has \"value\", so it is one metric; \"{extra}\" is not allowed beside it (only \"unit\")"
                    ),
                ));
            }
            out.push(Metric {
                name: name.to_string(),
                value: v,
                unit,
                ..Metric::default()
            });
            Ok(())
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{name}.{k}"), v, source, context, out)?;
            }
            Ok(())
        }
        other => Err(parse_error(
            source,
            &format!(
                "`{context}{name}` is {}, not a number or an object of metrics",
                kind_of(other)
            ),
        )),
    }
}

fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        _ => "a value",
    }
}

fn parse_error(source: &str, message: &str) -> Error {
    Error::new(ErrorKind::Parse, format!("{source}: {message}"))
}

impl MetricsFile {
    /// Every metric, per-test ones tied to a test of `run`: a key is
    /// matched against the cases' ids, then their full names
    /// (`classname.name`), then their names. A key that matches no case,
    /// or a name that matches several, is kept as the test id as written,
    /// with a warning naming `source`.
    pub fn resolve(self, run: &TestRun, source: &str) -> (Vec<Metric>, Vec<String>) {
        let mut warnings = Vec::new();
        let mut metrics = self.run;
        for (key, list) in self.tests {
            let id = match resolve_test(run, &key) {
                Ok(id) => id,
                Err(why) => {
                    warnings.push(format!(
                        "{source}: `tests.{}` {why}; its metrics keep {:?} as their test id",
                        crate::text::visible_line(&key),
                        crate::text::visible_line(&key)
                    ));
                    key.clone()
                }
            };
            for mut m in list {
                m.test_id = Some(id.clone());
                metrics.push(m);
            }
        }
        (metrics, warnings)
    }
}

fn resolve_test(run: &TestRun, key: &str) -> std::result::Result<String, &'static str> {
    if run.cases.iter().any(|c| c.id == key) {
        return Ok(key.to_string());
    }
    for by_full in [true, false] {
        let mut found = run.cases.iter().filter(|c| {
            if by_full {
                c.full_name() == key
            } else {
                c.name == key
            }
        });
        if let Some(first) = found.next() {
            if found.any(|c| c.id != first.id) {
                return Err("names several tests");
            }
            return Ok(first.id.clone());
        }
    }
    Err("matches no test of the run")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CaseStatus, SuiteInfo, TestCase};

    #[test]
    fn units_come_from_suffixes() {
        for (name, unit) in [
            ("latency_ms", "ms"),
            ("Startup_S", "s"),
            ("peak_mb", "MB"),
            ("binary_size_bytes", "bytes"),
            ("requests_ops", "ops/s"),
            ("coverage_pct", "%"),
            ("widgets", ""),
            ("_ms", ""),
            ("encode_ops_per_s", "ops/s"),
        ] {
            assert_eq!(unit_from_name(name), unit, "{name}");
        }
    }

    #[test]
    fn properties_become_metrics_with_units_and_warnings() {
        let mut case = TestCase::new("s", "c", "t", CaseStatus::Passed);
        for (k, v) in [
            ("metric.latency_ms", "12.5"),
            ("metric.throughput", "900"),
            ("metric.throughput.unit", "req/s"),
            ("metric.broken", "fast"),
            ("other", "1"),
        ] {
            case.properties.insert(k.into(), v.into());
        }
        let mut suite = SuiteInfo {
            name: "s".into(),
            ..SuiteInfo::default()
        };
        suite.properties.insert("metric.rss".into(), "300".into());
        suite.properties.insert("unit".into(), "MiB".into());
        let run = TestRun {
            cases: vec![case.clone()],
            suites: vec![suite],
            ..TestRun::default()
        };
        let (metrics, warnings) = from_properties(&run, "a.xml");
        let got: Vec<(&str, f64, &str, Option<&str>)> = metrics
            .iter()
            .map(|m| {
                (
                    m.name.as_str(),
                    m.value,
                    m.unit.as_str(),
                    m.test_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("rss", 300.0, "MiB", None),
                ("latency_ms", 12.5, "ms", Some(case.id.as_str())),
                ("throughput", 900.0, "req/s", Some(case.id.as_str())),
            ]
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("metric.broken"), "{warnings:?}");
    }

    #[test]
    fn json_is_flattened_and_checked() {
        let file = parse_metrics_json(
            r#"{"build_s": 3, "mem": {"peak_mb": 7, "tp": {"value": 5, "unit": "ops/s"}},
                "tests": {"c.t": {"latency_ms": 1.5}, "nobody": {"x": 1}}}"#,
            "m.json",
        )
        .unwrap();
        let run = TestRun {
            cases: vec![TestCase::new("s", "c", "t", CaseStatus::Passed)],
            ..TestRun::default()
        };
        let id = run.cases[0].id.clone();
        let (metrics, warnings) = file.resolve(&run, "m.json");
        let got: Vec<(String, f64, String, Option<String>)> = metrics
            .into_iter()
            .map(|m| (m.name, m.value, m.unit, m.test_id))
            .collect();
        assert_eq!(
            got,
            [
                ("build_s".into(), 3.0, "s".into(), None),
                ("mem.peak_mb".into(), 7.0, "MB".into(), None),
                ("mem.tp".into(), 5.0, "ops/s".into(), None),
                ("latency_ms".into(), 1.5, "ms".into(), Some(id)),
                ("x".into(), 1.0, "".into(), Some("nobody".into())),
            ]
        );
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("matches no test"));
        for (bad, needle) in [
            ("[1]", "top level"),
            (r#"{"a": "fast"}"#, "`a` is a string"),
            (r#"{"a": {"b": [1]}}"#, "`a.b` is an array"),
            (r#"{"tests": {"t": 3}}"#, "`tests.t` must be an object"),
            (r#"{"a": {"value": 1, "max": 2}}"#, "\"max\" is not allowed"),
            ("{", "m.json"),
        ] {
            let err = parse_metrics_json(bad, "m.json").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Parse, "{bad}");
            assert!(err.message().contains(needle), "{bad}: {err}");
        }
    }
}
