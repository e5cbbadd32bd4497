// testrelay's GoogleTest listener (testrelay/gtest.hpp, CMake target
// testrelay::gtest) appended in main() with its configuration: each test's
// result goes to testrelay as it ends, and the run is finished when the
// tests end (here with the local provider, which writes the reports to
// gtest-results/). Without a main() of your own (gtest_main), one line does
// the same with the configuration in TESTRELAY_CONFIG:
// TESTRELAY_GTEST_LISTENER();
#include <gtest/gtest.h>

#include "testrelay/gtest.hpp"

TEST(Arithmetic, Adds) { EXPECT_EQ(2 + 2, 4); }
TEST(Arithmetic, Multiplies) { EXPECT_EQ(3 * 4, 12); }
TEST(Arithmetic, NotOnThisPlatform) { GTEST_SKIP() << "needs a GPU"; }

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new testrelay::GTestListener(
      R"({"provider":"local","output_dir":"gtest-results","history_path":"gtest-results/history.db"})"));
  return RUN_ALL_TESTS();
}
