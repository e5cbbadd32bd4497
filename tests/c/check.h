/* Assertion helpers shared by the C tests: each failed check prints where
 * and what, plus the library's last error message, and exits with 1. */
#ifndef TESTRELAY_TEST_CHECK_H
#define TESTRELAY_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testrelay.h"

static void check_fail(const char *file, int line, const char *what) {
  char message[4096];
  size_t needed = 0;
  tr_last_error_message(message, sizeof message, &needed);
  fprintf(stderr, "%s:%d: check failed: %s\n  last error: %s\n", file, line, what, message);
  exit(1);
}

#define CHECK(cond) \
  do { \
    if (!(cond)) check_fail(__FILE__, __LINE__, #cond); \
  } while (0)

/* The call must return `expected`. */
#define CHECK_STATUS(call, expected) CHECK((call) == (expected))

/* The last error message on this thread must contain `needle`. */
#define CHECK_ERROR_HAS(needle) \
  do { \
    char msg_[4096]; \
    CHECK(tr_last_error_message(msg_, sizeof msg_, NULL) == TR_OK); \
    if (strstr(msg_, (needle)) == NULL) { \
      fprintf(stderr, "%s:%d: last error \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, msg_, (needle)); \
      exit(1); \
    } \
  } while (0)

/* The text must contain `needle`. */
#define CHECK_HAS(text, needle) \
  do { \
    if (strstr((text), (needle)) == NULL) { \
      fprintf(stderr, "%s:%d: \"%.300s\" lacks \"%s\"\n", __FILE__, __LINE__, (text), (needle)); \
      exit(1); \
    } \
  } while (0)

/* Creates a fresh directory named `prefix` plus six random characters in the
 * working directory (mkdtemp) and writes its name to `dir` (`size` bytes).
 * Needs POSIX.1-2008 (define _XOPEN_SOURCE 700 or _POSIX_C_SOURCE 200809L
 * before any include). */
static inline void make_scratch_dir(char *dir, size_t size, const char *prefix) {
  size_t len = strlen(prefix);
  CHECK(len + 7 <= size);
  memcpy(dir, prefix, len);
  memset(dir + len, 'X', 6); /* the six characters mkdtemp replaces */
  dir[len + 6] = '\0';
  CHECK(mkdtemp(dir) != NULL);
}

/* Starts a reporter on the local provider that writes JSON reports to
 * `dir`/out and its history to `dir`/h.db, with the run id `run_id` (NULL: one
 * is generated). */
static inline tr_reporter *start_local_reporter(const char *dir, const char *run_id) {
  char config[1024];
  int len = snprintf(config, sizeof config,
                     "{\"provider\":\"local\",\"output_dir\":\"%s/out\",\"history_path\":\"%s/h.db\","
                     "\"report_formats\":[\"json\"]%s%s%s}",
                     dir, dir, run_id ? ",\"test_run_id\":\"" : "", run_id ? run_id : "",
                     run_id ? "\"" : "");
  CHECK(len > 0 && (size_t)len < sizeof config);
  tr_reporter *r = NULL;
  CHECK_STATUS(tr_reporter_new(config, &r), TR_OK);
  return r;
}

#endif
