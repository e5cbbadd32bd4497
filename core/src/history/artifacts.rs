//! Artifacts attached to a run: what the file was (size, SHA-256, content
//! type, labels) when it was attached, kept in the history beside the run.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::History;
use super::runs::run_id_of;
use super::store::db_error;
use crate::error::{Error, Result};
use crate::time;

/// One attached file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    /// Name it is uploaded under (the file name).
    pub name: String,
    /// Where it was on disk when attached.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// MIME type guessed from the extension.
    pub content_type: String,
    /// Caller-given labels (e.g. `kind=screenshot`).
    pub labels: BTreeMap<String, String>,
}

impl ArtifactRecord {
    /// Reads `path` once to measure it and hash it.
    ///
    /// Errors: `NotFound` or `Io` naming the file.
    pub fn from_file(path: &Path, labels: BTreeMap<String, String>) -> Result<ArtifactRecord> {
        let mut file =
            std::fs::File::open(path).map_err(|e| Error::io("opening artifact", path, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| Error::io("reading artifact", path, e))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            hasher.update(&buf[..n]);
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "artifact {} has no UTF-8 file name",
                    path.display()
                ))
            })?
            .to_string();
        Ok(ArtifactRecord {
            content_type: content_type(&name).to_string(),
            name,
            path: path.display().to_string(),
            size,
            sha256,
            labels,
        })
    }
}

/// The MIME type for a file name's extension (`application/octet-stream`
/// when unknown).
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        Some("html" | "htm") => "text/html",
        Some("txt" | "log") => "text/plain",
        Some("md") => "text/markdown",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv",
        Some("zip") => "application/zip",
        Some("gz" | "tgz") => "application/gzip",
        Some("webm") => "video/webm",
        Some("mp4") => "video/mp4",
        _ => "application/octet-stream",
    }
}

impl History {
    /// Stores an artifact row for the run `run_key`.
    ///
    /// Errors: `NotFound` for an unknown run; `Database`.
    pub fn record_artifact(&mut self, run_key: &str, artifact: &ArtifactRecord) -> Result<()> {
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        let labels = serde_json::to_string(&artifact.labels)?;
        let path = self.path().to_path_buf();
        self.write_tx("storing an artifact", |tx| {
            tx.execute(
                "INSERT INTO artifacts (run_id, name, path, size, sha256, content_type, labels, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    run_id,
                    artifact.name,
                    artifact.path,
                    artifact.size as i64,
                    artifact.sha256,
                    artifact.content_type,
                    labels,
                    time::now_unix_ms()
                ],
            )
            .map_err(|e| db_error(&path, "storing an artifact", e))?;
            Ok(())
        })
    }

    /// The artifacts of `run_key`, in the order attached.
    ///
    /// Errors: `NotFound` for an unknown run; `Database`.
    pub fn run_artifacts(&self, run_key: &str) -> Result<Vec<ArtifactRecord>> {
        let run_id = run_id_of(&self.conn, self.path(), run_key)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, path, size, sha256, content_type, labels FROM artifacts
                 WHERE run_id = ?1 ORDER BY id",
            )
            .map_err(|e| self.db_error("reading artifacts", e))?;
        let rows = stmt
            .query_map([run_id], |row| {
                let labels: Option<String> = row.get(5)?;
                Ok(ArtifactRecord {
                    name: row.get(0)?,
                    path: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    size: row.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                    sha256: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    content_type: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    labels: labels
                        .and_then(|l| serde_json::from_str(&l).ok())
                        .unwrap_or_default(),
                })
            })
            .map_err(|e| self.db_error("reading artifacts", e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.db_error("reading artifacts", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_sizes_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shot.PNG");
        std::fs::write(&path, b"abc").unwrap();
        let labels = BTreeMap::from([("kind".to_string(), "screenshot".to_string())]);
        let a = ArtifactRecord::from_file(&path, labels.clone()).unwrap();
        assert_eq!(a.size, 3);
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(a.content_type, "image/png");
        assert_eq!(a.name, "shot.PNG");
        assert_eq!(content_type("trace"), "application/octet-stream");
        let err = ArtifactRecord::from_file(&dir.path().join("nope"), labels).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::NotFound);
    }
}
