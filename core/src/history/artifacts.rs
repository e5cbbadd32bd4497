//! Artifacts in the history: stored with their metadata ([`ArtifactMetadata`])
//! when attached, found again by run, type, labels, metadata, indexed JSON
//! values, name and time ([`ArtifactQuery`]), and their indexed values
//! extracted as metrics ([`History::artifact_metrics`]).
//!
//! Every condition is answered from an index: labels, metadata and JSON
//! values from their side tables (schema version 4), type and time from
//! `artifacts_type` / `artifacts_created`.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::History;
use super::runs::run_id_of;
use super::store::db_error;
use crate::analysis::trends::TrendPoint;
use crate::artifact::ArtifactMetadata;
use crate::error::{Error, Result};
use crate::model::normalize_branch;
use crate::time;

/// A condition on an indexed JSON value: the number at `path` lies in
/// `[min, max]` (either bound may be open; both equal means "equals").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueCondition {
    /// Dotted path, as in the content index (`metrics.throughput`).
    pub path: String,
    /// Smallest value accepted (inclusive).
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest value accepted (inclusive).
    #[serde(default)]
    pub max: Option<f64>,
}

impl ValueCondition {
    /// Parses `PATH=N`, `PATH>=N`, `PATH<=N`, `PATH=A..B` (a range,
    /// inclusive). Errors: `InvalidArgument` naming the expression.
    pub fn parse(expr: &str) -> Result<ValueCondition> {
        let bad = || {
            Error::invalid(format!(
                "value condition {expr:?}: expected PATH=N, PATH>=N, PATH<=N or PATH=A..B"
            ))
        };
        let num = |s: &str| s.trim().parse::<f64>().map_err(|_| bad());
        let (path, min, max) = if let Some((p, v)) = expr.split_once(">=") {
            (p, Some(num(v)?), None)
        } else if let Some((p, v)) = expr.split_once("<=") {
            (p, None, Some(num(v)?))
        } else if let Some((p, v)) = expr.split_once('=') {
            match v.split_once("..") {
                Some((a, b)) => (
                    p,
                    (!a.trim().is_empty()).then(|| num(a)).transpose()?,
                    (!b.trim().is_empty()).then(|| num(b)).transpose()?,
                ),
                None => {
                    let n = num(v)?;
                    (p, Some(n), Some(n))
                }
            }
        } else {
            return Err(bad());
        };
        if path.trim().is_empty() {
            return Err(bad());
        }
        Ok(ValueCondition {
            path: path.trim().to_string(),
            min,
            max,
        })
    }
}

/// Which artifacts [`History::find_artifacts`] returns; every field is
/// optional and all given ones must hold. Results are newest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArtifactQuery {
    /// Only this run's artifacts.
    pub run_key: Option<String>,
    /// Only this semantic type.
    #[serde(rename = "type")]
    pub semantic_type: Option<String>,
    /// Only artifacts with all of these labels.
    pub labels: Vec<String>,
    /// Only artifacts with all of these metadata key/values.
    pub metadata: BTreeMap<String, String>,
    /// Only artifacts whose indexed JSON values meet all of these.
    pub values: Vec<ValueCondition>,
    /// Only names matching this pattern (SQLite `GLOB`: `*`, `?`, `[...]`,
    /// case-sensitive).
    pub name: Option<String>,
    /// Only runs on this branch (normalised).
    pub branch: Option<String>,
    /// Only artifacts attached from this time on (Unix ms, inclusive).
    pub since_ms: Option<i64>,
    /// Only artifacts attached before this time (Unix ms, exclusive).
    pub until_ms: Option<i64>,
    /// At most this many (the newest).
    pub limit: Option<usize>,
}

/// One value of one artifact, as a metric: the table
/// [`History::artifact_metrics`] returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactMetricRow {
    /// The run of the artifact.
    pub run_key: String,
    /// When the artifact was attached (Unix ms).
    pub recorded_at_ms: i64,
    /// The metric: the dotted path of the value.
    pub metric: String,
    /// The value.
    pub value: f64,
    /// The artifact's name.
    pub artifact: String,
    /// Branch of the run.
    pub branch: Option<String>,
}

impl ArtifactMetricRow {
    /// The row as a point for [`trends::analyze`](crate::analysis::trends::analyze),
    /// grouped under `group`.
    pub fn trend_point(&self, group: &str) -> TrendPoint {
        TrendPoint {
            recorded_at_ms: self.recorded_at_ms,
            value: self.value,
            group: group.to_string(),
            run_key: self.run_key.clone(),
        }
    }
}

