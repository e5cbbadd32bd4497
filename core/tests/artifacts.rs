//! Artifacts: type detection on files real tools wrote, validation after
//! tampering, and discovery over a real SQLite history.

mod history_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use testrelay::analysis::trends::{self, TrendOptions};
use testrelay::artifact::kind;
use testrelay::artifact::{ArtifactMetadata, TypeRule, Validation};
use testrelay::history::{ArtifactQuery, History, ValueCondition};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(rel)
}

/// A valid RGB PNG of `w`×`h` pixels: zlib "stored" blocks need no
/// compressor; CRC-32 and Adler-32 are computed here.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0u8);
        for x in 0..w {
            raw.extend([(x * 40) as u8, (y * 40) as u8, 128]);
        }
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        z.extend(len.to_le_bytes());
        z.extend((!len).to_le_bytes());
        z.extend(*block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn detect(path: &Path) -> String {
    ArtifactMetadata::from_file(path, BTreeMap::new(), &[])
        .unwrap()
        .semantic_type
}

#[test]
fn types_of_files_real_tools_wrote() {
    assert_eq!(detect(&data("junit/jest.xml")), kind::TEST_REPORT);
    assert_eq!(detect(&data("junit/gtest.xml")), kind::TEST_REPORT);
    assert_eq!(
        detect(&data("artifacts/coverage.xml")),
        kind::COVERAGE_REPORT
    );
    assert_eq!(detect(&data("artifacts/node-trace.json")), kind::TRACE);
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("failure.png");
    std::fs::write(&shot, png(3, 2)).unwrap();
    let a = ArtifactMetadata::from_file(&shot, BTreeMap::new(), &[]).unwrap();
    assert_eq!(
        (a.semantic_type.as_str(), a.content_type.as_str()),
        (kind::IMAGE, "image/png")
    );
    let bench = dir.path().join("bench-results.json");
    std::fs::write(
        &bench,
        r#"{"metrics": {"throughput": 1200, "p95_ms": 31.5}}"#,
    )
    .unwrap();
    let b = ArtifactMetadata::from_file(&bench, BTreeMap::new(), &[]).unwrap();
    assert_eq!(b.semantic_type, kind::PERFORMANCE_REPORT);
    assert_eq!(b.values.get("metrics.p95_ms"), Some(&31.5));
    let log = dir.path().join("server.log");
    std::fs::write(&log, "started\n").unwrap();
    assert_eq!(detect(&log), kind::LOG);
    // A configured rule wins over the built-in table.
    let rules = [TypeRule {
        pattern: "*.xml".into(),
        kind: "build_config".into(),
    }];
    let c = ArtifactMetadata::from_file(&data("artifacts/coverage.xml"), BTreeMap::new(), &rules)
        .unwrap();
    assert_eq!(c.semantic_type, "build_config");
}

#[test]
fn validation_after_tampering_names_the_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("failure.png");
    std::fs::write(&path, png(4, 4)).unwrap();
    let a = ArtifactMetadata::from_file(&path, BTreeMap::new(), &[]).unwrap();
    assert!(a.validate().unwrap().is_valid());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 20;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let v = a.validate().unwrap();
    assert!(matches!(v, Validation::HashMismatch { .. }), "{v:?}");
    assert!(v.to_string().starts_with("hash mismatch"));
    bytes.push(0);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        a.validate().unwrap(),
        Validation::SizeMismatch { .. }
    ));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(a.validate().unwrap(), Validation::Missing);
}

/// A history with three runs (two on main, one on a branch), each with a
/// performance report, plus a screenshot and a log in the last.
fn seeded(dir: &Path) -> History {
    let mut h = History::open(&dir.join("history.db")).unwrap();
    let runs = [
        ("r1", "main", 1_000),
        ("r2", "feature", 2_000),
        ("r3", "main", 3_000),
    ];
    for (i, (key, branch, at)) in runs.iter().enumerate() {
        h.begin_run(&history_support::record(key, branch, *at))
            .unwrap();
        let perf = dir.join(format!("perf-{key}.json"));
        std::fs::write(
            &perf,
            format!(
                r#"{{"metrics": {{"throughput": {}, "p95_ms": {}}}}}"#,
                1000 + i * 100,
                30 + i
            ),
        )
        .unwrap();
        let mut a = ArtifactMetadata::from_file(
            &perf,
            BTreeMap::from([("tool".to_string(), "k6".to_string())]),
            &[],
        )
        .unwrap()
        .with_labels(["nightly".to_string()]);
        a.created_at = at + 10;
        h.record_artifact(key, &a).unwrap();
    }
    let shot = dir.join("login.png");
    std::fs::write(&shot, png(2, 2)).unwrap();
    let mut s = ArtifactMetadata::from_file(&shot, BTreeMap::new(), &[])
        .unwrap()
        .with_labels(["nightly".to_string(), "firefox".to_string()]);
    s.created_at = 3_020;
    h.record_artifact("r3", &s).unwrap();
    let log = dir.join("server.log");
    std::fs::write(&log, "ok\n").unwrap();
    let mut l = ArtifactMetadata::from_file(&log, BTreeMap::new(), &[]).unwrap();
    l.created_at = 3_030;
    h.record_artifact("r3", &l).unwrap();
    h
}

