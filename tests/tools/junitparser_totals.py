#!/usr/bin/env python3
"""Read a JUnit XML file with junitparser and print what it sees as JSON.

Usage: junitparser_totals.py FILE

Output: {"root": {...}, "written": {...}, "recomputed": {...}, "suites": [...]}
- "root": the tests/failures/errors attributes of <testsuites> as written
  (the xunit2 schema has no "skipped" there).
- "written": the suites' tests/failures/errors/skipped attributes, summed.
- "recomputed": the same totals as junitparser computes them from the cases.
- "suites": per suite its attributes, properties and cases; per case its
  attributes, final results (failure/error/skipped with message, type and
  text), interim results (rerun/flaky elements with their children) and
  system-out/system-err.

Needs `pip install junitparser` (version 3 or later for the xunit2 module).
"""

import json
import sys

from junitparser.xunit2 import JUnitXml


def result_json(r):
    return {"tag": r._tag, "message": r.message, "type": r.type, "text": r.text}


def interim_json(r):
    return {
        "tag": r._tag,
        "message": r.message,
        "type": r.type,
        "stack_trace": r.stack_trace,
        "system_out": r.system_out,
        "system_err": r.system_err,
    }


def props(elem):
    found = elem._elem.find("properties")
    if found is None:
        return {}
    return {p.get("name"): p.get("value") for p in found.findall("property")}


def main(path):
    xml = JUnitXml.fromfile(path)
    root = {"tests": xml.tests, "failures": xml.failures, "errors": xml.errors}
    written = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = []
    for suite in xml:
        for key in written:
            written[key] += getattr(suite, key) or 0
        cases = []
        for case in suite:
            cases.append(
                {
                    "name": case.name,
                    "classname": case.classname,
                    "time": case.time,
                    "file": case._elem.get("file"),
                    "line": case._elem.get("line"),
                    "properties": props(case),
                    "results": [result_json(r) for r in case.result],
                    "interim": [interim_json(r) for r in case.interim_result],
                    "system_out": case.system_out,
                    "system_err": case.system_err,
                }
            )
        suites.append(
            {
                "name": suite.name,
                "tests": suite.tests,
                "failures": suite.failures,
                "errors": suite.errors,
                "skipped": suite.skipped,
                "time": suite.time,
                "timestamp": suite.timestamp,
                "hostname": suite.hostname,
                "properties": props(suite),
                "system_out": suite._elem.findtext("system-out"),
                "system_err": suite._elem.findtext("system-err"),
                "cases": cases,
            }
        )
    xml.update_statistics()
    recomputed = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        for key in recomputed:
            recomputed[key] += getattr(suite, key)
    out = {"root": root, "written": written, "recomputed": recomputed, "suites": suites}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: junitparser_totals.py FILE")
    main(sys.argv[1])
