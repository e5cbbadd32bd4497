// Sample GoogleTest tests covering the outcomes GoogleTest writes to its XML
// report. Built and run by ../../generate.sh.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

namespace {

int Add(int a, int b) { return a + b; }

TEST(Arithmetic, AddsSmallNumbers) {
  std::cout << "adding 2 and 2" << std::endl;
  EXPECT_EQ(Add(2, 2), 4);
}

TEST(Arithmetic, ReportsWrongSum) {
  EXPECT_EQ(Add(2, 2), 5) << "sums differ";
}

TEST(Arithmetic, DISABLED_NotReadyYet) { EXPECT_EQ(Add(1, 1), 3); }

TEST(Platform, SkipsWhenUnsupported) {
  GTEST_SKIP() << "needs a GPU";
}

TEST(Platform, RecordsProperty) {
  RecordProperty("build_flavor", "debug");
  SUCCEED();
}

class Parity : public ::testing::TestWithParam<int> {};

TEST_P(Parity, IsEven) { EXPECT_EQ(GetParam() % 2, 0) << "odd value " << GetParam(); }

INSTANTIATE_TEST_SUITE_P(Values, Parity, ::testing::Values(2, 3, 4));

}  // namespace
