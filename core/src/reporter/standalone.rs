//! Recording a metric outside a Reporter session (`testrelay metric
//! record`, for shell steps): into the history, under the run that `report`
//! or `run` in the same CI job reports.
//!
//! The run is the one a Reporter with the same configuration would open:
//! its key comes from `test_run_id`, else from the CI build (see
//! `resolve::run_context`), so a shell step and the `report` of one job
//! name the same run. When the history has no such run yet, it is created
//! as `pending` with the build's identity (commit, branch, pull request);
//! the Reporter that later opens it keeps the metrics recorded so far, and
//! compares them with their baseline like its own. When the run is already
//! there (reported earlier in the job), the metric is added to it.

use serde::Serialize;

use super::resolve;
use crate::config::Config;
use crate::detect::{Env, detect};
use crate::error::{Error, ErrorKind, Result};
use crate::history::History;
use crate::model::{Metric, RunStatus};

/// Where [`record_metric`] put the metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricReceipt {
    /// The run it belongs to.
    pub run_key: String,
    /// True when the run was created for it (as `pending`).
    pub created_run: bool,
    /// The test id it is tied to (a name given is resolved to the id).
    pub test_id: Option<String>,
    /// The unit stored.
    pub unit: String,
}

/// Records `metric` into `config`'s history under the run of this build
/// (see the module docs). An empty unit is taken from the name's suffix
/// ([`crate::report::metrics::unit_from_name`]); a `test_id` that is not a
/// stored test id but names exactly one stored test is replaced by that
/// test's id.
///
/// Errors: `Configuration` for an invalid configuration or when the
/// history is off; `InvalidArgument` for an empty name, a non-finite value,
/// or when neither `test_run_id` nor a CI build identifies the run;
/// `Database` when the history cannot be read or written.
pub fn record_metric(config: Config, env: &Env, mut metric: Metric) -> Result<MetricReceipt> {
    config.validate()?;
    if metric.name.trim().is_empty() {
        return Err(Error::invalid("the metric name is empty"));
    }
    if !metric.value.is_finite() {
        return Err(Error::invalid(format!(
            "metric `{}` has a non-finite value",
            metric.name
        )));
    }
    let Some(path) = config.history_path.clone() else {
        return Err(Error::new(
            ErrorKind::Configuration,
            "the history is off (`history_path` is null); metrics are recorded into the history",
        ));
    };
    let detection = detect(env);
    let config = resolve::fill_config(config, &detection, env)?;
    if config.test_run_id.is_none() && (detection.ci.is_none() || detection.build_id.is_none()) {
        return Err(Error::invalid(
            "no CI build identifies the run to record into: set `test_run_id` in the \
             configuration (the same file `report` or `run` uses), so both name the same run",
        ));
    }
    let ctx = resolve::run_context(&config, &detection);
    let mut history = History::open(&path)?;
    let created_run = history.find_run(&ctx.run_key)?.is_none();
    if created_run {
        history.begin_run(&resolve::run_record(
            &ctx,
            &detection,
            "",
            RunStatus::Pending,
        ))?;
    }
    if let Some(test) = metric.test_id.take().filter(|t| !t.is_empty()) {
        let by_name = history.test_ids_by_name(std::slice::from_ref(&test))?;
        metric.test_id = Some(by_name.get(&test).cloned().unwrap_or(test));
    }
    if metric.unit.trim().is_empty() {
        metric.unit = crate::report::metrics::unit_from_name(&metric.name).to_string();
    }
    history.record_performance_metric(
        &ctx.run_key,
        metric.test_id.as_deref(),
        &metric.name,
        metric.value,
        metric.unit.trim(),
    )?;
    Ok(MetricReceipt {
        run_key: ctx.run_key,
        created_run,
        test_id: metric.test_id,
        unit: metric.unit.trim().to_string(),
    })
}

/// The metrics recorded by [`record_metric`] into the run `run_key` before
/// a Reporter opened it: those of a stored run that is still `pending`.
/// Empty when there is no such run.
///
/// Errors: `Database` when reading fails.
pub(super) fn pending_metrics(history: &History, run_key: &str) -> Result<Vec<Metric>> {
    match history.find_run(run_key)? {
        Some(run) if run.run.status == RunStatus::Pending => history.run_metrics(run_key),
        _ => Ok(Vec::new()),
    }
}
