#!/usr/bin/env bash
# Contract tests: every request the GitHub provider sends must be accepted
# by GitHub's published OpenAPI description (@octokit/openapi), served by
# Prism on 127.0.0.1. Installs both with npm (tests/contract, exact versions
# from package-lock.json), starts Prism on a free port, runs the ignored
# Rust contract tests against it, and stops Prism on exit.
# Needs Node.js (20 or later) and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "contract tests need Node.js 20+ and npm on PATH" >&2
  exit 1
fi

(cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)

spec=tests/contract/node_modules/@octokit/openapi/generated/api.github.com.json
prism=tests/contract/node_modules/.bin/prism
port=$(node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
log=$(mktemp)

# Prism runs in its own process group, so that stopping it stops every
# process it started.
setsid "$prism" mock --host 127.0.0.1 --port "$port" "$spec" >"$log" 2>&1 &
prism_pid=$!
stop_prism() {
  kill -TERM -- "-$prism_pid" 2>/dev/null || true
  wait "$prism_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_prism EXIT

# Loading the description takes Prism about a minute on a shared machine.
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
echo "Prism serves GitHub's OpenAPI description on 127.0.0.1:$port"

if ! TESTRELAY_PRISM_URL="http://127.0.0.1:$port" \
  cargo test -p testrelay --locked --test github_contract -- --ignored; then
  echo "Prism's log (last 60 lines):" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
