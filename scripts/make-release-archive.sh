#!/usr/bin/env bash
# Makes the native release archive testrelay-<version>-<target>.tar.gz from
# a configured and built CMake build directory:
#
#   scripts/make-release-archive.sh BUILD_DIR OUT_DIR [--cli PATH]
#
# Inside, under testrelay-<version>-<target>/: what `cmake --install` puts
# in a prefix (include/testrelay.h; lib/libtestrelay.a and libtestrelay.so;
# lib/cmake/testrelay/, the CMake package; lib/pkgconfig/testrelay.pc), the
# libraries stripped of debug information; bin/testrelay when --cli names
# the command line's binary; LICENSE-MIT, LICENSE-APACHE and README.md
# (cmake/archive-README.md). The CMake package and the pkg-config file are
# relocatable: extract anywhere and point CMAKE_PREFIX_PATH or
# PKG_CONFIG_PATH there. <version> is the crate's, <target> rustc's host.
# Prints the archive's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if (($# < 2)); then
  echo "usage: scripts/make-release-archive.sh BUILD_DIR OUT_DIR [--cli PATH]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
cli=
if (($# >= 4)) && [[ $3 == --cli ]]; then
  cli=$4
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
target=$(rustc -vV | sed -n 's/^host: //p')
name=testrelay-$version-$target
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
prefix=$stage/$name

cmake --install "$build" --prefix "$prefix" >/dev/null
strip --strip-debug "$prefix/lib/libtestrelay.a"
strip --strip-unneeded "$prefix/lib/libtestrelay.so"
if [[ -n $cli ]]; then
  install -D -m 755 "$cli" "$prefix/bin/testrelay"
  strip "$prefix/bin/testrelay"
fi
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$prefix/"
sed -e "s/@VERSION@/$version/g" -e "s/@TARGET@/$target/g" "$root/cmake/archive-README.md" >"$prefix/README.md"

tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz"
