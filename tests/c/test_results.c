/* tr_parse_results_file on result files written by real runners, in every
 * format testrelay reads, recognized from their content; options; errors.
 * Argument: the repository's tests/data directory. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "testrelay.h"

static const char *data_dir;

/* Reads `rel` (under tests/data) with `options` and returns the JSON. */
static tr_string *parse(const char *rel, const char *options) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", data_dir, rel);
  tr_string *report = NULL;
  CHECK_STATUS(tr_parse_results_file(path, options, &report), TR_OK);
  CHECK(report != NULL);
  return report;
}

static void expect(const char *rel, const char *options, const char *format, const char *counts) {
  tr_string *report = parse(rel, options);
  CHECK_HAS(tr_string_ptr(report), format);
  CHECK_HAS(tr_string_ptr(report), counts);
  tr_string_free(report);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s TESTS_DATA_DIR\n", argv[0]);
    return 2;
  }
  data_dir = argv[1];
  CHECK(TESTRELAY_ABI_VERSION_MAJOR == 1 && TESTRELAY_ABI_VERSION_MINOR >= 2);

  expect("test-reporter/dotnet-trx.trx", NULL, "\"format\":\"trx\"",
         "\"counts\":{\"total\":11,\"passed\":5,\"failed\":5,\"errors\":0,\"skipped\":1,\"flaky\":0}");
  expect("test-reporter/dotnet-nunit.xml", NULL, "\"format\":\"nunit3\"",
         "\"counts\":{\"total\":9,\"passed\":3,\"failed\":3,\"errors\":2,\"skipped\":1,\"flaky\":0}");
  expect("nunit-plugin/NUnit-correct.xml", NULL, "\"format\":\"nunit2\"",
         "\"counts\":{\"total\":28,\"passed\":18,\"failed\":1,\"errors\":4,\"skipped\":5,\"flaky\":0}");
  expect("xunit/efcore-microbenchmarks.xml", NULL, "\"format\":\"xunit2\"",
         "\"counts\":{\"total\":65,\"passed\":61,\"failed\":2,\"errors\":0,\"skipped\":2,\"flaky\":0}");
  expect("go/go-test.json", NULL, "\"format\":\"go_test\"",
         "\"counts\":{\"total\":22,\"passed\":12,\"failed\":4,\"errors\":4,\"skipped\":2,\"flaky\":0}");

  /* Every <testcase> is a test; as attempts, TestNG's retried test and its
   * data-provider rows are one test each, the last attempt deciding. */
  expect("junit/testng-junitxml.xml", NULL, "\"format\":\"junit\"",
         "\"counts\":{\"total\":8,\"passed\":2,\"failed\":3,\"errors\":0,\"skipped\":3,\"flaky\":0}");
  expect("junit/testng-junitxml.xml", "{\"same_name_cases\":\"attempts\"}", "\"status\":\"failed\"",
         "\"counts\":{\"total\":6,\"passed\":1,\"failed\":3,\"errors\":0,\"skipped\":2,\"flaky\":0}");

  /* Warnings: nameless cases, named by their order. */
  tr_string *nameless = parse("junit/jest-nameless.xml", NULL);
  CHECK_HAS(tr_string_ptr(nameless), "\"name\":\"(unnamed #5)\"");
  CHECK_HAS(tr_string_ptr(nameless), "has 5 test cases without a name");
  tr_string_free(nameless);

  /* tr_parse_junit_file: the same JUnit reading, warnings included. */
  char path[1024];
  snprintf(path, sizeof path, "%s/junit/jest-nameless.xml", data_dir);
  tr_string *junit = NULL;
  CHECK_STATUS(tr_parse_junit_file(path, &junit), TR_OK);
  CHECK_HAS(tr_string_ptr(junit), "\"warnings\":[\"");
  CHECK_HAS(tr_string_ptr(junit), "\"total\":7,");
  tr_string_free(junit);

  /* Errors. */
  tr_string *s = NULL;
  CHECK_STATUS(tr_parse_results_file(NULL, NULL, &s), TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_parse_results_file(path, NULL, NULL), TR_INVALID_ARGUMENT);
  CHECK_ERROR_HAS("`report_json` is NULL");
  CHECK_STATUS(tr_parse_results_file(path, "{\"same_name_case\":\"attempts\"}", &s), TR_PARSE);
  CHECK_ERROR_HAS("same_name_case");
  CHECK(s == NULL);
  CHECK_STATUS(tr_parse_results_file(path, "{\"same_name_cases\":\"\xff\"}", &s), TR_INVALID_ARGUMENT);
  CHECK_STATUS(tr_parse_results_file("no-such-results.trx", NULL, &s), TR_NOT_FOUND);
  snprintf(path, sizeof path, "%s/junit/synthetic/not-junit.xml", data_dir);
  CHECK_STATUS(tr_parse_results_file(path, NULL, &s), TR_PARSE);
  CHECK_ERROR_HAS("at line 2, column 1: the root element is <project>");
  CHECK(s == NULL);

  printf("results: every format read\n");
  return 0;
}
