//! Writing a run into a PostgreSQL history (one transaction, bulk inserts
//! of arrays), and pruning old runs.

use std::collections::{BTreeMap, HashMap};

use postgres::Transaction;
use postgres::types::ToSql;

use super::PgHistory;
use crate::error::Result;
use crate::history::branch::stored_branch;
use crate::history::identities::test_key;
use crate::history::maintenance::PruneStats;
use crate::history::record::{TaskRow, checked_run};
use crate::history::runs::RunRecord;
use crate::history::schema::RUN_COLUMNS;
use crate::model::{CaseStatus, Counts, TestCase, TestRun};
use crate::time;

/// Rows per statement of the bulk inserts (arrays bound as parameters).
const CHUNK_ROWS: usize = 20_000;

impl PgHistory {
    /// Stores `run` completely in one transaction: the run row from `meta`
    /// (its counts from the cases), every case, the per-file durations and
    /// the metrics. Recording a `run_key` again replaces that run. Returns
    /// the run's row id. A metric without `recorded_at` gets the run's
    /// start.
    ///
    /// Errors: as [`History::record_run`](crate::history::History::record_run)
    /// (everything is checked before anything is written); `Database` when
    /// writing fails (then nothing of the run is stored).
    pub fn record_run(&mut self, meta: &RunRecord, run: &TestRun) -> Result<i64> {
        let (started, metrics) = checked_run(meta, run)?;
        let finished = meta
            .finished_at_ms
            .or_else(|| meta.status.is_final().then(time::now_unix_ms));
        let tasks = run
            .cases
            .iter()
            .map(|c| TaskRow::new(c, 0))
            .collect::<Result<Vec<_>>>()?;
        let identities = Identities::of(&run.cases);
        let counts = Counts::of(&run.cases);
        let mut files: BTreeMap<&str, (i64, f64)> = BTreeMap::new();
        for case in &run.cases {
            if let (Some(file), false) = (&case.file, case.status == CaseStatus::Skipped) {
                let total = files.entry(file.as_str()).or_default();
                total.0 += 1;
                total.1 += case.duration_seconds;
            }
        }
        let metadata = serde_json::to_string(&meta.metadata)?;
        let now = time::now_unix_ms();
        let what = format!("recording run {:?}", meta.run_key);
        self.write_tx(&what, |tx| {
            let run_id: i64 = tx
                .query_one(
                    UPSERT_RUN.as_str(),
                    &[
                        &meta.run_key,
                        &meta.name,
                        &meta.status.as_str(),
                        &meta.provider,
                        &meta.repository,
                        &meta.build_id,
                        &meta.build_url,
                        &meta.commit_sha,
                        &stored_branch(meta.branch.as_deref()),
                        &stored_branch(meta.base_branch.as_deref()),
                        &meta.pr_number.map(|n| n as i64),
                        &meta.shard_index.map(i64::from),
                        &meta.shard_total.map(i64::from),
                        &started,
                        &finished,
                        &meta.duration_seconds,
                        &(counts.total as i64),
                        &(counts.total as i64),
                        &(counts.passed as i64),
                        &(counts.failed as i64),
                        &(counts.errors as i64),
                        &(counts.skipped as i64),
                        &(counts.flaky as i64),
                        &metadata,
                    ],
                )?
                .get(0);
            for sql in [
                "DELETE FROM performance_metrics WHERE run_id = $1",
                "DELETE FROM run_files WHERE run_id = $1",
                "DELETE FROM test_tasks WHERE run_id = $1",
            ] {
                tx.execute(sql, &[&run_id])?;
            }
            let refs = identities.store(tx)?;
            for (chunk_no, chunk) in tasks.chunks(CHUNK_ROWS).enumerate() {
                let first = chunk_no * CHUNK_ROWS;
                let test_refs: Vec<i64> = (first..first + chunk.len())
                    .map(|i| refs[identities.of_case[i]])
                    .collect();
                let lines: Vec<Option<i64>> =
                    chunk.iter().map(|t| t.case.line.map(i64::from)).collect();
                let types: Vec<Option<&str>> = chunk.iter().map(|t| t.task_type).collect();
                let statuses: Vec<&str> = chunk.iter().map(|t| t.case.status.as_str()).collect();
                let durations: Vec<f64> = chunk.iter().map(|t| t.case.duration_seconds).collect();
                let messages: Vec<Option<&str>> =
                    chunk.iter().map(|t| t.case.message.as_deref()).collect();
                let errors: Vec<Option<&str>> =
                    chunk.iter().map(|t| t.case.details.as_deref()).collect();
                let attempts: Vec<Option<&str>> =
                    chunk.iter().map(|t| t.attempts.as_deref()).collect();
                let properties: Vec<Option<&str>> =
                    chunk.iter().map(|t| t.properties.as_deref()).collect();
                tx.execute(
                    "INSERT INTO test_tasks (run_id, test_ref, line, type, status, created_at, \
                     completed_at, duration, message, error, attempts, properties) \
                     SELECT $1, u.r, u.l, u.t, u.s, $2, $2, u.d, u.m, u.e, u.a, u.p \
                     FROM unnest($3::int8[], $4::int8[], $5::text[], $6::text[], \
                       $7::float8[], $8::text[], $9::text[], $10::text[], $11::text[]) \
                       WITH ORDINALITY AS u(r, l, t, s, d, m, e, a, p, n) ORDER BY u.n",
                    &[
                        &run_id,
                        &now,
                        &test_refs,
                        &lines,
                        &types,
                        &statuses,
                        &durations,
                        &messages,
                        &errors,
                        &attempts,
                        &properties,
                    ],
                )?;
            }
            if !files.is_empty() {
                let names: Vec<&str> = files.keys().copied().collect();
                let cases: Vec<i64> = files.values().map(|v| v.0).collect();
                let seconds: Vec<f64> = files.values().map(|v| v.1).collect();
                tx.execute(
                    "INSERT INTO run_files (run_id, file, cases, duration) \
                     SELECT $1, f, c, d FROM unnest($2::text[], $3::int8[], $4::float8[]) \
                       AS u(f, c, d)",
                    &[&run_id, &names, &cases, &seconds],
                )?;
            }
            for chunk in metrics.chunks(CHUNK_ROWS) {
                let test_ids: Vec<Option<&str>> = chunk.iter().map(|m| m.test_id).collect();
                let names: Vec<&str> = chunk.iter().map(|m| m.name).collect();
                let values: Vec<f64> = chunk.iter().map(|m| m.value).collect();
                let units: Vec<&str> = chunk.iter().map(|m| m.unit).collect();
                let at: Vec<i64> = chunk.iter().map(|m| m.recorded_at_ms).collect();
                tx.execute(
                    "INSERT INTO performance_metrics (run_id, task_id, test_id, metric_name, \
                     metric_value, unit, recorded_at) \
                     SELECT $1, (SELECT max(t.id) FROM test_tasks t JOIN tests s \
                       ON s.id = t.test_ref WHERE t.run_id = $1 AND s.test_id = u.i), \
                       u.i, u.n, u.v, u.un, u.at \
                     FROM unnest($2::text[], $3::text[], $4::float8[], $5::text[], $6::int8[]) \
                       WITH ORDINALITY AS u(i, n, v, un, at, o) ORDER BY u.o",
                    &[&run_id, &test_ids, &names, &values, &units, &at],
                )?;
            }
            Ok(run_id)
        })
    }

