// A GoogleTest listener that reports every test to testrelay through the C
// API: install it in main() and each test's result goes straight to the CI
// system (here the local provider, which writes reports to gtest-results/).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "testrelay.h"

class TestrelayListener : public testing::EmptyTestEventListener {
 public:
  explicit TestrelayListener(const char *config_json) {
    if (tr_reporter_new(config_json, &reporter_) != TR_OK) Fail("tr_reporter_new");
  }
  ~TestrelayListener() override { tr_reporter_free(reporter_); }

  void OnTestEnd(const testing::TestInfo &info) override {
    const testing::TestResult &result = *info.result();
    std::string message;
    for (int i = 0; i < result.total_part_count(); i++) {
      const testing::TestPartResult &part = result.GetTestPartResult(i);
      if (part.failed()) message += std::string(part.summary()) + "\n";
    }
    tr_case c{};
    c.name = info.name();
    c.classname = info.test_suite_name();
    c.suite = "gtest";
    c.file = info.file();
    c.line = info.line() > 0 ? static_cast<uint32_t>(info.line()) : 0;
    c.status = result.Skipped() ? TR_CASE_SKIPPED : result.Failed() ? TR_CASE_FAILED : TR_CASE_PASSED;
    c.duration_seconds = static_cast<double>(result.elapsed_time()) / 1000.0;
    c.message = message.empty() ? nullptr : message.c_str();
    if (tr_reporter_record_case(reporter_, &c) != TR_OK) Fail("tr_reporter_record_case");
  }

  // Ends the run; returns the summary JSON ("" when finishing failed).
  std::string Finish() {
    tr_string *summary = nullptr;
    if (tr_reporter_finish(reporter_, 60000, &summary) != TR_OK) Fail("tr_reporter_finish");
    std::string json = summary ? std::string(tr_string_ptr(summary), tr_string_len(summary)) : "";
    tr_string_free(summary);
    return json;
  }

 private:
  static void Fail(const char *what) {
    char message[1024];
    tr_last_error_message(message, sizeof message, nullptr);
    std::fprintf(stderr, "testrelay: %s failed: %s\n", what, message);
  }
  tr_reporter *reporter_ = nullptr;
};

TEST(Arithmetic, Adds) { EXPECT_EQ(2 + 2, 4); }
TEST(Arithmetic, Multiplies) { EXPECT_EQ(3 * 4, 12); }
TEST(Arithmetic, NotOnThisPlatform) { GTEST_SKIP() << "needs a GPU"; }

int main(int argc, char **argv) {
  testing::InitGoogleTest(&argc, argv);
  auto *listener = new TestrelayListener(
      "{\"provider\":\"local\",\"output_dir\":\"gtest-results\","
      "\"history_path\":\"gtest-results/history.db\"}");
  testing::UnitTest::GetInstance()->listeners().Append(listener);  // gtest owns it
  int failed = RUN_ALL_TESTS();
  std::string summary = listener->Finish();
  std::printf("%s\n", summary.c_str());
  bool counted = summary.find("\"total_tests\":3,") != std::string::npos &&
                 summary.find("\"skipped_tests\":1,") != std::string::npos;
  return failed != 0 || !counted;
}
