/* The smallest useful testrelay client: report three results and print the
 * run summary. Build: cc minimal.c $(pkg-config --cflags --libs --static testrelay) */
#include <stdio.h>

#include "testrelay.h"

static int fail(const char *what) {
  char message[512];
  tr_last_error_message(message, sizeof message, NULL);
  fprintf(stderr, "%s failed: %s\n", what, message);
  return 1;
}

int main(void) {
  tr_reporter *reporter = NULL;
  const char *config =
      "{\"provider\":\"local\",\"output_dir\":\"minimal-results\","
      "\"history_path\":\"minimal-results/history.db\"}";
  if (tr_reporter_new(config, &reporter) != TR_OK) return fail("tr_reporter_new");

  const char *names[] = {"adds", "subtracts", "divides_by_zero"};
  for (int i = 0; i < 3; i++) {
    tr_case c = {0};
    c.name = names[i];
    c.classname = "math";
    c.suite = "minimal";
    c.duration_seconds = 0.002;
    c.status = i == 2 ? TR_CASE_FAILED : TR_CASE_PASSED;
    c.message = i == 2 ? "expected an error, got inf" : NULL;
    if (tr_reporter_record_case(reporter, &c) != TR_OK) {
      tr_reporter_free(reporter);
      return fail("tr_reporter_record_case");
    }
  }

  tr_string *summary = NULL;
  if (tr_reporter_finish(reporter, 30000, &summary) != TR_OK) {
    tr_reporter_free(reporter);
    return fail("tr_reporter_finish");
  }
  printf("%s\n", tr_string_ptr(summary));
  tr_string_free(summary);
  tr_reporter_free(reporter);
  return 0;
}
