#!/usr/bin/env bash
# What a user installs from a registry, tried from outside the checkout
# (after scripts/check-versions.sh: one version everywhere):
#  1. npm: builds the addon in release (cargo, into build/cargo: the core's
#     release build is shared with scripts/test-c.sh's), packs the
#     `testrelay` package and the linux-x64-gnu platform package with
#     scripts/pack-npm.mjs (stripped binary), checks the size budgets (main
#     package < 100 KB, platform package < 8 MB), installs both tarballs
#     into a fresh project in a temporary directory (nothing else: no
#     @napi-rs/cli, no binary in the main package) and reports through
#     TestReporter from CommonJS and from an ES module (tests/dist/). The
#     main package alone, with no Rust on PATH, must fail to install with a
#     message saying so; with Rust (optional dependencies omitted) its
#     install step builds the addon from the tarball's sources, which then
#     reports from CommonJS.
#  2. crates.io: `cargo package -p testrelay`, then the packaged crate,
#     unpacked on its own, builds and passes its unit tests (into target/,
#     sharing the dependencies already built there).
# Set TESTRELAY_DIST_SKIP_CRATE=1 to run only the npm part.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

for tool in node npm cargo strip tar; do
  command -v "$tool" >/dev/null || { echo "scripts/test-dist.sh: $tool is needed" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/check-versions.sh
version=$(node -p "require('./node/package.json').version")

echo "== npm: the release-built addon =="
target_dir=${CARGO_TARGET_DIR:-$root/build/cargo}
start=$SECONDS
CARGO_TARGET_DIR=$target_dir cargo build --locked --release -p testrelay-node
echo "release addon: $((SECONDS - start)) s"

echo "== npm: packing =="
CARGO_TARGET_DIR=$target_dir node scripts/pack-npm.mjs --out "$work/tarballs" --strip \
  --binary "linux-x64-gnu=$target_dir/release/libtestrelay_node.so" | tee "$work/packed.tsv"
main_tgz=$work/tarballs/testrelay-$version.tgz
platform_tgz=$work/tarballs/testrelay-linux-x64-gnu-$version.tgz
budget() { # file limit-bytes label
  local size
  size=$(stat -c %s "$1")
  echo "$3: $size bytes packed (budget $2)"
  if ((size >= $2)); then
    echo "scripts/test-dist.sh: $3 is over its size budget" >&2
    exit 1
  fi
}
budget "$main_tgz" $((100 * 1024)) "testrelay-$version.tgz"
budget "$platform_tgz" $((8 * 1024 * 1024)) "testrelay-linux-x64-gnu-$version.tgz"
if tar -tzf "$main_tgz" | grep -E '\.node$'; then
  echo "scripts/test-dist.sh: the main package holds a binary" >&2
  exit 1
fi
# The platform package's binary is stripped: no .symtab, no debug info.
tar -xzf "$platform_tgz" -C "$work"
if readelf -S "$work/package/testrelay.linux-x64-gnu.node" | grep -qE '\.symtab|\.debug_'; then
  echo "scripts/test-dist.sh: the platform package's addon is not stripped" >&2
  exit 1
fi

echo "== npm: a fresh project installs the tarballs =="
project=$work/project
mkdir -p "$project"
cp "$main_tgz" "$platform_tgz" tests/dist/consumer.cjs tests/dist/consumer.mjs "$project/"
(
  cd "$project"
  echo '{ "name": "testrelay-dist-consumer", "version": "1.0.0", "private": true }' >package.json
  npm install --no-audit --no-fund "./$(basename "$main_tgz")" "./$(basename "$platform_tgz")"
  # Only the two packages: the napi CLI is a dev dependency.
  installed=$(npm ls --all --parseable | tail -n +2 | sed "s|^$project/node_modules/||" | sort | tr '\n' ' ')
  echo "installed: $installed"
  [[ $installed == "@testrelay/linux-x64-gnu testrelay " ]] || {
    echo "scripts/test-dist.sh: expected only testrelay and its platform package" >&2
    exit 1
  }
  node consumer.cjs "$work/out-cjs" linux-x64-gnu
  node consumer.mjs "$work/out-esm"
)

echo "== npm: no platform package and no Rust: the install stops and says why =="
# Only the main tarball (its optional dependencies on the unpublished
# platform packages are not found), with cargo off PATH.
norust=$work/no-rust
mkdir -p "$norust/bin"
cp "$main_tgz" "$norust/"
ln -s "$(command -v node)" "$norust/bin/node"
ln -s "$(command -v npm)" "$norust/bin/npm"
if PATH="$norust/bin:/usr/bin:/bin" command -v cargo >/dev/null; then
  echo "note: cargo is in /usr/bin or /bin; the test without Rust is skipped"
else (
  cd "$norust"
  echo '{ "name": "testrelay-dist-no-rust", "version": "1.0.0", "private": true }' >package.json
  if PATH="$norust/bin:/usr/bin:/bin" npm install --no-audit --no-fund "./$(basename "$main_tgz")" >install.log 2>&1; then
    echo "scripts/test-dist.sh: the install succeeded without a binary or Rust" >&2
    exit 1
  fi
  grep -q "needs Rust's cargo on PATH, which is missing" install.log || {
    cat install.log >&2
    echo "scripts/test-dist.sh: the failed install does not say that Rust is missing" >&2
    exit 1
  }
  echo "without a platform package or Rust: the install fails with the message"
) fi

echo "== npm: no platform package, Rust present: the install builds the addon from the tarball =="
# The source build a user gets where no platform package fits: only the
# main tarball, optional dependencies omitted. Its Cargo.toml takes the
# `testrelay` crate from crates.io at this version; until that is
# published, a [patch.crates-io] in the project's cargo config points it at
# the crate `cargo package` made (scripts/pack-npm.mjs, above), so what is
# built is exactly what would be published. The napi CLI comes from npm's
# registry. A debug build into target/: scripts/test.sh runs
# scripts/test-node.sh first, whose debug build of the addon there already
# compiled every dependency (the packaged crate and the workspace differ in
# their release profile, so a release build would compile them all again).
fallback=$work/fallback
mkdir -p "$fallback/.cargo" "$fallback/crate"
tar -xzf "$target_dir/package/testrelay-$version.crate" -C "$fallback/crate"
printf '[patch.crates-io]\ntestrelay = { path = "%s" }\n' "$fallback/crate/testrelay-$version" \
  >"$fallback/.cargo/config.toml"
cp "$main_tgz" tests/dist/consumer.cjs "$fallback/"
(
  cd "$fallback"
  echo '{ "name": "testrelay-dist-source-build", "version": "1.0.0", "private": true }' >package.json
  start=$SECONDS
  if ! CARGO_TARGET_DIR=$root/target TESTRELAY_NODE_PROFILE=debug npm install --omit=optional --foreground-scripts --no-audit --no-fund \
    "./$(basename "$main_tgz")" >install.log 2>&1; then
    cat install.log >&2
    echo "scripts/test-dist.sh: the source build from the main tarball failed" >&2
    exit 1
  fi
  echo "source build: $((SECONDS - start)) s"
  grep -q "building the native addon from source" install.log || {
    cat install.log >&2
    echo "scripts/test-dist.sh: the install did not build the addon from source" >&2
    exit 1
  }
  node consumer.cjs "$work/out-source-build" --source-build
)

if [[ ${TESTRELAY_DIST_SKIP_CRATE:-0} == 1 ]]; then
  exit 0
fi

echo "== crates.io: cargo package -p testrelay, built and unit-tested alone =="
cargo package --locked --no-verify -p testrelay
mkdir "$work/crate"
tar -xzf "target/package/testrelay-$version.crate" -C "$work/crate"
(
  cd "$work/crate/testrelay-$version"
  # Outside the workspace, with the packaged Cargo.lock.
  CARGO_TARGET_DIR=$root/target cargo test --locked --lib --bins
)
echo "dist: ok"
