//! `testrelay`: the command-line tool for harnesses that write result
//! files (JUnit XML, TRX, NUnit, xUnit.net, `go test -json`, CTRF). See
//! `testrelay --help` and the README.
//!
//! Exit codes: 0 success; 1 the tests failed or a metric regressed (as
//! `--fail-on` decides), or `flush` left operations pending; for `run`, the command's own status
//! (124 when `--timeout` killed it);
//! 2 a user error (bad arguments, unreadable or malformed input, bad config);
//! 3 an internal error; 4 results could not be stored: a full disk or
//! quota, a file-size limit, or the history's disk failing (nothing is
//! wrong with the input; free space, then `testrelay flush`).

mod artifacts_cmd;
mod child;
mod dashboard_cmd;
mod history_cmd;
mod logger;
mod metric_cmd;
mod out;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use testrelay::report::results::{ReadOptions, SameNameCases};
use testrelay::report::{self, aggregate};
use testrelay::{
    Config, Error, ErrorKind, LogLevel, ReportFormat, Reporter, RunStatus, RunSummary, TestCase,
    TestRun,
};

#[derive(Parser)]
#[command(
    name = "testrelay",
    version,
    about = "Report test results to the CI system you run under."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read result files (JUnit XML, TRX, NUnit 2/3, xUnit.net v2,
    /// `go test -json`, CTRF JSON; recognized from their content), write the
    /// chosen report formats, hand the run to the CI provider and print a
    /// summary.
    Report {
        /// Result files, directories or glob patterns (e.g. 'target/*.xml').
        #[arg(required = true)]
        files: Vec<String>,
        /// A metric JSON file to record with the results (numbers, nested
        /// objects flattened to dotted names, per-test metrics under
        /// "tests"; see the README).
        #[arg(long, value_name = "FILE.json")]
        metrics: Option<PathBuf>,
        #[command(flatten)]
        attach: AttachArgs,
        #[command(flatten)]
        common: Common,
    },
    /// Merge the reports of parallel shards found under a directory into one
    /// run (a test failing in one shard and passing in another is flaky).
    Aggregate {
        /// Directory searched recursively for result files (*.xml, *.trx,
        /// *.json, *.jsonl).
        #[arg(long)]
        report_dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Run a test command with its output streamed, then report the result
    /// files it wrote during the run. Exits with the command's status
    /// (124 when `--timeout` killed it) unless `--fail-on` is given.
    Run {
        /// Result files the command writes, in any format testrelay reads
        /// (glob, repeatable); only files written during the run are read.
        /// `--junit` is the same flag.
        #[arg(long, alias = "junit", value_name = "GLOB")]
        results: Vec<String>,
        /// Kill the command after this many seconds (1 to 31536000, a
        /// year) and report the run as timed out.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
        timeout: Option<u64>,
        /// A metric JSON file the command writes, recorded with the results
        /// (read after the command ends; see `report --metrics`).
        #[arg(long, value_name = "FILE.json")]
        metrics: Option<PathBuf>,
        #[command(flatten)]
        attach: AttachArgs,
        #[command(flatten)]
        common: Common,
        /// The test command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Show which CI this is and what testrelay reads from it (values and
    /// where each came from; never a token).
    Detect {
        /// Print JSON instead of the human listing.
        #[arg(long)]
        json: bool,
    },
    /// Deliver what the history's outbox holds: operations that failed
    /// earlier, and the runs of processes that died before finishing
    /// (closed as `error` with every case they had stored).
    Flush {
        /// Also deliver runs whose process still seems to be alive.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        common: Common,
    },
    /// List the recorded runs, newest first (`history merge` adds the runs
    /// of another history file).
    History(history_cmd::HistoryCmd),
    /// Trends of a performance metric: summary, direction, slope and
    /// regression of the latest run, overall and per group.
    Trends(history_cmd::TrendsCmd),
    /// Tests whose outcome flips between runs, or that passed only on a
    /// rerun, with a flakiness score.
    Flaky(history_cmd::FlakyCmd),
    /// Print this shard's share of the given tests (ids or files), one per
    /// line, balanced by their recorded durations.
    Split(history_cmd::SplitCmd),
    /// Delete runs older than a given age from the history.
    Prune(history_cmd::PruneCmd),
    /// Write the history as one self-contained HTML page (runs over time,
    /// flakiest and slowest tests, metric trends, new failures).
    Dashboard(dashboard_cmd::DashboardCmd),
    /// Record a performance metric from a shell step into the history,
    /// under the run `report`/`run` of the same CI job reports.
    Metric(metric_cmd::MetricCmd),
    /// Find, show, validate and compare the artifacts the history knows
    /// (attached with `--attach` or the library's attach calls).
    Artifacts(artifacts_cmd::ArtifactsCmd),
}

/// `--attach` and `--label` of `report` and `run`.
#[derive(Args)]
struct AttachArgs {
    /// Files to attach to the run as artifacts (a file or glob,
    /// repeatable): hashed, typed and stored in the history, and uploaded
    /// where the provider stores artifacts (docs/artifacts.md). For `run`,
    /// matched after the command ends.
    #[arg(long, value_name = "GLOB")]
    attach: Vec<String>,
    /// A label for every attached file (repeatable).
    #[arg(long, value_name = "LABEL", requires = "attach")]
    label: Vec<String>,
}

/// The files to attach and their labels, once the patterns are expanded.
#[derive(Default)]
struct Attachments {
    files: Vec<PathBuf>,
    labels: Vec<String>,
}

impl AttachArgs {
    /// Expands the patterns. Errors: `InvalidArgument` for a bad pattern;
    /// `NotFound` for one that matches no file.
    fn expand(&self) -> Result<Attachments, Error> {
        let mut files = Vec::new();
        for pattern in &self.attach {
            let path = Path::new(pattern);
            if path.is_file() {
                files.push(path.to_path_buf());
                continue;
            }
            let matches: Vec<PathBuf> = glob::glob(pattern)
                .map_err(|e| Error::invalid(format!("bad pattern `{pattern}`: {e}")))?
                .filter_map(|m| m.ok())
                .filter(|p| p.is_file())
                .collect();
            if matches.is_empty() {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("no file matches --attach `{pattern}`"),
                ));
            }
            files.extend(matches);
        }
        Ok(Attachments {
            files,
            labels: self.label.clone(),
        })
    }
}

