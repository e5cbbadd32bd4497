//! `testrelay dashboard`: the history as one self-contained HTML page
//! ([`testrelay::report::dashboard`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use testrelay::fsutil::{create_dir_all, write_atomic};
use testrelay::history::DashboardQuery;
use testrelay::report::dashboard::write_dashboard;
use testrelay::time::now_unix_ms;
use testrelay::{Config, Error};

use crate::history_cmd::{Db, parse_since};

/// The dashboard's file name in the output directory.
pub const DASHBOARD_FILE: &str = "dashboard.html";

/// `testrelay dashboard`.
#[derive(Args)]
pub struct DashboardCmd {
    /// Directory the page is written to, as `dashboard.html`
    /// [default: test_results].
    #[arg(long, alias = "output-dir", value_name = "DIR")]
    output: Option<PathBuf>,
    /// Only runs on this branch.
    #[arg(long)]
    branch: Option<String>,
    /// Only runs started in the last DURATION (e.g. 30d, 12h, 2w) or since
    /// DATE (RFC 3339 or YYYY-MM-DD) [default: every run].
    #[arg(long, value_name = "DURATION|DATE")]
    since: Option<String>,
    /// Compare the latest run with this branch's latest run before it
    /// [default: its pull request's base branch, else the previous run on
    /// its branch].
    #[arg(long, value_name = "BRANCH")]
    base: Option<String>,
    /// Rows in the flakiest and slowest lists, and metrics shown.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    top: u64,
    /// How many of each test's latest runs the flakiness score looks at.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    window: u64,
    #[command(flatten)]
    db: Db,
}

impl DashboardCmd {
    /// Reads the history and writes the page; prints where it went.
    pub fn run(self) -> Result<ExitCode, Error> {
        let now = now_unix_ms();
        let since_ms = match &self.since {
            Some(s) => Some(parse_since(s, now)?),
            None => None,
        };
        let history = self.db.open_existing()?;
        let data = history.dashboard_data(&DashboardQuery {
            branch: self.branch,
            since_ms,
            until_ms: None,
            base_branch: self.base,
            top: self.top as usize,
            flaky_window: self.window as usize,
        })?;
        let dir = self.output.unwrap_or_else(|| Config::default().output_dir);
        create_dir_all(&dir)?;
        let path = dir.join(DASHBOARD_FILE);
        write_atomic(&path, |w| write_dashboard(&data, now, w))?;
        crate::out::emit(&format!(
            "Wrote {} ({} runs, {} tests, {} flaky, {} metrics).\n",
            path.display(),
            data.total_runs,
            data.distinct_tests,
            data.flaky.len(),
            data.metrics_total
        ))
    }
}
