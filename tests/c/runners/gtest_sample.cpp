// A GoogleTest suite with passing, failing, skipped, disabled and
// set-up-failing tests, reporting through testrelay's listener registered
// in one line; check_runner.py runs it and checks the history.
#include <gtest/gtest.h>

#include "testrelay/gtest.hpp"

TESTRELAY_GTEST_LISTENER();

TEST(Arithmetic, Adds) { EXPECT_EQ(2 + 2, 4); }

TEST(Arithmetic, ReportsWrongSum) {
  EXPECT_EQ(2 + 2, 5) << "sums differ";
  EXPECT_TRUE(false) << "second failure";
}

TEST(Arithmetic, NeedsAGpu) { GTEST_SKIP() << "needs a GPU"; }

TEST(Arithmetic, DISABLED_Slow) { EXPECT_EQ(1, 1); }

class Database : public testing::Test {
 protected:
  static void SetUpTestSuite() { FAIL() << "no database server"; }
};

TEST_F(Database, Queries) { EXPECT_EQ(1, 1); }
