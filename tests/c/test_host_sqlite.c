/* A harness that links its own SQLite statically beside testrelay: the two
 * copies link without duplicate symbols, each call reaches the copy its
 * caller was built against (the harness's SQLITE_VERSION, not testrelay's
 * bundled one), and both work in one process. */
#define _XOPEN_SOURCE 700
#include <sqlite3.h>
#include <unistd.h>

#include "check.h"

int main(void) {
  /* The harness's own SQLite. */
  CHECK(strcmp(sqlite3_libversion(), SQLITE_VERSION) == 0);
  sqlite3 *db = NULL;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL, NULL) ==
        SQLITE_OK);

  /* testrelay with its history (its own SQLite) in the same process. */
  char dir[64];
  make_scratch_dir(dir, sizeof dir, "tr-host-sqlite-");
  tr_reporter *r = start_local_reporter(dir, "host-sqlite");
  tr_case c = {0};
  c.name = "beside_the_hosts_sqlite";
  c.status = TR_CASE_PASSED;
  CHECK_STATUS(tr_reporter_record_case(r, &c), TR_OK);
  tr_string *summary = NULL;
  CHECK_STATUS(tr_reporter_finish(r, 30000, &summary), TR_OK);
  CHECK_HAS(tr_string_ptr(summary), "\"total_tests\":1,");
  tr_string_free(summary);
  tr_reporter_free(r);

  char path[128];
  snprintf(path, sizeof path, "%s/h.db", dir);
  tr_history *h = NULL;
  CHECK_STATUS(tr_history_open(path, &h), TR_OK);
  tr_string *cases = NULL;
  CHECK_STATUS(tr_history_cases(h, "host-sqlite", &cases), TR_OK);
  CHECK_HAS(tr_string_ptr(cases), "beside_the_hosts_sqlite");
  tr_string_free(cases);
  tr_history_free(h);

  /* The harness's database is untouched by all of that. */
  sqlite3_stmt *stmt = NULL;
  CHECK(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &stmt, NULL) == SQLITE_OK);
  CHECK(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(sqlite3_column_int(stmt, 0) == 1);
  sqlite3_finalize(stmt);
  CHECK(sqlite3_close(db) == SQLITE_OK);
  printf("host SQLite %s and testrelay %s side by side\n", sqlite3_libversion(), tr_version());
  return 0;
}
