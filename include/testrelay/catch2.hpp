// testrelay/catch2.hpp: a Catch2 event listener that reports every test
// case to testrelay as it ends (CMake target testrelay::catch2). Written
// for Catch2 2.x (TestEventListenerBase); Catch2 3.x's EventListenerBase
// is used when CATCH_VERSION_MAJOR is 3 or more.
//
// One line in one source file of the test program, after including this
// header (with Catch2 2, before catch.hpp, or with
// CATCH_CONFIG_EXTERNAL_INTERFACES defined, as Catch2 2 requires of
// listeners):
//
//   TESTRELAY_CATCH2_LISTENER();
//
// The run's configuration is the JSON object in the environment variable
// TESTRELAY_CONFIG (the keys of tr_reporter_new; "{}" when unset).
// Mapping: the test binary (Catch2's run name) -> suite, a
// TEST_CASE_METHOD's fixture -> classname, the test case -> name with its
// file and line; every failed assertion -> "file:line: MACRO( expr )" with
// its expansion, messages (INFO, CAPTURE) and section path, the first in
// message and all in details; an exception escaping the test or a fatal
// signal -> error; [!mayfail]/[!shouldfail] tests that failed -> passed
// with the allowed failure as message, a [!shouldfail] test that passed ->
// failed; hidden tests ([.]) when no test spec was given and tests not run
// because the run aborted (--abort, -x) -> skipped with the reason; Catch2
// 3's SKIP() -> skipped with its message; captured stdout/stderr (when the
// reporter redirects them) -> the case's output.
#ifndef TESTRELAY_CATCH2_HPP
#define TESTRELAY_CATCH2_HPP

#if !defined(CATCH_VERSION_MAJOR)
#if defined(__has_include)
#if __has_include(<catch2/catch_version_macros.hpp>)
#include <catch2/catch_version_macros.hpp>
#endif
#endif
#endif
#if !defined(CATCH_VERSION_MAJOR)
// Catch2 2 declares the listener base only with this.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#endif
#if CATCH_VERSION_MAJOR < 3 && !defined(CATCH_CONFIG_EXTERNAL_INTERFACES)
#error "testrelay/catch2.hpp: include it before catch.hpp, or define CATCH_CONFIG_EXTERNAL_INTERFACES before catch.hpp (Catch2 2 declares its listener base only then)"
#endif

#if CATCH_VERSION_MAJOR >= 3 && !defined(CATCH_AMALGAMATED_HPP_INCLUDED)
#include <catch2/catch_test_case_info.hpp>
#include <catch2/interfaces/catch_interfaces_config.hpp>
#include <catch2/internal/catch_test_case_registry_impl.hpp>
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>
#endif

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "testrelay/detail/session.hpp"

namespace testrelay {

namespace detail {
#if CATCH_VERSION_MAJOR >= 3
using Catch2ListenerBase = ::Catch::EventListenerBase;
using Catch2ListenerArgument = ::Catch::IConfig const *;
inline ::Catch::TestCaseInfo const &catch2_info(::Catch::TestCaseHandle const &test) { return test.getTestCaseInfo(); }
#else
using Catch2ListenerBase = ::Catch::TestEventListenerBase;
using Catch2ListenerArgument = ::Catch::ReporterConfig const &;
#endif
// A test case's info from what each version hands over (a value in 2, a
// pointer in 3's TestCaseStats).
inline ::Catch::TestCaseInfo const &catch2_info(::Catch::TestCaseInfo const &info) { return info; }
inline ::Catch::TestCaseInfo const &catch2_info(::Catch::TestCaseInfo const *info) { return *info; }
#if CATCH_VERSION_MAJOR > 3 || (CATCH_VERSION_MAJOR == 3 && CATCH_VERSION_MINOR >= 3)
#define TESTRELAY_CATCH2_HAS_SKIP 1
#else
#define TESTRELAY_CATCH2_HAS_SKIP 0
#endif
}  // namespace detail

/// Reports each Catch2 test case to testrelay; created by Catch2 once
/// registered (TESTRELAY_CATCH2_LISTENER).
class Catch2Listener : public detail::Catch2ListenerBase {
 public:
  explicit Catch2Listener(detail::Catch2ListenerArgument config)
      : detail::Catch2ListenerBase(config), session_(detail::configuration_from_environment()) {}

  void testRunStarting(::Catch::TestRunInfo const &info) override {
    detail::Catch2ListenerBase::testRunStarting(info);
    session_.start();
  }

  void testCaseStarting(::Catch::TestCaseInfo const &info) override {
    detail::Catch2ListenerBase::testCaseStarting(info);
    failures_.clear();
    sections_.clear();
    errored_ = false;
    skip_message_.clear();
    started_ = std::chrono::steady_clock::now();
  }

  void sectionStarting(::Catch::SectionInfo const &info) override {
    detail::Catch2ListenerBase::sectionStarting(info);
    sections_.push_back(info.name);
  }

  void sectionEnded(::Catch::SectionStats const &stats) override {
    detail::Catch2ListenerBase::sectionEnded(stats);
    if (!sections_.empty()) sections_.pop_back();
  }

#if CATCH_VERSION_MAJOR >= 3
  void assertionEnded(::Catch::AssertionStats const &stats) override { Assertion(stats); }
#else
  bool assertionEnded(::Catch::AssertionStats const &stats) override {
    Assertion(stats);
    return true;
  }
#endif

