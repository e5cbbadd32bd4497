#!/usr/bin/env python3
"""Count the test cases of JUnit XML files with junitparser, printed as JSON.

core/tests/junit_reader.rs runs this over the real-runner fixtures to compare
testrelay's JUnit reader with an independent one. Usage:

    python3 tests/tools/junit_counts.py FILE...

prints one JSON object mapping each FILE (as given) to its counts:

    total           every <testcase>, in every (nested) <testsuite>
    passed          cases with no <failure>, <error> or <skipped> child
    failures        cases whose first <failure>/<error> child is a <failure>
    errors          cases whose first <failure>/<error> child is an <error>
    skipped         other cases with a <skipped> child
    not_run_passed  cases counted as passed above that GoogleTest or CTest
                    marked as not run only by attribute: status="notrun",
                    "disabled" or "skipped", or result="skipped" or
                    "suppressed" (junitparser only looks at child elements)

junitparser has no notion of surefire's flakyFailure/flakyError/rerunFailure/
rerunError elements: it ignores them, so a flaky case counts as passed and a
case with reruns counts by its own <failure>/<error>.

Exits with status 3 and a message on stderr when junitparser is missing.
"""

import json
import sys

try:
    from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite
except ImportError:
    sys.stderr.write("junitparser is not installed: pip install junitparser\n")
    sys.exit(3)

NOT_RUN_STATUS = {"notrun", "disabled", "skipped"}
NOT_RUN_RESULT = {"skipped", "suppressed"}


def walk(suite):
    """The suite and every suite nested in it, depth first."""
    yield suite
    for inner in suite.testsuites():
        yield from walk(inner)


def counts(path):
    xml = JUnitXml.fromfile(path)
    tops = [xml] if isinstance(xml, TestSuite) else list(xml)
    out = dict.fromkeys(
        ["total", "passed", "failures", "errors", "skipped", "not_run_passed"], 0
    )
    for top in tops:
        for suite in walk(top):
            for case in suite:
                out["total"] += 1
                results = case.result
                first = next(
                    (r for r in results if isinstance(r, (Failure, Error))), None
                )
                if isinstance(first, Failure):
                    out["failures"] += 1
                elif isinstance(first, Error):
                    out["errors"] += 1
                elif any(isinstance(r, Skipped) for r in results):
                    out["skipped"] += 1
                else:
                    out["passed"] += 1
                    status = (case._elem.get("status") or "").lower()
                    result = (case._elem.get("result") or "").lower()
                    if status in NOT_RUN_STATUS or result in NOT_RUN_RESULT:
                        out["not_run_passed"] += 1
    return out


def main(paths):
    print(json.dumps({path: counts(path) for path in paths}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
