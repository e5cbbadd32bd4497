#!/usr/bin/env bash
# Configures, builds and runs the C/C++ tests of the C ABI with ctest in
# build/ (the Rust library is built by cargo inside build/cargo), then the
# the release archive (scripts/make-release-archive.sh) extracted to a new
# prefix and used by C11 and C++17 consumers through find_package and
# pkg-config and by the Python ctypes example, then the
# same tests under valgrind (build/valgrind: 0 errors, 0 definite leaks) and
# under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan).
#
# The runner integrations (include/testrelay/<runner>.hpp) run on sample
# suites in each pass; the installed package's consumer also runs its tests
# with `ctest --output-junit` (testrelay::gtest through testrelay_add_tests,
# and the JUnit file through `testrelay report`), checking both histories.
#
# Installs cmake, valgrind, g++, pkg-config, libgtest-dev, catch2,
# doctest-dev and libsqlite3-dev with apt-get when missing and running as
# root.
# Set TESTRELAY_C_QUICK=1 to run only the plain pass.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v valgrind >/dev/null || need+=(valgrind)
command -v g++ >/dev/null || need+=(g++)
command -v pkg-config >/dev/null || need+=(pkg-config)
# GoogleTest, Catch2 (2.x) and doctest, for the runner integrations' tests.
[[ -e /usr/include/gtest/gtest.h ]] || need+=(libgtest-dev)
[[ -e /usr/include/catch2/catch.hpp ]] || need+=(catch2)
[[ -e /usr/include/doctest/doctest.h ]] || need+=(doctest-dev)
# A static SQLite, for the test of a harness that links its own beside ours.
[[ -e /usr/include/sqlite3.h ]] || need+=(libsqlite3-dev)
if ((${#need[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "test-c.sh: missing ${need[*]}; install them (e.g. apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

jobs=$(nproc 2>/dev/null || echo 2)

echo "== C/C++ tests =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure

echo "== release archive: extracted to a new prefix, find_package(testrelay) and pkg-config =="
# scripts/make-release-archive.sh packs what `cmake --install` puts in a
# prefix (plus licenses and README); the consumers use it extracted elsewhere.
rm -rf build/dist build/prefix build/consumer
archive=$(scripts/make-release-archive.sh build build/dist)
mkdir -p build/prefix
tar -xzf "$archive" -C build/prefix
prefix=$(echo "$PWD"/build/prefix/testrelay-*)
for f in include/testrelay.h lib/libtestrelay.a lib/libtestrelay.so lib/cmake/testrelay/testrelayConfig.cmake \
  lib/pkgconfig/testrelay.pc LICENSE-MIT LICENSE-APACHE README.md; do
  [[ -f $prefix/$f ]] || { echo "test-c.sh: $(basename "$archive") lacks $f" >&2; exit 1; }
done
cmake -S tests/c/consumer -B build/consumer -DCMAKE_PREFIX_PATH="$prefix"
cmake --build build/consumer -j "$jobs"
(cd build/consumer && ./consumer_static >/dev/null && ./consumer_cpp_static &&
  LD_LIBRARY_PATH="$prefix/lib" ./consumer_shared >/dev/null &&
  LD_LIBRARY_PATH="$prefix/lib" ./consumer_cpp_shared)
if command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  # shellcheck disable=SC2046
  cc -std=c11 -o build/consumer/pkgconfig_shared examples/c/minimal.c \
    $(pkg-config --cflags --libs testrelay)
  # shellcheck disable=SC2046
  c++ -std=c++17 -o build/consumer/pkgconfig_cpp_shared tests/c/consumer/consumer.cpp \
    $(pkg-config --cflags --libs testrelay)
  (cd build/consumer && LD_LIBRARY_PATH="$prefix/lib" ./pkgconfig_shared >/dev/null &&
    LD_LIBRARY_PATH="$prefix/lib" ./pkgconfig_cpp_shared)
fi
# Python, through the shared library with ctypes (examples/python).
PYTHONDONTWRITEBYTECODE=1 TESTRELAY_LIBRARY="$prefix/lib/libtestrelay.so" TESTRELAY_HEADER="$prefix/include/testrelay.h" \
  python3 -m unittest discover -s examples/python -v
echo "release archive: ok"
# testrelay::gtest registered by testrelay_add_tests, and the CTest
# recipe of docs/c-and-cpp.md: ctest --output-junit, then testrelay report.
ctest --test-dir build/consumer --output-on-failure --output-junit ctest-junit.xml
check=(python3 tests/c/runners/check_runner.py history)
"${check[@]}" consumer "$PWD/tests/c/consumer/consumer_gtest.cpp" build/tests/c/history_dump \
  build/consumer/.testrelay/history.db
cargo run --quiet --locked -p testrelay --bin testrelay -- report build/consumer/ctest-junit.xml \
  --provider local --history build/consumer/recipe/history.db \
  --output-dir build/consumer/recipe/results --fail-on failures >/dev/null
"${check[@]}" ctest-junit - build/tests/c/history_dump build/consumer/recipe/history.db
echo "installed package: ok"

if [[ ${TESTRELAY_C_QUICK:-0} == 1 ]]; then
  exit 0
fi

# The valgrind and sanitizer builds share the Rust library of build/ (only
# the C tests differ), so cargo builds it once.
shared=(-DCMAKE_BUILD_TYPE=Debug "-DTESTRELAY_CARGO_TARGET_DIR=$PWD/build/cargo")

echo "== C/C++ tests under valgrind =="
cmake -S . -B build/valgrind "${shared[@]}" -DTESTRELAY_VALGRIND=ON
cmake --build build/valgrind -j "$jobs"
ctest --test-dir build/valgrind --output-on-failure

echo "== C/C++ tests under ASan + UBSan =="
cmake -S . -B build/asan "${shared[@]}" -DTESTRELAY_SANITIZE=ON
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure
