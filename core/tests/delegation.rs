//! A CI that hosts no code delivers its commit status and PR comment to the
//! code host detection names, with that host's own token and base URL; the
//! CI's own provider never sees the code host's token, and without one the
//! receipt says once which token would add them.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use testrelay::detect::Env;
use testrelay::provider::{
    ArtifactRef, Capabilities, CiProvider, Registry, RunContext, RunHandle, RunUpdate,
};
use testrelay::{
    CaseStatus, Config, Error, ErrorKind, ProviderSettings, Reporter, Result, TestCase,
    TestRunResult,
};
use testrelay_ci_sim::Simulator;

const GITHUB_TOKEN: &str = "ghs_delegated_token_4242";

/// A CI that only runs builds: it records what it is asked and sees only
/// its own configuration.
struct BuildsOnly(Arc<Mutex<Vec<String>>>);

impl CiProvider for BuildsOnly {
    fn name(&self) -> &str {
        "builds-only"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        self.0.lock().unwrap().push("create".into());
        Ok(RunHandle {
            external_id: ctx.run_key.clone(),
            url: None,
        })
    }
    fn update_test_run(&self, _: &RunContext, _: &RunHandle, _: &RunUpdate<'_>) -> Result<()> {
        Ok(())
    }
    fn close(&self, _: &RunContext, _: &RunHandle, _: &RunUpdate<'_>) -> Result<()> {
        self.0.lock().unwrap().push("close".into());
        Ok(())
    }
    fn upload_artifact(
        &self,
        _: &RunContext,
        _: Option<&RunHandle>,
        _: &Path,
        _: &str,
    ) -> Result<ArtifactRef> {
        Err(Error::unsupported("no artifact store"))
    }
    fn get_artifact_url(&self, _: &RunContext, _: Option<&RunHandle>, _: &str) -> Result<String> {
        Err(Error::unsupported("no artifact store"))
    }
    fn get_test_run_status(&self, _: &RunContext, _: &RunHandle) -> Result<TestRunResult> {
        Err(Error::unsupported("no state"))
    }
}

fn start(config: Config, env: Env, seen: Arc<Mutex<Vec<String>>>) -> testrelay::RunSummary {
    let mut registry = Registry::with_builtins();
    let configs = seen.clone();
    registry.register("builds-only", move |config: &Config| {
        // What the CI's own provider is given: never the code host's token.
        configs.lock().unwrap().push(format!("{config:?}"));
        Ok(Box::new(BuildsOnly(configs.clone())))
    });
    let reporter = Reporter::builder(Config {
        provider: "builds-only".into(),
        ..config
    })
    .registry(registry)
    .env(env)
    .start()
    .unwrap();
    let mut failed = TestCase::new("s", "c", "breaks", CaseStatus::Failed);
    failed.message = Some("boom".into());
    reporter.record(failed).unwrap();
    reporter.finish(Duration::from_secs(60)).unwrap()
}

fn base(dir: &Path) -> Config {
    Config {
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        commit_sha: Some("abc123".into()),
        pr_number: Some(5),
        ..Config::default()
    }
}

#[test]
fn statuses_and_comments_go_to_the_detected_code_host_with_its_own_token() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = base(dir.path());
    config.providers.insert(
        "github".into(),
        ProviderSettings {
            api_url: Some(sim.url()),
            ..ProviderSettings::default()
        },
    );
    let env = Env::new()
        .with_var("JENKINS_URL", "http://jenkins.internal/")
        .with_var("BUILD_ID", "17")
        .with_var("GIT_URL", "https://github.com/octo/app.git")
        .with_var("GITHUB_TOKEN", GITHUB_TOKEN);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let summary = start(config, env, seen.clone());
    let gh = sim.github();
    assert_eq!(gh.statuses.len(), 1, "{:?}", summary.not_delivered);
    assert_eq!(gh.statuses[0].state, "failure");
    assert_eq!(gh.comments.len(), 1);
    assert!(gh.comments[0].body.contains("breaks"));
    assert!(gh.check_runs.is_empty(), "the run stays the CI's");
    for r in sim.requests() {
        assert!(r.path.starts_with("/repos/octo/app/"), "{}", r.path);
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {GITHUB_TOKEN}").as_str())
        );
    }
    let seen = seen.lock().unwrap();
    assert!(seen.contains(&"create".to_string()) && seen.contains(&"close".to_string()));
    assert!(seen.iter().all(|s| !s.contains(GITHUB_TOKEN)));
}

#[test]
fn without_a_code_host_token_the_receipt_says_which_would_add_them() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::new()
        .with_var("JENKINS_URL", "http://jenkins.internal/")
        .with_var("BUILD_ID", "17")
        .with_var("GIT_URL", "https://github.com/octo/app.git");
    let summary = start(base(dir.path()), env, Arc::new(Mutex::new(Vec::new())));
    let said: Vec<_> = summary
        .not_delivered
        .iter()
        .filter(|n| n.operation.contains("status") || n.operation.contains("comment"))
        .collect();
    assert_eq!(said.len(), 1, "said once: {:?}", summary.not_delivered);
    assert_eq!(said[0].operation, "status, comment");
    assert_eq!(said[0].kind, ErrorKind::Unsupported);
    assert!(!said[0].pending);
    assert!(
        said[0].message.contains("GITHUB_TOKEN"),
        "{}",
        said[0].message
    );
}
