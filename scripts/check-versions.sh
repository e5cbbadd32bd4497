#!/usr/bin/env bash
# One version for every surface: the workspace's (Cargo.toml,
# [workspace.package] version) must be the version of node/package.json,
# of every platform package node/npm/*/package.json, of the binding's
# dependency on the core crate (node/Cargo.toml), and of the CMake project
# (CMakeLists.txt). The header's TR_VERSION_* macros follow from it and are
# checked where they are generated (ffi/tests/header.rs). Bump it everywhere with scripts/set-version.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[[ -n $version ]] || { echo "check-versions: no version in Cargo.toml" >&2; exit 1; }
status=0
expect() { # what found
  if [[ $2 != "$version" ]]; then
    echo "check-versions: $1 is at '$2', the workspace at $version (run scripts/set-version.sh $version)" >&2
    status=1
  fi
}
json_version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$1"; }
expect node/package.json "$(json_version node/package.json)"
for manifest in node/npm/*/package.json; do
  expect "$manifest" "$(json_version "$manifest")"
done
expect "node/Cargo.toml (testrelay dependency)" \
  "$(sed -n 's/^testrelay = { path = "..\/core", version = "\([^"]*\)".*/\1/p' node/Cargo.toml)"
expect "CMakeLists.txt (project VERSION)" \
  "$(sed -n 's/^project(testrelay VERSION \([^ )]*\).*/\1/p' CMakeLists.txt)"
((status == 0)) && echo "versions: all $version"
exit "$status"
