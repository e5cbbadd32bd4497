//! The commands on the local history: `history` (and `history merge`,
//! `history compact`), `trends`, `flaky`, `split` and `prune`. Each prints
//! a human table by default and JSON with `--json` (`split` prints one test
//! per line).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use testrelay::analysis::split::{self, shard_from_env};
use testrelay::analysis::trends::{GroupTrend, Grouping, Timeframe, TrendReport};
use testrelay::history::{
    CompactPolicy, DurationKey, HISTORY_URL_VARIABLE, History, HistoryFilter, HistoryStore,
    NO_GROUP, is_database_url, unsupported_url,
};
use testrelay::time::{format_rfc3339, now_unix_ms, parse_timestamp};
use testrelay::{Config, Error, ErrorKind};

/// Which history a command uses.
#[derive(Args)]
pub struct Db {
    /// History file, or a postgres:// URL (builds with the `postgres`
    /// feature) [default: $TESTRELAY_HISTORY_URL, else .testrelay/history.db].
    #[arg(long)]
    history: Option<PathBuf>,
}

/// Where a history is: a file, or a database URL (never printed).
enum Location {
    File(PathBuf),
    Url(String),
}

impl Db {
    /// The history given (`--history`), else `TESTRELAY_HISTORY_URL`, else
    /// the configuration's default file.
    ///
    /// Errors: `Configuration` when there is none.
    fn location(&self) -> Result<Location, Error> {
        if let Some(given) = &self.history {
            return Ok(match given.to_str() {
                Some(text) if is_database_url(text) => Location::Url(text.to_string()),
                _ => Location::File(given.clone()),
            });
        }
        if let Ok(url) = std::env::var(HISTORY_URL_VARIABLE)
            && !url.trim().is_empty()
        {
            return Ok(Location::Url(url));
        }
        Config::default()
            .history_path
            .map(Location::File)
            .ok_or_else(|| Error::new(ErrorKind::Configuration, "no history file: pass --history"))
    }

    /// The history file's path (given or default), for the commands that
    /// work on a file only.
    ///
    /// Errors: `Unsupported` for a PostgreSQL URL (option or variable).
    pub(crate) fn history_path(&self) -> Result<PathBuf, Error> {
        match self.location()? {
            Location::File(path) => Ok(path),
            Location::Url(_) if self.history.is_some() => Err(unsupported_url("--history")),
            Location::Url(_) => Err(unsupported_url(HISTORY_URL_VARIABLE)),
        }
    }

    /// Opens an existing history file (reading commands never create one).
    ///
    /// Errors: `NotFound` when the file does not exist; `Unsupported` for
    /// a PostgreSQL URL.
    pub(crate) fn open_existing(&self) -> Result<History, Error> {
        let path = self.history_path()?;
        if !path.is_file() {
            return Err(no_history(&path));
        }
        History::open(&path)
    }

    /// Opens the history, a file (which must exist) or a PostgreSQL
    /// database (created or upgraded on open).
    ///
    /// Errors: `NotFound` for a missing file; `Unsupported` for a URL in a
    /// build without the `postgres` feature; `Database` or `Connection`
    /// when the database cannot be used (never with the URL).
    pub(crate) fn open_store(&self) -> Result<HistoryStore, Error> {
        match self.location()? {
            Location::Url(url) => HistoryStore::open(&url),
            Location::File(path) => {
                if !path.is_file() {
                    return Err(no_history(&path));
                }
                Ok(HistoryStore::Sqlite(History::open(&path)?))
            }
        }
    }

    /// Opens the history to write into: a file is created when missing.
    ///
    /// Errors: as [`Db::open_store`] but for a missing file.
    fn open_or_create(&self) -> Result<HistoryStore, Error> {
        match self.location()? {
            Location::Url(url) => HistoryStore::open(&url),
            Location::File(path) => Ok(HistoryStore::Sqlite(History::open(&path)?)),
        }
    }
}

fn no_history(path: &Path) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "no history at {}: `testrelay report` records every run there, or pass --history PATH",
            path.display()
        ),
    )
}

