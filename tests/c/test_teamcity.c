/* TeamCity from C: inside a TeamCity build (provider auto), the core prints
 * service messages on the process's stdout (file descriptor 1) as each case
 * is taken, one message per line, with the case's text escaped so it cannot
 * start a message of its own. The test points fd 1 at a file, sets up a
 * TeamCity agent's environment and reads back what was printed. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <unistd.h>

#include "check.h"

static char printed[65536];
extern char **environ;
static char *no_variables[] = {NULL};

int main(void) {
  char dir[64], path[256], props[256];
  make_scratch_dir(dir, sizeof dir, "c-teamcity-");
  snprintf(props, sizeof props, "%s/build.properties", dir);
  FILE *p = fopen(props, "w");
  CHECK(p != NULL);
  fputs("teamcity.build.id=21\n", p);
  CHECK(fclose(p) == 0);
  /* Only TeamCity's variables: the CI this test itself runs in (and its
   * tokens) must not be seen. */
  environ = no_variables;
  CHECK(setenv("TEAMCITY_VERSION", "2025.03", 1) == 0);
  CHECK(setenv("TEAMCITY_BUILD_PROPERTIES_FILE", props, 1) == 0);

  snprintf(path, sizeof path, "%s/stdout.txt", dir);
  fflush(stdout);
  int saved = dup(1);
  int out = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
  CHECK(saved >= 0 && out >= 0 && dup2(out, 1) == 1);
  close(out);

  char config[512];
  snprintf(config, sizeof config,
           "{\"provider\":\"auto\",\"output_dir\":\"%s/out\",\"history_path\":\"%s/h.db\","
           "\"report_formats\":[\"json\"]}",
           dir, dir);
  tr_reporter *reporter = NULL;
  CHECK_STATUS(tr_reporter_new(config, &reporter), TR_OK);
  tr_case c = {0};
  c.suite = "c-suite";
  c.classname = "k";
  c.name = "x']";
  c.status = TR_CASE_FAILED;
  c.message = "m\n##teamcity[buildStatus status='SUCCESS']";
  c.duration_seconds = 0.5;
  CHECK_STATUS(tr_reporter_record_case(reporter, &c), TR_OK);
  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(reporter, 30000, &summary), TR_OK);
  tr_string_free(summary);
  tr_reporter_free(reporter);

  CHECK(dup2(saved, 1) == 1);
  close(saved);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  size_t n = fread(printed, 1, sizeof printed - 1, f);
  fclose(f);
  printed[n] = '\0';

  CHECK_HAS(printed, "##teamcity[testSuiteStarted name='c-suite' flowId='");
  CHECK_HAS(printed, "##teamcity[testStarted name='k.x|'|]' flowId='");
  CHECK_HAS(printed,
            "##teamcity[testFailed name='k.x|'|]' message='m|n##teamcity|[buildStatus status=|'SUCCESS|'|]' "
            "details='' flowId='");
  CHECK_HAS(printed, "##teamcity[testFinished name='k.x|'|]' duration='500' flowId='");
  CHECK_HAS(printed, "##teamcity[buildStatus text='{build.status.text}; testrelay: 1 tests, 1 failed, 0 passed']");
  /* Every line is one message, starting the line. */
  int lines = 0;
  for (char *line = strtok(printed, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    CHECK(strncmp(line, "##teamcity[", 11) == 0);
    CHECK(strstr(line + 1, "##teamcity[") == NULL);
    lines++;
  }
  CHECK(lines >= 7);
  return 0;
}
