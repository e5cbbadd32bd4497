#!/usr/bin/env bash
# Runs every test suite of testrelay: the documentation's links (every
# relative link of README.md and docs/ resolves), Rust (unit, integration, doc), the
# history against a throwaway PostgreSQL server (feature `postgres`), the CI
# examples against their vendors' schemas, the contract tests (Prism serving
# GitHub's, Azure DevOps' and Bitbucket's published descriptions), then the
# C ABI through CMake/ctest
# (plain, release archive, valgrind, ASan+UBSan), the Node binding (npm
# install, generated files, node:test), what users install from a registry
# (npm tarballs in a fresh project, the source build from the main tarball,
# the packaged crate alone; after the Node tests, whose debug build of the
# addon the source build reuses), then the JS runner
# reporters and the WebGPU browser example with the real runners and
# Chromium, then the history dashboard in headless Chromium (screenshots in
# build/dashboard-test/).
# This is the README's test command and exactly what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-test-deps.sh
scripts/check-doc-links.py
cargo test --workspace --locked
scripts/test-postgres.sh
scripts/test-examples.sh
scripts/test-contract.sh
scripts/test-contract-azure.sh
scripts/test-contract-bitbucket.sh
scripts/test-c.sh
scripts/test-node.sh
scripts/test-dist.sh
scripts/test-runners-js.sh
scripts/test-dashboard.sh
