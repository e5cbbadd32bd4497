#!/usr/bin/env bash
# Contract tests for the Azure DevOps provider: every request it sends must
# be accepted by Microsoft's published Swagger descriptions of the Test and
# Git REST APIs 7.1, served by Prism on 127.0.0.1.
#
# The descriptions are read from $TESTRELAY_AZURE_SPECS (default: the
# directory shared/specs/azure-devops beside this repository's directory).
# They start with a UTF-8 byte-order mark and carry x-ms-examples
# references to files that are not published with them; both are removed,
# and the two files are merged into one description (their paths do not
# overlap and their shared definitions and parameters are identical, which
# the merge checks). Prism is installed with npm (tests/contract, exact
# versions from package-lock.json). Needs Node.js (20 or later) and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "contract tests need Node.js 20+ and npm on PATH" >&2
  exit 1
fi
specs=${TESTRELAY_AZURE_SPECS:-../shared/specs/azure-devops}
for f in test-7.1.json git-7.1.json; do
  if [ ! -f "$specs/$f" ]; then
    echo "no $specs/$f: set TESTRELAY_AZURE_SPECS to the directory of Azure DevOps' descriptions" >&2
    exit 1
  fi
done

(cd tests/contract && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
spec="$work/azure-devops-test-git-7.1.json"
node - "$specs" "$spec" <<'JS'
const fs = require("fs");
const path = require("path");
const [dir, out] = process.argv.slice(2);
const read = (f) =>
  JSON.parse(fs.readFileSync(path.join(dir, f), "utf8").replace(/^\uFEFF/, ""));
const strip = (v) => {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) if (k !== "x-ms-examples") o[k] = strip(x);
    return o;
  }
  return v;
};
const [test, git] = ["test-7.1.json", "git-7.1.json"].map((f) => strip(read(f)));
const merged = { ...test, paths: { ...test.paths } };
for (const key of ["definitions", "parameters"]) {
  merged[key] = { ...test[key] };
  for (const [name, value] of Object.entries(git[key] || {})) {
    if (name in merged[key] && JSON.stringify(merged[key][name]) !== JSON.stringify(value)) {
      console.error(`the descriptions disagree on ${key}.${name}`);
      process.exit(1);
    }
    merged[key][name] = value;
  }
}
for (const [p, value] of Object.entries(git.paths)) {
  if (p in merged.paths) {
    console.error(`both descriptions have ${p}`);
    process.exit(1);
  }
  merged.paths[p] = value;
}
merged.info = { ...test.info, title: "Azure DevOps Test and Git 7.1 (merged for Prism)" };
fs.writeFileSync(out, JSON.stringify(merged));
JS

prism=tests/contract/node_modules/.bin/prism
port=$(node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
log="$work/prism.log"

setsid "$prism" mock --host 127.0.0.1 --port "$port" "$spec" >"$log" 2>&1 &
prism_pid=$!
stop_prism() {
  kill -TERM -- "-$prism_pid" 2>/dev/null || true
  wait "$prism_pid" 2>/dev/null || true
  rm -rf "$work"
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
echo "Prism serves Azure DevOps' Test and Git 7.1 descriptions on 127.0.0.1:$port"

if ! TESTRELAY_AZURE_PRISM_URL="http://127.0.0.1:$port" \
  cargo test -p testrelay --locked --test azure_contract -- --ignored; then
  echo "Prism's log (last 60 lines):" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
