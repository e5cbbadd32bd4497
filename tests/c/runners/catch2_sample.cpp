// A Catch2 suite with passing, failing, erroring, hidden, [!mayfail] and
// [!shouldfail] test cases, reporting through testrelay's listener
// registered in one line; check_runner.py runs it and checks the history.
// main() comes from Catch2WithMain.
#include "testrelay/catch2.hpp"  // with Catch2 2, before catch.hpp

#include <catch2/catch.hpp>

#include <stdexcept>

TESTRELAY_CATCH2_LISTENER();

TEST_CASE("adds", "[math]") { REQUIRE(2 + 2 == 4); }

TEST_CASE("sections", "[math]") {
  int x = 2;
  SECTION("first") { CHECK(x == 2); }
  SECTION("second") {
    INFO("x was " << x);
    CHECK(x == 3);
  }
}

TEST_CASE("throws", "[errors]") {
  CHECK(true);
  throw std::runtime_error("boom");
}

TEST_CASE("may fail", "[!mayfail]") { CHECK(1 == 2); }

TEST_CASE("should fail", "[!shouldfail]") { CHECK(1 == 1); }

TEST_CASE("manual", "[.]") { CHECK(false); }

struct Fixture {
  int value = 7;
};

TEST_CASE_METHOD(Fixture, "uses a fixture", "[fixture]") { CHECK(value == 7); }
