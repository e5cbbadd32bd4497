//! Comparing two artifacts: identical by hash; JSON as a structural diff
//! with numeric deltas and percent change per path; text as a bounded
//! unified diff; PNG/JPEG/GIF images by dimensions; anything else by size
//! and hash. [`crate::report::markdown::render_artifact_comparison`] turns
//! a [`Comparison`] into Markdown for a PR comment; it serializes as JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::fsutil;

/// Files larger than this (64 MiB) are compared by size and hash only.
pub const MAX_CONTENT_BYTES: u64 = 64 * 1024 * 1024;
/// At most this many JSON paths are listed ([`Comparison::truncated`] says
/// when more changed).
pub const MAX_JSON_CHANGES: usize = 500;
/// At most this many lines of unified diff.
pub const MAX_DIFF_LINES: usize = 400;
/// Texts with more lines than this (after their common start and end) get
/// no line diff, only their line counts.
pub const MAX_DIFF_INPUT_LINES: usize = 5_000;

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// The name shown (file name or `run:name`).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// How a JSON path changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the second.
    Added,
    /// Only in the first.
    Removed,
    /// In both, different.
    Changed,
}

/// One changed JSON leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonChange {
    /// Dotted path (array elements by position).
    pub path: String,
    /// What happened.
    pub change: ChangeKind,
    /// Value in the first (absent when added).
    pub before: Option<Value>,
    /// Value in the second (absent when removed).
    pub after: Option<Value>,
    /// `after - before` when both are numbers.
    pub delta: Option<f64>,
    /// Percent change when both are numbers and `before` is not 0.
    pub percent: Option<f64>,
}

/// Width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// What differs, by kind of content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Details {
    /// Same SHA-256: nothing to show.
    Identical,
    /// Both JSON: changed leaves.
    Json {
        /// Changed, added and removed leaves, by path.
        changes: Vec<JsonChange>,
    },
    /// Both text: a unified diff (`None` when too large to diff).
    Text {
        /// The diff lines (`-`, `+`, ` `, `@@` hunks).
        diff: Option<String>,
        /// Line counts of the two.
        lines: (usize, usize),
    },
    /// Both images.
    Image {
        /// Dimensions of the first.
        before: Dimensions,
        /// Dimensions of the second.
        after: Dimensions,
    },
    /// Anything else: size and hash are all.
    Binary,
}

/// The result of [`compare_files`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The first.
    pub a: Side,
    /// The second.
    pub b: Side,
    /// Same content (same SHA-256).
    pub identical: bool,
    /// What differs.
    pub details: Details,
    /// More changed than is listed (see the `MAX_*` bounds).
    pub truncated: bool,
}

/// Compares the files at `a` and `b`, shown under `a_name` and `b_name`.
///
/// Errors: `NotFound`/`Io` naming a file that cannot be read.
pub fn compare_files(a: &Path, a_name: &str, b: &Path, b_name: &str) -> Result<Comparison> {
    let da = fsutil::hash_file(a)?;
    let db = fsutil::hash_file(b)?;
    let side = |name: &str, d: fsutil::FileDigest| Side {
        name: name.to_string(),
        size: d.size,
        sha256: d.sha256,
    };
    let (sa, sb) = (side(a_name, da), side(b_name, db));
    let mut out = Comparison {
        identical: sa.sha256 == sb.sha256,
        a: sa,
        b: sb,
        details: Details::Identical,
        truncated: false,
    };
    if out.identical {
        return Ok(out);
    }
    if out.a.size > MAX_CONTENT_BYTES || out.b.size > MAX_CONTENT_BYTES {
        out.details = Details::Binary;
        return Ok(out);
    }
    let read = |p: &Path| std::fs::read(p).map_err(|e| Error::io("reading", p, e));
    let (ba, bb) = (read(a)?, read(b)?);
    if let (Some(da), Some(db)) = (image_dimensions(&ba), image_dimensions(&bb)) {
        out.details = Details::Image {
            before: da,
            after: db,
        };
    } else if let (Ok(ja), Ok(jb)) = (
        serde_json::from_slice::<Value>(&ba),
        serde_json::from_slice::<Value>(&bb),
    ) {
        let mut changes = Vec::new();
        json_diff(&ja, &jb, &mut String::new(), &mut changes);
        out.truncated = changes.len() > MAX_JSON_CHANGES;
        changes.truncate(MAX_JSON_CHANGES);
        out.details = Details::Json { changes };
    } else if let (Ok(ta), Ok(tb)) = (std::str::from_utf8(&ba), std::str::from_utf8(&bb))
        && !ta.contains('\0')
        && !tb.contains('\0')
    {
        let (diff, truncated) = unified_diff(ta, tb);
        out.truncated = truncated;
        out.details = Details::Text {
            diff,
            lines: (ta.lines().count(), tb.lines().count()),
        };
    } else {
        out.details = Details::Binary;
    }
    Ok(out)
}

/// Width and height of a PNG, GIF or baseline/progressive JPEG.
pub fn image_dimensions(bytes: &[u8]) -> Option<Dimensions> {
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        return Some(Dimensions {
            width: be32(&bytes[16..20]),
            height: be32(&bytes[20..24]),
        });
    }
    if (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) && bytes.len() >= 10 {
        return Some(Dimensions {
            width: u32::from(u16::from_le_bytes([bytes[6], bytes[7]])),
            height: u32::from(u16::from_le_bytes([bytes[8], bytes[9]])),
        });
    }
    if bytes.starts_with(b"\xff\xd8") {
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xff {
                return None;
            }
            let marker = bytes[i + 1];
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            if matches!(marker, 0xc0..=0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf) {
                return Some(Dimensions {
                    height: u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]])),
                    width: u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]])),
                });
            }
            i += 2 + len;
        }
    }
    None
}

