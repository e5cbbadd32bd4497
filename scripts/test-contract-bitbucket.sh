#!/usr/bin/env bash
# Contract tests for the Bitbucket provider: its build statuses, pull request
# comments and Downloads requests must be accepted by Bitbucket Cloud's
# published description, served by Prism on 127.0.0.1. The description is
# read from $TESTRELAY_BITBUCKET_SPEC (default: shared/specs/bitbucket/
# openapi.yml beside this repository's directory). It lacks the Code
# Insights routes: the simulator checks those (tests/ci-sim/src/bitbucket.rs).
# Prism is installed with npm (tests/contract). Needs Node.js 20+ and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "contract tests need Node.js 20+ and npm on PATH" >&2
  exit 1
fi
spec=${TESTRELAY_BITBUCKET_SPEC:-../shared/specs/bitbucket/openapi.yml}
if [ ! -f "$spec" ]; then
  echo "no $spec: set TESTRELAY_BITBUCKET_SPEC to Bitbucket's openapi.yml" >&2
  exit 1
fi

(cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)

prism=tests/contract/node_modules/.bin/prism
port=$(node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
log=$(mktemp)

setsid "$prism" mock --host 127.0.0.1 --port "$port" "$spec" >"$log" 2>&1 &
prism_pid=$!
stop_prism() {
  kill -TERM -- "-$prism_pid" 2>/dev/null || true
  wait "$prism_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_prism EXIT

deadline=$((SECONDS + 300))
until grep -q "Prism is listening" "$log"; do
  if ! kill -0 "$prism_pid" 2>/dev/null; then
    echo "Prism exited before listening:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "Prism did not listen on 127.0.0.1:$port within 300 s:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "Prism serves Bitbucket's description on 127.0.0.1:$port"

if ! TESTRELAY_BITBUCKET_PRISM_URL="http://127.0.0.1:$port" \
  cargo test -p testrelay --locked --test bitbucket_contract -- --ignored; then
  echo "Prism's log (last 60 lines):" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
