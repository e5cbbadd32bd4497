#!/usr/bin/env bash
# Sets the one version of testrelay everywhere it is written:
#   scripts/set-version.sh 0.2.0
# the workspace (Cargo.toml, hence every crate and Cargo.lock), the npm
# packages (node/package.json, node/npm/*/package.json), the binding's
# dependency on the core crate, the CMake project; then regenerates the
# files derived from it (include/testrelay.h). Add the
# version's section to CHANGELOG.md yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
new=${1:?usage: scripts/set-version.sh X.Y.Z}
[[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "set-version: '$new' is not X.Y.Z" >&2; exit 1; }

sed -i "0,/^version = \".*\"$/s//version = \"$new\"/" Cargo.toml
sed -i "s/^\(testrelay = { path = \"..\/core\", version = \"\)[^\"]*\"/\1$new\"/" node/Cargo.toml
sed -i "s/^project(testrelay VERSION [^ )]*/project(testrelay VERSION ${new%%-*}/" CMakeLists.txt
for manifest in node/package.json node/npm/*/package.json; do
  python3 - "$manifest" "$new" <<'PY'
import json, sys
path, version = sys.argv[1], sys.argv[2]
with open(path) as f:
    data = json.load(f)
data["version"] = version
with open(path, "w") as f:
    f.write(json.dumps(data, indent=2) + "\n")
PY
done
cargo update --workspace --offline
cargo run --quiet --locked -p testrelay-ffi --example gen_header
(cd node && npm install --package-lock-only --ignore-scripts --no-audit --no-fund && npm run build:debug)
scripts/check-versions.sh
