#!/usr/bin/env python3
"""Checks the history a C++ test runner's testrelay integration wrote,
exactly, through the C history query API (history_dump).

  check_runner.py run RUNNER SOURCE HISTORY_DUMP WORKDIR -- COMMAND...
      runs COMMAND (the sample suite, with its launcher: valgrind) in the
      emptied WORKDIR with TESTRELAY_CONFIG pointing at WORKDIR/history.db
      and WORKDIR/results, checks the runner's own exit code and that stderr
      has no testrelay complaint and no sanitizer or valgrind report, then
      checks the history
  check_runner.py history RUNNER SOURCE HISTORY_DUMP HISTORY
      checks a history written already (SOURCE "-" when no case has one)

RUNNER names the expectations: gtest, catch2, doctest (the sample suites of
tests/c/runners), consumer (tests/c/consumer/consumer_gtest.cpp through the
installed package), ctest-junit (`testrelay report` of the consumer's
`ctest --output-junit` file). SOURCE is the suite's source file (for the
lines and the "file:line" of failures). The history must hold one run with
the expected counts and exactly the expected cases (name, classname, suite,
file, line, status, message, details).
"""
import json
import os
import shutil
import subprocess
import sys


def line_of(source, marker):
    """The 1-based line of the only line of `source` containing `marker`."""
    with open(source, encoding="utf-8") as f:
        hits = [i + 1 for i, text in enumerate(f) if marker in text]
    if len(hits) != 1:
        sys.exit(f"check_runner: marker {marker!r} is on lines {hits} of {source}, not on one")
    return hits[0]


def case(classname, name, status, line=0, message=None, details=None, suite=None, file=True):
    """An expected case; `line` is a marker (its line in the source) or 0;
    `details` defaults to `message` (one failure); `suite` to `classname`."""
    return {"classname": classname, "name": name, "status": status, "line": line,
            "message": message, "details": message if details is None else details,
            "suite": classname if suite is None else suite, "file": file}


def gtest(src):
    at = lambda marker: f"{src}:{line_of(src, marker)}: "
    wrong_sum = (at("EXPECT_EQ(2 + 2, 5)") + "Expected equality of these values:\n  2 + 2\n"
                 "    Which is: 4\n  5\nsums differ")
    second = at("EXPECT_TRUE(false)") + "Value of: false\n  Actual: false\nExpected: true\nsecond failure"
    no_db = at("FAIL() <<") + "Failed\nno database server"
    return 1, {"passed": 1, "failed": 1, "errors": 1, "skipped": 3}, [
        case("Arithmetic", "Adds", "passed", "TEST(Arithmetic, Adds)"),
        case("Arithmetic", "ReportsWrongSum", "failed", "TEST(Arithmetic, ReportsWrongSum)",
             wrong_sum, wrong_sum + "\n\n" + second),
        case("Arithmetic", "NeedsAGpu", "skipped", "TEST(Arithmetic, NeedsAGpu)", "needs a GPU", ""),
        case("Arithmetic", "DISABLED_Slow", "skipped", "TEST(Arithmetic, DISABLED_Slow)", "disabled", ""),
        case("Database", "Queries", "skipped", "TEST_F(Database, Queries)",
             "not run: SetUpTestSuite failed", ""),
        case("Database", "SetUpTestSuite/TearDownTestSuite", "error", 0, no_db, file=False),
    ]


def catch2(src):
    at = lambda marker: f"{src}:{line_of(src, marker)}: "
    suite = "catch2_sample"
    second = (at("CHECK(x == 3)") + "CHECK( x == 3 )\nwith expansion: 2 == 3\nwith message: x was 2"
              "\nin section: second")
    # Catch2 places an unexpected exception at the last assertion before it.
    boom = (at("CHECK(true);") + "{Unknown expression after the reported line}\n"
            "due to unexpected exception with message: boom")
    may_fail = at("CHECK(1 == 2)") + "CHECK( 1 == 2 )"  # no expansion: it reads the same
    may_fail_message = "failed, allowed by [!mayfail]: " + may_fail
    may_fail_details = "failed, allowed by [!mayfail]\n\n" + may_fail
    return 3, {"passed": 3, "failed": 2, "errors": 1, "skipped": 1}, [
        case("", "adds", "passed", 'TEST_CASE("adds"', suite=suite),
        case("", "sections", "failed", 'TEST_CASE("sections"', second, suite=suite),
        case("", "throws", "error", 'TEST_CASE("throws"', boom, suite=suite),
        case("", "may fail", "passed", 'TEST_CASE("may fail"', may_fail_message, may_fail_details, suite=suite),
        case("", "should fail", "failed", 'TEST_CASE("should fail"', "passed, but is tagged [!shouldfail]",
             suite=suite),
        case("", "manual", "skipped", 'TEST_CASE("manual"',
             "hidden ([.] tag): runs only when named or its tag is selected", "", suite=suite),
        case("Fixture", "uses a fixture", "passed", "TEST_CASE_METHOD(Fixture", suite=suite),
    ]


