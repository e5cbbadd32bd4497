//! An artifact's semantic type, detected from its name and first bytes.
//!
//! | type | detected when |
//! |------|---------------|
//! | `test_report` | XML whose root is `<testsuites>`/`<testsuite>` (JUnit), `<TestRun>` (TRX, or a `.trx` name), JSON with `"results"` and `"tool"` (CTRF) |
//! | `coverage_report` | XML whose root is `<coverage>` (Cobertura, coverage.py) or `<report>` (JaCoCo); `lcov.info`, `*.lcov`; JSON named `*coverage*` |
//! | `trace` | JSON with `"traceEvents"` or an array of events with `"ph"` (Chrome trace); `*.trace`, `*.pftrace`, `*.perfetto-trace`, `perf.data`, `*.perf` |
//! | `performance_report` | JSON named `*perf*`, `*bench*`, `*benchmark*`, `*lighthouse*`, `*k6*`, or with a `"benchmarks"` key (Google Benchmark, pytest-benchmark), criterion's `estimates.json` |
//! | `image` | PNG, JPEG, GIF, WebP (by their magic bytes), SVG (by name): screenshots and other images |
//! | `archive` | zip, gzip, bzip2, xz, 7z, zstd (magic bytes), `*.tar` |
//! | `log` | `*.log`, `*.out`, `*.err`; text named `*log*` |
//! | `binary` | anything else with a NUL byte in its first 4 KiB |
//! | `other` | anything else (text that none of the above describe) |
//!
//! The configuration's `artifact_types` rules (`{"pattern": "*.k6.json",
//! "type": "performance_report"}`) are tried first, in order; a rule's
//! type may be any name, so new types need no code.

use serde::{Deserialize, Serialize};

/// A test report: JUnit XML, TRX, CTRF JSON.
pub const TEST_REPORT: &str = "test_report";
/// A coverage report: Cobertura, JaCoCo, lcov.
pub const COVERAGE_REPORT: &str = "coverage_report";
/// A trace: Chrome trace event JSON, perf.
pub const TRACE: &str = "trace";
/// A performance or benchmark report.
pub const PERFORMANCE_REPORT: &str = "performance_report";
/// An image (screenshots included).
pub const IMAGE: &str = "image";
/// A compressed archive.
pub const ARCHIVE: &str = "archive";
/// A log file.
pub const LOG: &str = "log";
/// Binary content of no known kind.
pub const BINARY: &str = "binary";
/// Text of no known kind.
pub const OTHER: &str = "other";

/// The built-in types, in the order of the table above.
pub const BUILTIN_TYPES: &[&str] = &[
    TEST_REPORT,
    COVERAGE_REPORT,
    TRACE,
    PERFORMANCE_REPORT,
    IMAGE,
    ARCHIVE,
    LOG,
    BINARY,
    OTHER,
];

/// How many bytes of a file detection looks at.
pub const SNIFF_BYTES: usize = 4096;

/// A configured rule: names matching `pattern` (`*` any run of
/// characters, `?` one character, case-insensitive) are of type `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeRule {
    /// Pattern over the artifact's file name, e.g. `*.k6.json`.
    pub pattern: String,
    /// The semantic type given to matching names.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The semantic type of a file named `name` whose content starts with
/// `head` (up to [`SNIFF_BYTES`]); `rules` are tried first.
pub fn detect(name: &str, head: &[u8], rules: &[TypeRule]) -> String {
    if let Some(rule) = rules.iter().find(|r| wildcard_match(&r.pattern, name)) {
        return rule.kind.clone();
    }
    detect_builtin(name, head).to_string()
}

