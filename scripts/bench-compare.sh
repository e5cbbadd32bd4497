#!/usr/bin/env bash
# Compares testrelay's JUnit reader and `testrelay report` with a plain
# quick-xml loop and two Python parsers on one generated JUnit file
# (issue #20), each tool in its own process, round-robin, and prints the
# medians of the per-round ratios and each tool's peak memory.
#
#   scripts/bench-compare.sh [SIZE_MB] [ROUNDS]      (default 100 MB, 3 rounds)
#
# Needs: Rust (release build of the `junit_bench` example and the CLI),
# python3 with venv (test-results-parser and junitparser are installed from
# PyPI into build/bench/venv), /usr/bin/time. The generated file and the
# per-run output go to build/bench/ (ignored by git; delete it when done, a
# 1 GB file is kept only while you use it). CI does not run this: it takes
# minutes and its figures only mean something on a quiet machine.
set -euo pipefail

SIZE_MB=${1:-100}
ROUNDS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$ROOT/build/bench}
mkdir -p "$WORK"

echo "building (release)..." >&2
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p testrelay \
  --bin testrelay --example junit_bench
TARGET=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BENCH=$TARGET/release/examples/junit_bench
TESTRELAY=$TARGET/release/testrelay

FILE=$WORK/junit-${SIZE_MB}mb.xml
if [ ! -s "$FILE" ]; then
  echo "generating $FILE..." >&2
  "$BENCH" gen "$SIZE_MB" 20 "$FILE" >&2
fi

VENV=$WORK/venv
if [ ! -x "$VENV/bin/python" ]; then
  echo "making the Python venv..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    'test-results-parser==0.6.1' 'junitparser==5.0.3'
fi
cat >"$WORK/py_trp.py" <<'PY'
import sys
from test_results_parser import parse_junit_xml
with open(sys.argv[1], "rb") as f:
    parsed = parse_junit_xml(f.read())
tests = parsed.testruns
failed = sum(1 for t in tests if str(t.outcome).lower().endswith(("failure", "error")))
skipped = sum(1 for t in tests if str(t.outcome).lower().endswith("skip"))
print(f"cases={len(tests)} failed={failed} skipped={skipped}")
PY
cat >"$WORK/py_junitparser.py" <<'PY'
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
cases = failed = skipped = 0
for suite in xml:
    for case in suite:
        cases += 1
        kinds = {type(r) for r in case.result}
        if Failure in kinds or Error in kinds:
            failed += 1
        elif Skipped in kinds:
            skipped += 1
print(f"cases={cases} failed={failed} skipped={skipped}")
PY

exec python3 - "$FILE" "$ROUNDS" "$WORK" "$BENCH" "$TESTRELAY" "$VENV/bin/python" <<'PY'
import os, shutil, statistics, subprocess, sys, tempfile

file, rounds, work, bench, testrelay, py = sys.argv[1:7]
rounds = int(rounds)
size = os.path.getsize(file)

def report_cmd(tmp):
    return [testrelay, "report", file, "--provider", "local", "--fail-on", "never",
            "--output-dir", os.path.join(tmp, "out"),
            "--history", os.path.join(tmp, "history.db"), "--format", "all"]

tools = [
    ("testrelay reader (parse_file)", lambda tmp: [bench, "reader", file]),
    ("plain quick-xml full-model loop", lambda tmp: [bench, "plain", file]),
    ("testrelay report (local, history, all formats)", report_cmd),
    ("test-results-parser 0.6.1 (Python)", lambda tmp: [py, os.path.join(work, "py_trp.py"), file]),
    ("junitparser 5.0.3 (Python)", lambda tmp: [py, os.path.join(work, "py_junitparser.py"), file]),
]

def run(cmd, tmp):
    stats = os.path.join(tmp, "time.txt")
    env = dict(os.environ, TESTRELAY_LOG="error", CI="", GITHUB_ACTIONS="")
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M %O", "-o", stats] + cmd,
                         cwd=tmp, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({out.returncode}): {out.stderr[-2000:]}")
    secs, rss_kb, out_blocks = open(stats).read().split()[-3:]
    db = os.path.join(tmp, "history.db")
    db_bytes = os.path.getsize(db) if os.path.exists(db) else 0
    # What the history wrote: everything written less the report files.
    reports = sum(os.path.getsize(os.path.join(d, f))
                  for d, _, fs in os.walk(os.path.join(tmp, "out")) for f in fs)
    out_bytes = max(int(out_blocks) * 512 - reports, 0)
    line = [l for l in out.stdout.splitlines() if l.startswith("cases=")]
    return float(secs), int(rss_kb) * 1024, out_bytes, db_bytes, (line[0] if line else "")

results = {name: [] for name, _ in tools}
for r in range(rounds):
    for name, cmd in tools:
        tmp = tempfile.mkdtemp(dir=work)
        try:
            results[name].append(run(cmd(tmp), tmp))
        finally:
            shutil.rmtree(tmp)
    print(f"round {r + 1}/{rounds} done", file=sys.stderr)

mb = size / 1e6
ref_reader = results[tools[0][0]]
ref_plain = results[tools[1][0]]
print(f"\nfile: {size / 1e6:.0f} MB ({os.path.basename(file)}), {rounds} rounds, medians\n")
print("| tool | time (s) | throughput | × plain loop | × our reader | peak RSS | RSS / file | read |")
print("|---|---|---|---|---|---|---|---|")
for name, _ in tools:
    rs = results[name]
    t = statistics.median(x[0] for x in rs)
    vs_plain = statistics.median(x[0] / p[0] for x, p in zip(rs, ref_plain))
    vs_reader = statistics.median(x[0] / p[0] for x, p in zip(rs, ref_reader))
    rss = max(x[1] for x in rs)
    print(f"| {name} | {t:.2f} | {mb / t:.0f} MB/s | {vs_plain:.2f}× | {vs_reader:.2f}× "
          f"| {rss / 1e6:.0f} MB | {rss / size:.2f}× | {rs[-1][4]} |")
rep = results[tools[2][0]]
written = statistics.median(x[2] for x in rep)
db = statistics.median(x[3] for x in rep)
if db:
    print(f"\nreport: the history wrote {written / 1e6:.0f} MB (all writes less the report "
          f"files) for a {db / 1e6:.0f} MB database: {written / db:.2f}× its growth")
PY