const SELECT: &str = "SELECT a.name, a.path, r.run_key, r.provider, a.size, a.sha256, \
     a.content_type, a.semantic_type, a.labels, a.metadata, a.created_at, a.content_index \
     FROM artifacts a JOIN test_runs r ON r.id = a.run_id";

fn read_row(row: &Row<'_>) -> rusqlite::Result<ArtifactMetadata> {
    let json = |i: usize| -> rusqlite::Result<Option<String>> { row.get(i) };
    Ok(ArtifactMetadata {
        name: row.get(0)?,
        path: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
        run_key: row.get(2)?,
        provider: row.get(3)?,
        size: row.get::<_, Option<i64>>(4)?.unwrap_or(0) as u64,
        sha256: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
        content_type: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
        semantic_type: row.get(7)?,
        labels: json(8)?
            .and_then(|l| serde_json::from_str::<BTreeSet<String>>(&l).ok())
            .unwrap_or_default(),
        metadata: json(9)?
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default(),
        created_at: row.get(10)?,
        values: json(11)?
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default(),
    })
}

/// `None` for an empty collection, else its compact JSON.
fn json_or_null<T: Serialize>(value: &T, empty: bool) -> Result<Option<String>> {
    Ok(if empty {
        None
    } else {
        Some(serde_json::to_string(value)?)
    })
}

impl History {
    /// Stores an artifact row for the run `run_key`, with its labels,
    /// metadata and content index; `created_at` is now when the artifact
    /// has none.
    ///
    /// Errors: `NotFound` for an unknown run; `Database`.
    pub fn record_artifact(&mut self, run_key: &str, artifact: &ArtifactMetadata) -> Result<()> {
        self.record_artifacts(run_key, std::slice::from_ref(artifact))
    }