    /// Deletes every run started before `older_than_ms` (Unix ms) with its
    /// cases, file durations and metrics, in one transaction. Test
    /// identities stay (other writers may be about to refer to them).
    ///
    /// Errors: `Database` when writing fails (then nothing is deleted).
    pub fn prune(&mut self, older_than_ms: i64) -> Result<PruneStats> {
        self.write_tx("pruning old runs", |tx| {
            let old = "SELECT id FROM test_runs WHERE created_at < $1";
            let metrics = tx.execute(
                &format!("DELETE FROM performance_metrics WHERE run_id IN ({old})"),
                &[&older_than_ms],
            )?;
            tx.execute(
                &format!("DELETE FROM run_files WHERE run_id IN ({old})"),
                &[&older_than_ms],
            )?;
            let cases = tx.execute(
                &format!("DELETE FROM test_tasks WHERE run_id IN ({old})"),
                &[&older_than_ms],
            )?;
            let runs = tx.execute(
                "DELETE FROM test_runs WHERE created_at < $1",
                &[&older_than_ms],
            )?;
            Ok(PruneStats {
                runs,
                cases,
                metrics,
                artifacts: 0,
            })
        })
    }
}

/// A test identity: key, id, name, classname, suite, file.
type Identity<'a> = (i64, String, &'a str, &'a str, &'a str, Option<&'a str>);

