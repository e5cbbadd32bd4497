#!/usr/bin/env bash
# Installs what the test suites need beyond Rust: xmllint (schema checks of
# our JUnit output), Python reference tools and check-jsonschema. Safe to run
# again: it installs only what is missing.
set -euo pipefail

need_apt=()
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "testrelay tests need these Debian packages: ${need_apt[*]} (install them, then rerun)" >&2
    exit 1
  fi
fi

# Reference tools the tests compare against: junitparser (JUnit reader),
# jsonschema (CTRF schema), cmarkgfm (GitHub's Markdown renderer).
if ! python3 -c 'import junitparser, jsonschema, cmarkgfm' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check \
    'junitparser==5.0.3' 'jsonschema==4.26.0' 'cmarkgfm==2025.10.22'
fi

# check-jsonschema validates the CI examples in examples/ci/ against the
# vendors' schemas it ships (scripts/test-examples.sh).
if ! python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("check-jsonschema") != "0.39.0")' >/dev/null 2>&1 ||
  ! command -v check-jsonschema >/dev/null 2>&1; then
  # jsonschema stays at the version pinned above.
  python3 -m pip install --quiet --disable-pip-version-check 'check-jsonschema==0.39.0' 'jsonschema==4.26.0'
fi

# JetBrains' own TeamCity service-message writer: the reference for our
# escaping (core/tests/teamcity.rs).
if ! python3 -c 'import teamcity.messages' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check 'teamcity-messages==1.33'
fi
