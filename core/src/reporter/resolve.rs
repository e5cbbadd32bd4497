//! Where a run's identity comes from: explicit configuration first, then the
//! `TESTRELAY_*` environment variables, then what detection found about the
//! CI, then defaults. `Reporter::start` and `flush` both go through here.
//! Which API URL and token each provider gets is decided by
//! [`crate::provider::endpoint`], which reads `TESTRELAY_API_TOKEN` and
//! `TESTRELAY_API_URL` for the provider the run reports to.

use crate::config::Config;
use crate::detect::{Detection, Env};
use crate::error::{Error, ErrorKind, Result};
use crate::model::normalize_branch;
use crate::provider::RunContext;

/// The environment variables that configure a run without a file, each with
/// the configuration key it stands for. They fill only keys the
/// configuration leaves unset; the token and API URL apply to the provider
/// the run reports to, never to a delegated code host.
pub const ENV_VARIABLES: [(&str, &str); 6] = [
    ("TESTRELAY_API_TOKEN", "api_token"),
    ("TESTRELAY_API_URL", "api_url"),
    ("TESTRELAY_REPOSITORY", "repository"),
    ("TESTRELAY_COMMIT_SHA", "commit_sha"),
    ("TESTRELAY_BRANCH", "branch"),
    ("TESTRELAY_PR_NUMBER", "pr_number"),
];

/// Fills the run's identity that `config` leaves unset from `env` and `det`.
///
/// Errors: `Configuration` when `TESTRELAY_PR_NUMBER` is not a number, or
/// the shared history (`history_url`, else `TESTRELAY_HISTORY_URL`) is not
/// a PostgreSQL URL or comes without `history_path`; `Unsupported` for a
/// shared history in a build without the `postgres` feature.
pub(crate) fn fill_config(mut config: Config, det: &Detection, env: &Env) -> Result<Config> {
    let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).map(str::to_string);
    if config.history_url.is_none() {
        config.history_url =
            var(crate::history::HISTORY_URL_VARIABLE).map(crate::config::Secret::new);
    }
    check_history_url(&config)?;
    config.repository = config
        .repository
        .or_else(|| var("TESTRELAY_REPOSITORY"))
        .or_else(|| det.repository.clone());
    config.commit_sha = config
        .commit_sha
        .or_else(|| var("TESTRELAY_COMMIT_SHA"))
        .or_else(|| det.commit_sha.clone());
    config.branch = config
        .branch
        .or_else(|| var("TESTRELAY_BRANCH"))
        .as_deref()
        .map(normalize_branch)
        .or_else(|| det.branch.clone());
    if config.pr_number.is_none() {
        config.pr_number = match var("TESTRELAY_PR_NUMBER") {
            Some(text) => Some(text.trim().parse().map_err(|_| {
                Error::new(
                    ErrorKind::Configuration,
                    format!("TESTRELAY_PR_NUMBER must be a number, got {text:?}"),
                )
            })?),
            None => det.pr_number,
        };
    }
    Ok(config)
}

/// A shared history must be a PostgreSQL URL, in a build that has the
/// backend, beside a local history file (which keeps the run, and the
/// outbox, whatever happens to the shared one).
fn check_history_url(config: &Config) -> Result<()> {
    let Some(url) = &config.history_url else {
        return Ok(());
    };
    if !crate::history::is_database_url(url.expose()) {
        return Err(Error::new(
            ErrorKind::Configuration,
            "history_url (or TESTRELAY_HISTORY_URL) must be a postgres:// URL; a history \
             file goes in history_path",
        ));
    }
    if cfg!(not(feature = "postgres")) {
        return Err(crate::history::unsupported_url(
            "history_url or TESTRELAY_HISTORY_URL",
        ));
    }
    if config.history_path.is_none() {
        return Err(Error::new(
            ErrorKind::Configuration,
            "history_url needs history_path: the run is kept in the local history file and \
             recorded from there into the shared history; set history_path",
        ));
    }
    Ok(())
}