#[derive(Args)]
struct Common {
    /// JSON configuration file (keys as in docs/configuration.md); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where reports are written [default: test_results].
    #[arg(long)]
    output_dir: Option<PathBuf>,
    /// History database [default: .testrelay/history.db].
    #[arg(long)]
    history: Option<PathBuf>,
    /// CI provider: auto, local, ... [default: auto].
    #[arg(long)]
    provider: Option<String>,
    /// Report formats to write: junit (or xml), json, html, markdown, or
    /// all (repeat or comma-separate; `--report-formats` is the same flag)
    /// [default: all].
    #[arg(
        long,
        alias = "report-formats",
        value_delimiter = ',',
        value_name = "FORMATS"
    )]
    format: Vec<String>,
    /// Run name shown in reports and the CI.
    #[arg(long)]
    name: Option<String>,
    /// When to exit with status 1, one or more comma-separated (e.g.
    /// `failures,regression`) [default: failures; for `run`, the command's
    /// own exit status decides unless this is given].
    #[arg(long, value_enum, value_delimiter = ',')]
    fail_on: Vec<FailOn>,
    /// Print the run result as JSON on stdout instead of the summary table.
    #[arg(long)]
    json: bool,
    /// Cases with the same identity in one result file: each is a test
    /// (`tests`), or they are attempts of one test where the last decides
    /// (`attempts`, for runners that write a retried test as repeated
    /// elements) [default: the config's `same_name_cases`, else tests].
    #[arg(long, value_enum)]
    same_name_cases: Option<SameNameArg>,
    #[command(flatten)]
    guide: GuideFlags,
}

