/* Benchmark: nanoseconds per tr_reporter_record_case call, median, 90th and
 * 99th percentile, over 1,000,000 cases from one thread. Each sample times
 * BATCH consecutive calls (the cases prepared beforehand) and divides by
 * BATCH, so that the clock's own cost (two clock_gettime calls, tens of ns)
 * is not counted as the call's. Two ways:
 *   bursts     50,000 cases at a time, then a pause in which the reporter's
 *              collector drains its queue: the cost of the call itself;
 *   sustained  all 1,000,000 back to back: once the queue is full, a call
 *              waits for the collector (history on), so this is the
 *              reporter's throughput seen from the caller.
 * Built by CMake as bench_record_case (not a ctest test: it measures time).
 * Run it from a scratch directory: it writes bench-results/. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <time.h>

#include "check.h"

#define CASES 1000000
#define BURST 50000
#define BATCH 100
#define SAMPLES (CASES / BATCH)

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Records CASES cases, pausing `pause_ms` after every BURST (0: never), and
 * prints the percentiles of the per-call times (SAMPLES samples in `ns`). */
static void run(const char *label, const char *dir, long pause_ms, uint64_t *ns) {
  tr_reporter *reporter = start_local_reporter(dir, NULL);
  static char names[BATCH][32];
  tr_case cases[BATCH];
  for (int sample = 0; sample < SAMPLES; sample++) {
    int first = sample * BATCH;
    if (pause_ms > 0 && first > 0 && first % BURST == 0) {
      struct timespec pause = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
      nanosleep(&pause, NULL);
    }
    for (int k = 0; k < BATCH; k++) {
      int i = first + k;
      snprintf(names[k], sizeof names[k], "case_%d", i);
      tr_case c = {0};
      c.name = names[k];
      c.classname = "bench";
      c.suite = "record_case";
      c.status = i % 100 == 0 ? TR_CASE_FAILED : TR_CASE_PASSED;
      c.duration_seconds = 0.0005;
      cases[k] = c;
    }
    int failed = 0;
    uint64_t start = now_ns();
    for (int k = 0; k < BATCH; k++) {
      failed |= tr_reporter_record_case(reporter, &cases[k]) != TR_OK;
    }
    ns[sample] = (now_ns() - start) / BATCH;
    CHECK(!failed);
  }
  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 600000, &summary), TR_OK);
  CHECK_HAS(tr_string_ptr(summary), "\"total_tests\":1000000,");
  tr_string_free(summary);
  tr_reporter_free(reporter);
  qsort(ns, SAMPLES, sizeof *ns, by_value);
  printf("tr_reporter_record_case, %s, %d cases (%d-call samples): median %llu ns, p90 %llu ns, "
         "p99 %llu ns\n",
         label, CASES, BATCH, (unsigned long long)ns[SAMPLES / 2],
         (unsigned long long)ns[SAMPLES * 9 / 10], (unsigned long long)ns[SAMPLES * 99 / 100]);
}

int main(void) {
  uint64_t *ns = malloc(SAMPLES * sizeof *ns);
  CHECK(ns != NULL);
  run("bursts of 50,000", "bench-results/bursts", 1500, ns);
  run("sustained", "bench-results/sustained", 0, ns);
  free(ns);
  return 0;
}
