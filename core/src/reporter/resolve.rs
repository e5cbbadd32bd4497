//! Where a run's settings come from: explicit configuration first, then the
//! `TESTRELAY_*` environment variables, then what detection found about the
//! CI, then defaults. `Reporter::start` and `flush` both go through here, so
//! a run delivered late by `testrelay flush` uses the same token and API URL
//! as the session that began it.

use crate::config::{Config, Secret};
use crate::detect::{CiSystem, Detection, Env, normalize_branch};
use crate::error::{Error, ErrorKind, Result};
use crate::provider::RunContext;

/// The environment variables that configure a run without a file, each with
/// the configuration key it sets. They fill only keys the configuration
/// leaves unset.
pub const ENV_VARIABLES: [(&str, &str); 6] = [
    ("TESTRELAY_API_TOKEN", "api_token"),
    ("TESTRELAY_API_URL", "api_url"),
    ("TESTRELAY_REPOSITORY", "repository"),
    ("TESTRELAY_COMMIT_SHA", "commit_sha"),
    ("TESTRELAY_BRANCH", "branch"),
    ("TESTRELAY_PR_NUMBER", "pr_number"),
];

/// The variables a provider's users already keep its token in, read when
/// that provider is chosen explicitly outside its own CI (inside it,
/// detection names the CI's job token variable).
fn conventional_token_variables(provider: &str) -> &'static [&'static str] {
    match provider {
        "github" => &["GITHUB_TOKEN", "GH_TOKEN"],
        _ => &[],
    }
}

/// Fills what `config` leaves unset from `env` and `det`, for the provider
/// `provider` (already resolved from `auto`).
///
/// Errors: `Configuration` when `TESTRELAY_PR_NUMBER` is not a number.
pub(crate) fn fill_config(
    mut config: Config,
    provider: &str,
    det: &Detection,
    env: &Env,
) -> Result<Config> {
    let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).map(str::to_string);
    if config.api_token.is_none() {
        config.api_token = var("TESTRELAY_API_TOKEN")
            .or_else(|| det.token_env.and_then(var))
            .or_else(|| {
                conventional_token_variables(provider)
                    .iter()
                    .find_map(|name| var(name))
            })
            .map(Secret::new);
    }
    if det.ci == Some(CiSystem::GithubActions) {
        config.job_summary_path = config
            .job_summary_path
            .or_else(|| var("GITHUB_STEP_SUMMARY").map(std::path::PathBuf::from));
        config.workflow_commands = config.workflow_commands.or(Some(true));
    }
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
    config.api_url = config
        .api_url
        .or_else(|| var("TESTRELAY_API_URL"))
        .or_else(|| det.api_url.clone());
    Ok(config)
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::detect;

    fn fill(config: Config, provider: &str, env: Env) -> Result<Config> {
        let det = detect(&env);
        fill_config(config, provider, &det, &env)
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
        let c = fill(config, "github", env).unwrap();
        assert_eq!(c.api_token.as_ref().map(Secret::expose), Some("t0k"));
        assert_eq!(c.api_url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(c.repository.as_deref(), Some("explicit/repo"));
        assert_eq!(c.commit_sha.as_deref(), Some("abc"));
        assert_eq!(c.branch.as_deref(), Some("main"));
        assert_eq!(c.pr_number, Some(12));
    }

    #[test]
    fn github_token_is_read_for_an_explicit_github_provider_outside_actions() {
        let env = Env::new().with_var("GH_TOKEN", "gh-cli-token");
        let c = fill(Config::default(), "github", env.clone()).unwrap();
        assert_eq!(
            c.api_token.as_ref().map(Secret::expose),
            Some("gh-cli-token")
        );
        let local = fill(Config::default(), "local", env).unwrap();
        assert!(local.api_token.is_none());
    }

    #[test]
    fn a_bad_pr_number_is_a_configuration_error_naming_the_variable() {
        let env = Env::new().with_var("TESTRELAY_PR_NUMBER", "seven");
        let err = fill(Config::default(), "github", env).unwrap_err();
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
