// GoogleTest tests using the installed testrelay::gtest: the listener in
// one line, main() from gtest_main, the run's configuration from
// testrelay_add_tests (CMakeLists.txt).
#include <gtest/gtest.h>

#include "testrelay/gtest.hpp"

TESTRELAY_GTEST_LISTENER();

TEST(Consumer, Adds) { EXPECT_EQ(2 + 2, 4); }
TEST(Consumer, Multiplies) { EXPECT_EQ(3 * 4, 12); }
TEST(Consumer, NeedsAGpu) { GTEST_SKIP() << "needs a GPU"; }