/// The integration guide's flags (docs/configuration.md, "The guide's names"). The
/// per-vendor ones set the section of the provider the run reports to, so
/// a token goes only to that provider's API.
#[derive(Args)]
#[command(next_help_heading = "The integration guide's flags")]
struct GuideFlags {
    /// Post (and update in place) the PR comment (`enable_pr_comments`).
    #[arg(long)]
    enable_pr_comments: bool,
    /// The pull/merge request number (`pr_number`).
    #[arg(long, value_name = "N")]
    pr_number: Option<u64>,
    /// testrelay's log level (`log_level`; wins over TESTRELAY_LOG).
    #[arg(long, value_enum, value_name = "LEVEL")]
    log_level: Option<LogLevelArg>,
    /// Append testrelay's log to this file instead of stderr (`log_file`).
    #[arg(long, value_name = "FILE")]
    log_file: Option<PathBuf>,
    /// The provider's API or server (`providers.<provider>.api_url`).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The provider's token (`providers.<provider>.token`; prefer its
    /// environment variable: a flag shows in the process list).
    #[arg(long, value_name = "TOKEN", conflicts_with_all = ["password", "app_password"])]
    token: Option<String>,
    /// The provider's password or API token for Basic auth (`providers.<provider>.token`).
    #[arg(long, value_name = "PASSWORD", conflicts_with = "app_password")]
    password: Option<String>,
    /// A Bitbucket app password (`providers.<provider>.token`).
    #[arg(long, value_name = "PASSWORD")]
    app_password: Option<String>,
    /// The user a Basic token goes with (`providers.<provider>.user`).
    #[arg(long, value_name = "USER", conflicts_with = "username")]
    user: Option<String>,
    /// Same as `--user`.
    #[arg(long, value_name = "USER")]
    username: Option<String>,
    /// Bitbucket workspace: `repository` becomes `<workspace>/<name>`, the
    /// name from `repository`, TESTRELAY_REPOSITORY or BITBUCKET_REPO_SLUG.
    #[arg(long, value_name = "WORKSPACE")]
    workspace: Option<String>,
    /// CircleCI project slug (`gh/org/repo`): `repository` is `org/repo`.
    #[arg(long, value_name = "SLUG")]
    project_slug: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogLevelArg {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

#[derive(Clone, Copy, ValueEnum)]
enum SameNameArg {
    Tests,
    Attempts,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit 1 when any test failed or errored.
    Failures,
    /// Exit 1 only when a test errored (crashed, could not run).
    Errors,
    /// Exit 1 when a metric regressed against its baseline (see the
    /// `performance` configuration).
    Regression,
    /// Always exit 0 once the reports are written.
    Never,
}

fn main() -> ExitCode {
    if let Some(flag) = coordinator_flag(std::env::args().skip(1)) {
        out::warn(&format!(
            "testrelay: `{flag}` belongs to the guide's coordinator runner, which testrelay does \
             not have: run the tests with `testrelay run [--results GLOB] -- <command>`"
        ));
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    logger::init();
    child::ignore_file_size_signal();
    let result = match cli.command {
        Command::Report {
            files,
            metrics,
            attach,
            common,
        } => expand_inputs(&files).and_then(|paths| {
            let attachments = attach.expand()?;
            load_and_report(&paths, metrics.as_deref(), &attachments, &common)
        }),
        Command::Aggregate { report_dir, common } => find_reports(&report_dir)
            .and_then(|paths| load_and_report(&paths, None, &Attachments::default(), &common)),
        Command::Flush { force, common } => flush(force, &common),
        Command::Detect { json } => {
            let detection = testrelay::detect(&testrelay::Env::from_process());
            if json {
                out::emit_json(&detection)
            } else {
                out::emit(&detection.to_human())
            }
        }
        Command::Run {
            results,
            timeout,
            metrics,
            attach,
            common,
            command,
        } => run_command(
            &results,
            timeout,
            metrics.as_deref(),
            &attach,
            &command,
            &common,
        ),
        Command::History(cmd) => cmd.run(),
        Command::Trends(cmd) => cmd.run(),
        Command::Flaky(cmd) => cmd.run(),
        Command::Split(cmd) => cmd.run(),
        Command::Prune(cmd) => cmd.run(),
        Command::Dashboard(cmd) => cmd.run(),
        Command::Metric(cmd) => cmd.run(),
        Command::Artifacts(cmd) => cmd.run(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            out::warn(&format!("testrelay: {err}"));
            if err.kind() == ErrorKind::Internal {
                ExitCode::from(3)
            } else if err.is_storage_failure() {
                ExitCode::from(4)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

fn load_and_report(
    paths: &[PathBuf],
    metrics: Option<&Path>,
    attachments: &Attachments,
    common: &Common,
) -> Result<ExitCode, Error> {
    let config = build_config(common)?;
    let metrics_file = metrics.map(read_metrics_file).transpose()?;
    let mut run = load_all(paths, &config)?;
    if let Some((file, source)) = metrics_file {
        add_metrics(&mut run, file, &source);
    }
    let counts = run.counts();
    let summary = deliver(run, None, attachments, common)?;
    let fail_on: &[FailOn] = if common.fail_on.is_empty() {
        &[FailOn::Failures]
    } else {
        &common.fail_on
    };
    Ok(if should_fail(fail_on, &counts, &summary) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads and parses a metric JSON file (`--metrics`).
fn read_metrics_file(path: &Path) -> Result<(report::metrics::MetricsFile, String), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("reading metrics", path, e))?;
    let source = path.display().to_string();
    Ok((report::metrics::parse_metrics_json(&text, &source)?, source))
}

/// Adds the metrics of a metric file to `run`, per-test ones tied to its
/// tests (warnings go to stderr).
fn add_metrics(run: &mut TestRun, file: report::metrics::MetricsFile, source: &str) {
    let (metrics, warnings) = file.resolve(run, source);
    for warning in &warnings {
        log::warn!("{warning}");
    }
    run.metrics.extend(metrics);
}

/// Reads every result file (warnings go to stderr) and merges them.
fn load_all(paths: &[PathBuf], config: &Config) -> Result<TestRun, Error> {
    let options = ReadOptions {
        same_name_cases: config.same_name_cases,
    };
    let mut runs = Vec::with_capacity(paths.len());
    for path in paths {
        let file = report::results::read_file(path, &options)?;
        for warning in &file.warnings {
            log::warn!("{warning}");
        }
        runs.push(file.run);
    }
    Ok(aggregate::merge_runs(runs))
}

/// Reports `run` through a Reporter (which takes it whole, uncopied),
/// attaches `attachments` and prints the summary.
fn deliver(
    run: TestRun,
    status: Option<RunStatus>,
    attachments: &Attachments,
    common: &Common,
) -> Result<RunSummary, Error> {
    let config = build_config(common)?;
    let reporter = Reporter::start(config.clone())?;
    let digest = Digest::of(&run);
    reporter.record_run(run)?;
    for file in &attachments.files {
        // A file gone since the pattern matched is said; the run goes on.
        if let Err(e) =
            reporter.attach_labeled_artifact(file, attachments.labels.clone(), Default::default())
        {
            out::warn(&format!("testrelay: attaching {}: {e}", file.display()));
        }
    }
    if let Some(status) = status {
        reporter.set_run_status(status)?;
    }
    let summary = reporter.finish(Duration::from_secs(config.timeouts.finish_secs))?;
    if common.json {
        out::emit_json(&summary)?;
    } else {
        let mut text = summary_text(&digest, &summary);
        if let Some(note) = empty_history_note(&summary) {
            text.push_str(&note);
        }
        out::emit(&text)?;
    }
    Ok(summary)
}

/// Inside CI, when the history holds no run but this one: one paragraph
/// saying that every job starts from an empty workspace, so the features
/// that read the history need it kept between jobs, and where the recipe
/// is. `None` outside CI, without a history, or when it has earlier runs.
fn empty_history_note(summary: &RunSummary) -> Option<String> {
    let path = summary.history_path.as_deref()?;
    let ci = testrelay::detect(&testrelay::Env::from_process()).ci?;
    let history = testrelay::history::History::open(path).ok()?;
    let filter = testrelay::history::HistoryFilter {
        limit: Some(2),
        ..Default::default()
    };
    let runs = history.get_test_history(&filter).ok()?;
    (runs.len() <= 1).then(|| {
        format!(
            "\nHistory: {} held no earlier run. On {} each job starts from an empty \
             workspace, so flaky scores, trends, timing-based splits and the comparison \
             with the previous run have nothing to read: keep the history between jobs \
             (docs/history.md, \"Keeping the history between CI jobs\"; examples/ci/).\n",
            line(&path.display().to_string()),
            ci.name()
        )
    })
}

fn run_command(
    patterns: &[String],
    timeout: Option<u64>,
    metrics: Option<&Path>,
    attach: &AttachArgs,
    command: &[String],
    common: &Common,
) -> Result<ExitCode, Error> {
    let config = build_config(common)?;
    let started = std::time::SystemTime::now();
    let mut child = child::spawn(std::process::Command::new(&command[0]).args(&command[1..]))
        .map_err(|e| {
            Error::new(
                if e.kind() == std::io::ErrorKind::NotFound {
                    ErrorKind::NotFound
                } else {
                    ErrorKind::Io
                },
                format!("could not start `{}`: {e}", command[0]),
            )
        })?;
    // The range is checked by clap; an unrepresentable deadline means none.
    let deadline =
        timeout.and_then(|t| std::time::Instant::now().checked_add(Duration::from_secs(t)));
    let waited = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok((Some(status), false)),
            Ok(None) => {}
            Err(e) => {
                child::kill_group(&mut child);
                break Err(Error::new(
                    ErrorKind::Io,
                    format!("waiting for `{}`: {e}", command[0]),
                ));
            }
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            child::kill_group(&mut child);
            break Ok((None, true));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    child::finished();
    let (status, timed_out) = waited?;
    // Reports older than the run are someone else's.
    let cutoff = started - Duration::from_secs(1);
    let mut paths = Vec::new();
    for pattern in patterns {
        let matches = glob::glob(pattern)
            .map_err(|e| Error::invalid(format!("bad pattern `{pattern}`: {e}")))?;
        for path in matches.filter_map(|m| m.ok()) {
            let fresh = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= cutoff);
            if fresh && path.is_file() {
                paths.push(path);
            }
        }
    }
    if paths.is_empty() && !patterns.is_empty() {
        out::warn(&format!(
            "testrelay: the command wrote no report matching {}",
            patterns.join(", ")
        ));
    }
    let mut run = load_all(&paths, &config)?;
    // The command writes the metric file, so it is read now; a bad one is
    // reported after the results are delivered (nothing is lost).
    let metrics_error = match metrics.map(read_metrics_file).transpose() {
        Ok(Some((file, source))) => {
            add_metrics(&mut run, file, &source);
            None
        }
        Ok(None) => None,
        Err(e) => Some(e),
    };
    let outcome = if timed_out {
        Some(RunStatus::TimedOut)
    } else if run.cases.is_empty() && !status.is_some_and(|s| s.success()) {
        Some(RunStatus::Error)
    } else {
        None
    };
    // Files to attach are matched now that the command wrote them; a
    // pattern matching nothing is said, and the results still delivered.
    let attachments = attach.expand().unwrap_or_else(|e| {
        out::warn(&format!("testrelay: {e}"));
        Attachments {
            files: Vec::new(),
            labels: Vec::new(),
        }
    });
    let counts = run.counts();
    let summary = deliver(run, outcome, &attachments, common)?;
    if let Some(e) = metrics_error {
        return Err(e);
    }
    if timed_out {
        return Ok(ExitCode::from(124));
    }
    if !common.fail_on.is_empty() {
        return Ok(if should_fail(&common.fail_on, &counts, &summary) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    Ok(match status.and_then(|s| s.code()) {
        Some(code) => ExitCode::from(code.clamp(0, 255) as u8),
        // Killed by a signal: the shell's convention.
        None => ExitCode::from(128 + signal_of(status).unwrap_or(0).clamp(0, 127) as u8),
    })
}

#[cfg(unix)]
fn signal_of(status: Option<std::process::ExitStatus>) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.and_then(|s| s.signal())
}

#[cfg(not(unix))]
fn signal_of(_: Option<std::process::ExitStatus>) -> Option<i32> {
    None
}

/// True when any of the `fail_on` conditions holds (`never` alone never
/// fails; combined with others it adds nothing).
fn should_fail(fail_on: &[FailOn], c: &testrelay::Counts, summary: &RunSummary) -> bool {
    fail_on.iter().any(|f| match f {
        FailOn::Failures => c.failed + c.errors > 0,
        FailOn::Errors => c.errors > 0,
        FailOn::Regression => summary
            .performance
            .as_ref()
            .is_some_and(|p| p.has_regression()),
        FailOn::Never => false,
    })
}

fn flush(force: bool, common: &Common) -> Result<ExitCode, Error> {
    let config = build_config(common)?;
    let report = testrelay::reporter::flush(&config, force)?;
    let pending: usize = report
        .runs
        .iter()
        .flat_map(|run| &run.receipt.not_delivered)
        .map(|p| usize::from(p.pending))
        .sum();
    if common.json {
        out::emit_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    if report.runs.is_empty() && report.skipped_live.is_empty() {
        text.push_str("Nothing to deliver: the outbox is empty.\n");
    }
    for run in &report.runs {
        let state = if run.abandoned {
            " (its process died; closed as error)"
        } else {
            ""
        };
        let _ = writeln!(text, "{}{state}", line(&run.run_key));
        for d in &run.receipt.delivered {
            let _ = writeln!(text, "  delivered {}", line(&d.operation));
        }
        for p in &run.receipt.not_delivered {
            let _ = writeln!(
                text,
                "  not delivered: {} ({}): {}",
                line(&p.operation),
                p.kind,
                line(&p.message)
            );
        }
    }
    for key in &report.skipped_live {
        let _ = writeln!(
            text,
            "{}: left alone, its process is still running (use --force)",
            line(key)
        );
    }
    out::emit(&text)?;
    Ok(if pending > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The first of the guide's coordinator flags among `args` (before a
/// `--`, after which the arguments are the test command's).
fn coordinator_flag(args: impl Iterator<Item = String>) -> Option<String> {
    args.take_while(|a| a != "--").find_map(|a| {
        let name = a.split('=').next().unwrap_or_default();
        testrelay::config::guide::COORDINATOR_FLAGS
            .contains(&name)
            .then(|| name.to_string())
    })
}

/// Applies the guide's flags to `config` (see [`GuideFlags`]).
///
/// Errors: `Configuration` when a per-vendor flag has no CI provider to go
/// to, or `--workspace` has no repository name.
fn apply_guide_flags(config: &mut Config, flags: &GuideFlags) -> Result<(), Error> {
    if flags.enable_pr_comments {
        config.enable_pr_comments = true;
    }
    if let Some(n) = flags.pr_number {
        config.pr_number = Some(n);
    }
    if let Some(level) = flags.log_level {
        config.log_level = Some(match level {
            LogLevelArg::Off => LogLevel::Off,
            LogLevelArg::Error => LogLevel::Error,
            LogLevelArg::Warn => LogLevel::Warn,
            LogLevelArg::Info => LogLevel::Info,
            LogLevelArg::Debug => LogLevel::Debug,
            LogLevelArg::Trace => LogLevel::Trace,
        });
    }
    if let Some(file) = &flags.log_file {
        config.log_file = Some(file.clone());
    }
    let env = testrelay::Env::from_process();
    if let Some(slug) = &flags.project_slug {
        let slug = slug.trim().trim_matches('/');
        let repo = match slug.split_once('/') {
            Some(("gh" | "github" | "bb" | "bitbucket", rest)) if rest.contains('/') => rest,
            _ => slug,
        };
        config.repository = Some(repo.to_string());
    }
    if let Some(ws) = &flags.workspace {
        let name = config
            .repository
            .clone()
            .or_else(|| env.get("TESTRELAY_REPOSITORY").map(str::to_string))
            .or_else(|| env.get("BITBUCKET_REPO_SLUG").map(str::to_string))
            .and_then(|r| r.rsplit('/').next().map(str::to_string))
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "--workspace needs the repository's name: set `repository` (or \
                     BITBUCKET_REPO_SLUG)",
                )
            })?;
        config.repository = Some(format!("{}/{name}", ws.trim()));
    }
    let token = flags
        .token
        .as_ref()
        .or(flags.password.as_ref())
        .or(flags.app_password.as_ref());
    let user = flags.user.as_ref().or(flags.username.as_ref());
    if token.is_none() && user.is_none() && flags.url.is_none() {
        return Ok(());
    }
    // The section of the provider the run reports to, never another's.
    let mut resolved = config.clone();
    testrelay::config::guide::apply_env(&mut resolved, &env);
    let provider = testrelay::provider::Registry::with_builtins()
        .resolve_name(&resolved.provider, &testrelay::detect(&env));
    if provider == "local" {
        return Err(Error::new(
            ErrorKind::Configuration,
            "--url, --token, --password, --app-password, --user and --username belong to a CI \
             provider: give --provider NAME (none was detected)",
        ));
    }
    let section = config.providers.entry(provider).or_default();
    if let Some(url) = &flags.url {
        section.api_url = Some(url.clone());
    }
    if let Some(token) = token {
        section.token = Some(testrelay::Secret::new(token.clone()));
    }
    if let Some(user) = user {
        section.user = Some(user.clone());
    }
    Ok(())
}

/// The configuration file at `path` (the defaults when `None`).
fn read_config(path: Option<&Path>) -> Result<Config, Error> {
    match path {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| Error::io("reading config", path, e))?;
            Config::from_json(&text)
                .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))
        }
        None => Ok(Config::default()),
    }
}

fn build_config(common: &Common) -> Result<Config, Error> {
    let mut config = read_config(common.config.as_deref())?;
    if let Some(dir) = &common.output_dir {
        config.output_dir = dir.clone();
    }
    if let Some(h) = &common.history {
        config.history_path = Some(h.clone());
    }
    if let Some(p) = &common.provider {
        config.provider = p.clone();
    }
    if let Some(n) = &common.name {
        config.run_name = n.clone();
    }
    if let Some(mode) = common.same_name_cases {
        config.same_name_cases = match mode {
            SameNameArg::Tests => SameNameCases::Tests,
            SameNameArg::Attempts => SameNameCases::Attempts,
        };
    }
    if !common.format.is_empty() {
        config.report_formats = ReportFormat::parse_list(&common.format.join(","))?;
    }
    apply_guide_flags(&mut config, &common.guide)?;
    config.validate()?;
    logger::configure(&config)?;
    Ok(config)
}

/// Expands each argument: an existing file as is, a directory to the reports
/// inside it, anything else as a glob pattern that must match something.
fn expand_inputs(args: &[String]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if path.is_file() {
            out.push(path.to_path_buf());
        } else if path.is_dir() {
            out.extend(find_reports(path)?);
        } else {
            let matches = glob::glob(arg)
                .map_err(|e| Error::invalid(format!("bad pattern `{arg}`: {e}")))?
                .filter_map(|m| m.ok())
                .filter(|p| p.is_file())
                .collect::<Vec<_>>();
            if matches.is_empty() {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("no report file matches `{arg}`; check the path or quote the pattern"),
                ));
            }
            out.extend(matches);
        }
    }
    Ok(out)
}