    /// [`record_artifact`](Self::record_artifact) for many, in one
    /// transaction (all or none are stored).
    ///
    /// Errors: `NotFound` for an unknown run; `Database`.
    pub fn record_artifacts(
        &mut self,
        run_key: &str,
        artifacts: &[ArtifactMetadata],
    ) -> Result<()> {
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        let now = time::now_unix_ms();
        let path = self.path().to_path_buf();
        let err = |e| db_error(&path, "storing an artifact", e);
        self.write_tx("storing artifacts", |tx| {
            for artifact in artifacts {
        let labels = json_or_null(&artifact.labels, artifact.labels.is_empty())?;
        let metadata = json_or_null(&artifact.metadata, artifact.metadata.is_empty())?;
        let index = json_or_null(&artifact.values, artifact.values.is_empty())?;
        let created_at = if artifact.created_at > 0 {
            artifact.created_at
        } else {
            now
        };
            tx.execute(
                "INSERT INTO artifacts (run_id, name, path, size, sha256, content_type, labels,
                     created_at, semantic_type, metadata, content_index)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    run_id,
                    artifact.name,
                    artifact.path,
                    artifact.size as i64,
                    artifact.sha256,
                    artifact.content_type,
                    labels,
                    created_at,
                    artifact.semantic_type,
                    metadata,
                    index
                ],
            )
            .map_err(err)?;
            let id = tx.last_insert_rowid();
            let mut stmt = tx
                .prepare_cached("INSERT INTO artifact_labels (artifact_id, label) VALUES (?1, ?2)")
                .map_err(err)?;
            for label in &artifact.labels {
                stmt.execute(params![id, label]).map_err(err)?;
            }
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO artifact_metadata (artifact_id, key, value) VALUES (?1, ?2, ?3)",
                )
                .map_err(err)?;
            for (k, v) in &artifact.metadata {
                stmt.execute(params![id, k, v]).map_err(err)?;
            }
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO artifact_values (artifact_id, path, value) VALUES (?1, ?2, ?3)",
                )
                .map_err(err)?;
            for (k, v) in &artifact.values {
                stmt.execute(params![id, k, v]).map_err(err)?;
            }
            }
            Ok(())
        })
    }

    /// The artifacts of `run_key`, in the order attached.
    ///
    /// Errors: `NotFound` for an unknown run; `Database`.
    pub fn run_artifacts(&self, run_key: &str) -> Result<Vec<ArtifactMetadata>> {
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{SELECT} WHERE a.run_id = ?1 ORDER BY a.id"))
            .map_err(|e| self.db_error("reading artifacts", e))?;
        let rows = stmt
            .query_map([run_id], read_row)
            .map_err(|e| self.db_error("reading artifacts", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error("reading artifacts", e))
    }

    /// The artifacts that `query` selects, newest first (attach time, then
    /// insertion order).
    ///
    /// Errors: `Database`.
    pub fn find_artifacts(&self, query: &ArtifactQuery) -> Result<Vec<ArtifactMetadata>> {
        let (filter, params) = where_clause(query);
        let limit = query.limit.map_or(-1, |l| l as i64);
        let sql = format!("{SELECT} {filter} ORDER BY a.created_at DESC, a.id DESC LIMIT {limit}");
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(|e| self.db_error("finding artifacts", e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), read_row)
            .map_err(|e| self.db_error("finding artifacts", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error("finding artifacts", e))
    }

    /// How many artifacts `query` selects, per semantic type (`limit` is
    /// ignored).
    ///
    /// Errors: `Database`.
    pub fn count_artifacts_by_type(&self, query: &ArtifactQuery) -> Result<BTreeMap<String, u64>> {
        let (filter, params) = where_clause(query);
        let sql = format!(
            "SELECT a.semantic_type, count(*) FROM artifacts a JOIN test_runs r ON r.id = a.run_id \
             {filter} GROUP BY a.semantic_type"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(|e| self.db_error("counting artifacts", e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64))
            })
            .map_err(|e| self.db_error("counting artifacts", e))?;
        rows.collect::<rusqlite::Result<BTreeMap<_, _>>>()
            .map_err(|e| self.db_error("counting artifacts", e))
    }

    /// The newest artifact of `semantic_type` (on `branch`, when given).
    ///
    /// Errors: `Database`.
    pub fn latest_artifact(
        &self,
        semantic_type: &str,
        branch: Option<&str>,
    ) -> Result<Option<ArtifactMetadata>> {
        let query = ArtifactQuery {
            semantic_type: Some(semantic_type.to_string()),
            branch: branch.map(str::to_string),
            limit: Some(1),
            ..ArtifactQuery::default()
        };
        Ok(self.find_artifacts(&query)?.into_iter().next())
    }

    /// The newest artifact of `semantic_type` on each branch, by branch
    /// name (runs without a branch are left out).
    ///
    /// Errors: `Database`.
    pub fn latest_artifact_per_branch(
        &self,
        semantic_type: &str,
    ) -> Result<BTreeMap<String, ArtifactMetadata>> {
        let sql = format!(
            "{SELECT} WHERE a.id IN (SELECT (SELECT a2.id FROM artifacts a2 \
                 JOIN test_runs r2 ON r2.id = a2.run_id \
                 WHERE a2.semantic_type = ?1 AND r2.branch = b.branch \
                 ORDER BY a2.created_at DESC, a2.id DESC LIMIT 1) \
               FROM (SELECT DISTINCT r3.branch FROM artifacts a3 JOIN test_runs r3 \
                     ON r3.id = a3.run_id WHERE a3.semantic_type = ?1 \
                     AND r3.branch IS NOT NULL) b)"
        );
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(|e| self.db_error("finding the latest artifacts", e))?;
        let mut stmt_rows = stmt
            .query([semantic_type])
            .map_err(|e| self.db_error("finding the latest artifacts", e))?;
        let mut out = BTreeMap::new();
        while let Some(row) = stmt_rows
            .next()
            .map_err(|e| self.db_error("finding the latest artifacts", e))?
        {
            let artifact =
                read_row(row).map_err(|e| self.db_error("finding the latest artifacts", e))?;
            let branch = self
                .conn
                .query_row(
                    "SELECT branch FROM test_runs WHERE run_key = ?1",
                    [&artifact.run_key],
                    |r| r.get::<_, Option<String>>(0),
                )
                .map_err(|e| self.db_error("finding the latest artifacts", e))?;
            if let Some(branch) = branch {
                out.insert(branch, artifact);
            }
        }
        Ok(out)
    }

    /// The indexed values at `metrics` (dotted paths) of the artifacts
    /// `query` selects: one row per artifact and metric found, oldest
    /// first, ready for [`trends`](crate::analysis::trends)
    /// ([`ArtifactMetricRow::trend_point`]). Reads only the history.
    ///
    /// Errors: `Database`.
    pub fn artifact_metrics(
        &self,
        query: &ArtifactQuery,
        metrics: &[String],
    ) -> Result<Vec<ArtifactMetricRow>> {
        if metrics.is_empty() {
            return Ok(Vec::new());
        }
        let (filter, mut params) = where_clause(query);
        let marks = vec!["?"; metrics.len()].join(", ");
        let filter = if filter.is_empty() {
            "WHERE 1".to_string()
        } else {
            filter
        };
        let inner_limit = query.limit.map_or(-1, |l| l as i64);
        let sql = format!(
            "SELECT r.run_key, a.created_at, v.path, v.value, a.name, r.branch \
             FROM artifact_values v JOIN artifacts a ON a.id = v.artifact_id \
             JOIN test_runs r ON r.id = a.run_id \
             WHERE a.id IN (SELECT a.id FROM artifacts a JOIN test_runs r ON r.id = a.run_id \
                 {filter} ORDER BY a.created_at DESC, a.id DESC LIMIT {inner_limit}) \
             AND v.path IN ({marks}) ORDER BY a.created_at, a.id, v.path"
        );
        params.extend(metrics.iter().map(|m| SqlValue::Text(m.clone())));
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(|e| self.db_error("extracting artifact metrics", e))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                Ok(ArtifactMetricRow {
                    run_key: row.get(0)?,
                    recorded_at_ms: row.get(1)?,
                    metric: row.get(2)?,
                    value: row.get(3)?,
                    artifact: row.get(4)?,
                    branch: row.get(5)?,
                })
            })
            .map_err(|e| self.db_error("extracting artifact metrics", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error("extracting artifact metrics", e))
    }
}

