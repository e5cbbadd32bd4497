#!/usr/bin/env bash
# The history dashboard in a real browser: the Rust tests write their pages
# (a small history, and 10 000 runs with a 100 000-test run), then headless
# Chromium (the Debian package, installed when missing) loads each one
# through playwright-core and must see no console error and no network
# request. Full-page screenshots are left in build/dashboard-test/ (ignored
# by git) for a person to look at; CI keeps them by collecting that folder.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test-dashboard.sh needs Debian's chromium package (apt-get install chromium)" >&2
    exit 1
  fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test-dashboard.sh: Node.js 20 or newer and npm are needed" >&2
  exit 1
fi

out="$PWD/build/dashboard-test"
rm -rf "$out"
mkdir -p "$out"
TESTRELAY_DASHBOARD_SAMPLES="$out" cargo test -p testrelay --locked --test dashboard -- \
  shows_runs_flaky_slowest_metrics_and_new_failures \
  ten_thousand_runs_and_a_hundred_thousand_tests_stay_under_two_megabytes
# playwright-core only (no browser download): it drives the Debian Chromium.
(cd tests/browser && npm ci --no-audit --no-fund)
CHROMIUM="$(command -v chromium)" node tests/browser/dashboard.mjs \
  "$out/dashboard-small.html" "$out/dashboard-10k-runs.html"
echo "Dashboard screenshots: $out/dashboard-small.png $out/dashboard-10k-runs.png"
