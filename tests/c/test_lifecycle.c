/* Full lifecycle on the local provider: 4 threads x 25,000 cases, a metric,
 * a property, an artifact, finish; then the report files, the history (runs,
 * cases, merge) and the JUnit reader, all through the C API. */
#define _XOPEN_SOURCE 700
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define THREADS 4
#define CASES_PER_THREAD 25000

static atomic_long case_events;
static atomic_long metric_events;
static atomic_long finished_events;
static atomic_long started_events;

static void on_event(tr_event_kind kind, const char *json, size_t len, void *user_data) {
  CHECK(user_data == (void *)&case_events);
  CHECK(json != NULL && strlen(json) == len && json[0] == '{');
  if (kind == TR_EVENT_CASE_RECORDED) atomic_fetch_add(&case_events, 1);
  if (kind == TR_EVENT_METRIC_RECORDED) atomic_fetch_add(&metric_events, 1);
  if (kind == TR_EVENT_RUN_FINISHED) atomic_fetch_add(&finished_events, 1);
  if (kind == TR_EVENT_RUN_STARTED) {
    CHECK_HAS(json, "\"run_key\":\"c-lifecycle\"");
    atomic_fetch_add(&started_events, 1);
  }
}

struct worker {
  const tr_reporter *reporter;
  int index;
};

static void *record_cases(void *arg) {
  const struct worker *w = arg;
  char name[64], classname[64];
  snprintf(classname, sizeof classname, "thread_%d", w->index);
  for (int i = 0; i < CASES_PER_THREAD; i++) {
    snprintf(name, sizeof name, "case_%d", i);
    tr_case c = {0};
    c.name = name;
    c.classname = classname;
    c.suite = "lifecycle";
    c.status = i % 10 == 0 ? TR_CASE_FAILED : i % 10 == 1 ? TR_CASE_SKIPPED : TR_CASE_PASSED;
    c.duration_seconds = 0.001;
    c.message = i % 10 == 0 ? "expected 1, got 2" : NULL;
    CHECK_STATUS(tr_reporter_record_case(w->reporter, &c), TR_OK);
  }
  return NULL;
}

static int is_file(const char *dir, const char *name) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Occurrences of `needle` in `s` (a linear scan: repeated strstr would rescan
 * the whole 20 MB string under ASan, whose strstr checks the full length). */
static size_t count(const tr_string *s, const char *needle) {
  const char *text = tr_string_ptr(s);
  size_t len = tr_string_len(s), m = strlen(needle), n = 0;
  for (size_t i = 0; i + m <= len; i++) {
    if (text[i] == needle[0] && memcmp(text + i, needle, m) == 0) n++;
  }
  return n;
}