/// The `WHERE` clause (empty when there is no condition) and its
/// parameters for `query`, over `artifacts a JOIN test_runs r`.
fn where_clause(query: &ArtifactQuery) -> (String, Vec<SqlValue>) {
    let mut conds: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let mut push = |cond: &str, values: Vec<SqlValue>| {
        conds.push(cond.to_string());
        params.extend(values);
    };
    let text = |s: &str| SqlValue::Text(s.to_string());
    if let Some(run) = &query.run_key {
        push(
            "a.run_id = (SELECT id FROM test_runs WHERE run_key = ?)",
            vec![text(run)],
        );
    }
    if let Some(t) = &query.semantic_type {
        push("a.semantic_type = ?", vec![text(t)]);
    }
    // Side-table conditions: the first (values, usually the most
    // selective, then labels, then metadata) drives the lookup as `IN`;
    // the others are checked per candidate through their primary key
    // (`EXISTS`), so no large set is built for an unselective one.
    let mut side: Vec<(&str, Vec<SqlValue>)> = Vec::new();
    for c in &query.values {
        side.push((
            "artifact_values s WHERE s.path = ? AND s.value >= ? AND s.value <= ?",
            vec![
                text(&c.path),
                SqlValue::Real(c.min.unwrap_or(f64::MIN)),
                SqlValue::Real(c.max.unwrap_or(f64::MAX)),
            ],
        ));
    }
    for label in &query.labels {
        side.push(("artifact_labels s WHERE s.label = ?", vec![text(label)]));
    }
    for (k, v) in &query.metadata {
        side.push((
            "artifact_metadata s WHERE s.key = ? AND s.value = ?",
            vec![text(k), text(v)],
        ));
    }
    for (i, (from, values)) in side.into_iter().enumerate() {
        let cond = if i == 0 {
            format!("a.id IN (SELECT s.artifact_id FROM {from})")
        } else {
            format!("EXISTS (SELECT 1 FROM {from} AND s.artifact_id = a.id)")
        };
        push(&cond, values);
    }
    if let Some(glob) = &query.name {
        push("a.name GLOB ?", vec![text(glob)]);
    }
    if let Some(branch) = &query.branch {
        push("r.branch = ?", vec![text(&normalize_branch(branch))]);
    }
    if let Some(since) = query.since_ms {
        push("a.created_at >= ?", vec![SqlValue::Integer(since)]);
    }
    if let Some(until) = query.until_ms {
        push("a.created_at < ?", vec![SqlValue::Integer(until)]);
    }
    if conds.is_empty() {
        (String::new(), params)
    } else {
        (format!("WHERE {}", conds.join(" AND ")), params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_conditions_parse() {
        let c = ValueCondition::parse("metrics.p95=10..20").unwrap();
        assert_eq!((c.min, c.max), (Some(10.0), Some(20.0)));
        let c = ValueCondition::parse("x>=3").unwrap();
        assert_eq!((c.path.as_str(), c.min, c.max), ("x", Some(3.0), None));
        let c = ValueCondition::parse("x=..4").unwrap();
        assert_eq!((c.min, c.max), (None, Some(4.0)));
        let c = ValueCondition::parse("x=5").unwrap();
        assert_eq!((c.min, c.max), (Some(5.0), Some(5.0)));
        assert!(ValueCondition::parse("x~5").is_err());
        assert!(ValueCondition::parse("=5").is_err());
        assert!(ValueCondition::parse("x=abc").is_err());
    }
}
