#!/usr/bin/env bash
# Validates the CI examples in examples/ci/ against their vendors' published
# CI schemas, as shipped by check-jsonschema (`pip install check-jsonschema`):
# azure-pipelines.yml against vendor.azure-pipelines (whose patterns need
# the non-Unicode regex variant), bitbucket-pipelines.yml against
# vendor.bitbucket-pipelines, gitlab-ci.yml against vendor.gitlab-ci.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v check-jsonschema >/dev/null 2>&1; then
  echo "needs check-jsonschema on PATH (pip install check-jsonschema)" >&2
  exit 1
fi
checked=0
for file in examples/ci/*.yml; do
  case "$(basename "$file")" in
    azure-pipelines.yml) args=(--regex-variant nonunicode --builtin-schema vendor.azure-pipelines) ;;
    bitbucket-pipelines.yml) args=(--builtin-schema vendor.bitbucket-pipelines) ;;
    gitlab-ci.yml) args=(--builtin-schema vendor.gitlab-ci) ;;
    *) echo "no schema known for $file" >&2; exit 1 ;;
  esac
  check-jsonschema "${args[@]}" "$file"
  checked=$((checked + 1))
done
echo "$checked CI example(s) valid"