/// `testrelay history`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryCmd {
    #[command(subcommand)]
    action: Option<HistoryAction>,
    /// Show at most this many runs.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Only runs on this branch.
    #[arg(long)]
    branch: Option<String>,
    /// Only runs of this commit (full SHA).
    #[arg(long)]
    commit: Option<String>,
    /// Only runs recorded by this provider (local, github, ...).
    #[arg(long)]
    provider: Option<String>,
    /// Only runs started in the last DURATION (e.g. 12h, 7d, 2w) or since
    /// DATE (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "DURATION|DATE")]
    since: Option<String>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

#[derive(Subcommand)]
enum HistoryAction {
    /// Add the runs of another history (a parallel shard's file, or the
    /// shared PostgreSQL history);
    /// runs already present are skipped, so merging twice adds nothing.
    Merge {
        /// The history to read from: a file, or a postgres:// URL (builds
        /// with the `postgres` feature).
        other: PathBuf,
        /// Print JSON instead of the summary line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Keep what flaky scores, diffs, splits and trends read and shrink the
    /// file (before caching it between CI jobs): every run summary, metric
    /// and artifact row; each test's and file's last N runs; all of the
    /// last D days.
    Compact {
        /// Runs kept per test and per file (at least the flaky window and
        /// the split's --last-runs you use).
        #[arg(long, default_value_t = CompactPolicy::default().keep_runs)]
        keep_runs: usize,
        /// Also keep everything of the runs of the last D days (0: none).
        #[arg(long, default_value_t = CompactPolicy::default().keep_days)]
        keep_days: u32,
        /// Print JSON instead of the summary line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
}

impl HistoryCmd {
    /// Lists runs, or merges another file.
    pub fn run(self) -> Result<ExitCode, Error> {
        match self.action {
            Some(HistoryAction::Merge { other, json, db }) => return merge(&other, json, &db),
            Some(HistoryAction::Compact {
                keep_runs,
                keep_days,
                json,
                db,
            }) => {
                let policy = CompactPolicy {
                    keep_runs,
                    keep_days,
                };
                return compact(&policy, json, &db);
            }
            None => {}
        }
        let history = self.db.open_store()?;
        let since_ms = match &self.since {
            Some(s) => Some(parse_since(s, now_unix_ms())?),
            None => None,
        };
        let runs = history.get_test_history(&HistoryFilter {
            limit: Some(self.limit),
            branch: self.branch,
            commit_sha: self.commit,
            provider: self.provider,
            since_ms,
            until_ms: None,
        })?;
        if self.json {
            return print_json(&runs);
        }
        if runs.is_empty() {
            return emit("No runs recorded that match.\n");
        }
        let rows = runs
            .iter()
            .map(|r| {
                let c = &r.counts;
                vec![
                    r.run.started_at_ms.map(utc_seconds).unwrap_or_default(),
                    r.run.status.as_str().to_string(),
                    c.total.to_string(),
                    (c.failed + c.errors).to_string(),
                    testrelay::report::markdown::format_duration(r.run.duration_seconds),
                    r.run.branch.clone().unwrap_or_default(),
                    r.run
                        .commit_sha
                        .as_deref()
                        .map(|s| s.chars().take(8).collect())
                        .unwrap_or_default(),
                    r.run.run_key.clone(),
                ]
            })
            .collect();
        emit(&table(
            &[
                "STARTED (UTC)",
                "STATUS",
                "TESTS",
                "FAILED",
                "DURATION",
                "BRANCH",
                "COMMIT",
                "RUN",
            ],
            rows,
        ))
    }
}

fn merge(other: &Path, json: bool, db: &Db) -> Result<ExitCode, Error> {
    let source = match other.to_str() {
        Some(url) if is_database_url(url) => HistoryStore::open(url)?,
        _ if !other.is_file() => return Err(no_history(other)),
        _ => HistoryStore::Sqlite(History::open(other)?),
    };
    let mut history = db.open_or_create()?;
    let stats = history.merge(&source)?;
    if stats.artifacts_left > 0 {
        crate::out::warn(&format!(
            "testrelay: {} artifact rows of the merged runs were not copied: a PostgreSQL \
             history keeps no artifacts yet",
            stats.artifacts_left
        ));
    }
    if json {
        return print_json(&stats);
    }
    emit(&format!(
        "Merged {} into {}: {} runs added, {} already present ({} cases, {} metrics, {} artifacts).\n",
        source.name(),
        history.name(),
        stats.runs_added,
        stats.runs_skipped,
        stats.cases,
        stats.metrics,
        stats.artifacts
    ))
}

fn compact(policy: &CompactPolicy, json: bool, db: &Db) -> Result<ExitCode, Error> {
    let mut history = db.open_existing()?;
    let stats = history.compact(policy, now_unix_ms())?;
    if json {
        return print_json(&stats);
    }
    let mib = |bytes: u64| bytes as f64 / 1_048_576.0;
    emit(&format!(
        "Compacted {}: {} cases and {} file durations deleted; {:.1} MiB -> {:.1} MiB.\n",
        history.path().display(),
        stats.cases,
        stats.file_durations,
        mib(stats.bytes_before),
        mib(stats.bytes_after)
    ))
}

/// `testrelay trends`.
#[derive(Args)]
pub struct TrendsCmd {
    /// The metric's name, as recorded.
    #[arg(long)]
    metric: String,
    /// Group by branch, commit, task_type or test.
    #[arg(long, default_value = "branch")]
    grouping: String,
    /// 1d, 1w, 1m (30 days), all, or FROM..TO (dates or RFC 3339; TO excluded).
    #[arg(long, default_value = "all")]
    timeframe: String,
    /// Show at most this many groups (most recently active first).
    #[arg(long)]
    limit: Option<usize>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

impl TrendsCmd {
    /// Analyses the metric and prints the report.
    pub fn run(self) -> Result<ExitCode, Error> {
        let grouping = Grouping::parse(&self.grouping)?;
        let timeframe = Timeframe::parse(&self.timeframe)?;
        let history = self.db.open_store()?;
        let report = history.analyze_performance_trends(
            &self.metric,
            grouping,
            timeframe,
            self.limit,
            now_unix_ms(),
        )?;
        if self.json {
            return print_json(&report);
        }
        emit(&trends_text(&self.metric, grouping, &report))
    }
}

/// The human form of a trend report.
fn trends_text(metric: &str, grouping: Grouping, report: &TrendReport) -> String {
    let Some(overall) = &report.overall else {
        return format!(
            "No values of {} in that timeframe.\n",
            testrelay::text::visible_line(metric)
        );
    };
    // When no value has the grouping's field, the one group would repeat
    // the overall row; the table shows the overall row only (`--json` keeps
    // the group).
    let only_no_group = matches!(report.groups.as_slice(), [g] if g.group == NO_GROUP);
    let breakdown = if only_no_group {
        format!("none has a {}", grouping.as_str())
    } else {
        format!("by {}", grouping.as_str())
    };
    let metric = testrelay::text::visible_line(metric);
    let mut text = format!(
        "{metric} ({} is better): {} values, {breakdown}\n",
        report.better.as_str(),
        report.points,
    );
    let row = |label: &str, g: &GroupTrend| {
        let s = &g.summary;
        vec![
            label.to_string(),
            s.count.to_string(),
            num(s.mean),
            num(s.min),
            num(s.max),
            num(s.std_dev),
            num(s.p50),
            num(s.p95),
            g.change_ratio
                .map(|r| format!("{:+.1}%", r * 100.0))
                .unwrap_or_else(|| "-".into()),
            format!("{:?}", g.direction).to_lowercase(),
            g.trend
                .as_ref()
                .map(|t| format!("{}/day (p={})", num(t.slope), num(t.p_value)))
                .unwrap_or_else(|| "-".into()),
            g.regression
                .as_ref()
                .map(|r| {
                    let verdict = if r.significant { "yes" } else { "no" };
                    format!("{verdict} (p={})", num(r.p_value))
                })
                .unwrap_or_else(|| "-".into()),
        ]
    };
    let mut rows = vec![row("(all)", overall)];
    if !only_no_group {
        rows.extend(report.groups.iter().map(|g| row(&g.group, g)));
    }
    text.push_str(&table(
        &[
            "GROUP",
            "N",
            "MEAN",
            "MIN",
            "MAX",
            "STDDEV",
            "P50",
            "P95",
            "CHANGE",
            "DIRECTION",
            "SLOPE",
            "REGRESSION",
        ],
        rows,
    ));
    text
}

/// `testrelay flaky`.
#[derive(Args)]
pub struct FlakyCmd {
    /// How many of each test's latest runs to look at.
    #[arg(long, default_value_t = 30)]
    window: usize,
    /// Only runs on this branch.
    #[arg(long)]
    branch: Option<String>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

impl FlakyCmd {
    /// Scores the tests and prints the flaky ones.
    pub fn run(self) -> Result<ExitCode, Error> {
        let history = self.db.open_store()?;
        let found = history.flaky_tests(self.window, self.branch.as_deref())?;
        if self.json {
            return print_json(&found);
        }
        if found.is_empty() {
            return emit(&format!(
                "No flaky tests in the last {} runs.\n",
                self.window
            ));
        }
        let rows = found
            .iter()
            .map(|f| {
                vec![
                    format!("{:.2}", f.score),
                    f.flips.to_string(),
                    f.runs.to_string(),
                    f.failures.to_string(),
                    f.in_run_reruns.to_string(),
                    f.full_name.clone(),
                ]
            })
            .collect();
        emit(&table(
            &["SCORE", "FLIPS", "RUNS", "FAILS", "RERUNS", "TEST"],
            rows,
        ))
    }
}

/// What `split` items are.
#[derive(Clone, Copy, ValueEnum)]
enum SplitBy {
    /// Stable test ids, or unambiguous test names.
    Id,
    /// Test source files.
    File,
}

/// `testrelay split`.
#[derive(Args)]
pub struct SplitCmd {
    /// Number of shards [default: from the CI's parallelism variables].
    #[arg(long)]
    shards: Option<usize>,
    /// This shard's 0-based index [default: from the CI's variables].
    #[arg(long)]
    index: Option<usize>,
    /// Whether the items are test ids or files.
    #[arg(long, value_enum, default_value = "id")]
    by: SplitBy,
    /// How many recent runs of each item to average.
    #[arg(long, default_value_t = 10)]
    last_runs: usize,
    #[command(flatten)]
    db: Db,
    /// The tests to split: with `--by id` testrelay's test ids, or names as
    /// the runner takes them (`NAME`, `CLASS.NAME`, `CLASS::NAME`,
    /// `CLASS#NAME`, `FILE::NAME`) when they name one test; with `--by file`
    /// files. Printed as given.
    #[arg(required = true)]
    items: Vec<String>,
}

impl SplitCmd {
    /// Prints this shard's items, one per line. Without a history file every
    /// item gets the same estimate.
    pub fn run(self) -> Result<ExitCode, Error> {
        let (index, total) = match (self.index, self.shards) {
            (Some(i), Some(n)) => (i, n),
            (None, None) => {
                let env: HashMap<String, String> = std::env::vars().collect();
                let found = shard_from_env(&env)?.ok_or_else(|| {
                    Error::invalid(
                        "no shard given: pass --shards N --index I, or run under a CI \
                         with parallel jobs (CircleCI, GitLab, Buildkite, Azure, Semaphore, Bitbucket)",
                    )
                })?;
                crate::out::warn(&format!(
                    "testrelay: shard {} of {} (0-based) from {} ({})",
                    found.index, found.total, found.source, found.ci
                ));
                (found.index, found.total)
            }
            _ => {
                return Err(Error::invalid(
                    "give both --shards and --index, or neither to read them from the CI",
                ));
            }
        };
        let key = match self.by {
            SplitBy::Id => DurationKey::TestId,
            SplitBy::File => DurationKey::File,
        };
        let tests = match self.db.open_store() {
            Ok(history) => history.split_tests(&self.items, key, index, total, self.last_runs)?,
            // Without a history file every item gets the same estimate.
            Err(e) if e.kind() == ErrorKind::NotFound => {
                split::split(&self.items, &HashMap::new(), index, total)?
            }
            Err(e) => return Err(e),
        };
        let text: String = tests.iter().map(|t| format!("{t}\n")).collect();
        emit(&text)
    }
}

/// `testrelay prune`.
#[derive(Args)]
pub struct PruneCmd {
    /// Delete runs that started longer ago than this (e.g. 90d, 12h, 2w).
    #[arg(long, value_name = "DURATION")]
    older_than: String,
    /// Print JSON instead of the summary line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

impl PruneCmd {
    /// Deletes the old runs and says how much went.
    pub fn run(self) -> Result<ExitCode, Error> {
        let age = parse_age(&self.older_than)?;
        let mut history = self.db.open_store()?;
        let cutoff = now_unix_ms().saturating_sub(age);
        let stats = history.prune(cutoff)?;
        if self.json {
            return print_json(&stats);
        }
        emit(&format!(
            "Deleted {} runs started before {} UTC ({} cases, {} metrics, {} artifacts).\n",
            stats.runs,
            utc_seconds(cutoff),
            stats.cases,
            stats.metrics,
            stats.artifacts
        ))
    }
}

/// Parses an age such as `90d`: a whole number and one of `s`, `min`, `h`,
/// `d`, `w`; returns milliseconds.
///
/// Errors: `InvalidArgument` for anything else (`m` is refused as
/// ambiguous between minutes and months).
fn parse_age(s: &str) -> Result<i64, Error> {
    let text = s.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let bad = |why: &str| {
        Error::invalid(format!(
            "duration {s:?} {why}: write a whole number and a unit, e.g. 90d, 12h, 2w, 30min"
        ))
    };
    let n: i64 = digits.parse().map_err(|_| bad("has no number"))?;
    let unit_ms: i64 = match unit {
        "s" => 1_000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        "m" => return Err(bad("is ambiguous (minutes or months?)")),
        _ => return Err(bad("has an unknown unit")),
    };
    n.checked_mul(unit_ms).ok_or_else(|| bad("is too long"))
}

/// `--since`: an age before `now_ms`, or a timestamp.
pub(crate) fn parse_since(s: &str, now_ms: i64) -> Result<i64, Error> {
    if let Some(ms) = parse_timestamp(s) {
        return Ok(ms);
    }
    parse_age(s)
        .map(|age| now_ms.saturating_sub(age))
        .map_err(|_| {
            Error::invalid(format!(
                "--since {s:?} is neither a duration (e.g. 7d, 12h) nor a date (YYYY-MM-DD or RFC 3339)"
            ))
        })
}

/// `YYYY-MM-DD hh:mm:ss` in UTC.
fn utc_seconds(ms: i64) -> String {
    format_rfc3339(ms)[..19].replace('T', " ")
}

/// A number with at most three decimals, without trailing zeros.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn print_json<T: Serialize>(value: &T) -> Result<ExitCode, Error> {
    crate::out::emit_json(value)
}

/// Writes `text` to stdout, made safe ([`crate::out::emit`]).
fn emit(text: &str) -> Result<ExitCode, Error> {
    crate::out::emit(text)
}

/// Left-aligned columns separated by two spaces, one line per row. Cells
/// stay on their line: control characters and line breaks in them are
/// made visible.
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|cell| testrelay::text::visible_line(&cell).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut text = line(headers.to_vec());
    for row in &rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_with_their_units() {
        assert_eq!(parse_age("90d").unwrap(), 90 * 86_400_000);
        assert_eq!(parse_age("12h").unwrap(), 12 * 3_600_000);
        assert_eq!(parse_age("2w").unwrap(), 14 * 86_400_000);
        assert_eq!(parse_age("30min").unwrap(), 1_800_000);
        assert_eq!(parse_age("5s").unwrap(), 5_000);
        for bad in ["", "d", "10", "3m", "1.5d", "-1d", "10y"] {
            let err = parse_age(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        }
        assert!(parse_age("3m").unwrap_err().message().contains("ambiguous"));
    }

    #[test]
    fn since_takes_an_age_or_a_date() {
        let now = 1_767_225_600_000 + 86_400_000;
        assert_eq!(parse_since("1d", now).unwrap(), 1_767_225_600_000);
        assert_eq!(parse_since("2026-01-01", now).unwrap(), 1_767_225_600_000);
        assert_eq!(
            parse_since("yesterday", now).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn numbers_keep_three_decimals_without_trailing_zeros() {
        assert_eq!(num(14.4), "14.4");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(1.0 / 3.0), "0.333");
        assert_eq!(num(-0.0001), "0");
    }
}