  void testCaseEnded(::Catch::TestCaseStats const &stats) override {
    const ::Catch::TestCaseInfo &info = detail::catch2_info(stats.testInfo);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    int status = TR_CASE_PASSED;
    std::string reason;
#if TESTRELAY_CATCH2_HAS_SKIP
    const bool skipped = stats.totals.testCases.skipped > 0;
#else
    const bool skipped = false;
#endif
    if (skipped) {
      status = TR_CASE_SKIPPED;
    } else if (stats.totals.testCases.failed > 0) {
      status = errored_ ? TR_CASE_ERROR : TR_CASE_FAILED;
      if (failures_.empty() && info.expectedToFail()) reason = "passed, but is tagged [!shouldfail]";
    } else if (stats.totals.testCases.failedButOk > 0) {
      reason = info.expectedToFail() ? "failed as expected ([!shouldfail])" : "failed, allowed by [!mayfail]";
    }
    std::string message = skipped ? skip_message_ : failures_.message(reason);
    std::string details = skipped ? "" : failures_.details(reason);
    Record(info, status, seconds, message, details, Text(stats.stdOut), Text(stats.stdErr));
    detail::Catch2ListenerBase::testCaseEnded(stats);
  }

  // Catch2 calls this for the tests it does not run because the run aborted.
  void skipTest(::Catch::TestCaseInfo const &info) override {
    detail::Catch2ListenerBase::skipTest(info);
    Record(info, TR_CASE_SKIPPED, 0.0, "not run: the run aborted (--abort or -x)", "", "", "");
  }

  void testRunEnded(::Catch::TestRunStats const &stats) override {
    // Without a test spec Catch2 runs every test but the hidden ones.
    if (!m_config->hasTestFilters()) {
      for (const auto &test : ::Catch::getAllTestCasesSorted(*m_config)) {
        const ::Catch::TestCaseInfo &info = detail::catch2_info(test);
        if (info.isHidden()) {
          Record(info, TR_CASE_SKIPPED, 0.0, "hidden ([.] tag): runs only when named or its tag is selected", "",
                 "", "");
        }
      }
    }
    session_.finish();
    detail::Catch2ListenerBase::testRunEnded(stats);
  }

 private:
  template <typename T>
  static std::string Text(const T &value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  void Assertion(::Catch::AssertionStats const &stats) {
    const ::Catch::AssertionResult &result = stats.assertionResult;
#if TESTRELAY_CATCH2_HAS_SKIP
    if (result.getResultType() == ::Catch::ResultWas::ExplicitSkip) {
      skip_message_ = Text(result.getMessage());
      return;
    }
#endif
    if (result.isOk()) return;
    const std::string macro = Text(result.getTestMacroName());
    if (result.getResultType() == ::Catch::ResultWas::FatalErrorCondition ||
        (result.getResultType() == ::Catch::ResultWas::ThrewException && (macro.empty() || macro == "TEST_CASE"))) {
      errored_ = true;
    }
    std::string text;
    if (result.hasExpression()) {
      text = Text(result.getExpressionInMacro());
      if (result.hasExpandedExpression()) text += "\nwith expansion: " + Text(result.getExpandedExpression());
    }
    const std::string message = result.hasMessage() ? Text(result.getMessage()) : std::string();
    if (result.getResultType() == ::Catch::ResultWas::ThrewException) {
      text += (text.empty() ? "" : "\n") + std::string("due to unexpected exception with message: ") + message;
    } else if (!message.empty()) {
      text += (text.empty() ? "" : "\n") + message;
    }
    for (const auto &info : stats.infoMessages) {
      if (Text(info.message) != message) text += "\nwith message: " + Text(info.message);
    }
    // sections_[0] is the test case itself.
    if (sections_.size() > 1) {
      std::string path;
      for (size_t i = 1; i < sections_.size(); i++) path += (i > 1 ? " / " : "") + sections_[i];
      text += "\nin section: " + path;
    }
    const ::Catch::SourceLineInfo where = result.getSourceInfo();
    failures_.add(detail::located(where.file, static_cast<long>(where.line), text));
  }

  void Record(::Catch::TestCaseInfo const &info, int status, double seconds, const std::string &message,
              const std::string &details, const std::string &out, const std::string &err) {
    const std::string suite = Text(m_config->name());
    const std::string classname = Text(info.className);
    tr_case c{};
    c.name = info.name.c_str();
    c.classname = classname.c_str();
    c.suite = suite.c_str();
    c.file = info.lineInfo.file;
    c.line = static_cast<uint32_t>(info.lineInfo.line);
    c.status = status;
    c.duration_seconds = seconds;
    c.message = detail::or_null(message);
    c.details = detail::or_null(details);
    c.stdout_text = detail::or_null(out);
    c.stderr_text = detail::or_null(err);
    session_.record(c);
  }

  detail::Session session_;
  detail::Failures failures_;
  std::vector<std::string> sections_;
  std::string skip_message_;
  bool errored_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace testrelay

/// Registers testrelay's Catch2 listener; write it once, at namespace
/// scope, in one source file. (CATCH_REGISTER_LISTENER takes no qualified
/// name in Catch2 2.)
#if defined(CATCH_CONFIG_DISABLE)
#define TESTRELAY_CATCH2_LISTENER() static_assert(true, "")
#elif CATCH_VERSION_MAJOR >= 3
#define TESTRELAY_CATCH2_LISTENER()                                                         \
  static const ::Catch::ListenerRegistrar< ::testrelay::Catch2Listener> testrelay_catch2_listener_ { \
    ::Catch::StringRef("testrelay") }
#else
#define TESTRELAY_CATCH2_LISTENER() \
  static const ::Catch::ListenerRegistrar< ::testrelay::Catch2Listener> testrelay_catch2_listener_ {}
#endif

#endif  // TESTRELAY_CATCH2_HPP
