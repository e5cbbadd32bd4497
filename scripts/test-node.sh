#!/usr/bin/env bash
# The Node binding's tests: install the npm package in node/ (its install
# step builds the addon from source with the napi CLI), check that the
# committed binding.d.ts matches what the sources generate, and
# run `npm test` (which builds the CI simulator first, then runs node:test).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test-node.sh: Node.js 20 or newer and npm are needed" >&2
  exit 1
fi
# A debug build: the tests do not need an optimized addon.
export TESTRELAY_NODE_PROFILE=debug
# `npm install` from the committed lock file rather than `npm ci`: the
# registry mirror this project reaches lacks the napi CLI's optional
# packages for other platforms, so npm ci calls the lock file out of sync.
(cd node && npm install --no-audit --no-fund)
# The install step's build rewrites binding.d.ts in place (binding.js, the
# loader, is hand-written), so the committed file is compared with what it
# wrote, not only with a rebuild.
if git rev-parse --git-dir >/dev/null 2>&1 \
  && ! git diff --quiet -- node/binding.d.ts; then
  git --no-pager diff --stat -- node/binding.d.ts >&2
  echo "scripts/test-node.sh: node/binding.d.ts is stale; commit what the build generated" >&2
  exit 1
fi
(cd node && npm run --silent check-generated)
(cd node && npm test)
