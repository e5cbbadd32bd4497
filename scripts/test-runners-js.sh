#!/usr/bin/env bash
# The runner reporters (testrelay/node-test, /jest, /vitest, /mocha,
# /playwright) and the WebGPU browser example, with the real runners: the
# pinned runners of tests/runners-js/ are installed with `npm ci` in a temp
# project, testrelay is installed there from node/ (the files package.json
# ships, the addon scripts/test-node.sh built), each runner runs its sample
# suite with and without the reporter, and tests/runners-js/check.mjs
# asserts the history, the reports and the unchanged exit code. Playwright
# and the browser example (tests/runners-js/webgpu-browser.test.mjs) use
# Debian's chromium (installed when missing, as root); Playwright's own
# browser downloads are not used.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if ! ls node/*.node >/dev/null 2>&1; then
  echo "scripts/test-runners-js.sh: the addon is not built; run scripts/test-node.sh first" >&2
  exit 1
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test-runners-js.sh: Debian's chromium is needed (apt-get install chromium)" >&2
    exit 1
  fi
fi

# The snippets of docs/node.md use each reporter the way the sample suites below do.
for snippet in "--test-reporter=testrelay/node-test --test-reporter-destination=stdout" \
  "reporters: ['default', ['testrelay/jest', {" "testLocationInResults: true" \
  "reporters: ['default', ['testrelay/vitest', {" "includeTaskLocation: true" \
  "--reporter testrelay/mocha --reporter-option reporter=spec" \
  "reporter: [['list'], ['testrelay/playwright', {"; do
  if ! grep -qF -- "$snippet" docs/node.md; then
    echo "scripts/test-runners-js.sh: docs/node.md lacks the snippet: $snippet" >&2
    exit 1
  fi
  # (the commands below: the lines starting with `run ` or continuing one with `  --`)
  if ! grep -rqF -- "$snippet" tests/runners-js &&
    ! grep -E '^(run |  --)' scripts/test-runners-js.sh | grep -qF -- "$snippet"; then
    echo "scripts/test-runners-js.sh: no sample suite uses the snippet of docs/node.md: $snippet" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/testrelay-runners-js.XXXXXX")
trap 'rm -rf "$work"' EXIT
project=$work/project
cp -r tests/runners-js "$project"
rm -rf "$project/node_modules"
(cd "$project" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)

# testrelay as npm would install it: the files of node/package.json's
# `files` (minus the Rust sources of the source-build fallback), and the
# addon built in node/ linked in place of the platform package.
pkg=$project/node_modules/testrelay
mkdir -p "$pkg"
node -e '
  const fs = require("node:fs"), path = require("node:path")
  const [src, dst] = process.argv.slice(1)
  const { files } = require(path.join(src, "package.json"))
  fs.copyFileSync(path.join(src, "package.json"), path.join(dst, "package.json"))
  for (const f of files) {
    if (!["*.node", "src", "Cargo.toml", "Cargo.lock", "build.rs"].includes(f)) {
      fs.mkdirSync(path.dirname(path.join(dst, f)), { recursive: true })
      fs.cpSync(path.join(src, f), path.join(dst, f), { recursive: true })
    }
  }
  for (const n of fs.readdirSync(src).filter((n) => n.endsWith(".node"))) fs.symlinkSync(path.join(src, n), path.join(dst, n))
  ' "$repo/node" "$pkg"

export TESTRELAY_LOG=warn
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$project"

# The types of every subpath, checked by TypeScript as a user's project would.
npx --no-install tsc -p tsconfig.json

# run NAME DIR -- CMD...: runs CMD in DIR with TESTRELAY_DIR set, keeps its exit code in $status.
run() {
  local name=$1 dir=$2
  shift 3
  echo "== $name: $*"
  set +e
  (cd "$dir" && "$@")
  status=$?
  set -e
}

check() {
  node check.mjs "$@"
}

# node:test: spec beside testrelay; without testrelay for the exit code.
export TESTRELAY_DIR=$work/node-test
run node-test node-test -- env TESTRELAY_OPTIONS="{\"ciSystem\":\"local\",\"outputDir\":\"$TESTRELAY_DIR/out\",\"historyPath\":\"$TESTRELAY_DIR/history.db\"}" \
  node --test --test-reporter=spec --test-reporter-destination=stderr \
  --test-reporter=testrelay/node-test --test-reporter-destination=stdout sample.test.mjs
with=$status
run node-test node-test -- node --test --test-reporter=dot sample.test.mjs
check node-test "$with" "$status"

export TESTRELAY_DIR=$work/jest
run jest jest -- npx --no-install jest --ci --config jest.config.cjs
with=$status
run jest jest -- npx --no-install jest --ci --config jest.config.cjs --reporters=default
check jest "$with" "$status"

export TESTRELAY_DIR=$work/vitest
run vitest vitest -- npx --no-install vitest run --config vitest.config.mjs
with=$status
run vitest vitest -- npx --no-install vitest run --config vitest.config.mjs --reporter=default
check vitest "$with" "$status"

export TESTRELAY_DIR=$work/mocha
run mocha mocha -- npx --no-install mocha --reporter testrelay/mocha --reporter-option reporter=spec \
  --reporter-option ciSystem=local --reporter-option "outputDir=$TESTRELAY_DIR/out" \
  --reporter-option "historyPath=$TESTRELAY_DIR/history.db" sample.spec.cjs
with=$status
run mocha mocha -- npx --no-install mocha --reporter spec sample.spec.cjs
check mocha "$with" "$status"

export TESTRELAY_DIR=$work/playwright PLAYWRIGHT_OUTPUT=$work/playwright-output
run playwright playwright -- npx --no-install playwright test --config playwright.config.mjs
with=$status
run playwright playwright -- npx --no-install playwright test --config playwright.config.mjs --reporter=list
check playwright "$with" "$status"
unset TESTRELAY_DIR PLAYWRIGHT_OUTPUT

# The WebGPU example in Chromium, from a copy next to its test (it imports
# playwright-core and testrelay as a user's project would).
mkdir -p webgpu-browser
cp "$repo"/examples/js/webgpu-browser/{index.html,webgpu-tests.js,run.mjs} webgpu-browser/
node --test --test-reporter=spec webgpu-browser.test.mjs
