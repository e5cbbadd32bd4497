/* Artifacts through the C API: attach two performance reports on the local
 * provider, find them, compare them, and get one back after its file is
 * gone (from the local provider's store, into a cache). */
#define _XOPEN_SOURCE 700
#include <unistd.h>

#include "check.h"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  CHECK(fputs(text, f) >= 0);
  CHECK(fclose(f) == 0);
}

int main(void) {
  char dir[64], path[256], a[256], b[256], json[1024];
  make_scratch_dir(dir, sizeof dir, "tr-artifacts-");
  tr_reporter *r = start_local_reporter(dir, "c-artifacts");
  snprintf(a, sizeof a, "%s/bench-a.json", dir);
  snprintf(b, sizeof b, "%s/bench-b.json", dir);
  write_file(a, "{\"metrics\": {\"throughput\": 200}}");
  write_file(b, "{\"metrics\": {\"throughput\": 250}}");
  CHECK_STATUS(tr_reporter_attach_artifact(r, a, "{\"tool\":\"k6\"}"), TR_OK);
  CHECK_STATUS(tr_reporter_attach_artifact(r, b, NULL), TR_OK);
  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(r, 60000, &summary), TR_OK);
  tr_string_free(summary);
  tr_reporter_free(r);

  snprintf(path, sizeof path, "%s/h.db", dir);
  tr_history *h = NULL;
  CHECK_STATUS(tr_history_open(path, &h), TR_OK);

  tr_string *found = NULL;
  CHECK_STATUS(tr_artifacts_find(h,
                                 "{\"type\":\"performance_report\",\"metadata\":{\"tool\":\"k6\"},"
                                 "\"values\":[{\"path\":\"metrics.throughput\",\"max\":210}]}",
                                 &found),
               TR_OK);
  CHECK_HAS(tr_string_ptr(found), "\"name\":\"bench-a.json\"");
  CHECK(strstr(tr_string_ptr(found), "bench-b.json") == NULL);
  tr_string_free(found);
  CHECK_STATUS(tr_artifacts_find(h, "{\"colour\":1}", &found), TR_PARSE);
  CHECK_ERROR_HAS("colour");

  tr_string *cmp = NULL;
  snprintf(json, sizeof json,
           "{\"a\":{\"run_key\":\"c-artifacts\",\"name\":\"bench-a.json\"},\"b\":{\"path\":\"%s\"}}", b);
  CHECK_STATUS(tr_artifacts_compare(h, json, &cmp), TR_OK);
  CHECK_HAS(tr_string_ptr(cmp), "\"path\":\"metrics.throughput\"");
  CHECK_HAS(tr_string_ptr(cmp), "\"percent\":25.0");
  CHECK_HAS(tr_string_ptr(cmp), "\"markdown\":\"### Artifact comparison");
  tr_string_free(cmp);
  CHECK_STATUS(tr_artifacts_compare(h, "{\"a\":{},\"b\":{}}", &cmp), TR_INVALID_ARGUMENT);

  /* The attached file goes; the local provider's stored copy remains. */
  CHECK(unlink(a) == 0);
  tr_string *got = NULL;
  snprintf(json, sizeof json,
           "{\"run_key\":\"c-artifacts\",\"names\":[\"bench-a.json\"],\"cache_dir\":\"%s/cache\","
           "\"config\":{\"provider\":\"local\",\"output_dir\":\"%s/out\"}}",
           dir, dir);
  CHECK_STATUS(tr_artifact_get(h, json, &got), TR_OK);
  CHECK_HAS(tr_string_ptr(got), "\"source\":\"provider\"");
  tr_string_free(got);
  CHECK_STATUS(tr_artifact_get(h, json, &got), TR_OK);
  CHECK_HAS(tr_string_ptr(got), "\"source\":\"cache\"");
  tr_string_free(got);
  CHECK_STATUS(tr_artifact_get(h, "{\"run_key\":\"nope\",\"cache_dir\":\"c\"}", &got), TR_NOT_FOUND);

  /* The request's config takes what tr_reporter_new takes, the guide's
   * names included (a cache of its own, so the provider is asked). */
  snprintf(json, sizeof json,
           "{\"run_key\":\"c-artifacts\",\"names\":[\"bench-a.json\"],\"cache_dir\":\"%s/cache2\","
           "\"config\":{\"ci_system\":\"local\",\"artifact_dir\":\"%s/out\",\"retry_attempts\":2}}",
           dir, dir);
  CHECK_STATUS(tr_artifact_get(h, json, &got), TR_OK);
  CHECK_HAS(tr_string_ptr(got), "\"source\":\"provider\"");
  tr_string_free(got);
  snprintf(json, sizeof json,
           "{\"run_key\":\"c-artifacts\",\"cache_dir\":\"%s/cache2\","
           "\"config\":{\"ci_system\":\"local\",\"provider\":\"local\"}}",
           dir);
  CHECK_STATUS(tr_artifact_get(h, json, &got), TR_PARSE);
  CHECK_ERROR_HAS("give `ci_system` or `provider`");
  snprintf(json, sizeof json,
           "{\"a\":{\"run_key\":\"c-artifacts\",\"name\":\"bench-a.json\"},\"b\":{\"path\":\"%s\"},"
           "\"retrieve\":{\"cache_dir\":\"%s/cache3\",\"config\":{\"ci_system\":\"local\","
           "\"artifact_dir\":\"%s/out\"}}}",
           b, dir, dir);
  CHECK_STATUS(tr_artifacts_compare(h, json, &cmp), TR_OK);
  CHECK_HAS(tr_string_ptr(cmp), "\"percent\":25.0");
  tr_string_free(cmp);

  tr_history_free(h);
  return 0;
}