int main(void) {
  char dir[64];
  make_scratch_dir(dir, sizeof dir, "tr-lifecycle-");
  char config[1024], path[512], out[128];
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(config, sizeof config,
           "{\"provider\":\"local\",\"output_dir\":\"%s\",\"history_path\":\"%s/history.db\","
           "\"report_formats\":[\"junit\",\"json\"],\"enable_artifacts\":true,"
           "\"test_run_id\":\"c-lifecycle\"}",
           out, dir);

  tr_reporter *reporter = NULL;
  CHECK_STATUS(tr_reporter_new(config, &reporter), TR_OK);
  CHECK(reporter != NULL);
  CHECK_STATUS(tr_reporter_on_event(reporter, on_event, &case_events), TR_OK);
  /* The run opened in tr_reporter_new; the callback hears it on registering. */
  CHECK(atomic_load(&started_events) == 1);

  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  for (int t = 0; t < THREADS; t++) {
    workers[t].reporter = reporter;
    workers[t].index = t;
    CHECK(pthread_create(&threads[t], NULL, record_cases, &workers[t]) == 0);
  }
  for (int t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);

  CHECK_STATUS(tr_reporter_record_metric(reporter, "startup_ms", 12.5, "ms", NULL), TR_OK);
  CHECK_STATUS(tr_reporter_set_property(reporter, "harness", "c-lifecycle"), TR_OK);
  snprintf(path, sizeof path, "%s/log.txt", dir);
  FILE *artifact = fopen(path, "w");
  CHECK(artifact != NULL);
  fputs("artifact body\n", artifact);
  fclose(artifact);
  CHECK_STATUS(tr_reporter_attach_artifact(reporter, path, "{\"kind\":\"log\"}"), TR_OK);

  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 120000, &summary), TR_OK);
  const char *json = tr_string_ptr(summary);
  CHECK(strlen(json) == tr_string_len(summary));
  CHECK_HAS(json, "\"test_run_id\":\"c-lifecycle\"");
  CHECK_HAS(json, "\"total_tests\":100000");
  CHECK_HAS(json, "\"passed_tests\":80000");
  CHECK_HAS(json, "\"failed_tests\":10000");
  CHECK_HAS(json, "\"skipped_tests\":10000");
  CHECK_HAS(json, "\"provider\":\"local\"");
  CHECK_HAS(json, "\"timed_out\":false");
  CHECK(atomic_load(&case_events) == THREADS * CASES_PER_THREAD);
  CHECK(atomic_load(&metric_events) == 1);
  CHECK(atomic_load(&finished_events) == 1);
  CHECK(is_file(out, "junit.xml"));
  CHECK(is_file(out, "results.json"));
  CHECK(is_file(out, "run.json"));
  CHECK(is_file(out, "artifacts/log.txt"));

  /* Finishing again gives the same summary and fires no second event. */
  tr_string *again = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 1000, &again), TR_OK);
  CHECK(strcmp(tr_string_ptr(again), json) == 0);
  CHECK(atomic_load(&finished_events) == 1);
  tr_string_free(again);
  tr_string_free(summary);
  tr_reporter_free(reporter);

  /* The history, read back through the C API. */
  tr_history *history = NULL;
  snprintf(path, sizeof path, "%s/history.db", dir);
  CHECK_STATUS(tr_history_open(path, &history), TR_OK);
  tr_string *runs = NULL;
  CHECK_STATUS(tr_history_runs(history, "{\"limit\":5}", &runs), TR_OK);
  CHECK_HAS(tr_string_ptr(runs), "\"run_key\":\"c-lifecycle\"");
  CHECK_HAS(tr_string_ptr(runs), "\"total\":100000");
  CHECK_HAS(tr_string_ptr(runs), "\"failed\":10000");
  CHECK(count(runs, "\"run_key\"") == 1);
  tr_string_free(runs);
  tr_string *cases = NULL;
  CHECK_STATUS(tr_history_cases(history, "c-lifecycle", &cases), TR_OK);
  CHECK(count(cases, "\"classname\":\"thread_") == THREADS * CASES_PER_THREAD);
  CHECK(count(cases, "\"status\":\"failed\"") == 10000);
  tr_string_free(cases);
  tr_string *none = (tr_string *)&none; /* not NULL: the call must clear it */
  CHECK_STATUS(tr_history_cases(history, "no-such-run", &none), TR_NOT_FOUND);
  CHECK(none == NULL);

  /* Trends, flaky tests and shard splitting through the C API. */
  tr_string *trends = NULL;
  CHECK_STATUS(tr_history_trends(history, "{\"metric\":\"startup_ms\"}", &trends), TR_OK);
  CHECK_HAS(tr_string_ptr(trends), "\"count\":1");
  tr_string_free(trends);
  tr_string *flaky = NULL;
  CHECK_STATUS(tr_history_flaky(history, NULL, &flaky), TR_OK);
  CHECK(strcmp(tr_string_ptr(flaky), "[]") == 0);
  tr_string_free(flaky);
  tr_string *shard = NULL;
  CHECK_STATUS(tr_history_split(history,
                                "{\"tests\":[\"a\",\"b\",\"c\"],\"shard_index\":0,\"shard_total\":3}",
                                &shard),
               TR_OK);
  CHECK(count(shard, "\"") == 2); /* exactly one test */
  tr_string_free(shard);

  /* Merging the file into a fresh history copies the one run. */
  tr_history *merged = NULL;
  char merged_path[512];
  snprintf(merged_path, sizeof merged_path, "%s/merged.db", dir);
  CHECK_STATUS(tr_history_open(merged_path, &merged), TR_OK);
  tr_string *stats = NULL;
  CHECK_STATUS(tr_history_merge(merged, path, &stats), TR_OK);
  CHECK_HAS(tr_string_ptr(stats), "\"runs_added\":1");
  CHECK_HAS(tr_string_ptr(stats), "\"cases\":100000");
  CHECK_HAS(tr_string_ptr(stats), "\"metrics\":1");
  tr_string_free(stats);
  CHECK_STATUS(tr_history_merge(merged, path, &stats), TR_OK);
  CHECK_HAS(tr_string_ptr(stats), "\"runs_skipped\":1");
  tr_string_free(stats);
  tr_history_free(merged);
  tr_history_free(history);

  /* The JUnit report the run wrote reads back with the same counts. */
  tr_string *junit = NULL;
  snprintf(path, sizeof path, "%s/junit.xml", out);
  CHECK_STATUS(tr_parse_junit_file(path, &junit), TR_OK);
  CHECK_HAS(tr_string_ptr(junit), "\"total\":100000");
  CHECK_HAS(tr_string_ptr(junit), "\"skipped\":10000");
  tr_string_free(junit);

  tr_string *detection = NULL;
  CHECK_STATUS(tr_detect_environment(&detection), TR_OK);
  CHECK(tr_string_ptr(detection)[0] == '{');
  tr_string_free(detection);

  printf("lifecycle: 100000 cases recorded from %d threads and read back\n", THREADS);
  return 0;
}
