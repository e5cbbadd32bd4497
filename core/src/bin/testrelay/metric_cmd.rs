//! `testrelay metric record`: a metric from a shell step, into the history
//! under the run of this CI job (see `testrelay::reporter::record_metric`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use testrelay::model::Metric;
use testrelay::{Env, Error};

/// `testrelay metric`.
#[derive(Args)]
pub struct MetricCmd {
    #[command(subcommand)]
    action: MetricAction,
}

#[derive(Subcommand)]
enum MetricAction {
    /// Record one value: under the run `report`/`run` of this CI job
    /// reports (the configuration's `test_run_id`, else the CI build), to
    /// be compared with its baseline when that run is reported.
    Record {
        /// Metric name, e.g. `latency_ms` (the unit follows from suffixes
        /// such as `_ms`, `_bytes`, `_ops` unless --unit is given).
        name: String,
        /// The measured value.
        #[arg(allow_negative_numbers = true)]
        value: f64,
        /// Unit, e.g. `ms`, `MiB`, `ops/s`.
        #[arg(long)]
        unit: Option<String>,
        /// The test it belongs to: a test id, or a name the history knows
        /// (`classname.name`); none for the run as a whole.
        #[arg(long, value_name = "ID")]
        test: Option<String>,
        /// JSON configuration file (the one `report`/`run` use).
        #[arg(long)]
        config: Option<PathBuf>,
        /// History database [default: .testrelay/history.db].
        #[arg(long)]
        history: Option<PathBuf>,
        /// Run name, as given to `report`/`run` with --name.
        #[arg(long = "name", value_name = "RUN_NAME")]
        run_name: Option<String>,
        /// Print JSON instead of the one-line receipt.
        #[arg(long)]
        json: bool,
    },
}

impl MetricCmd {
    /// Runs the command.
    pub fn run(self) -> Result<ExitCode, Error> {
        let MetricAction::Record {
            name,
            value,
            unit,
            test,
            config,
            history,
            run_name,
            json,
        } = self.action;
        let mut config = super::read_config(config.as_deref())?;
        if let Some(h) = history {
            config.history_path = Some(h);
        }
        if let Some(n) = run_name {
            config.run_name = n;
        }
        let metric = Metric {
            name,
            value,
            unit: unit.unwrap_or_default(),
            test_id: test,
            recorded_at: String::new(),
        };
        let receipt = testrelay::reporter::record_metric(config, &Env::from_process(), metric)?;
        if json {
            super::out::emit_json(&receipt)?;
        } else {
            let created = if receipt.created_run {
                " (new, pending until reported)"
            } else {
                ""
            };
            super::out::emit(&format!(
                "recorded into run {}{created}\n",
                super::line(&receipt.run_key)
            ))?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
