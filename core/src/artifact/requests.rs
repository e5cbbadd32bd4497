//! The artifact calls of the C and Node bindings, as JSON-shaped requests
//! (like [`crate::history::TrendsQuery`]): find, get (retrieve) and
//! compare. Each binding parses the JSON into these and calls `run`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::cache::{ArtifactCache, CachePolicy};
use super::compare::{Comparison, compare_files};
use super::retrieve::{Retriever, Source};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::history::{ArtifactQuery, History};

/// Which cache a retrieval uses, and the configuration that gives the
/// providers their endpoints and tokens (default: none, `{}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetrievalSettings {
    /// The cache directory.
    pub cache_dir: PathBuf,
    /// Its caps (default: 1 GiB, 30 days).
    #[serde(default)]
    pub cache: Option<CachePolicy>,
    /// The configuration, read as `testrelay.json` and `tr_reporter_new`
    /// read it ([`Config::from_json_value`]: the guide's names too).
    #[serde(default, deserialize_with = "Config::deserialize_optional")]
    pub config: Option<Config>,
}

impl RetrievalSettings {
    fn retriever(&self) -> Result<Retriever> {
        let cache = ArtifactCache::open(&self.cache_dir, self.cache.unwrap_or_default())?;
        Ok(Retriever::new(
            cache,
            self.config.clone().unwrap_or_default(),
        ))
    }
}

/// `tr_artifact_get` / `History.artifactGet`: fetch artifacts of a run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetRequest {
    /// The run.
    pub run_key: String,
    /// The artifacts' names (empty: all of the run's).
    #[serde(default)]
    pub names: Vec<String>,
    /// At most this many downloads at once (default 4).
    #[serde(default)]
    pub parallel: Option<usize>,
    /// Cache and configuration.
    #[serde(flatten)]
    pub settings: RetrievalSettings,
}

/// One artifact's outcome in a [`GetRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GetResult {
    /// The artifact's name.
    pub name: String,
    /// A verified file with its content (when fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// Where it came from (when fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Why not (when not fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The error's kind (`unsupported`, `not_found`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
}

impl GetRequest {
    /// Fetches the artifacts; one result each, in the order asked.
    ///
    /// Errors (whole request): `NotFound` for an unknown run or name;
    /// `Io` for the cache directory; `Database`.
    pub fn run(&self, history: &History) -> Result<Vec<GetResult>> {
        let all = history.run_artifacts(&self.run_key)?;
        let wanted = if self.names.is_empty() {
            all
        } else {
            self.names
                .iter()
                .map(|n| {
                    all.iter().find(|a| a.name == *n).cloned().ok_or_else(|| {
                        Error::new(
                            ErrorKind::NotFound,
                            format!("run {:?} has no artifact named {n:?}", self.run_key),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?
        };
        let results = self.settings.retriever()?.retrieve_batch(
            history,
            &wanted,
            self.parallel.unwrap_or(4),
        )?;
        Ok(wanted
            .iter()
            .zip(results)
            .map(|(a, r)| match r {
                Ok(got) => GetResult {
                    name: a.name.clone(),
                    path: Some(got.path),
                    source: Some(got.source),
                    error: None,
                    kind: None,
                },
                Err(e) => GetResult {
                    name: a.name.clone(),
                    path: None,
                    source: None,
                    error: Some(e.message().to_string()),
                    kind: Some(e.kind()),
                },
            })
            .collect())
    }
}

/// One side of a [`CompareRequest`]: a file (`path`), or an artifact of
/// the history (`run_key` and `name`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactSide {
    /// A file on disk.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// The run of a stored artifact.
    #[serde(default)]
    pub run_key: Option<String>,
    /// The stored artifact's name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `tr_artifacts_compare` / `History.artifactsCompare`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// The first (baseline).
    pub a: ArtifactSide,
    /// The second.
    pub b: ArtifactSide,
    /// When given, stored artifacts whose file changed or went are
    /// retrieved (cache, provider); else they must be on disk as recorded.
    #[serde(default)]
    pub retrieve: Option<RetrievalSettings>,
}

/// The answer to a [`CompareRequest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareResult {
    /// The comparison.
    pub comparison: Comparison,
    /// The same as Markdown for a PR comment.
    pub markdown: String,
}

impl CompareRequest {
    /// Compares the two sides.
    ///
    /// Errors: `InvalidArgument` for a side with neither a path nor a
    /// run and name; `NotFound` for what cannot be found or fetched (the
    /// message says why); `Io`; `Database`.
    pub fn run(&self, history: &History) -> Result<CompareResult> {
        let retriever = self
            .retrieve
            .as_ref()
            .map(RetrievalSettings::retriever)
            .transpose()?;
        let (pa, na) = resolve(&self.a, history, retriever.as_ref())?;
        let (pb, nb) = resolve(&self.b, history, retriever.as_ref())?;
        let comparison = compare_files(&pa, &na, &pb, &nb)?;
        let markdown = crate::report::markdown::render_artifact_comparison(&comparison);
        Ok(CompareResult {
            comparison,
            markdown,
        })
    }
}

fn resolve(
    side: &ArtifactSide,
    history: &History,
    retriever: Option<&Retriever>,
) -> Result<(PathBuf, String)> {
    match (&side.path, &side.run_key, &side.name) {
        (Some(path), None, None) => Ok((path.clone(), path.display().to_string())),
        (None, Some(run), Some(name)) => {
            let artifact = history
                .find_artifacts(&ArtifactQuery {
                    run_key: Some(run.clone()),
                    ..ArtifactQuery::default()
                })?
                .into_iter()
                .find(|a| a.name == *name)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::NotFound,
                        format!("run {run:?} has no artifact named {name:?}"),
                    )
                })?;
            let label = format!("{run}:{name}");
            if let Some(r) = retriever {
                return Ok((r.retrieve(history, &artifact)?.path, label));
            }
            let v = artifact.validate()?;
            if !v.is_valid() {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("{label}: the recorded file {} is {v}", artifact.path),
                ));
            }
            Ok((PathBuf::from(&artifact.path), label))
        }
        _ => Err(Error::invalid(
            "each side of a comparison is {\"path\": …} or {\"run_key\": …, \"name\": …}",
        )),
    }
}

/// `tr_artifacts_find` / `History.artifactsFind`: the query as JSON
/// ([`ArtifactQuery`]'s fields; `type` for the semantic type), newest
/// first.
///
/// Errors: `Parse` for malformed JSON or an unknown key; `Database`.
pub fn find_json(
    history: &History,
    query_json: Option<&str>,
) -> Result<Vec<super::ArtifactMetadata>> {
    let query: ArtifactQuery = match query_json {
        Some(json) => serde_json::from_str(json)
            .map_err(|e| Error::new(ErrorKind::Parse, format!("invalid artifacts query: {e}")))?,
        None => ArtifactQuery::default(),
    };
    history.find_artifacts(&query)
}