fn detect_builtin(name: &str, head: &[u8]) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if let Some(kind) = by_magic(head) {
        return kind;
    }
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('<') {
        match xml_root(trimmed).as_deref() {
            Some("testsuites" | "testsuite" | "TestRun") => return TEST_REPORT,
            Some("coverage" | "report") => return COVERAGE_REPORT,
            Some("svg") => return IMAGE,
            _ => {}
        }
    }
    if ext == "trx" {
        return TEST_REPORT;
    }
    if lower == "lcov.info" || ext == "lcov" {
        return COVERAGE_REPORT;
    }
    if matches!(ext, "trace" | "pftrace" | "perf") || lower.ends_with(".perfetto-trace") {
        return TRACE;
    }
    if lower == "perf.data" {
        return TRACE;
    }
    if ext == "svg" {
        return IMAGE;
    }
    if ext == "tar" {
        return ARCHIVE;
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') || ext == "json" {
        if trimmed.contains("\"traceEvents\"")
            || (trimmed.starts_with('[')
                && trimmed.contains("\"ph\"")
                && trimmed.contains("\"ts\""))
        {
            return TRACE;
        }
        if trimmed.contains("\"results\"") && trimmed.contains("\"tool\"") {
            return TEST_REPORT;
        }
        if lower.contains("coverage") {
            return COVERAGE_REPORT;
        }
        if ["perf", "bench", "lighthouse", "k6"]
            .iter()
            .any(|w| lower.contains(w))
            || trimmed.contains("\"benchmarks\"")
            || lower == "estimates.json"
        {
            return PERFORMANCE_REPORT;
        }
    }
    if head.contains(&0) {
        return BINARY;
    }
    if matches!(ext, "log" | "out" | "err") || lower.contains("log") {
        return LOG;
    }
    OTHER
}

fn by_magic(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", IMAGE),
        (b"\xff\xd8\xff", IMAGE),
        (b"GIF87a", IMAGE),
        (b"GIF89a", IMAGE),
        (b"PK\x03\x04", ARCHIVE),
        (b"\x1f\x8b", ARCHIVE),
        (b"BZh", ARCHIVE),
        (b"\xfd7zXZ\x00", ARCHIVE),
        (b"7z\xbc\xaf\x27\x1c", ARCHIVE),
        (b"\x28\xb5\x2f\xfd", ARCHIVE),
    ];
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(IMAGE);
    }
    MAGIC
        .iter()
        .find(|(m, _)| head.starts_with(m))
        .map(|(_, k)| *k)
}

/// The name of the first element of an XML text (after the declaration,
/// comments and doctype), without a namespace prefix.
fn xml_root(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = &r[r.find('>')? + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let name: String = r
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
                .collect();
            let local = name.rsplit(':').next().unwrap_or(&name);
            return Some(local.to_string());
        } else {
            return None;
        }
    }
}

/// Whether `name` matches `pattern`: `*` any run of characters, `?` one
/// character, ASCII case-insensitive.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let n: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.k6.json", "Load.K6.json"));
        assert!(wildcard_match("shot-?.png", "shot-1.png"));
        assert!(!wildcard_match("shot-?.png", "shot-12.png"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("*.xml", "a.json"));
    }

    #[test]
    fn rules_come_first_and_may_name_new_types() {
        let rules = vec![TypeRule {
            pattern: "*.flame".into(),
            kind: "flamegraph".into(),
        }];
        assert_eq!(detect("cpu.flame", b"", &rules), "flamegraph");
        assert_eq!(detect("cpu.flame", b"", &[]), OTHER);
    }

    #[test]
    fn xml_roots_behind_declarations_and_comments() {
        assert_eq!(
            detect(
                "x.xml",
                b"<?xml version='1.0'?>\n<!-- hi -->\n<ns:testsuite>",
                &[]
            ),
            TEST_REPORT
        );
        assert_eq!(
            detect("cov.xml", b"<!DOCTYPE coverage><coverage>", &[]),
            COVERAGE_REPORT
        );
        assert_eq!(detect("build.log", b"compiling", &[]), LOG);
        assert_eq!(detect("blob", b"\x00\x01", &[]), BINARY);
        assert_eq!(detect("a.tar.gz", b"\x1f\x8b\x08", &[]), ARCHIVE);
    }
}
