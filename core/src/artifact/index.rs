//! The content index of a JSON artifact: its numeric leaves by dotted
//! path (`metrics.throughput`, array elements by position:
//! `runs.0.ms`), read once when the artifact is attached and stored in the
//! history, so discovery and metric extraction never read the file again.
//!
//! Bounds: files up to [`MAX_INDEXED_BYTES`] are indexed; at most
//! [`MAX_INDEXED_VALUES`] leaves, in document order, to a depth of
//! [`MAX_DEPTH`], with paths up to [`MAX_PATH_CHARS`] characters. Booleans
//! count as 0/1; strings, nulls and anything beyond the bounds are left out.

use std::collections::BTreeMap;

use serde_json::Value;

/// Largest JSON file indexed (8 MiB); larger ones get no index.
pub const MAX_INDEXED_BYTES: u64 = 8 * 1024 * 1024;
/// Most numeric leaves kept per artifact.
pub const MAX_INDEXED_VALUES: usize = 1000;
/// Deepest nesting indexed.
pub const MAX_DEPTH: usize = 16;
/// Longest dotted path kept.
pub const MAX_PATH_CHARS: usize = 200;

/// The numeric leaves of `json`, bounded as documented above. Text that is
/// not JSON has an empty index.
pub fn numeric_leaves(json: &[u8]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    if let Ok(value) = serde_json::from_slice::<Value>(json) {
        walk(&value, &mut String::new(), 0, &mut out);
    }
    out
}

fn walk(value: &Value, path: &mut String, depth: usize, out: &mut BTreeMap<String, f64>) {
    if out.len() >= MAX_INDEXED_VALUES || depth > MAX_DEPTH {
        return;
    }
    let leaf = match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Object(map) => {
            for (k, v) in map {
                descend(path, k, |p| walk(v, p, depth + 1, out));
            }
            None
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                descend(path, &i.to_string(), |p| walk(v, p, depth + 1, out));
            }
            None
        }
        _ => None,
    };
    if let Some(v) = leaf.filter(|v| v.is_finite())
        && !path.is_empty()
        && path.chars().count() <= MAX_PATH_CHARS
    {
        out.insert(path.clone(), v);
    }
}

fn descend(path: &mut String, key: &str, f: impl FnOnce(&mut String)) {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    f(path);
    path.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_of_numbers_only() {
        let idx = numeric_leaves(
            br#"{"metrics": {"throughput": 1200.5, "name": "x", "ok": true},
                 "runs": [{"ms": 3}, {"ms": 4}], "n": null}"#,
        );
        assert_eq!(idx.get("metrics.throughput"), Some(&1200.5));
        assert_eq!(idx.get("metrics.ok"), Some(&1.0));
        assert_eq!(idx.get("runs.1.ms"), Some(&4.0));
        assert_eq!(idx.len(), 4);
        assert!(numeric_leaves(b"not json").is_empty());
    }

    #[test]
    fn bounded() {
        let big: Vec<u32> = (0..5000).collect();
        let idx = numeric_leaves(serde_json::to_string(&big).unwrap().as_bytes());
        assert_eq!(idx.len(), MAX_INDEXED_VALUES);
        let mut deep = String::from("1");
        for _ in 0..40 {
            deep = format!("{{\"a\": {deep}}}");
        }
        assert!(numeric_leaves(deep.as_bytes()).is_empty());
    }
}
