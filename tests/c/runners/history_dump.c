/* Prints what a history file holds through the C history query API, for
 * the runner integration checks (check_runner.py):
 *
 *   history_dump HISTORY           the runs, newest first (tr_history_runs)
 *   history_dump HISTORY RUN_KEY   the cases of one run (tr_history_cases)
 *
 * Exits with 1 and the library's message when a call fails. */
#include <stdio.h>

#include "testrelay.h"

static int fail(const char *what) {
  char message[4096];
  tr_last_error_message(message, sizeof message, NULL);
  fprintf(stderr, "history_dump: %s failed: %s\n", what, message);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: history_dump HISTORY [RUN_KEY]\n");
    return 2;
  }
  tr_history *history = NULL;
  if (tr_history_open(argv[1], &history) != TR_OK) return fail("tr_history_open");
  tr_string *json = NULL;
  tr_status status = argc == 2 ? tr_history_runs(history, NULL, &json) : tr_history_cases(history, argv[2], &json);
  tr_history_free(history);
  if (status != TR_OK) return fail(argc == 2 ? "tr_history_runs" : "tr_history_cases");
  fwrite(tr_string_ptr(json), 1, tr_string_len(json), stdout);
  putchar('\n');
  tr_string_free(json);
  return 0;
}