def doctest(src):
    at = lambda marker: f"{src}:{line_of(src, marker)}: "
    wrong = (at("CHECK(x + 2 == 5)") + "CHECK( x + 2 == 5 ) is NOT correct! values: 4 == 5"
             "\nwith context: x was 2\nin subcase: second")
    may_fail = at("CHECK(1 == 2)") + "CHECK( 1 == 2 ) is NOT correct! values: 1 == 2"
    return 1, {"passed": 2, "failed": 3, "errors": 1, "skipped": 1}, [
        case("math", "adds", "passed", 'TEST_CASE("adds")'),
        case("math", "wrong sum", "failed", 'TEST_CASE("wrong sum")', wrong),
        case("", "throws", "error", 'TEST_CASE("throws")', "threw an exception: boom"),
        case("", "fails by message", "failed", 'TEST_CASE("fails by message")',
             at('FAIL_CHECK("not implemented")') + "not implemented"),
        case("", "skipped", "skipped", 'TEST_CASE("skipped"', "needs a GPU", ""),
        case("", "may fail", "passed", 'TEST_CASE("may fail"', "failed, allowed by may_fail: " + may_fail,
             "failed, allowed by may_fail\n\n" + may_fail),
        case("", "should fail", "failed", 'TEST_CASE("should fail"', "passed, but is decorated should_fail"),
    ]


def consumer(src):
    return 0, {"passed": 2, "failed": 0, "errors": 0, "skipped": 1}, [
        case("Consumer", "Adds", "passed", "TEST(Consumer, Adds)"),
        case("Consumer", "Multiplies", "passed", "TEST(Consumer, Multiplies)"),
        case("Consumer", "NeedsAGpu", "skipped", "TEST(Consumer, NeedsAGpu)", "needs a GPU", ""),
    ]


def ctest_junit(_src):
    # CTest's JUnit: one <testcase> per ctest test, its name as classname
    # too, DISABLED tests with status="disabled".
    ctest = lambda name, status, message=None: case(name, name, status, 0, message, "", suite="(empty)",
                                                    file=False)
    return 0, {"passed": 3, "failed": 0, "errors": 0, "skipped": 1}, [
        ctest("consumer_gtest", "passed"),
        ctest("consumer_static", "passed"),
        ctest("consumer_shared", "passed"),
        ctest("consumer_disabled", "skipped"),
    ]


RUNNERS = {"gtest": gtest, "catch2": catch2, "doctest": doctest, "consumer": consumer,
           "ctest-junit": ctest_junit}

# What sanitizers and valgrind print when they find something.
BAD_STDERR = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
              "Invalid read", "Invalid write", "definitely lost in", "uninitialised")


def fail(text):
    sys.exit(f"check_runner: {text}")


def run(runner, source, workdir, command):
    """Runs the sample in `workdir`; returns the history and results paths."""
    exit_code = RUNNERS[runner](source)[0]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    history = os.path.join(workdir, "history.db")
    results = os.path.join(workdir, "results")
    env = dict(os.environ)
    env["TESTRELAY_CONFIG"] = json.dumps({"provider": "local", "output_dir": results,
                                          "history_path": history, "run_name": runner})
    # A sanitizer's finding must not pass for the runner's own exit code.
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        env[name] = ":".join(filter(None, [env.get(name, ""), "exitcode=125"]))
    proc = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True, timeout=900)
    problems = []
    if proc.returncode != exit_code:
        problems.append(f"exit code {proc.returncode}, expected {exit_code} (the runner's own)")
    for bad in BAD_STDERR:
        if bad in proc.stderr:
            problems.append(f"stderr has {bad!r}")
    # What the integrations print when reporting fails.
    if any(line.startswith("testrelay: ") for line in proc.stderr.splitlines()):
        problems.append("stderr has a testrelay complaint")
    if problems:
        sys.stderr.write(proc.stdout + proc.stderr)
        fail("; ".join(problems))
    if not os.path.isfile(os.path.join(results, "junit.xml")):
        fail("no junit.xml in the output directory")
    return history


def check_history(runner, source, dump, history):
    _, counts, expected = RUNNERS[runner](source)
    dumped = lambda *args: json.loads(subprocess.run([dump, history, *args], check=True,
                                                     capture_output=True, text=True).stdout)
    runs = dumped()
    if len(runs) != 1:
        fail(f"{len(runs)} runs in the history, expected 1")
    run_counts = runs[0]["counts"]
    if {key: run_counts.get(key) for key in counts} != counts or run_counts.get("total") != len(expected):
        fail(f"counts {run_counts}, expected {counts} and total {len(expected)}")
    got = {}
    for c in dumped(runs[0]["run"]["run_key"]):
        key = (c.get("classname", ""), c["name"])
        if key in got:
            fail(f"{key} recorded twice")
        got[key] = c
    want = {(e["classname"], e["name"]): e for e in expected}
    if set(got) != set(want):
        fail(f"cases {sorted(got)}, expected {sorted(want)}")
    for key, e in want.items():
        c = got[key]
        actual = {"suite": c.get("suite", ""), "status": c.get("status"), "file": c.get("file"),
                  "line": c.get("line") or 0, "message": c.get("message") or None,
                  "details": c.get("details") or None}
        wanted = {"suite": e["suite"], "status": e["status"], "file": source if e["file"] else None,
                  "line": line_of(source, e["line"]) if e["line"] else 0, "message": e["message"],
                  "details": e["details"] or None}
        for field, value in wanted.items():
            if actual[field] != value:
                fail(f"{key} {field} is {actual[field]!r}, expected {value!r}")
    print(f"check_runner: {runner}: {len(expected)} cases as expected")


def main():
    args = sys.argv[1:]
    if len(args) >= 7 and args[0] == "run" and args[1] in RUNNERS and args[5] == "--":
        history = run(args[1], args[2], args[4], args[6:])
        check_history(args[1], args[2], args[3], history)
    elif len(args) == 5 and args[0] == "history" and args[1] in RUNNERS:
        check_history(args[1], args[2], args[3], args[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