/// The test identities of a batch of cases, each stored once.
struct Identities<'a> {
    /// Distinct identities, sorted, so concurrent writers lock index
    /// entries in one order.
    distinct: Vec<Identity<'a>>,
    /// For each case, its index in `distinct`.
    of_case: Vec<usize>,
}

impl<'a> Identities<'a> {
    /// The identities of `cases` (an empty id is computed as the SQLite
    /// history does, [`TestCase::compute_id`]).
    fn of(cases: &'a [TestCase]) -> Identities<'a> {
        let keyed: Vec<_> = cases
            .iter()
            .map(|c| {
                let id = if c.id.is_empty() {
                    TestCase::compute_id(&c.suite, &c.classname, &c.name, c.file.as_deref())
                } else {
                    c.id.clone()
                };
                (
                    test_key(&id),
                    id,
                    c.name.as_str(),
                    c.classname.as_str(),
                    c.suite.as_str(),
                    c.file.as_deref(),
                )
            })
            .collect();
        let mut distinct = keyed.clone();
        distinct.sort();
        distinct.dedup();
        let index: HashMap<_, usize> = distinct
            .iter()
            .enumerate()
            .map(|(i, identity)| (identity.clone(), i))
            .collect();
        let of_case = keyed.iter().map(|k| index[k]).collect();
        Identities { distinct, of_case }
    }

    /// Adds the identities not stored yet and returns the row id of each
    /// of `distinct`, in order.
    fn store(&self, tx: &mut Transaction<'_>) -> Result<Vec<i64>, postgres::Error> {
        let mut refs = vec![0_i64; self.distinct.len()];
        for (chunk_no, chunk) in self.distinct.chunks(CHUNK_ROWS).enumerate() {
            let keys: Vec<i64> = chunk.iter().map(|t| t.0).collect();
            let ids: Vec<&str> = chunk.iter().map(|t| t.1.as_str()).collect();
            let names: Vec<&str> = chunk.iter().map(|t| t.2).collect();
            let classnames: Vec<&str> = chunk.iter().map(|t| t.3).collect();
            let suites: Vec<&str> = chunk.iter().map(|t| t.4).collect();
            let files: Vec<Option<&str>> = chunk.iter().map(|t| t.5).collect();
            let params: [&(dyn ToSql + Sync); 6] =
                [&keys, &ids, &names, &classnames, &suites, &files];
            tx.execute(
                "INSERT INTO tests (test_key, test_id, name, classname, suite, file) \
                 SELECT k, i, n, c, s, f FROM unnest($1::int8[], $2::text[], $3::text[], \
                   $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(k, i, n, c, s, f, o) \
                 ORDER BY o ON CONFLICT DO NOTHING",
                &params,
            )?;
            let rows = tx.query(
                "SELECT u.o, t.id FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], \
                   $5::text[], $6::text[]) WITH ORDINALITY AS u(k, i, n, c, s, f, o) \
                 JOIN tests t ON t.test_key = u.k AND t.test_id = u.i AND t.name = u.n \
                   AND t.classname = u.c AND t.suite = u.s AND coalesce(t.file, '') = \
                   coalesce(u.f, '') AND (t.file IS NULL) = (u.f IS NULL)",
                &params,
            )?;
            for row in rows {
                let ordinal: i64 = row.get(0);
                refs[chunk_no * CHUNK_ROWS + ordinal as usize - 1] = row.get(1);
            }
        }
        Ok(refs)
    }
}

/// `INSERT` of a run row that resets an existing row with the same key.
static UPSERT_RUN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let columns: Vec<&str> = RUN_COLUMNS.split(',').map(str::trim).collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != "run_key")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let values: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO test_runs ({RUN_COLUMNS}) VALUES ({}) \
         ON CONFLICT (run_key) DO UPDATE SET {} RETURNING id",
        values.join(", "),
        updates.join(", ")
    )
});
