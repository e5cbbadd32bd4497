// A C++17 program using an installed testrelay: the header's version macros
// must be the library's version, and a run must report.
#include <cstdio>
#include <string>

#include "testrelay.h"

int main() {
  const std::string header = std::to_string(TR_VERSION_MAJOR) + "." + std::to_string(TR_VERSION_MINOR) +
                             "." + std::to_string(TR_VERSION_PATCH);
  if (header != tr_version()) {
    std::fprintf(stderr, "header %s, library %s\n", header.c_str(), tr_version());
    return 1;
  }
  tr_reporter *reporter = nullptr;
  if (tr_reporter_new(R"({"provider":"local","output_dir":"consumer-cpp-results","history_path":null})", &reporter) !=
      TR_OK) {
    char message[512];
    tr_last_error_message(message, sizeof message, nullptr);
    std::fprintf(stderr, "tr_reporter_new: %s\n", message);
    return 1;
  }
  tr_case c{};
  c.name = "cpp17_consumer";
  c.status = TR_CASE_PASSED;
  tr_string *summary = nullptr;
  const bool ok = tr_reporter_record_case(reporter, &c) == TR_OK && tr_reporter_finish(reporter, 30000, &summary) == TR_OK &&
                  std::string(tr_string_ptr(summary)).find("\"passed_tests\":1") != std::string::npos;
  tr_string_free(summary);
  tr_reporter_free(reporter);
  std::printf("C++17 consumer of testrelay %s: %s\n", tr_version(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
