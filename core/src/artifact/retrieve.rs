//! Fetching an artifact's content: from where it was attached when the
//! file is still there as recorded, else from the [cache](super::cache),
//! else from the store of the provider the run reported to (GitHub: the
//! run's release asset; Jenkins, CircleCI, TeamCity: what the job stored). A provider without a store answers
//! `Unsupported`, and the error says so. Whatever comes from a provider is
//! streamed into a temporary file of the cache, hashed as it arrives, and
//! becomes a cache entry only when it has the recorded SHA-256 (memory
//! stays bounded whatever the size; the cache's size cap bounds a
//! download).
//!
//! [`Retriever::retrieve_batch`] fetches many on a pool of threads, each
//! with its own result.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ArtifactMetadata;
use super::cache::ArtifactCache;
use crate::config::Config;
use crate::detect::{Env, detect};
use crate::error::{Error, ErrorKind, Result};
use crate::history::{History, RunSummary};
use crate::pool::ThreadPool;
use crate::provider::Registry;

/// Where a retrieved artifact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The file it was attached from, unchanged.
    Local,
    /// The cache.
    Cache,
    /// The provider's store (now also in the cache).
    Provider,
}

/// A retrieved artifact: a verified file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retrieved {
    /// What the history recorded.
    pub artifact: ArtifactMetadata,
    /// A file with exactly that content (in the cache, or where it was
    /// attached). Read it, do not change it.
    pub path: PathBuf,
    /// Where it came from.
    pub source: Source,
}

/// Fetches artifacts, through a cache, with the configuration and
/// environment that give each provider its endpoint and token.
#[derive(Clone)]
pub struct Retriever {
    cache: ArtifactCache,
    config: Config,
    env: Env,
    registry: Arc<Registry>,
}

impl Retriever {
    /// A retriever using `cache`, `config` and the process environment.
    pub fn new(cache: ArtifactCache, config: Config) -> Retriever {
        Self::with_env(cache, config, Env::from_process())
    }

    /// The same with an explicit environment (tests; a harness that keeps
    /// tokens out of the process environment).
    pub fn with_env(cache: ArtifactCache, config: Config, env: Env) -> Retriever {
        Retriever {
            cache,
            config,
            env,
            registry: Arc::new(Registry::with_builtins()),
        }
    }

    /// The cache in use.
    pub fn cache(&self) -> &ArtifactCache {
        &self.cache
    }

    /// Fetches `artifact` (as the history returned it).
    ///
    /// Errors: `NotFound` when no source has it (the message says what
    /// each source answered); `Unsupported` when the file is gone and the
    /// run's provider has no store; the provider's kinds; `Io`.
    pub fn retrieve(&self, history: &History, artifact: &ArtifactMetadata) -> Result<Retrieved> {
        let stored = history.find_run(&artifact.run_key)?;
        self.fetch(artifact, stored.as_ref())
    }

    /// Fetches each of `artifacts` on a pool of at most `parallelism`
    /// threads; result `i` is for artifact `i`, and one failure does not
    /// fail the others. Waits at most the configured `finish_secs` for
    /// provider downloads (a download still running then is a `Timeout`).
    ///
    /// Errors (whole batch): `Database` when the runs cannot be read;
    /// `Internal` when no thread can be started.
    pub fn retrieve_batch(
        &self,
        history: &History,
        artifacts: &[ArtifactMetadata],
        parallelism: usize,
    ) -> Result<Vec<Result<Retrieved>>> {
        let mut runs: std::collections::HashMap<String, Option<RunSummary>> =
            std::collections::HashMap::new();
        for a in artifacts {
            if !runs.contains_key(&a.run_key) {
                runs.insert(a.run_key.clone(), history.find_run(&a.run_key)?);
            }
        }
        let threads = parallelism.clamp(1, 16).min(artifacts.len().max(1));
        let pool = ThreadPool::new("testrelay-artifacts", threads)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        for (i, a) in artifacts.iter().enumerate() {
            let (me, a, run, tx) = (
                self.clone(),
                a.clone(),
                runs.get(&a.run_key).cloned().flatten(),
                tx.clone(),
            );
            pool.execute(move || {
                let _ = tx.send((i, me.fetch(&a, run.as_ref())));
            })?;
        }
        drop(tx);
        let mut results: Vec<Option<Result<Retrieved>>> = std::iter::repeat_with(|| None)
            .take(artifacts.len())
            .collect();
        let deadline = std::time::Instant::now()
            + Duration::from_secs(self.config.timeouts.finish_secs.saturating_add(5));
        while results.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok((i, r)) => results[i] = Some(r),
                Err(_) => break,
            }
        }
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(Error::new(
                        ErrorKind::Timeout,
                        "the retrieval did not end within timeouts.finish_secs",
                    ))
                })
            })
            .collect())
    }

    /// Local file, then cache, then provider.
    fn fetch(&self, artifact: &ArtifactMetadata, run: Option<&RunSummary>) -> Result<Retrieved> {
        let found = |path: PathBuf, source: Source| Retrieved {
            artifact: artifact.clone(),
            path,
            source,
        };
        let local = if artifact.path.is_empty() {
            None
        } else {
            Some(artifact.validate()?)
        };
        if local.as_ref().is_some_and(|v| v.is_valid()) {
            return Ok(found(PathBuf::from(&artifact.path), Source::Local));
        }
        if let Some(path) = self.cache.get(&artifact.sha256)? {
            return Ok(found(path, Source::Cache));
        }
        let local_state = match &local {
            Some(v) => format!("{} is {v}", artifact.path),
            None => "no local path was recorded".to_string(),
        };
        let Some(run) = run else {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "artifact {:?}: {local_state}, it is not cached, and run {:?} is not in the history",
                    artifact.name, artifact.run_key
                ),
            ));
        };
        // Streamed into a temporary file of the cache, hashed as it comes;
        // it becomes the entry only when its hash is the recorded one.
        let path = self
            .cache
            .put_with(&artifact.sha256, |sink| {
                self.download(artifact, run, sink).map(|_| ())
            })
            .map_err(|e| {
                Error::new(
                    e.kind(),
                    format!(
                        "artifact {:?} of run {:?}: {local_state}, it is not cached, and the \
                         provider's copy was not used: {e}{}",
                        artifact.name,
                        artifact.run_key,
                        if e.message().contains("nothing was") {
                            ""
                        } else {
                            " (nothing was cached)"
                        }
                    ),
                )
            })?;
        Ok(found(path, Source::Provider))
    }

    fn download(
        &self,
        artifact: &ArtifactMetadata,
        run: &RunSummary,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let detection = detect(&self.env);
        let (provider, ctx, config) = crate::reporter::stored_run_provider(
            run,
            &self.config,
            &self.registry,
            &self.env,
            &detection,
        )?;
        let deadline =
            crate::http::Deadline::within(Duration::from_secs(config.timeouts.finish_secs));
        crate::http::with_deadline(deadline, || {
            provider.ci.download_artifact(&ctx, &artifact.name, sink)
        })
    }
}