/// Every result file under `dir` (see [`report::is_report_input`]), sorted,
/// skipping files testrelay itself writes next to its reports.
fn find_reports(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io("listing", &d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io("listing", &d, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if report::is_report_input(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "no result file (*.xml, *.trx, *.json, *.jsonl) under {}",
                dir.display()
            ),
        ));
    }
    Ok(out)
}

/// The human summary of a finished run. Every value from the run goes
/// through [`line`], so it stays on its line; [`out::emit`] then makes the
/// whole text safe.
/// What the printed summary shows of a run's cases, taken before the run
/// goes to the Reporter: the first failures and the slowest cases.
struct Digest {
    failures: Vec<TestCase>,
    failure_count: usize,
    slowest: Vec<TestCase>,
}

impl Digest {
    fn of(run: &TestRun) -> Digest {
        Digest {
            failures: run.failures().take(20).cloned().collect(),
            failure_count: run.failures().count(),
            slowest: run.slowest(5).into_iter().cloned().collect(),
        }
    }
}

fn summary_text(digest: &Digest, summary: &RunSummary) -> String {
    let r = &summary.result;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} — {} tests: {} passed, {} failed, {} errors, {} skipped, {} flaky in {}",
        line(&summary.run_name),
        r.status.as_str().to_uppercase(),
        r.total_tests,
        r.passed_tests,
        r.failed_tests,
        r.error_tests,
        r.skipped_tests,
        r.flaky_tests,
        report::markdown::format_duration(r.duration_seconds)
    );
    if !digest.failures.is_empty() {
        s.push_str("\nFailures:\n");
        for case in &digest.failures {
            let location = match (&case.file, case.line) {
                (Some(f), Some(l)) => format!(" ({}:{l})", line(f)),
                (Some(f), None) => format!(" ({})", line(f)),
                _ => String::new(),
            };
            let _ = writeln!(
                s,
                "  {} [{}]{location}",
                line(&case.full_name()),
                case.status.as_str()
            );
            if let Some(first) = case.message.as_deref().and_then(|m| m.lines().next()) {
                let _ = writeln!(s, "      {}", line(&truncate(first, 200)));
            }
        }
        if digest.failure_count > 20 {
            let _ = writeln!(
                s,
                "  ... and {} more failures (see the reports)",
                digest.failure_count - 20
            );
        }
    }
    if !digest.slowest.is_empty() {
        s.push_str("\nSlowest:\n");
        for case in &digest.slowest {
            let _ = writeln!(
                s,
                "  {:>10}  {}",
                report::markdown::format_duration(case.duration_seconds),
                line(&case.full_name())
            );
        }
    }
    if let Some(perf) = &summary.performance {
        performance_text(&mut s, perf);
    }
    let _ = writeln!(s, "\nProvider: {}", line(&summary.provider));
    for path in &summary.reports {
        let _ = writeln!(s, "  wrote {}", line(&path.display().to_string()));
    }
    for d in &summary.delivered {
        let url = d
            .url
            .as_deref()
            .map(|u| format!(" ({})", line(u)))
            .unwrap_or_default();
        let _ = writeln!(s, "  delivered {}{url}", line(&d.operation));
    }
    for p in &summary.not_delivered {
        let pending = if p.pending {
            "; kept for `testrelay flush`"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  not delivered: {} ({}): {}{pending}",
            line(&p.operation),
            p.kind,
            line(&p.message)
        );
    }
    s
}