fn json_diff(a: &Value, b: &Value, path: &mut String, out: &mut Vec<JsonChange>) {
    if out.len() > MAX_JSON_CHANGES {
        return;
    }
    let child = |path: &String, key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (k, va) in ma {
                let mut p = child(path, k);
                match mb.get(k) {
                    Some(vb) => json_diff(va, vb, &mut p, out),
                    None => out.push(leaf(p, Some(va), None)),
                }
            }
            for (k, vb) in mb {
                if !ma.contains_key(k) {
                    out.push(leaf(child(path, k), None, Some(vb)));
                }
            }
        }
        (Value::Array(xa), Value::Array(xb)) => {
            for i in 0..xa.len().max(xb.len()) {
                let mut p = child(path, &i.to_string());
                match (xa.get(i), xb.get(i)) {
                    (Some(va), Some(vb)) => json_diff(va, vb, &mut p, out),
                    (va, vb) => out.push(leaf(p, va, vb)),
                }
            }
        }
        _ if a == b => {}
        _ => out.push(leaf(path.clone(), Some(a), Some(b))),
    }
}

fn leaf(path: String, before: Option<&Value>, after: Option<&Value>) -> JsonChange {
    let (na, nb) = (
        before.and_then(Value::as_f64),
        after.and_then(Value::as_f64),
    );
    let delta = na.zip(nb).map(|(x, y)| y - x);
    let percent = na
        .zip(nb)
        .filter(|(x, _)| *x != 0.0)
        .map(|(x, y)| (y - x) / x.abs() * 100.0);
    JsonChange {
        path,
        change: match (before, after) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        },
        before: before.cloned(),
        after: after.cloned(),
        delta,
        percent,
    }
}

/// A unified diff of two texts with 3 lines of context, at most
/// [`MAX_DIFF_LINES`] lines (the bool says it was cut); `None` when the
/// differing middle is longer than [`MAX_DIFF_INPUT_LINES`].
pub fn unified_diff(a: &str, b: &str) -> (Option<String>, bool) {
    const CONTEXT: usize = 3;
    let la: Vec<&str> = a.lines().collect();
    let lb: Vec<&str> = b.lines().collect();
    let prefix = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    let suffix = la[prefix..]
        .iter()
        .rev()
        .zip(lb[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let ma = &la[prefix..la.len() - suffix];
    let mb = &lb[prefix..lb.len() - suffix];
    if ma.len() > MAX_DIFF_INPUT_LINES || mb.len() > MAX_DIFF_INPUT_LINES {
        return (None, true);
    }
    // Longest common subsequence of the differing middle.
    let (n, m) = (ma.len(), mb.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * (m + 1) + j] = if ma[i] == mb[j] {
                lcs[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
            };
        }
    }
    // The edit script over the whole texts (deletions before insertions).
    let mut ops: Vec<(char, &str)> = la[..prefix].iter().map(|l| (' ', *l)).collect();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && ma[i] == mb[j] {
            ops.push((' ', ma[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
            ops.push(('-', ma[i]));
            i += 1;
        } else {
            ops.push(('+', mb[j]));
            j += 1;
        }
    }
    ops.extend(la[la.len() - suffix..].iter().map(|l| (' ', *l)));
    // Hunks: changed lines with CONTEXT lines around them.
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut truncated = false;
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = (changed[k] + CONTEXT + 1).min(ops.len());
        while k + 1 < changed.len() && changed[k + 1] <= end + CONTEXT {
            k += 1;
            end = (changed[k] + CONTEXT + 1).min(ops.len());
        }
        k += 1;
        let before = |upto: usize, tag: char| ops[..upto].iter().filter(|o| o.0 != tag).count();
        let (a_start, b_start) = (before(start, '+'), before(start, '-'));
        let a_len = ops[start..end].iter().filter(|o| o.0 != '+').count();
        let b_len = ops[start..end].iter().filter(|o| o.0 != '-').count();
        out.push(format!(
            "@@ -{},{a_len} +{},{b_len} @@",
            a_start + 1,
            b_start + 1
        ));
        out.extend(ops[start..end].iter().map(|(t, l)| format!("{t}{l}")));
        if out.len() > MAX_DIFF_LINES {
            out.truncate(MAX_DIFF_LINES);
            truncated = true;
            break;
        }
    }
    (Some(out.join("\n")), truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_changes_with_deltas() {
        let a: Value =
            serde_json::from_str(r#"{"m": {"t": 100, "p": 0, "s": "x"}, "r": [1, 2]}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"m": {"t": 110, "p": 2, "n": 1}, "r": [1]}"#).unwrap();
        let mut out = Vec::new();
        json_diff(&a, &b, &mut String::new(), &mut out);
        let paths: Vec<(&str, ChangeKind)> =
            out.iter().map(|c| (c.path.as_str(), c.change)).collect();
        assert_eq!(
            paths,
            [
                ("m.t", ChangeKind::Changed),
                ("m.p", ChangeKind::Changed),
                ("m.s", ChangeKind::Removed),
                ("m.n", ChangeKind::Added),
                ("r.1", ChangeKind::Removed)
            ]
        );
        assert_eq!((out[0].delta, out[0].percent), (Some(10.0), Some(10.0)));
        assert_eq!((out[1].delta, out[1].percent), (Some(2.0), None));
    }

    #[test]
    fn unified_diff_hunks() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
        let (diff, cut) = unified_diff(a, b);
        assert!(!cut);
        assert_eq!(
            diff.unwrap(),
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8"
        );
    }
}
