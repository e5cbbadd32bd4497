//! `testrelay`: the command-line tool for harnesses that can only write
//! JUnit XML. See `testrelay --help` and the README.
//!
//! Exit codes: 0 success; 1 the tests failed (as `--fail-on` decides);
//! 2 a user error (bad arguments, unreadable or malformed input, bad config);
//! 3 an internal error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use testrelay::provider::{Registry, RunContext};
use testrelay::publish::{Publication, publish};
use testrelay::report::{self, aggregate};
use testrelay::{Config, Error, ErrorKind, ReportFormat, TestRun};

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
    /// Read JUnit XML (or CTRF JSON) reports, write the chosen report
    /// formats, hand the run to the CI provider and print a summary.
    Report {
        /// Report files, directories or glob patterns (e.g. 'target/*.xml').
        #[arg(required = true)]
        files: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Merge the reports of parallel shards found under a directory into one
    /// run (a test failing in one shard and passing in another is flaky).
    Aggregate {
        /// Directory searched recursively for *.xml and *.json reports.
        #[arg(long)]
        report_dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
struct Common {
    /// JSON configuration file (keys as in the README); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where reports are written [default: test_results].
    #[arg(long)]
    output_dir: Option<PathBuf>,
    /// CI provider: auto, local, ... [default: auto].
    #[arg(long)]
    provider: Option<String>,
    /// Report formats to write (repeat or comma-separate) [default: all].
    #[arg(long, value_delimiter = ',')]
    format: Vec<FormatArg>,
    /// Run name shown in reports and the CI.
    #[arg(long)]
    name: Option<String>,
    /// When to exit with status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Failures)]
    fail_on: FailOn,
    /// Print the run result as JSON on stdout instead of the summary table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Junit,
    Json,
    Html,
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit 1 when any test failed or errored.
    Failures,
    /// Exit 1 only when a test errored (crashed, could not run).
    Errors,
    /// Always exit 0 once the reports are written.
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report { files, common } => {
            expand_inputs(&files).and_then(|paths| load_and_report(&paths, &common))
        }
        Command::Aggregate { report_dir, common } => {
            find_reports(&report_dir).and_then(|paths| load_and_report(&paths, &common))
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("testrelay: {err}");
            if err.kind() == ErrorKind::Internal {
                ExitCode::from(3)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

fn load_and_report(paths: &[PathBuf], common: &Common) -> Result<ExitCode, Error> {
    let config = build_config(common)?;
    let runs = paths
        .iter()
        .map(|p| report::load_report(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut run = aggregate::merge_runs(runs);
    run.name = config.run_name.clone();
    run.run_key = config
        .test_run_id
        .clone()
        .unwrap_or_else(|| format!("{}-{}", config.run_name, testrelay::time::now_unix_ms()));
    let ctx = RunContext {
        run_key: run.run_key.clone(),
        name: run.name.clone(),
        repository: config.repository.clone(),
        commit_sha: config.commit_sha.clone(),
        branch: config.branch.clone(),
        pr_number: config.pr_number,
        build_url: None,
    };
    let provider = Registry::with_builtins().create(&config.provider, &config)?;
    let publication = publish(&run, &config, provider.as_ref(), &ctx)?;
    if common.json {
        let out = serde_json::json!({ "result": run.result(), "publication": publication });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_summary(&run, &publication);
    }
    let c = run.counts();
    let failed = match common.fail_on {
        FailOn::Failures => c.failed + c.errors > 0,
        FailOn::Errors => c.errors > 0,
        FailOn::Never => false,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn build_config(common: &Common) -> Result<Config, Error> {
    let mut config = match &common.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| Error::io("reading config", path, e))?;
            Config::from_json(&text)
                .map_err(|e| Error::new(e.kind(), format!("{}: {}", path.display(), e.message())))?
        }
        None => Config::default(),
    };
    if let Some(dir) = &common.output_dir {
        config.output_dir = dir.clone();
    }
    if let Some(p) = &common.provider {
        config.provider = p.clone();
    }
    if let Some(n) = &common.name {
        config.run_name = n.clone();
    }
    if !common.format.is_empty() {
        config.report_formats = common
            .format
            .iter()
            .map(|f| match f {
                FormatArg::Junit => ReportFormat::Junit,
                FormatArg::Json => ReportFormat::Json,
                FormatArg::Html => ReportFormat::Html,
                FormatArg::Markdown => ReportFormat::Markdown,
            })
            .collect();
    }
    config.validate()?;
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

/// Every `*.xml` and `*.json` report under `dir`, sorted, skipping files
/// testrelay itself writes next to its reports.
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
            format!("no *.xml or *.json report under {}", dir.display()),
        ));
    }
    Ok(out)
}

fn print_summary(run: &TestRun, publication: &Publication) {
    let c = run.counts();
    println!(
        "{}: {} — {} tests: {} passed, {} failed, {} errors, {} skipped, {} flaky in {}",
        run.name,
        run.status.as_str().to_uppercase(),
        c.total,
        c.passed,
        c.failed,
        c.errors,
        c.skipped,
        c.flaky,
        report::markdown::format_duration(run.duration_seconds)
    );
    let failures: Vec<_> = run.failures().collect();
    if !failures.is_empty() {
        println!("\nFailures:");
        for case in failures.iter().take(20) {
            let location = match (&case.file, case.line) {
                (Some(f), Some(l)) => format!(" ({f}:{l})"),
                (Some(f), None) => format!(" ({f})"),
                _ => String::new(),
            };
            println!(
                "  {} [{}]{location}",
                case.full_name(),
                case.status.as_str()
            );
            if let Some(first) = case.message.as_deref().and_then(|m| m.lines().next()) {
                println!("      {}", truncate(first, 200));
            }
        }
        if failures.len() > 20 {
            println!(
                "  ... and {} more failures (see the reports)",
                failures.len() - 20
            );
        }
    }
    let slowest = run.slowest(5);
    if !slowest.is_empty() {
        println!("\nSlowest:");
        for case in slowest {
            println!(
                "  {:>10}  {}",
                report::markdown::format_duration(case.duration_seconds),
                case.full_name()
            );
        }
    }
    println!("\nProvider: {}", publication.provider);
    for path in &publication.reports {
        println!("  wrote {}", path.display());
    }
    for p in &publication.problems {
        println!(
            "  not delivered: {} ({}): {}",
            p.operation, p.kind, p.message
        );
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