fn names(found: &[ArtifactMetadata]) -> Vec<String> {
    found
        .iter()
        .map(|a| format!("{}:{}", a.run_key, a.name))
        .collect()
}

#[test]
fn discovery_answers_each_kind_of_query() {
    let dir = tempfile::tempdir().unwrap();
    let h = seeded(dir.path());
    let find = |q: ArtifactQuery| names(&h.find_artifacts(&q).unwrap());
    assert_eq!(
        find(ArtifactQuery::default()),
        [
            "r3:server.log",
            "r3:login.png",
            "r3:perf-r3.json",
            "r2:perf-r2.json",
            "r1:perf-r1.json"
        ]
    );
    assert_eq!(
        find(ArtifactQuery {
            run_key: Some("r3".into()),
            limit: Some(2),
            ..Default::default()
        }),
        ["r3:server.log", "r3:login.png"]
    );
    assert_eq!(
        find(ArtifactQuery {
            semantic_type: Some("image".into()),
            ..Default::default()
        }),
        ["r3:login.png"]
    );
    assert_eq!(
        find(ArtifactQuery {
            labels: vec!["nightly".into(), "firefox".into()],
            ..Default::default()
        }),
        ["r3:login.png"]
    );
    assert_eq!(
        find(ArtifactQuery {
            metadata: BTreeMap::from([("tool".into(), "k6".into())]),
            branch: Some("main".into()),
            ..Default::default()
        }),
        ["r3:perf-r3.json", "r1:perf-r1.json"]
    );
    assert_eq!(
        find(ArtifactQuery {
            values: vec![ValueCondition::parse("metrics.throughput>=1100").unwrap()],
            ..Default::default()
        }),
        ["r3:perf-r3.json", "r2:perf-r2.json"]
    );
    assert_eq!(
        find(ArtifactQuery {
            values: vec![ValueCondition::parse("metrics.p95_ms=31").unwrap()],
            ..Default::default()
        }),
        ["r2:perf-r2.json"]
    );
    assert_eq!(
        find(ArtifactQuery {
            name: Some("perf-*.json".into()),
            since_ms: Some(2_000),
            until_ms: Some(3_015),
            ..Default::default()
        }),
        ["r3:perf-r3.json", "r2:perf-r2.json"]
    );
    let counts = h
        .count_artifacts_by_type(&ArtifactQuery::default())
        .unwrap();
    assert_eq!(
        counts,
        BTreeMap::from([
            ("image".to_string(), 1),
            ("log".to_string(), 1),
            ("performance_report".to_string(), 3)
        ])
    );
    let latest = h
        .latest_artifact("performance_report", None)
        .unwrap()
        .unwrap();
    assert_eq!(latest.run_key, "r3");
    let on_feature = h
        .latest_artifact("performance_report", Some("feature"))
        .unwrap()
        .unwrap();
    assert_eq!(on_feature.run_key, "r2");
    assert!(h.latest_artifact("trace", None).unwrap().is_none());
    let per_branch = h.latest_artifact_per_branch("performance_report").unwrap();
    assert_eq!(
        per_branch
            .iter()
            .map(|(b, a)| (b.as_str(), a.run_key.as_str()))
            .collect::<Vec<_>>(),
        [("feature", "r2"), ("main", "r3")]
    );
    // What was stored reads back whole.
    let shot = &h
        .find_artifacts(&ArtifactQuery {
            semantic_type: Some("image".into()),
            ..Default::default()
        })
        .unwrap()[0];
    assert_eq!(
        shot.labels.iter().collect::<Vec<_>>(),
        ["firefox", "nightly"]
    );
    assert_eq!(shot.provider, "local");
    assert!(shot.validate().unwrap().is_valid());
}

