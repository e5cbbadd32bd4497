#!/usr/bin/env bash
# Regenerates the JUnit fixtures in this folder by running real test runners on
# the sample projects under src/. The reports are copied here exactly as the
# runners wrote them: nothing is edited by hand.
#
# Usage: tests/data/junit/generate.sh [nextest] [pytest] [rerun] [metrics] [gtest]
#        [jest] [jest-repeats] [testng]
# (no argument: all of them).
#
# Needs: cargo-nextest; python3 with pytest and pytest-rerunfailures; cmake,
# a C++ compiler and libgtest-dev (GoogleTest and CTest); node and npm (jest,
# jest-junit; installed into the scratch folder, never here); a JDK and
# Debian's testng package (/usr/share/java/testng.jar, jcommander.jar,
# bsh.jar).
#
# The samples are copied to a fixed scratch folder and run there, so the paths
# some runners embed in their reports (GoogleTest's `file`, pytest's skip
# location, jest's stack traces) are the same on every machine.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
scratch=/tmp/testrelay-junit-fixtures

stage() { # stage NAME: fresh copy of src/NAME in the scratch folder
  rm -rf "${scratch:?}/$1"
  mkdir -p "$scratch"
  cp -R "$here/src/$1" "$scratch/$1"
  cd "$scratch/$1"
}

keep() { # keep REPORT NAME: copy the runner's report here, failing if missing
  if [[ ! -s "$1" ]]; then
    echo "generate.sh: the runner wrote no report at $1" >&2
    exit 1
  fi
  cp "$1" "$here/$2"
  echo "wrote $2"
}

gen_nextest() {
  stage nextest
  # Failing tests are part of the sample, so the run itself fails.
  RUST_BACKTRACE=0 CARGO_TARGET_DIR="$scratch/nextest/target" \
    cargo nextest run --profile fixture >/dev/null 2>&1 || true
  keep target/nextest/fixture/junit.xml nextest.xml
}

gen_pytest() {
  stage pytest
  local family
  for family in xunit2 xunit1; do
    python3 -m pytest -q -p no:cacheprovider -o junit_logging=all \
      -o junit_family="$family" --junitxml=junit.xml test_sample.py >/dev/null || true
    keep junit.xml "pytest-$family.xml"
  done
}

gen_rerun() {
  stage pytest-rerun
  python3 -m pytest -q -p no:cacheprovider --reruns 2 \
    --junitxml=junit.xml test_reruns.py >/dev/null || true
  keep junit.xml pytest-rerunfailures.xml
}

gen_metrics() {
  stage pytest-metrics
  python3 -m pytest -q -p no:cacheprovider --junitxml=junit.xml test_bench.py >/dev/null || true
  keep junit.xml pytest-metrics.xml
}

gen_gtest() {
  stage gtest
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build >/dev/null
  ./build/sample_test --gtest_output=xml:junit.xml >/dev/null || true
  keep junit.xml gtest.xml
  (cd build && ctest --output-junit ../ctest-junit.xml >/dev/null 2>&1) || true
  keep ctest-junit.xml ctest.xml
}

gen_jest() {
  stage jest
  npm install --no-audit --no-fund --silent >/dev/null 2>&1
  npm test >/dev/null 2>&1 || true
  keep junit.xml jest.xml
}

gen_jest_repeats() {
  stage jest-repeats
  npm install --no-audit --no-fund --silent >/dev/null 2>&1
  npm run same-titles >/dev/null 2>&1 || true
  keep same-titles.xml jest-same-titles.xml
  npm run nameless >/dev/null 2>&1 || true
  keep nameless.xml jest-nameless.xml
}

gen_testng() {
  stage testng
  local cp=/usr/share/java/testng.jar:/usr/share/java/jcommander.jar:/usr/share/java/bsh.jar
  javac -cp "$cp" -d classes sample/*.java
  # Failing tests are part of the sample, so the run itself fails.
  java -cp "$cp:classes" org.testng.TestNG -d out \
    -testclass sample.SampleTest,sample.BrokenSetupTest >/dev/null 2>&1 || true
  # JUnitReportReporter: one file per class; JUnitXMLReporter: one per <test>.
  keep out/junitreports/TEST-sample.SampleTest.xml testng-junitreport.xml
  keep "out/Command line suite/Command line test.xml" testng-junitxml.xml
}

runners=("$@")
if [[ ${#runners[@]} -eq 0 ]]; then
  runners=(nextest pytest rerun metrics gtest jest jest-repeats testng)
fi
for runner in "${runners[@]}"; do
  case "$runner" in
    nextest | pytest | rerun | metrics | gtest | jest | testng) "gen_$runner" ;;
    jest-repeats) gen_jest_repeats ;;
    *)
      echo "generate.sh: unknown runner '$runner'" >&2
      exit 2
      ;;
  esac
done