/// The performance lines of the summary: the counts, then each regression
/// and improvement (at most 20 lines).
fn performance_text(s: &mut String, perf: &testrelay::analysis::regressions::PerformanceReport) {
    use testrelay::analysis::regressions::{Verdict, sparkline};
    use testrelay::report::markdown::{number, p_text};
    let count = |v: Verdict| perf.comparisons.iter().filter(|c| c.verdict == v).count();
    let against = perf
        .baseline_branch
        .as_deref()
        .map_or_else(|| "any branch".to_string(), |b| line(b).into_owned());
    let _ = writeln!(
        s,
        "\nPerformance (against the last {} runs of {against}): {} regressions, {} improvements, {} unchanged, {} new",
        perf.baseline_runs,
        count(Verdict::Regression),
        count(Verdict::Improvement),
        count(Verdict::Unchanged),
        count(Verdict::New)
    );
    let notable: Vec<_> = perf
        .comparisons
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Regression | Verdict::Improvement))
        .collect();
    for c in notable.iter().take(20) {
        let word = if c.verdict == Verdict::Regression {
            "REGRESSION "
        } else {
            "improvement"
        };
        let test = c
            .test_name
            .as_deref()
            .or(c.test_id.as_deref())
            .map(|t| format!(" [{}]", line(t)))
            .unwrap_or_default();
        let unit = if c.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", line(&c.unit))
        };
        let _ = writeln!(
            s,
            "  {word} {}{test}: {} → {}{unit} ({}, p {}) {}",
            line(&c.name),
            c.baseline.map_or_else(|| "—".to_string(), number),
            number(c.now),
            c.change_pct
                .map_or_else(|| "—".to_string(), |p| format!("{p:+.1}%")),
            c.p_value.map_or_else(|| "—".to_string(), p_text),
            sparkline(&c.recent)
        );
    }
    if notable.len() > 20 {
        let _ = writeln!(s, "  ... and {} more (see the reports)", notable.len() - 20);
    }
}

/// A value shown inside one line of human output: control characters
/// (line breaks included) made visible.
fn line(text: &str) -> std::borrow::Cow<'_, str> {
    testrelay::text::visible_line(text)
}

/// `s` cut to `max` characters, with `…` when something was cut.
fn truncate(s: &str, max: usize) -> String {
    let shown = testrelay::text::head_chars(s, max);
    if shown.len() < s.len() {
        format!("{shown}…")
    } else {
        s.to_string()
    }
}
