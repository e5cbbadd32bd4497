// testrelay/doctest.hpp: a doctest reporter that reports every test case to
// testrelay as it ends (CMake target testrelay::doctest).
//
// One line in one source file of the test program, as a listener (always
// on, beside doctest's console reporter):
//
//   REGISTER_LISTENER("testrelay", 1, testrelay::DoctestReporter);
//
// or as a reporter chosen on the command line (--reporters=console,testrelay):
//
//   REGISTER_REPORTER("testrelay", 1, testrelay::DoctestReporter);
//
// The run's configuration is the JSON object in the environment variable
// TESTRELAY_CONFIG (the keys of tr_reporter_new; "{}" when unset).
// Mapping: TEST_SUITE -> suite and classname, the test case -> name with
// its file and line; every failed assertion and FAIL/FAIL_CHECK message ->
// "file:line: CHECK( expr ) is NOT correct! values: ..." with its INFO
// context and subcase path, the first in message and all in details; an
// exception or a crash -> error; doctest::skip() -> skipped;
// doctest::may_fail(), should_fail() and expected_failures(n) as doctest
// decides, the reason in the message (a should_fail test that passed is
// failed; one that failed, and a may_fail test that failed, are passed);
// a timeout() exceeded -> failed. The run starts when the tests start (not
// for --list-test-cases and the other queries) and finishes when they end.
#ifndef TESTRELAY_DOCTEST_HPP
#define TESTRELAY_DOCTEST_HPP

#if !defined(DOCTEST_VERSION_MAJOR)
#include <doctest/doctest.h>
#endif

#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "testrelay/detail/session.hpp"

namespace testrelay {

/// Reports each doctest test case to testrelay; created by doctest through
/// REGISTER_LISTENER or REGISTER_REPORTER.
class DoctestReporter : public ::doctest::IReporter {
 public:
  explicit DoctestReporter(const ::doctest::ContextOptions &options)
      : options_(options), session_(detail::configuration_from_environment()) {}

  void report_query(const ::doctest::QueryData & /*query*/) override {}

  void test_run_start() override { session_.start(); }

  void test_run_end(const ::doctest::TestRunStats & /*stats*/) override { session_.finish(); }

  void test_case_start(const ::doctest::TestCaseData &test) override {
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = &test;
    failures_.clear();
    subcases_.clear();
    exception_.clear();
  }

  void test_case_reenter(const ::doctest::TestCaseData & /*test*/) override {
    std::lock_guard<std::mutex> lock(mutex_);
    subcases_.clear();
  }

  void test_case_end(const ::doctest::CurrentTestCaseStats &stats) override {
    namespace reason = ::doctest::TestCaseFailureReason;
    std::lock_guard<std::mutex> lock(mutex_);
    const ::doctest::TestCaseData &test = *current_;
    const int flags = stats.failure_flags;
    int status = TR_CASE_PASSED;
    std::string why;
    if (!stats.testCaseSuccess) {
      status = (flags & (reason::Exception | reason::Crash)) != 0 ? TR_CASE_ERROR : TR_CASE_FAILED;
      if ((flags & reason::ShouldHaveFailedButDidnt) != 0) {
        why = "passed, but is decorated should_fail";
      } else if ((flags & reason::DidntFailExactlyNumTimes) != 0) {
        why = "expected " + std::to_string(test.m_expected_failures) + " failed assertions, got " +
              std::to_string(stats.numAssertsFailedCurrentTest);
      } else if ((flags & reason::Timeout) != 0) {
        why = "took longer than its timeout of " + std::to_string(test.m_timeout) + " s";
      } else if ((flags & reason::TooManyFailedAsserts) != 0) {
        why = "stopped: too many failed assertions (--abort-after)";
      }
    } else if ((flags & reason::ShouldHaveFailedAndDid) != 0) {
      why = "failed as expected (should_fail)";
    } else if ((flags & reason::CouldHaveFailedAndDid) != 0) {
      why = "failed, allowed by may_fail";
    } else if ((flags & reason::FailedExactlyNumTimes) != 0) {
      why = "failed " + std::to_string(test.m_expected_failures) + " times, as expected (expected_failures)";
    }
    if (!exception_.empty()) failures_.add(exception_);
    Record(test, status, stats.seconds, failures_.message(why), failures_.details(why));
  }

