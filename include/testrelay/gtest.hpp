// testrelay/gtest.hpp: a GoogleTest event listener that reports every test
// to testrelay as it ends (CMake target testrelay::gtest).
//
// One line anywhere in the test program, also with gtest_main:
//
//   TESTRELAY_GTEST_LISTENER();
//
// or, in your own main() before RUN_ALL_TESTS():
//
//   testing::UnitTest::GetInstance()->listeners().Append(new testrelay::GTestListener);
//
// The run's configuration is the JSON object in the environment variable
// TESTRELAY_CONFIG (the keys of tr_reporter_new; "{}" when unset), or the
// string given to the constructor. Mapping: test suite -> suite and
// classname, test -> name, TEST()'s file and line, GTEST_SKIP() -> skipped
// with its message, DISABLED_ tests -> skipped ("disabled"), failures ->
// message and details, each as "file:line: text"; a failure in
// SetUpTestSuite/TearDownTestSuite -> an error case of the suite, one in a
// global Environment -> an error case of the program. The run starts when
// the tests start (not for --gtest_list_tests) and finishes when they end.
#ifndef TESTRELAY_GTEST_HPP
#define TESTRELAY_GTEST_HPP

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "testrelay/detail/session.hpp"

namespace testrelay {

/// Reports each GoogleTest test to testrelay. GoogleTest owns it once
/// appended to its listeners (it deletes it).
class GTestListener : public ::testing::EmptyTestEventListener {
 public:
  /// Configured from `TESTRELAY_CONFIG` (see the file comment).
  GTestListener() : session_(detail::configuration_from_environment()) {}
  /// Configured from `config_json`, a JSON object of configuration keys.
  explicit GTestListener(std::string config_json) : session_(std::move(config_json)) {}

  void OnTestProgramStart(const ::testing::UnitTest & /*unit_test*/) override { session_.start(); }

  void OnTestEnd(const ::testing::TestInfo &info) override {
    const ::testing::TestResult &result = *info.result();
    detail::Failures failures;
    std::string skip_reason;
    for (int i = 0; i < result.total_part_count(); i++) {
      const ::testing::TestPartResult &part = result.GetTestPartResult(i);
      if (part.failed()) {
        failures.add(detail::located(part.file_name(), part.line_number(), part.summary()));
      } else if (part.skipped() && skip_reason.empty()) {
        skip_reason = part.summary();
      }
    }
    int status = TR_CASE_PASSED;
    if (result.Failed()) {
      status = TR_CASE_FAILED;
    } else if (result.Skipped()) {
      status = TR_CASE_SKIPPED;
      // GoogleTest skips every test of a suite whose SetUpTestSuite failed,
      // without a message.
      const ::testing::TestSuite *suite = ::testing::UnitTest::GetInstance()->current_test_suite();
      if (skip_reason.empty() && suite != nullptr && suite->ad_hoc_test_result().Failed()) {
        skip_reason = "not run: SetUpTestSuite failed";
      }
    }
    std::string message = status == TR_CASE_SKIPPED ? skip_reason : failures.message("");
    std::string details = status == TR_CASE_SKIPPED ? "" : failures.details("");
    Record(info, status, static_cast<double>(result.elapsed_time()) / 1000.0, message, details);
  }

  void OnTestDisabled(const ::testing::TestInfo &info) override {
    Record(info, TR_CASE_SKIPPED, 0.0, "disabled", "");
  }

  void OnTestSuiteEnd(const ::testing::TestSuite &suite) override {
    RecordAdHoc(suite.ad_hoc_test_result(), suite.name(), "SetUpTestSuite/TearDownTestSuite");
  }

  void OnTestProgramEnd(const ::testing::UnitTest &unit_test) override {
    RecordAdHoc(unit_test.ad_hoc_test_result(), "", "Environment SetUp/TearDown");
    session_.finish();
  }

 private:
  void Record(const ::testing::TestInfo &info, int status, double seconds, const std::string &message,
              const std::string &details) {
    tr_case c{};
    c.name = info.name();
    c.classname = info.test_suite_name();
    c.suite = info.test_suite_name();
    c.file = info.file();
    c.line = info.line() > 0 ? static_cast<uint32_t>(info.line()) : 0;
    c.status = status;
    c.duration_seconds = seconds;
    c.message = detail::or_null(message);
    c.details = detail::or_null(details);
    session_.record(c);
  }

  // A failure outside any test (suite or environment set-up/tear-down)
  // becomes an error case named `name` in `suite`.
  void RecordAdHoc(const ::testing::TestResult &result, const char *suite, const char *name) {
    detail::Failures failures;
    for (int i = 0; i < result.total_part_count(); i++) {
      const ::testing::TestPartResult &part = result.GetTestPartResult(i);
      if (part.failed()) failures.add(detail::located(part.file_name(), part.line_number(), part.summary()));
    }
    if (failures.empty()) return;
    std::string message = failures.message("");
    std::string details = failures.details("");
    tr_case c{};
    c.name = name;
    c.classname = suite;
    c.suite = suite;
    c.status = TR_CASE_ERROR;
    c.duration_seconds = static_cast<double>(result.elapsed_time()) / 1000.0;
    c.message = message.c_str();
    c.details = details.c_str();
    session_.record(c);
  }

  detail::Session session_;
};

namespace detail {
/// Appends a `GTestListener` to GoogleTest's listeners while the program
/// starts (static initialization), so no main() needs changing.
struct GTestRegistrar {
  GTestRegistrar() { ::testing::UnitTest::GetInstance()->listeners().Append(new GTestListener); }
};
}  // namespace detail

}  // namespace testrelay

/// Registers testrelay's GoogleTest listener (configured from
/// TESTRELAY_CONFIG); write it once, at namespace scope, in one source file.
#define TESTRELAY_GTEST_LISTENER() \
  static const ::testrelay::detail::GTestRegistrar testrelay_gtest_registrar_ {}

#endif  // TESTRELAY_GTEST_HPP
