//! Artifacts: files kept beside a run (performance reports, logs,
//! screenshots, traces, coverage), described by [`ArtifactMetadata`].
//!
//! - [`kind`]: the semantic type, detected from name and content.
//! - [`index`]: the numeric leaves of a JSON artifact, stored for queries.
//! - [`compare`]: what changed between two artifacts.
//!
//! The history stores and finds them
//! ([`History::record_artifact`](crate::history::History::record_artifact),
//! [`History::find_artifacts`](crate::history::History::find_artifacts)).

pub mod cache;
pub mod compare;
pub mod index;
pub mod kind;
pub mod requests;
pub mod retrieve;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil;

pub use kind::TypeRule;

/// One artifact: what the file was when it was attached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactMetadata {
    /// Name it is stored and uploaded under (the file name).
    pub name: String,
    /// Where it was on disk when attached.
    pub path: String,
    /// The run it belongs to (empty until stored in or read from a history).
    #[serde(default)]
    pub run_key: String,
    /// The provider the run reported to (empty until read from a history).
    #[serde(default)]
    pub provider: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// MIME type guessed from the extension.
    pub content_type: String,
    /// Semantic type ([`kind`]: `performance_report`, `trace`, ...).
    #[serde(default)]
    pub semantic_type: String,
    /// Plain labels (`nightly`, `linux`).
    #[serde(default)]
    pub labels: BTreeSet<String>,
    /// Free key/value metadata (`kind=screenshot`, `browser=firefox`).
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// When it was attached, Unix milliseconds (0 until stored).
    #[serde(default)]
    pub created_at: i64,
    /// For JSON: numeric leaves by dotted path ([`index`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
}

/// What [`ArtifactMetadata::validate`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Validation {
    /// The file is there with the recorded size and hash.
    Valid,
    /// The file is gone.
    Missing,
    /// The size differs (the hash then differs too).
    SizeMismatch {
        /// Recorded size.
        expected: u64,
        /// Size now.
        actual: u64,
    },
    /// Same size, other content.
    HashMismatch {
        /// Recorded SHA-256.
        expected: String,
        /// SHA-256 now.
        actual: String,
    },
}

impl Validation {
    /// True for [`Validation::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Validation::Valid)
    }
}

impl std::fmt::Display for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validation::Valid => f.write_str("valid"),
            Validation::Missing => f.write_str("missing"),
            Validation::SizeMismatch { expected, actual } => {
                write!(f, "size mismatch: recorded {expected} bytes, now {actual}")
            }
            Validation::HashMismatch { expected, actual } => {
                write!(f, "hash mismatch: recorded sha256 {expected}, now {actual}")
            }
        }
    }
}

impl ArtifactMetadata {
    /// Reads `path` to measure, hash and type it (and, for JSON up to
    /// [`index::MAX_INDEXED_BYTES`], index its numeric leaves), with
    /// `metadata` as its key/value metadata and no labels. `rules` are the
    /// configured type rules ([`kind::detect`]).
    ///
    /// Errors: `NotFound` or `Io` naming the file; `InvalidArgument` when
    /// the file name is not UTF-8.
    pub fn from_file(
        path: &Path,
        metadata: BTreeMap<String, String>,
        rules: &[TypeRule],
    ) -> Result<ArtifactMetadata> {
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
        let digest = fsutil::hash_file(path)?;
        let head = read_head(path, kind::SNIFF_BYTES)?;
        let semantic_type = kind::detect(&name, &head, rules);
        let content_type = content_type(&name).to_string();
        let values = if is_json(&name, &head) && digest.size <= index::MAX_INDEXED_BYTES {
            let bytes = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
            index::numeric_leaves(&bytes)
        } else {
            BTreeMap::new()
        };
        Ok(ArtifactMetadata {
            name,
            path: path.display().to_string(),
            run_key: String::new(),
            provider: String::new(),
            size: digest.size,
            sha256: digest.sha256,
            content_type,
            semantic_type,
            labels: BTreeSet::new(),
            metadata,
            created_at: 0,
            values,
        })
    }

    /// The same, with plain labels.
    pub fn with_labels(mut self, labels: impl IntoIterator<Item = String>) -> ArtifactMetadata {
        self.labels.extend(labels);
        self
    }

    /// Whether the file at [`path`](Self::path) still is what was recorded:
    /// present, same size, same SHA-256. A mismatch names which.
    ///
    /// Errors: `Io` when the file exists but cannot be read.
    pub fn validate(&self) -> Result<Validation> {
        self.validate_file(Path::new(&self.path))
    }

    /// [`validate`](Self::validate) against another copy of the file.
    ///
    /// Errors: `Io` when the file exists but cannot be read.
    pub fn validate_file(&self, path: &Path) -> Result<Validation> {
        let digest = match fsutil::hash_file(path) {
            Ok(d) => d,
            Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(Validation::Missing),
            Err(e) => return Err(e),
        };
        Ok(if digest.size != self.size {
            Validation::SizeMismatch {
                expected: self.size,
                actual: digest.size,
            }
        } else if !digest.sha256.eq_ignore_ascii_case(&self.sha256) {
            Validation::HashMismatch {
                expected: self.sha256.clone(),
                actual: digest.sha256,
            }
        } else {
            Validation::Valid
        })
    }
}

/// The first `limit` bytes of a file (fewer when it is shorter).
pub(crate) fn read_head(path: &Path, limit: usize) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut head = Vec::with_capacity(limit);
    file.take(limit as u64)
        .read_to_end(&mut head)
        .map_err(|e| Error::io("reading", path, e))?;
    Ok(head)
}

fn is_json(name: &str, head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    name.to_ascii_lowercase().ends_with(".json") || t.starts_with('{') || t.starts_with('[')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_sizes_and_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shot.PNG");
        std::fs::write(&path, b"abc").unwrap();
        let meta = BTreeMap::from([("kind".to_string(), "screenshot".to_string())]);
        let a = ArtifactMetadata::from_file(&path, meta.clone(), &[]).unwrap();
        assert_eq!(a.size, 3);
        assert_eq!(
            a.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(a.content_type, "image/png");
        assert_eq!(a.name, "shot.PNG");
        assert_eq!(a.metadata, meta);
        assert_eq!(content_type("trace"), "application/octet-stream");
        let err = ArtifactMetadata::from_file(&dir.path().join("nope"), meta, &[]).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::NotFound);
    }

    #[test]
    fn validation_names_the_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perf.json");
        std::fs::write(&path, br#"{"ms": 10}"#).unwrap();
        let a = ArtifactMetadata::from_file(&path, BTreeMap::new(), &[]).unwrap();
        assert_eq!(a.values.get("ms"), Some(&10.0));
        assert_eq!(a.validate().unwrap(), Validation::Valid);
        std::fs::write(&path, br#"{"ms": 11}"#).unwrap();
        assert!(matches!(
            a.validate().unwrap(),
            Validation::HashMismatch { .. }
        ));
        std::fs::write(&path, br#"{"ms": 110}"#).unwrap();
        assert_eq!(
            a.validate().unwrap(),
            Validation::SizeMismatch {
                expected: 10,
                actual: 11
            }
        );
        std::fs::remove_file(&path).unwrap();
        assert_eq!(a.validate().unwrap(), Validation::Missing);
    }
}