#[test]
fn metrics_extracted_from_artifacts_feed_trends() {
    let dir = tempfile::tempdir().unwrap();
    let h = seeded(dir.path());
    let rows = h
        .artifact_metrics(
            &ArtifactQuery {
                semantic_type: Some("performance_report".into()),
                ..Default::default()
            },
            &["metrics.throughput".to_string()],
        )
        .unwrap();
    let table: Vec<(&str, i64, &str, f64)> = rows
        .iter()
        .map(|r| {
            (
                r.run_key.as_str(),
                r.recorded_at_ms,
                r.metric.as_str(),
                r.value,
            )
        })
        .collect();
    assert_eq!(
        table,
        [
            ("r1", 1_010, "metrics.throughput", 1000.0),
            ("r2", 2_010, "metrics.throughput", 1100.0),
            ("r3", 3_010, "metrics.throughput", 1200.0)
        ]
    );
    let points: Vec<_> = rows.iter().map(|r| r.trend_point("all")).collect();
    let report = trends::analyze(&points, &TrendOptions::for_metric("throughput", "")).unwrap();
    assert_eq!((report.points, report.groups.len()), (3, 1));
}

#[test]
fn artifacts_survive_merge_and_go_with_pruned_runs() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    drop(seeded(&a));
    let mut other = History::open(&b.join("history.db")).unwrap();
    other
        .begin_run(&history_support::record("r9", "main", 500))
        .unwrap();
    let log = b.join("x.log");
    std::fs::write(&log, "x").unwrap();
    let l = ArtifactMetadata::from_file(&log, BTreeMap::new(), &[])
        .unwrap()
        .with_labels(["merged".to_string()]);
    other.record_artifact("r9", &l).unwrap();
    let stats = other.merge(&a.join("history.db")).unwrap();
    assert_eq!(stats.artifacts, 5);
    let nightly = ArtifactQuery {
        labels: vec!["nightly".into()],
        ..Default::default()
    };
    assert_eq!(other.find_artifacts(&nightly).unwrap().len(), 4);
    let merged = ArtifactQuery {
        labels: vec!["merged".into()],
        ..Default::default()
    };
    assert_eq!(names(&other.find_artifacts(&merged).unwrap()), ["r9:x.log"]);
    other.prune(2_500).unwrap();
    assert_eq!(other.find_artifacts(&nightly).unwrap().len(), 2);
    assert!(other.find_artifacts(&merged).unwrap().is_empty());
}

#[test]
fn comparisons_by_kind_of_content() {
    use testrelay::artifact::compare::{Details, Dimensions, compare_files};
    use testrelay::report::markdown::render_artifact_comparison;
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let a = w("a.png", &png(3, 2));
    let b = w("b.png", &png(4, 5));
    let c = compare_files(&a, "a.png", &b, "b.png").unwrap();
    assert_eq!(
        c.details,
        Details::Image {
            before: Dimensions {
                width: 3,
                height: 2
            },
            after: Dimensions {
                width: 4,
                height: 5
            }
        }
    );
    let same = compare_files(&a, "a", &w("a2.png", &png(3, 2)), "a2").unwrap();
    assert!(same.identical && same.details == Details::Identical);
    let t1 = w("1.log", b"one\ntwo\nthree\n");
    let t2 = w("2.log", b"one\n2\nthree\n");
    let c = compare_files(&t1, "1.log", &t2, "2.log").unwrap();
    assert_eq!(
        c.details,
        Details::Text {
            diff: Some("@@ -1,3 +1,3 @@\n one\n-two\n+2\n three".into()),
            lines: (3, 3)
        }
    );
    let bin = compare_files(
        &w("x.bin", b"\x00\x01\xff"),
        "x",
        &w("y.bin", b"\x00\x02\xfe\x00"),
        "y",
    )
    .unwrap();
    assert_eq!(
        (bin.details, bin.a.size, bin.b.size),
        (Details::Binary, 3, 4)
    );
    // Names are escaped in Markdown: a backtick or markup in a name stays text.
    let evil = w("x.json", b"{\"a\": 1}");
    let evil2 = w("y.json", b"{\"a\": 2}");
    let md = render_artifact_comparison(
        &compare_files(&evil, "<img src=x>`*bold*", &evil2, "y.json").unwrap(),
    );
    assert!(md.contains("``<img src=x>`*bold*``"), "{md}");
    assert!(
        md.contains("| `a` | changed | `1` | `2` | 1 | +100% |"),
        "{md}"
    );
}
