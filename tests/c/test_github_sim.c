/* The GitHub provider through the C API, against the CI simulator that the
 * ctest fixture `ci_sim` started: 200 cases (3 failures with file and
 * line), a metric, finish. The summary must list every GitHub operation as
 * delivered and nothing as not delivered; `ci_sim_check` then inspects what
 * the simulator received. Usage: c_github STATE_FILE (written by
 * ci_sim.py start: {"pid": .., "url": ".."}). */
#define _XOPEN_SOURCE 700
#include <unistd.h>

#include "check.h"

#define TOKEN "ghs_c_abi_token_9931"

/* Reads the simulator's URL out of the fixture's state file. */
static void read_url(const char *state_path, char *url, size_t size) {
  FILE *f = fopen(state_path, "r");
  CHECK(f != NULL);
  char text[512] = {0};
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  CHECK(n > 0);
  const char *start = strstr(text, "\"url\": \"");
  CHECK(start != NULL);
  start += strlen("\"url\": \"");
  const char *end = strchr(start, '"');
  CHECK(end != NULL && (size_t)(end - start) < size);
  memcpy(url, start, (size_t)(end - start));
  url[end - start] = '\0';
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  char url[256];
  read_url(argv[1], url, sizeof url);

  char dir[64];
  make_scratch_dir(dir, sizeof dir, "tr-github-");
  char config[2048];
  snprintf(config, sizeof config,
           "{\"provider\":\"github\",\"api_url\":\"%s\",\"api_token\":\"" TOKEN "\","
           "\"repository\":\"octo/c-harness\",\"commit_sha\":\"c0ffee\",\"pr_number\":7,"
           "\"output_dir\":\"%s/out\",\"history_path\":\"%s/history.db\","
           "\"test_run_id\":\"c-github\",\"run_name\":\"C harness\"}",
           url, dir, dir);

  tr_reporter *reporter = NULL;
  CHECK_STATUS(tr_reporter_new(config, &reporter), TR_OK);
  char name[64];
  for (int i = 0; i < 200; i++) {
    snprintf(name, sizeof name, "case_%03d", i);
    tr_case c = {0};
    c.name = name;
    c.classname = "gpu.buffers";
    c.suite = "c-harness";
    c.file = "src/buffers.c";
    c.line = (uint32_t)(10 + i);
    c.status = i % 70 == 5 ? TR_CASE_FAILED : TR_CASE_PASSED;
    c.duration_seconds = 0.002;
    c.message = c.status == TR_CASE_FAILED ? "mapped range differs at byte 12" : NULL;
    CHECK_STATUS(tr_reporter_record_case(reporter, &c), TR_OK);
  }
  CHECK_STATUS(tr_reporter_record_metric(reporter, "upload_ms", 12.5, "ms", NULL), TR_OK);

  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 120000, &summary), TR_OK);
  const char *json = tr_string_ptr(summary);
  CHECK_HAS(json, "\"provider\":\"github\"");
  CHECK_HAS(json, "\"total_tests\":200");
  CHECK_HAS(json, "\"failed_tests\":3");
  CHECK_HAS(json, "\"operation\":\"create\"");
  CHECK_HAS(json, "\"operation\":\"close\"");
  CHECK_HAS(json, "\"operation\":\"status\"");
  CHECK_HAS(json, "\"operation\":\"comment\"");
  CHECK_HAS(json, "\"not_delivered\":[]");
  CHECK_HAS(json, url);
  CHECK(strstr(json, TOKEN) == NULL);
  tr_string_free(summary);
  tr_reporter_free(reporter);
  return 0;
}
