// A doctest suite with passing, failing, erroring, skipped, may_fail and
// should_fail test cases, reporting through testrelay's reporter registered
// (as a listener) in one line; check_runner.py runs it and checks the
// history.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <stdexcept>

#include "testrelay/doctest.hpp"

REGISTER_LISTENER("testrelay", 1, testrelay::DoctestReporter);

TEST_SUITE("math") {
  TEST_CASE("adds") { CHECK(2 + 2 == 4); }

  TEST_CASE("wrong sum") {
    int x = 2;
    SUBCASE("first") { CHECK(x == 2); }
    SUBCASE("second") {
      INFO("x was ", x);
      CHECK(x + 2 == 5);
    }
  }
}

TEST_CASE("throws") {
  CHECK(true);
  throw std::runtime_error("boom");
}

TEST_CASE("fails by message") { FAIL_CHECK("not implemented"); }

TEST_CASE("skipped" * doctest::skip() * doctest::description("needs a GPU")) { CHECK(false); }

TEST_CASE("may fail" * doctest::may_fail()) { CHECK(1 == 2); }

TEST_CASE("should fail" * doctest::should_fail()) { CHECK(1 == 1); }
