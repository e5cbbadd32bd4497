//! A deterministic generator of a realistic large JUnit XML file, for the
//! reader and `report` benchmarks (never for tests: tests read files real
//! runners wrote).
//!
//! The shape (issue #20): about 3,600 cases per MB; about 5% failures with
//! ~1.5 KB stack traces, 3% skipped (half of them an empty `<skipped/>`),
//! 10% with `system-out`, properties on a quarter of the suites, and
//! Java-, pytest- and jest-style names, some with escaped `<…>`. The same
//! seed and size always give the same bytes.

use std::io::{self, Write};

/// A small seeded generator (xorshift64*), enough for benchmark data.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next pseudo-random number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "parse", "render", "user", "order", "cache", "retry", "empty", "large", "unicode", "timeout",
    "merge", "split", "login", "token", "export", "import", "schema", "query", "index", "stream",
];

/// Counts of what was written, to check readers against.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Bytes written.
    pub bytes: u64,
    /// `<testcase>` elements.
    pub cases: u64,
    /// Cases with a `<failure>`.
    pub failed: u64,
    /// Cases with a `<skipped>`.
    pub skipped: u64,
}

struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn words(rng: &mut Rng, n: usize, sep: &str) -> String {
    (0..n)
        .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(sep)
}

fn stack_trace(rng: &mut Rng, class: &str) -> String {
    let mut s = format!(
        "java.lang.AssertionError: expected:&lt;{}&gt; but was:&lt;{}&gt;\n",
        rng.below(1000),
        rng.below(1000)
    );
    while s.len() < 1500 {
        s.push_str(&format!(
            "\tat {class}.{}({}.java:{})\n",
            words(rng, 2, "_"),
            class.rsplit('.').next().unwrap_or(class),
            rng.below(900) + 10
        ));
    }
    s
}

/// Writes a JUnit file of about `target_bytes` (it stops after the first
/// suite that reaches the size) from `seed` to `out`.
pub fn write_junit<W: Write>(out: W, target_bytes: u64, seed: u64) -> io::Result<Written> {
    let mut out = Counting {
        inner: io::BufWriter::with_capacity(1 << 20, out),
        bytes: 0,
    };
    let mut rng = Rng::new(seed);
    let mut written = Written::default();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="generated">"#)?;
    let mut suite_no = 0u64;
    while out.bytes < target_bytes {
        suite_no += 1;
        let style = rng.below(3);
        let cases = 20 + rng.below(60);
        let suite = match style {
            0 => format!(
                "com.example.{}.{}Test",
                words(&mut rng, 1, ""),
                words(&mut rng, 2, "")
            ),
            1 => format!("tests/test_{}.py", words(&mut rng, 2, "_")),
            _ => format!("src/{}.test.ts", words(&mut rng, 2, "-")),
        };
        writeln!(
            out,
            r#"  <testsuite name="{suite}" tests="{cases}" timestamp="2026-01-01T00:00:00" hostname="runner-{}" time="{}.{:03}">"#,
            suite_no % 7,
            rng.below(100),
            rng.below(1000)
        )?;
        if suite_no % 4 == 0 {
            writeln!(out, "    <properties>")?;
            for k in 0..4 {
                writeln!(
                    out,
                    r#"      <property name="prop.{k}" value="{}"/>"#,
                    words(&mut rng, 3, "-")
                )?;
            }
            writeln!(out, "    </properties>")?;
        }
        for i in 0..cases {
            written.cases += 1;
            let (classname, name) = match style {
                0 => (
                    suite.clone(),
                    if rng.below(10) == 0 {
                        format!(
                            "{}_{i}(List&lt;Map&lt;String, Integer&gt;&gt;)",
                            words(&mut rng, 2, "_")
                        )
                    } else {
                        format!("test{}_{i}", words(&mut rng, 3, "_"))
                    },
                ),
                1 => (
                    suite.trim_end_matches(".py").replace('/', "."),
                    format!("test_{}[{}-{i}]", words(&mut rng, 2, "_"), rng.below(50)),
                ),
                _ => (
                    format!("{} {}", words(&mut rng, 1, ""), words(&mut rng, 2, " ")),
                    format!(
                        "should {} when &lt;{}&gt; {i}",
                        words(&mut rng, 3, " "),
                        words(&mut rng, 1, "")
                    ),
                ),
            };
            write!(
                out,
                r#"    <testcase classname="{classname}" name="{name}" time="0.{:03}""#,
                rng.below(1000)
            )?;
            let roll = rng.below(100);
            let has_out = rng.below(10) == 0;
            if roll >= 8 && !has_out {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            if roll < 5 {
                written.failed += 1;
                writeln!(
                    out,
                    r#"      <failure message="expected &lt;{}&gt; but was &lt;{}&gt;" type="java.lang.AssertionError">{}</failure>"#,
                    rng.below(100),
                    rng.below(100),
                    stack_trace(&mut rng, &classname)
                )?;
            } else if roll < 8 {
                written.skipped += 1;
                if roll % 2 == 0 {
                    writeln!(out, "      <skipped/>")?;
                } else {
                    writeln!(
                        out,
                        r#"      <skipped message="{} not available"/>"#,
                        words(&mut rng, 1, "")
                    )?;
                }
            }
            if has_out {
                write!(out, "      <system-out>")?;
                for _ in 0..(6 + rng.below(15)) {
                    writeln!(
                        out,
                        "INFO {} {} &amp; {}",
                        rng.below(100000),
                        words(&mut rng, 4, " "),
                        words(&mut rng, 3, "/")
                    )?;
                }
                writeln!(out, "</system-out>")?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    out.flush()?;
    written.bytes = out.bytes;
    Ok(written)
}