/// The run's identity: the explicit `test_run_id`, else one derived from the
/// CI build (`<ci>-<build>[-<job>][-shard<i>]-<run name>`, the same in a
/// retried job), else one unique to this process.
pub(crate) fn run_context(config: &Config, det: &Detection) -> RunContext {
    let run_key = config
        .test_run_id
        .clone()
        .unwrap_or_else(|| match (det.ci, &det.build_id) {
            (Some(ci), Some(build)) => {
                let mut key = format!("{}-{build}", ci.id());
                if let Some(job) = det.job_id.as_deref().or(det.job_name.as_deref()) {
                    key.push('-');
                    key.push_str(job);
                }
                if let Some(i) = det.shard_index {
                    key.push_str(&format!("-shard{i}"));
                }
                key.push('-');
                key.push_str(&config.run_name);
                key
            }
            _ => format!(
                "{}-{}-{}",
                config.run_name,
                crate::time::now_unix_ms(),
                std::process::id()
            ),
        });
    RunContext {
        run_key,
        name: config.run_name.clone(),
        repository: config.repository.clone(),
        commit_sha: config.commit_sha.clone(),
        branch: config.branch.clone(),
        pr_number: config.pr_number,
        build_url: det.build_url.clone(),
        build_id: det.build_id.clone(),
        pr_repository: det.pr_repository.clone(),
    }
}

/// The history's row for a run starting now in `status`: its identity from
/// `ctx`, its CI build and shard from `det`.
pub(crate) fn run_record(
    ctx: &RunContext,
    det: &Detection,
    provider: &str,
    status: crate::model::RunStatus,
) -> crate::history::RunRecord {
    crate::history::RunRecord {
        run_key: ctx.run_key.clone(),
        name: ctx.name.clone(),
        provider: provider.to_string(),
        repository: ctx.repository.clone(),
        commit_sha: ctx.commit_sha.clone(),
        branch: ctx.branch.clone(),
        pr_number: ctx.pr_number,
        build_url: ctx.build_url.clone(),
        base_branch: det.base_branch.clone(),
        build_id: det.build_id.clone(),
        shard_index: det.shard_index,
        shard_total: det.shard_total,
        status,
        ..crate::history::RunRecord::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::detect;

    fn fill(config: Config, env: Env) -> Result<Config> {
        let det = detect(&env);
        fill_config(config, &det, &env)
    }

    #[test]
    fn testrelay_variables_fill_unset_keys_only() {
        let env = Env::new()
            .with_var("TESTRELAY_API_TOKEN", "t0k")
            .with_var("TESTRELAY_API_URL", "http://127.0.0.1:9")
            .with_var("TESTRELAY_REPOSITORY", "octo/app")
            .with_var("TESTRELAY_COMMIT_SHA", "abc")
            .with_var("TESTRELAY_BRANCH", "refs/heads/main")
            .with_var("TESTRELAY_PR_NUMBER", "12");
        let config = Config {
            repository: Some("explicit/repo".into()),
            ..Config::default()
        };
        let c = fill(config, env).unwrap();
        assert_eq!(c.repository.as_deref(), Some("explicit/repo"));
        assert_eq!(c.commit_sha.as_deref(), Some("abc"));
        assert_eq!(c.branch.as_deref(), Some("main"));
        assert_eq!(c.pr_number, Some(12));
    }

    #[test]
    fn a_bad_pr_number_is_a_configuration_error_naming_the_variable() {
        let env = Env::new().with_var("TESTRELAY_PR_NUMBER", "seven");
        let err = fill(Config::default(), env).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.message().contains("TESTRELAY_PR_NUMBER"), "{err}");
    }

    #[test]
    fn a_build_derived_key_is_stable_across_retries() {
        let env = Env::new()
            .with_var("GITHUB_ACTIONS", "true")
            .with_var("GITHUB_RUN_ID", "99")
            .with_var("GITHUB_JOB", "test");
        let first = run_context(&Config::default(), &detect(&env));
        let retried = env.with_var("GITHUB_RUN_ATTEMPT", "2");
        let second = run_context(&Config::default(), &detect(&retried));
        assert_eq!(first.run_key, "github_actions-99-test-testrelay");
        assert_eq!(second.run_key, first.run_key);
    }
}
