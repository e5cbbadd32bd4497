/* The Bitbucket Cloud provider through the C API, against the CI simulator
 * that the ctest fixture `ci_sim` started: 50 cases (2 failures), finish.
 * The summary must list the report, its close, the build status and the PR
 * comment as delivered, nothing as not delivered, and never the token.
 * Usage: c_bitbucket STATE_FILE (written by ci_sim.py start: {"pid": .., "url": ".."}). */
#define _XOPEN_SOURCE 700
#include <unistd.h>

#include "check.h"

#define PAT "bbat-c-abi-token-5517"

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
  make_scratch_dir(dir, sizeof dir, "tr-bitbucket-");
  char config[2048];
  snprintf(config, sizeof config,
           "{\"provider\":\"bitbucket\",\"api_url\":\"%s/2.0\",\"api_token\":\"" PAT "\","
           "\"repository\":\"team/c-harness\",\"commit_sha\":\"c0ffee\",\"pr_number\":9,"
           "\"output_dir\":\"%s/out\",\"history_path\":\"%s/history.db\","
           "\"test_run_id\":\"c-bitbucket\",\"run_name\":\"C harness on Bitbucket\"}",
           url, dir, dir);

  tr_reporter *reporter = NULL;
  CHECK_STATUS(tr_reporter_new(config, &reporter), TR_OK);
  char name[64];
  for (int i = 0; i < 50; i++) {
    snprintf(name, sizeof name, "case_%03d", i);
    tr_case c = {0};
    c.name = name;
    c.classname = "gpu.buffers";
    c.suite = "c-harness";
    c.status = i % 25 == 3 ? TR_CASE_FAILED : TR_CASE_PASSED;
    c.duration_seconds = 0.002;
    c.message = c.status == TR_CASE_FAILED ? "mapped range differs at byte 12" : NULL;
    CHECK_STATUS(tr_reporter_record_case(reporter, &c), TR_OK);
  }

  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 120000, &summary), TR_OK);
  const char *json = tr_string_ptr(summary);
  CHECK_HAS(json, "\"provider\":\"bitbucket\"");
  CHECK_HAS(json, "\"total_tests\":50");
  CHECK_HAS(json, "\"failed_tests\":2");
  CHECK_HAS(json, "\"operation\":\"create\"");
  CHECK_HAS(json, "\"operation\":\"close\"");
  CHECK_HAS(json, "\"operation\":\"status\"");
  CHECK_HAS(json, "\"operation\":\"comment\"");
  CHECK_HAS(json, "\"not_delivered\":[]");
  CHECK(strstr(json, PAT) == NULL);
  tr_string_free(summary);
  tr_reporter_free(reporter);
  return 0;
}
