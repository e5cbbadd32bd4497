// The header compiles as C++17 with -Wall -Wextra -Wpedantic -Werror, and
// its declarations link from C++ (extern "C").
#include "testrelay.h"

#include <cstdio>
#include <cstring>
#include <string>

static_assert(TESTRELAY_ABI_VERSION_MAJOR == 1, "ABI major version");
static_assert(TR_INTERNAL == 13, "status codes match ErrorKind");

int main() {
  tr_string *json = nullptr;
  if (tr_detect_environment(&json) != TR_OK) return 1;
  std::string text(tr_string_ptr(json), tr_string_len(json));
  tr_string_free(json);
  tr_reporter *reporter = nullptr;
  if (tr_reporter_new("{\"not_a_key\":true}", &reporter) != TR_CONFIGURATION) return 1;
  char message[4096];
  if (tr_last_error_message(message, sizeof message, nullptr) != TR_OK) return 1;
  if (std::strstr(message, "not_a_key") == nullptr) return 1;
  std::printf("C++: header ok, version %s, detection %zu bytes\n", tr_version(), text.size());
  return text.empty() || text.front() != '{';
}
