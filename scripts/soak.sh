#!/usr/bin/env bash
# The fault-injection soak (core/tests/soak.rs) at a larger size than the
# test suite's: RUNS runs (default 40) of CASES cases (default 10000),
# against the local simulator only. Usage: scripts/soak.sh [RUNS] [CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
TESTRELAY_SOAK_RUNS="${1:-40}" TESTRELAY_SOAK_CASES="${2:-10000}" \
  cargo test --release -p testrelay --test soak -- --nocapture