  void test_case_exception(const ::doctest::TestCaseException &e) override {
    std::lock_guard<std::mutex> lock(mutex_);
    exception_ = std::string(e.is_crash ? "crashed: " : "threw an exception: ") + e.error_string.c_str();
  }

  void subcase_start(const ::doctest::SubcaseSignature &subcase) override {
    std::lock_guard<std::mutex> lock(mutex_);
    subcases_.push_back(subcase.m_name.c_str());
  }

  void subcase_end() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!subcases_.empty()) subcases_.pop_back();
  }

  // doctest may call these from the test's threads.
  void log_assert(const ::doctest::AssertData &a) override {
    if (!a.m_failed) return;
    namespace type = ::doctest::assertType;
    std::string text = std::string(::doctest::assertString(a.m_at)) + "( " + a.m_expr + " )";
    if ((a.m_at & type::is_throws_as) != 0) text += " expected " + std::string(a.m_exception_type);
    if ((a.m_at & type::is_throws_with) != 0) text += std::string(" with \"") + a.m_exception_string.c_str() + "\"";
    if (a.m_threw) {
      text += std::string(" threw: ") + a.m_exception.c_str();
    } else if ((a.m_at & (type::is_throws | type::is_throws_as | type::is_throws_with)) != 0) {
      text += " did not throw";
    } else if ((a.m_at & type::is_normal) != 0) {
      text += std::string(" is NOT correct! values: ") + a.m_decomp.c_str();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.add(detail::located(a.m_file, a.m_line, text + Context()));
  }

  // MESSAGE (a warning) is not a failure; FAIL_CHECK and FAIL are.
  void log_message(const ::doctest::MessageData &m) override {
    if ((m.m_severity & ::doctest::assertType::is_warn) != 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.add(detail::located(m.m_file, m.m_line, m.m_string.c_str() + Context()));
  }

  // Called for the tests filters leave out as well: only doctest::skip()
  // is a skip.
  void test_case_skipped(const ::doctest::TestCaseData &test) override {
    if (!test.m_skip || options_.no_skip) return;
    std::string description = test.m_description != nullptr ? test.m_description : "";
    Record(test, TR_CASE_SKIPPED, 0.0, description.empty() ? "skipped (doctest::skip)" : description, "");
  }

 private:
  // The INFO/CAPTURE context and the subcase path of the current failure.
  std::string Context() const {
    std::string out;
    const int count = ::doctest::IReporter::get_num_active_contexts();
    const ::doctest::IContextScope *const *contexts = ::doctest::IReporter::get_active_contexts();
    for (int i = 0; i < count; i++) {
      std::ostringstream text;
      contexts[i]->stringify(&text);
      out += "\nwith context: " + text.str();
    }
    if (!subcases_.empty()) {
      out += "\nin subcase: ";
      for (size_t i = 0; i < subcases_.size(); i++) out += (i > 0 ? " / " : "") + subcases_[i];
    }
    return out;
  }

  void Record(const ::doctest::TestCaseData &test, int status, double seconds, const std::string &message,
              const std::string &details) {
    tr_case c{};
    c.name = test.m_name;
    c.classname = test.m_test_suite;
    c.suite = test.m_test_suite;
    c.file = test.m_file.c_str();
    c.line = test.m_line;
    c.status = status;
    c.duration_seconds = seconds;
    c.message = detail::or_null(message);
    c.details = detail::or_null(details);
    session_.record(c);
  }

  const ::doctest::ContextOptions &options_;
  detail::Session session_;
  std::mutex mutex_;
  detail::Failures failures_;
  std::vector<std::string> subcases_;
  std::string exception_;
  const ::doctest::TestCaseData *current_ = nullptr;  // doctest keeps it alive
};

}  // namespace testrelay

#endif  // TESTRELAY_DOCTEST_HPP
