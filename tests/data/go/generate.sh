#!/usr/bin/env bash
# Regenerates the `go test -json` fixtures in this folder by running the Go
# toolchain on the sample module under src/. The streams are copied here
# exactly as `go test` wrote them: nothing is edited by hand.
#
# Usage: tests/data/go/generate.sh
#
# Needs: Go 1.14 or later (Debian's `golang-go`; the committed files were
# written by Go 1.19). `-trimpath` keeps this machine's paths out of the
# panics' stack traces; the module is copied to a fixed scratch folder.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
scratch=/tmp/testrelay-go-fixtures

rm -rf "$scratch"
mkdir -p "$scratch"
cp -R "$here/src/." "$scratch/"
cd "$scratch"
export GOFLAGS=-trimpath GOCACHE="$scratch/.cache" GOPATH="$scratch/.gopath" GOTOOLCHAIN=local
# Failing, panicking, unbuildable and timed-out packages are part of the
# sample, so go test itself fails.
# What CI usually keeps: stdout only.
go test -json -timeout 3s ./... >go-test.json 2>/dev/null || true
# With stderr mixed in (the compiler's errors for the package that does not build).
go test -json -timeout 3s ./... >go-test-with-stderr.json 2>&1 || true
for f in go-test.json go-test-with-stderr.json; do
  if [[ ! -s "$f" ]]; then
    echo "generate.sh: go test wrote nothing to $f" >&2
    exit 1
  fi
  cp "$f" "$here/$f"
  echo "wrote $f"
done
