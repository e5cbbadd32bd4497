/* Every documented error path of the C ABI returns its status and a message,
 * and leaves out-pointers NULL. */
#define _XOPEN_SOURCE 700
#include <unistd.h>

#include "check.h"

static void last_error_buffer(void) {
  tr_reporter *r = (tr_reporter *)1;
  CHECK_STATUS(tr_reporter_new(NULL, &r), TR_INVALID_ARGUMENT);
  CHECK(r == NULL);
  const char *expected = "`config_json` is NULL";
  size_t needed = 0;
  /* Size query: NULL buffer, length 0. */
  CHECK_STATUS(tr_last_error_message(NULL, 0, &needed), TR_OK);
  CHECK(needed == strlen(expected) + 1);
  /* Too small: cut, NUL-terminated, needed length reported, message kept. */
  char small[8];
  needed = 0;
  CHECK_STATUS(tr_last_error_message(small, sizeof small, &needed), TR_INVALID_ARGUMENT);
  CHECK(needed == strlen(expected) + 1);
  CHECK(strcmp(small, "`config") == 0);
  CHECK_STATUS(tr_last_error_message(NULL, 4, &needed), TR_INVALID_ARGUMENT);
  char full[64];
  CHECK_STATUS(tr_last_error_message(full, sizeof full, &needed), TR_OK);
  CHECK(strcmp(full, expected) == 0);
  /* A successful call clears it. */
  /* The header's version macros are the library's version. */
  char version[32];
  snprintf(version, sizeof version, "%d.%d.%d", TR_VERSION_MAJOR, TR_VERSION_MINOR, TR_VERSION_PATCH);
  CHECK(strcmp(tr_version(), version) == 0);
  tr_string *s = NULL;
  CHECK_STATUS(tr_detect_environment(&s), TR_OK);
  tr_string_free(s);
  CHECK_STATUS(tr_last_error_message(full, sizeof full, &needed), TR_OK);
  CHECK(needed == 1 && full[0] == '\0');
}

