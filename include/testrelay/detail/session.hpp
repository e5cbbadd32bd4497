// testrelay/detail/session.hpp: what the test-runner integrations share
// (testrelay/gtest.hpp, testrelay/catch2.hpp, testrelay/doctest.hpp): one
// run per test program through the C ABI, and the text of a failure.
// Header-only, C++11; not an interface of its own.
#ifndef TESTRELAY_DETAIL_SESSION_HPP
#define TESTRELAY_DETAIL_SESSION_HPP

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "testrelay.h"

namespace testrelay {
namespace detail {

/// The configuration a runner integration uses when none is given to it:
/// the JSON object in the environment variable `TESTRELAY_CONFIG` (the keys
/// of `tr_reporter_new`), or `"{}"` (every default) when it is unset or
/// empty.
inline std::string configuration_from_environment() {
  const char *json = std::getenv("TESTRELAY_CONFIG");
  return json != nullptr && *json != '\0' ? std::string(json) : std::string("{}");
}

/// How long `Session::finish` waits for the run to be delivered (the
/// configuration's `timeouts.finish_secs` bounds each operation too).
constexpr uint32_t kFinishTimeoutMs = 120000;

/// One run of one test program: `start` opens it (when the runner starts
/// running tests, never for a listing), `record` adds cases, `finish`
/// closes it. Reporting problems are printed on stderr as
/// `testrelay: ...` and never stop the tests; a run that could not start
/// records nothing. Not copyable; used from the runner's thread (the
/// reporter itself is thread-safe).
class Session {
 public:
  explicit Session(std::string config_json) : config_(std::move(config_json)) {}
  ~Session() { tr_reporter_free(reporter_); }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  /// Opens the run (once; later calls do nothing).
  void start() {
    if (started_) return;
    started_ = true;
    if (tr_reporter_new(config_.c_str(), &reporter_) != TR_OK) Complain("starting the run");
  }

  /// Records one case (copied before it returns); nothing without a run.
  void record(const tr_case &c) {
    if (reporter_ != nullptr && tr_reporter_record_case(reporter_, &c) != TR_OK) {
      Complain("recording a test case");
    }
  }

  /// Finishes the run (history, reports, CI delivery) and frees the
  /// reporter; nothing without a run.
  void finish() {
    if (reporter_ == nullptr) return;
    tr_string *summary = nullptr;
    if (tr_reporter_finish(reporter_, kFinishTimeoutMs, &summary) != TR_OK) Complain("finishing the run");
    tr_string_free(summary);
    tr_reporter_free(reporter_);
    reporter_ = nullptr;
  }

 private:
  static void Complain(const char *what) {
    char message[1024];
    tr_last_error_message(message, sizeof message, nullptr);
    std::fprintf(stderr, "testrelay: %s failed: %s\n", what, message);
  }

  std::string config_;
  tr_reporter *reporter_ = nullptr;
  bool started_ = false;
};

/// `file:line: text`, or `text` alone when the file is unknown (line 0 is
/// left out).
inline std::string located(const char *file, long line, const std::string &text) {
  if (file == nullptr || *file == '\0') return text;
  std::string out(file);
  if (line > 0) out += ":" + std::to_string(line);
  return out + ": " + text;
}

/// The failure texts of one test case, in the order they happened, and the
/// `message` / `details` a case gets from them: `message` is `reason` (when
/// not empty) and the first failure, `details` the reason and every failure,
/// one per paragraph.
class Failures {
 public:
  void clear() { texts_.clear(); }
  void add(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    texts_.push_back(std::move(text));
  }
  bool empty() const { return texts_.empty(); }

  std::string message(const std::string &reason) const {
    if (texts_.empty()) return reason;
    return reason.empty() ? texts_.front() : reason + ": " + texts_.front();
  }
  std::string details(const std::string &reason) const {
    std::string out = reason;
    for (const std::string &text : texts_) out += (out.empty() ? "" : "\n\n") + text;
    return out;
  }

 private:
  std::vector<std::string> texts_;
};

/// A NUL-terminated pointer for an optional `tr_case` string: NULL when
/// `text` is empty.
inline const char *or_null(const std::string &text) { return text.empty() ? nullptr : text.c_str(); }

}  // namespace detail
}  // namespace testrelay

#endif  // TESTRELAY_DETAIL_SESSION_HPP
