/* The GitLab provider through the C API, against the CI simulator that the
 * ctest fixture `ci_sim_gitlab` started (ci_sim_gitlab.py: it accepts only
 * the token below). Two runs on merge request !7 of group/c-harness:
 *
 *   red    commit c0ffee01: 120 cases, 3 failing, one attached artifact;
 *          configured with the flat `api_url`/`api_token` shorthands.
 *   green  commit c0ffee02: 40 passing cases, no artifact; configured with
 *          `providers.gitlab.api_url` and `token_env`.
 *
 * Each summary must list every GitLab operation as delivered and nothing as
 * not delivered, and never show the token; `ci_sim_gitlab_check` then
 * inspects what the simulator holds (commit statuses, the one merge request
 * note, the generic package). Usage: c_gitlab STATE_FILE (written by
 * ci_sim_gitlab.py start: {"pid": .., "url": ".."}). */
#define _XOPEN_SOURCE 700
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

/* Keep in step with ci_sim_gitlab.py. */
#define TOKEN "glpat-c-abi-token-5120"
#define TOKEN_ENV "TESTRELAY_C_GITLAB_TOKEN"
#define ARTIFACT_TEXT "frame 17: device lost after 3 submits\n"

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

/* Finishes the run and checks the summary every run must have. */
static void finish_and_check(tr_reporter *reporter, const char *url, int expect_artifact,
                             const char *counts) {
  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 120000, &summary), TR_OK);
  const char *json = tr_string_ptr(summary);
  CHECK_HAS(json, "\"provider\":\"gitlab\"");
  CHECK_HAS(json, counts);
  CHECK_HAS(json, "\"operation\":\"create\"");
  CHECK_HAS(json, "\"operation\":\"close\"");
  CHECK_HAS(json, "\"operation\":\"status\"");
  CHECK_HAS(json, "\"operation\":\"comment\"");
  if (expect_artifact) {
    CHECK_HAS(json, "\"operation\":\"artifact:gpu-trace.log\"");
    /* The artifact's address is the generic package file on the API. */
    CHECK_HAS(json, url);
    CHECK_HAS(json, "/api/v4/projects/group%2Fc-harness/packages/generic/testrelay/c-gitlab-red/gpu-trace.log");
  } else {
    CHECK(strstr(json, "\"operation\":\"artifact:") == NULL);
  }
  CHECK_HAS(json, "\"not_delivered\":[]");
  CHECK(strstr(json, TOKEN) == NULL);
  tr_string_free(summary);
}

static void record(tr_reporter *reporter, int count, int failing_every) {
  char name[64];
  for (int i = 0; i < count; i++) {
    snprintf(name, sizeof name, "case_%03d", i);
    tr_case c = {0};
    c.name = name;
    c.classname = "gpu.buffers";
    c.suite = "c-harness";
    c.file = "src/buffers.c";
    c.line = (uint32_t)(10 + i);
    c.status = failing_every && i % failing_every == 5 ? TR_CASE_FAILED : TR_CASE_PASSED;
    c.duration_seconds = 0.002;
    c.message = c.status == TR_CASE_FAILED ? "mapped range differs at byte 12" : NULL;
    CHECK_STATUS(tr_reporter_record_case(reporter, &c), TR_OK);
  }
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  char url[256];
  read_url(argv[1], url, sizeof url);

  char dir[64];
  make_scratch_dir(dir, sizeof dir, "tr-gitlab-");
  char config[2048];
  tr_reporter *reporter = NULL;

  /* red: the flat shorthands, failures, one artifact. */
  int len = snprintf(config, sizeof config,
                     "{\"provider\":\"gitlab\",\"api_url\":\"%s/api/v4\",\"api_token\":\"" TOKEN "\","
                     "\"repository\":\"group/c-harness\",\"commit_sha\":\"c0ffee01\",\"pr_number\":7,"
                     "\"output_dir\":\"%s/red\",\"history_path\":\"%s/history.db\","
                     "\"test_run_id\":\"c-gitlab-red\",\"run_name\":\"C harness\"}",
                     url, dir, dir);
  CHECK(len > 0 && (size_t)len < sizeof config);
  CHECK_STATUS(tr_reporter_new(config, &reporter), TR_OK);
  record(reporter, 120, 50);
  CHECK_STATUS(tr_reporter_record_metric(reporter, "upload_ms", 12.5, "ms", NULL), TR_OK);
  char artifact[128];
  snprintf(artifact, sizeof artifact, "%s/gpu-trace.log", dir);
  FILE *f = fopen(artifact, "w");
  CHECK(f != NULL);
  fputs(ARTIFACT_TEXT, f);
  fclose(f);
  CHECK_STATUS(tr_reporter_attach_artifact(reporter, artifact, "{\"kind\":\"trace\"}"), TR_OK);
  finish_and_check(reporter, url, 1, "\"total_tests\":120,\"passed_tests\":117,\"failed_tests\":3");
  tr_reporter_free(reporter);

  /* green: the provider's own section with token_env, all passing. */
  CHECK(setenv(TOKEN_ENV, TOKEN, 1) == 0);
  len = snprintf(config, sizeof config,
                 "{\"provider\":\"gitlab\",\"providers\":{\"gitlab\":{\"api_url\":\"%s/api/v4\","
                 "\"token_env\":\"" TOKEN_ENV "\"}},"
                 "\"repository\":\"group/c-harness\",\"commit_sha\":\"c0ffee02\",\"pr_number\":7,"
                 "\"output_dir\":\"%s/green\",\"history_path\":\"%s/history.db\","
                 "\"test_run_id\":\"c-gitlab-green\",\"run_name\":\"C harness\"}",
                 url, dir, dir);
  CHECK(len > 0 && (size_t)len < sizeof config);
  reporter = NULL;
  CHECK_STATUS(tr_reporter_new(config, &reporter), TR_OK);
  record(reporter, 40, 0);
  finish_and_check(reporter, url, 0, "\"total_tests\":40,\"passed_tests\":40,\"failed_tests\":0");
  tr_reporter_free(reporter);
  CHECK(unsetenv(TOKEN_ENV) == 0);
  return 0;
}