static void null_arguments(const char *dir) {
  tr_reporter *r = start_local_reporter(dir, NULL);
  tr_case c = {0};
  c.name = "n";
  tr_string *s = NULL;
  tr_history *h = NULL;
  CHECK_STATUS(tr_reporter_new("{}", NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`out` is NULL");
  CHECK_STATUS(tr_reporter_record_case(NULL, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`reporter` is NULL");
  CHECK_STATUS(tr_reporter_record_case(r, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`case` is NULL");
  c.name = NULL;
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`case->name` is NULL");
  c.name = "n";
  c.status = 9;
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`case->status` is 9");
  c.status = TR_CASE_PASSED;
  c.duration_seconds = -1.0;
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`case->duration_seconds` is -1");
  CHECK_STATUS(tr_reporter_record_metric(r, NULL, 1.0, "ms", NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`name` is NULL");
  CHECK_STATUS(tr_reporter_attach_artifact(r, NULL, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`path` is NULL");
  CHECK_STATUS(tr_reporter_attach_artifact(r, "no-such-file.txt", NULL), TR_NOT_FOUND);
  CHECK_ERROR_HAS("no-such-file.txt");
  CHECK_STATUS(tr_reporter_attach_artifact(r, "no-such-file.txt", "[1]"), TR_PARSE);
  CHECK_ERROR_HAS("labels_json");
  CHECK_STATUS(tr_reporter_set_property(r, "k", NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`value` is NULL");
  CHECK_STATUS(tr_reporter_on_event(r, NULL, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`callback` is NULL");
  CHECK_STATUS(tr_reporter_finish(r, 1000, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`summary_json` is NULL");
  CHECK_STATUS(tr_reporter_finish(NULL, 1000, &s), TR_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_STATUS(tr_parse_junit_file(NULL, &s), TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_parse_junit_file("x.xml", NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`report_json` is NULL");
  CHECK_STATUS(tr_detect_environment(NULL), TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_history_open(NULL, &h), TR_INVALID_ARGUMENT);
  CHECK(h == NULL);
  CHECK_STATUS(tr_history_runs(NULL, NULL, &s), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`history` is NULL");
  CHECK_STATUS(tr_history_cases(NULL, "k", &s), TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_history_merge(NULL, "x.db", &s), TR_INVALID_ARGUMENT);
  CHECK(tr_string_ptr(NULL) == NULL);
  CHECK(tr_string_len(NULL) == 0);
  tr_string_free(NULL);
  tr_reporter_free(NULL);
  tr_history_free(NULL);
  tr_reporter_free(r);
}

static void invalid_utf8_and_json(const char *dir) {
  tr_reporter *r = NULL;
  CHECK_STATUS(tr_reporter_new("{\"run_name\":\"\xff\xfe\"}", &r), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`config_json` is not valid UTF-8 (invalid byte at offset 13)");
  CHECK(r == NULL);
  CHECK_STATUS(tr_reporter_new("{\"provider\": ", &r), TR_CONFIGURATION);
  CHECK_ERROR_HAS("invalid configuration");
  CHECK_STATUS(tr_reporter_new("{\"no_such_key\": 1}", &r), TR_CONFIGURATION);
  CHECK_ERROR_HAS("no_such_key");
  CHECK(r == NULL);

  r = start_local_reporter(dir, NULL);
  tr_case c = {0};
  c.name = "ok";
  c.classname = "caf\xc3";
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`case->classname` is not valid UTF-8 (invalid byte at offset 3)");
  c.classname = NULL;
  c.stderr_text = "\x80";
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`case->stderr_text` is not valid UTF-8");
  CHECK_STATUS(tr_reporter_set_property(r, "k\xff", "v"), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`key` is not valid UTF-8");
  CHECK_STATUS(tr_reporter_record_metric(r, "m", 1.0 / 0.0, NULL, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("non-finite");

  tr_history *h = NULL;
  char path[512];
  snprintf(path, sizeof path, "%s/h.db", dir);
  CHECK_STATUS(tr_history_open(path, &h), TR_OK);
  tr_string *s = NULL;
  CHECK_STATUS(tr_history_runs(h, "{\"limit\":", &s), TR_PARSE);
  CHECK_ERROR_HAS("invalid history filter");
  CHECK(s == NULL);
  CHECK_STATUS(tr_history_runs(h, "{\"limit\":\"x\xff\"}", &s), TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_parse_junit_file("no-such-report.xml", &s), TR_NOT_FOUND);
  CHECK_ERROR_HAS("no-such-report.xml");
  CHECK_STATUS(tr_history_trends(h, "{\"grouping\":\"branch\"}", &s), TR_PARSE);
  CHECK_ERROR_HAS("metric");
  CHECK_STATUS(tr_history_trends(h, "{\"metric\":\"m\",\"timeframe\":\"soon\"}", &s),
               TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_history_flaky(h, "{\"windw\":3}", &s), TR_PARSE);
  CHECK_ERROR_HAS("windw");
  CHECK_STATUS(tr_history_split(h, "{\"tests\":[\"a\"],\"shard_index\":2,\"shard_total\":2}", &s),
               TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_history_split(NULL, "{}", &s), TR_INVALID_ARGUMENT);
  CHECK(s == NULL);
  tr_history_free(h);
  tr_reporter_free(r);
}

static void after_finish(const char *dir) {
  tr_reporter *r = start_local_reporter(dir, NULL);
  tr_case c = {0};
  c.name = "only";
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_OK);
  tr_string *first = NULL, *second = NULL;
  CHECK_STATUS(tr_reporter_finish(r, 60000, &first), TR_OK);
  CHECK_HAS(tr_string_ptr(first), "\"total_tests\":1,");
  /* Finish twice: TR_OK and the same summary (nothing is sent again). */
  CHECK_STATUS(tr_reporter_finish(r, 60000, &second), TR_OK);
  CHECK(strcmp(tr_string_ptr(first), tr_string_ptr(second)) == 0);
  /* Use after finish: every recording call is TR_INVALID_ARGUMENT. */
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("the run is finished");
  CHECK_STATUS(tr_reporter_record_metric(r, "m", 1.0, NULL, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("the run is finished");
  CHECK_STATUS(tr_reporter_set_property(r, "k", "v"), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("the run is finished");
  tr_string_free(first);
  tr_string_free(second);
  tr_reporter_free(r);
}

int main(void) {
  char dir[64];
  make_scratch_dir(dir, sizeof dir, "tr-errors-");
  last_error_buffer();
  null_arguments(dir);
  invalid_utf8_and_json(dir);
  after_finish(dir);
  printf("errors: every error path gave its status and message\n");
  return 0;
}
