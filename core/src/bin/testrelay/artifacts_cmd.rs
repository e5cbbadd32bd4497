//! `testrelay artifacts`: list, find, show, validate and compare the
//! artifacts the history knows (see docs/artifacts.md). Each prints a
//! human listing by default and JSON with `--json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use testrelay::artifact::ArtifactMetadata;
use testrelay::artifact::cache::{ArtifactCache, CachePolicy};
use testrelay::artifact::compare::compare_files;
use testrelay::artifact::retrieve::Retriever;
use testrelay::history::{ArtifactQuery, History, HistoryFilter, ValueCondition};
use testrelay::report::markdown::render_artifact_comparison;
use testrelay::time::{format_rfc3339, now_unix_ms, parse_timestamp};
use testrelay::{Error, ErrorKind};

use crate::history_cmd::{Db, parse_since};
use crate::out;

/// `testrelay artifacts`.
#[derive(Args)]
pub struct ArtifactsCmd {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// The artifacts of one run (default: the newest run), in the order
    /// attached.
    List {
        /// The run's key.
        #[arg(long)]
        run: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Artifacts matching every option given, newest first.
    Find(Box<FindArgs>),
    /// Everything stored about one artifact (metadata and indexed values).
    Show {
        /// The artifact's name.
        name: String,
        /// The run's key (default: the newest run that has an artifact of
        /// this name).
        #[arg(long)]
        run: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Check that artifacts are still on disk as recorded (size and
    /// SHA-256); exits 1 when one is missing or changed, naming which.
    Validate {
        /// Only this artifact (default: every artifact of the run).
        name: Option<String>,
        /// The run's key (default: the newest run).
        #[arg(long)]
        run: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Fetch artifacts: from where they were attached when unchanged, else
    /// the cache, else the store of the provider the run reported to
    /// (GitHub release assets; `Unsupported` for a provider without one).
    /// Every copy is checked against the recorded SHA-256.
    Get {
        /// Artifact names (default: every artifact of the run).
        names: Vec<String>,
        /// The run's key (default: the newest run).
        #[arg(long)]
        run: Option<String>,
        /// Copy the files into this directory (else only their verified
        /// paths are printed).
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// At most this many downloads at once.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// JSON configuration file (the provider's endpoint and token, as
        /// for `report`).
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(flatten)]
        cache: CacheArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Apply the cache's caps now: delete entries unused for too long, then
    /// the least recently used until within the size cap.
    PruneCache {
        #[command(flatten)]
        cache: CacheArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Compare two artifacts: each a file, or RUN_KEY:NAME from the
    /// history. JSON gets per-path deltas, text a diff, images their
    /// dimensions, anything else size and hash. Prints Markdown (for a PR
    /// comment), or JSON with --json.
    Compare {
        /// The first (the baseline).
        a: String,
        /// The second.
        b: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Where the artifact cache is and its caps.
#[derive(Args)]
struct CacheArgs {
    /// The cache directory [default: artifact-cache beside the history].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Size cap of the cache in MiB (least recently used go first).
    #[arg(long, default_value_t = 1024)]
    cache_max_mb: u64,
    /// Entries unused for this many days are deleted.
    #[arg(long, default_value_t = 30)]
    cache_max_age_days: u32,
}

impl CacheArgs {
    fn open(&self, db: &Db) -> Result<ArtifactCache, Error> {
        let dir = match &self.cache_dir {
            Some(d) => d.clone(),
            None => db
                .history_path()?
                .parent()
                .map(|p| p.join("artifact-cache"))
                .unwrap_or_else(|| PathBuf::from("artifact-cache")),
        };
        ArtifactCache::open(
            &dir,
            CachePolicy {
                max_bytes: self.cache_max_mb.saturating_mul(1024 * 1024),
                max_age_ms: i64::from(self.cache_max_age_days) * 24 * 3600 * 1000,
            },
        )
    }
}

#[derive(Args)]
struct Common {
    /// Print JSON instead of the listing.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
struct FindArgs {
    /// Only this run's artifacts.
    #[arg(long)]
    run: Option<String>,
    /// Only this semantic type (performance_report, coverage_report,
    /// test_report, trace, image, log, archive, binary, other, or a
    /// configured one).
    #[arg(long = "type", value_name = "TYPE")]
    semantic_type: Option<String>,
    /// Only artifacts with this label (repeat: all of them).
    #[arg(long, value_name = "LABEL")]
    label: Vec<String>,
    /// Only artifacts with this metadata (repeat: all of them).
    #[arg(long, value_name = "KEY=VALUE")]
    meta: Vec<String>,
    /// Only JSON artifacts whose indexed value meets this: PATH=N,
    /// PATH>=N, PATH<=N or PATH=A..B (repeat: all of them).
    #[arg(long, value_name = "EXPR")]
    value: Vec<String>,
    /// Only names matching this pattern (`*`, `?`, `[...]`; case-sensitive).
    #[arg(long, value_name = "GLOB")]
    name: Option<String>,
    /// Only runs on this branch.
    #[arg(long)]
    branch: Option<String>,
    /// Only artifacts attached in the last DURATION (e.g. 7d) or since DATE.
    #[arg(long, value_name = "DURATION|DATE")]
    since: Option<String>,
    /// Only artifacts attached before DATE (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// At most this many (the newest).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print the number of matches per type instead.
    #[arg(long, conflicts_with_all = ["latest_per_branch", "metric"])]
    group_by_type: bool,
    /// The newest artifact of --type on each branch.
    #[arg(long, requires = "semantic_type", conflicts_with = "metric")]
    latest_per_branch: bool,
    /// Print this indexed value of each match as a table (run, time,
    /// metric, value), oldest first (repeat for more metrics).
    #[arg(long, value_name = "PATH")]
    metric: Vec<String>,
    #[command(flatten)]
    common: Common,
}

impl ArtifactsCmd {
    /// Runs the subcommand.
    ///
    /// Errors: `NotFound` (no history, run or artifact), `InvalidArgument`
    /// (bad option), `Database`, `Io`.
    pub fn run(self) -> Result<ExitCode, Error> {
        match self.action {
            Action::List { run, common } => {
                let history = common.db.open_existing()?;
                let run = run_or_newest(&history, run)?;
                let found = history.run_artifacts(&run)?;
                print_list(&found, common.json)
            }
            Action::Find(args) => find(*args),
            Action::Show { name, run, common } => {
                let history = common.db.open_existing()?;
                let artifact = one(&history, run, &name)?;
                if common.json {
                    return out::emit_json(&artifact);
                }
                out::emit(&show_text(&artifact))
            }
            Action::Validate { name, run, common } => {
                let history = common.db.open_existing()?;
                let run = run_or_newest(&history, run)?;
                let artifacts: Vec<_> = history
                    .run_artifacts(&run)?
                    .into_iter()
                    .filter(|a| name.as_ref().is_none_or(|n| *n == a.name))
                    .collect();
                if artifacts.is_empty() {
                    return Err(Error::new(
                        ErrorKind::NotFound,
                        format!(
                            "run {run:?} has no artifact{}",
                            name.map(|n| format!(" named {n:?}")).unwrap_or_default()
                        ),
                    ));
                }
                let mut results = Vec::new();
                for a in &artifacts {
                    results.push((a, a.validate()?));
                }
                let all_valid = results.iter().all(|(_, v)| v.is_valid());
                if common.json {
                    let rows: Vec<_> = results
                        .iter()
                        .map(|(a, v)| {
                            serde_json::json!({"run_key": a.run_key, "name": a.name, "path": a.path, "validation": v})
                        })
                        .collect();
                    out::emit_json(&rows)?;
                } else {
                    let text: String = results
                        .iter()
                        .map(|(a, v)| format!("{}  {}  ({})\n", a.name, v, a.path))
                        .collect();
                    out::emit(&text)?;
                }
                Ok(if all_valid {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
            Action::Get {
                names,
                run,
                output,
                parallel,
                config,
                cache,
                common,
            } => {
                let history = common.db.open_existing()?;
                let run = run_or_newest(&history, run)?;
                let all = history.run_artifacts(&run)?;
                let mut wanted = Vec::new();
                for name in &names {
                    wanted.push(all.iter().find(|a| a.name == *name).cloned().ok_or_else(
                        || {
                            Error::new(
                                ErrorKind::NotFound,
                                format!("run {run:?} has no artifact named {name:?}"),
                            )
                        },
                    )?);
                }
                if names.is_empty() {
                    wanted = all;
                }
                let config = crate::read_config(config.as_deref())?;
                let retriever = Retriever::new(cache.open(&common.db)?, config);
                let results = retriever.retrieve_batch(&history, &wanted, parallel)?;
                let mut rows = Vec::new();
                let mut failed = false;
                for (a, r) in wanted.iter().zip(results) {
                    match r {
                        Ok(got) => {
                            let copied = match &output {
                                Some(dir) => Some(copy_out(&got.path, dir, &a.name)?),
                                None => None,
                            };
                            rows.push(serde_json::json!({
                                "name": a.name, "source": got.source,
                                "path": copied.unwrap_or(got.path),
                            }));
                        }
                        Err(e) => {
                            failed = true;
                            rows.push(serde_json::json!({
                                "name": a.name, "error": e.message(), "kind": e.kind(),
                            }));
                        }
                    }
                }
                if common.json {
                    out::emit_json(&rows)?;
                } else {
                    let text: String = rows
                        .iter()
                        .map(|r| match r.get("error") {
                            Some(e) => format!(
                                "{}  failed: {}\n",
                                r["name"].as_str().unwrap_or(""),
                                e.as_str().unwrap_or("")
                            ),
                            None => format!(
                                "{}  {}  {}\n",
                                r["name"].as_str().unwrap_or(""),
                                r["source"].as_str().unwrap_or(""),
                                r["path"].as_str().unwrap_or("")
                            ),
                        })
                        .collect();
                    out::emit(&text)?;
                }
                Ok(if failed {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                })
            }
            Action::PruneCache { cache, common } => {
                let stats = cache.open(&common.db)?.evict()?;
                if common.json {
                    return out::emit_json(&stats);
                }
                out::emit(&format!(
                    "expired {}, evicted {}; {} entries, {} bytes left\n",
                    stats.expired, stats.evicted, stats.entries, stats.bytes
                ))
            }
            Action::Compare { a, b, common } => {
                let (pa, na) = resolve(&a, &common.db)?;
                let (pb, nb) = resolve(&b, &common.db)?;
                let comparison = compare_files(&pa, &na, &pb, &nb)?;
                if common.json {
                    out::emit_json(&comparison)
                } else {
                    out::emit(&render_artifact_comparison(&comparison))
                }
            }
        }
    }
}

fn find(args: FindArgs) -> Result<ExitCode, Error> {
    let history = args.common.db.open_existing()?;
    let mut metadata = BTreeMap::new();
    for kv in &args.meta {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::invalid(format!("--meta {kv:?}: expected KEY=VALUE")))?;
        metadata.insert(k.to_string(), v.to_string());
    }
    let values = args
        .value
        .iter()
        .map(|v| ValueCondition::parse(v))
        .collect::<Result<Vec<_>, _>>()?;
    let since_ms = args
        .since
        .as_deref()
        .map(|s| parse_since(s, now_unix_ms()))
        .transpose()?;
    let until_ms = args
        .until
        .as_deref()
        .map(|s| {
            parse_timestamp(s).ok_or_else(|| {
                Error::invalid(format!(
                    "--until {s:?} is not a date (YYYY-MM-DD or RFC 3339)"
                ))
            })
        })
        .transpose()?;
    let query = ArtifactQuery {
        run_key: args.run,
        semantic_type: args.semantic_type,
        labels: args.label,
        metadata,
        values,
        name: args.name,
        branch: args.branch,
        since_ms,
        until_ms,
        limit: Some(args.limit),
    };
    let json = args.common.json;
    if args.group_by_type {
        let counts = history.count_artifacts_by_type(&query)?;
        if json {
            return out::emit_json(&counts);
        }
        let text: String = counts.iter().map(|(t, n)| format!("{t}  {n}\n")).collect();
        return out::emit(&text);
    }
    if args.latest_per_branch {
        let kind = query.semantic_type.as_deref().unwrap_or_default();
        let latest = history.latest_artifact_per_branch(kind)?;
        if json {
            return out::emit_json(&latest);
        }
        let text: String = latest
            .iter()
            .map(|(b, a)| format!("{b}  {}  {}\n", a.run_key, a.name))
            .collect();
        return out::emit(&text);
    }
    if !args.metric.is_empty() {
        let rows = history.artifact_metrics(&query, &args.metric)?;
        if json {
            return out::emit_json(&rows);
        }
        let mut text = String::from("run  time  metric  value\n");
        for r in &rows {
            text.push_str(&format!(
                "{}  {}  {}  {}\n",
                r.run_key,
                format_rfc3339(r.recorded_at_ms),
                r.metric,
                r.value
            ));
        }
        return out::emit(&text);
    }
    print_list(&history.find_artifacts(&query)?, json)
}

fn print_list(found: &[ArtifactMetadata], json: bool) -> Result<ExitCode, Error> {
    if json {
        return out::emit_json(&found);
    }
    if found.is_empty() {
        return out::emit("no artifacts\n");
    }
    let mut text = String::new();
    for a in found {
        let labels: Vec<&str> = a.labels.iter().map(String::as_str).collect();
        text.push_str(&format!(
            "{}  {}  {}  {} B  {}{}\n",
            format_rfc3339(a.created_at),
            a.run_key,
            a.semantic_type,
            a.size,
            a.name,
            if labels.is_empty() {
                String::new()
            } else {
                format!("  [{}]", labels.join(", "))
            }
        ));
    }
    out::emit(&text)
}

fn show_text(a: &ArtifactMetadata) -> String {
    let mut text = format!(
        "name: {}\nrun: {}\nprovider: {}\ntype: {}\ncontent type: {}\nsize: {} B\nsha256: {}\npath: {}\nattached: {}\n",
        a.name,
        a.run_key,
        a.provider,
        a.semantic_type,
        a.content_type,
        a.size,
        a.sha256,
        a.path,
        format_rfc3339(a.created_at)
    );
    if !a.labels.is_empty() {
        let labels: Vec<&str> = a.labels.iter().map(String::as_str).collect();
        text.push_str(&format!("labels: {}\n", labels.join(", ")));
    }
    for (k, v) in &a.metadata {
        text.push_str(&format!("metadata {k}: {v}\n"));
    }
    for (k, v) in &a.values {
        text.push_str(&format!("value {k}: {v}\n"));
    }
    text
}

/// `run`, or the newest run's key.
fn run_or_newest(history: &History, run: Option<String>) -> Result<String, Error> {
    if let Some(run) = run {
        return Ok(run);
    }
    let filter = HistoryFilter {
        limit: Some(1),
        ..HistoryFilter::default()
    };
    history
        .get_test_history(&filter)?
        .into_iter()
        .next()
        .map(|r| r.run.run_key)
        .ok_or_else(|| Error::new(ErrorKind::NotFound, "the history holds no run"))
}

/// The artifact `name` of `run` (default: the newest one of that name).
fn one(history: &History, run: Option<String>, name: &str) -> Result<ArtifactMetadata, Error> {
    let query = ArtifactQuery {
        run_key: run.clone(),
        name: Some(glob_literal(name)),
        limit: Some(1),
        ..ArtifactQuery::default()
    };
    history
        .find_artifacts(&query)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                match run {
                    Some(run) => format!("run {run:?} has no artifact named {name:?}"),
                    None => format!("no artifact named {name:?} in the history"),
                },
            )
        })
}

/// `name` as a GLOB pattern matching only itself.
fn glob_literal(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '*' | '?' | '[' => format!("[{c}]"),
            _ => c.to_string(),
        })
        .collect()
}

/// A comparison operand: an existing file, else `RUN_KEY:NAME` from the
/// history, whose recorded file must still match its hash.
fn resolve(spec: &str, db: &Db) -> Result<(PathBuf, String), Error> {
    let path = Path::new(spec);
    if path.is_file() {
        return Ok((path.to_path_buf(), spec.to_string()));
    }
    let Some((run, name)) = spec.split_once(':') else {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("{spec:?} is neither a file nor RUN_KEY:NAME"),
        ));
    };
    let history = db.open_existing()?;
    let artifact = one(&history, Some(run.to_string()), name)?;
    let validation = artifact.validate()?;
    if !validation.is_valid() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "{spec}: the recorded file {} is {validation}",
                artifact.path
            ),
        ));
    }
    Ok((PathBuf::from(&artifact.path), spec.to_string()))
}

/// Copies a verified file to `dir/name` atomically; returns the copy.
fn copy_out(src: &Path, dir: &Path, name: &str) -> Result<PathBuf, Error> {
    let dest = dir.join(name);
    let bytes = std::fs::read(src).map_err(|e| Error::io("reading", src, e))?;
    testrelay::fsutil::write_bytes_atomic(&dest, &bytes)?;
    Ok(dest)
}
