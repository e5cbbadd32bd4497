#!/usr/bin/env python3
"""Validate a CTRF JSON report against the CTRF JSON Schema.

Usage: ctrf_validate.py SCHEMA REPORT

Prints "valid" and exits 0, or prints each violation (JSON path and message)
and exits 1. Needs `pip install jsonschema`.
"""

import json
import sys

import jsonschema


def main(schema_path, report_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    for e in errors:
        print(f"{e.json_path}: {e.message}")
    if errors:
        sys.exit(1)
    print("valid")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ctrf_validate.py SCHEMA REPORT")
    main(sys.argv[1], sys.argv[2])
