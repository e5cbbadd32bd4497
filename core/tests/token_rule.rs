//! The token rule, as a table: for every one of the 18 CI environments
//! detection knows and every provider, the base URL a provider gets and
//! whether a token goes with it. Each environment carries its own CI's
//! API variables pointing at an internal plain-http server; only the
//! vendor's own CI may hand its URL to that vendor's provider.

use std::net::TcpListener;
use std::process::Command;

use testrelay::detect::{CiSystem, Env, detect};
use testrelay::provider::endpoint::resolve;
use testrelay::provider::{Registry, TokenKind, UrlOrigin};
use testrelay::{Config, ErrorKind, ProviderSettings, Secret};

const GITHUB_TOKEN: &str = "ghp_tokenrule0123456789";
const GITLAB_TOKEN: &str = "glpat-tokenrule0123456789";
const JOB_TOKEN: &str = "glcbt-jobtoken0123456789";
const JENKINS_TOKEN: &str = "jenkins-tokenrule-0123";
const TEAMCITY_TOKEN: &str = "teamcity-tokenrule-0123";
const CIRCLE_TOKEN: &str = "circle-tokenrule-0123";
const TRAVIS_TOKEN: &str = "travis-tokenrule-0123";
const AZURE_PAT: &str = "azpat-tokenrule0123456789";
const BITBUCKET_TOKEN: &str = "bbat-tokenrule0123456789";
const AZURE_JOB_TOKEN: &str = "eyJ0eXAi.eyJzdWIi.tokenrule";

/// The variables that make detection see `ci`, with that CI's own API URL
/// variables (where it has any) pointing at an internal http server.
fn ci_env(ci: CiSystem) -> Vec<(&'static str, &'static str)> {
    match ci {
        CiSystem::GithubActions => vec![
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "octo/app"),
            ("GITHUB_API_URL", "http://ghes.internal/api/v3"),
            ("GITHUB_SERVER_URL", "https://github.com"),
        ],
        CiSystem::GitlabCi => vec![
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "group/app"),
            ("CI_API_V4_URL", "http://gitlab.internal/api/v4"),
            ("CI_SERVER_HOST", "gitlab.com"),
        ],
        CiSystem::Woodpecker => vec![("CI", "woodpecker")],
        CiSystem::AzurePipelines => vec![
            ("TF_BUILD", "True"),
            ("SYSTEM_COLLECTIONURI", "http://azure.internal/org/"),
        ],
        CiSystem::Circleci => vec![("CIRCLECI", "true")],
        CiSystem::TravisCi => vec![("TRAVIS", "true")],
        CiSystem::BitbucketPipelines => vec![("BITBUCKET_BUILD_NUMBER", "7")],
        CiSystem::Buildkite => vec![("BUILDKITE", "true")],
        CiSystem::Appveyor => vec![("APPVEYOR", "True")],
        CiSystem::Drone => vec![("DRONE", "true")],
        CiSystem::Semaphore => vec![("SEMAPHORE", "true")],
        CiSystem::CirrusCi => vec![("CIRRUS_CI", "true")],
        CiSystem::Codefresh => vec![("CF_BUILD_ID", "5")],
        CiSystem::Bitrise => vec![("BITRISE_IO", "true")],
        CiSystem::Buddy => vec![("BUDDY", "true")],
        CiSystem::AwsCodebuild => vec![("CODEBUILD_BUILD_ID", "p:1")],
        CiSystem::Teamcity => vec![
            ("TEAMCITY_VERSION", "2024.1"),
            ("TEAMCITY_SERVER_URL", "http://teamcity.internal/"),
        ],
        CiSystem::Jenkins => vec![
            ("JENKINS_URL", "http://jenkins.internal/"),
            ("BUILD_ID", "17"),
        ],
    }
}

fn env_for(ci: CiSystem, tokens: &[(&'static str, &'static str)]) -> Env {
    let mut env = Env::new();
    for (k, v) in ci_env(ci).into_iter().chain(tokens.iter().copied()) {
        env = env.with_var(k, v);
    }
    env
}

/// `(url, token)` the provider `name` gets as the run's provider.
fn endpoint_of(name: &str, config: &Config, env: &Env) -> (String, Option<String>) {
    let registry = Registry::with_builtins();
    let spec = registry.spec(name).expect("a built-in provider");
    let det = detect(env);
    let endpoint = resolve(spec, config, true, env, &det).expect("an endpoint");
    let token = endpoint.credential.map(|c| c.secret.expose().to_string());
    (endpoint.api_url, token)
}

#[test]
fn every_ci_times_every_provider() {
    let tokens = [
        ("GITHUB_TOKEN", GITHUB_TOKEN),
        ("GITLAB_TOKEN", GITLAB_TOKEN),
        ("JENKINS_API_TOKEN", JENKINS_TOKEN),
        ("TEAMCITY_TOKEN", TEAMCITY_TOKEN),
        ("CIRCLE_TOKEN", CIRCLE_TOKEN),
        ("TRAVIS_TOKEN", TRAVIS_TOKEN),
        ("AZURE_DEVOPS_EXT_PAT", AZURE_PAT),
        ("BITBUCKET_ACCESS_TOKEN", BITBUCKET_TOKEN),
    ];
    assert_eq!(CiSystem::DETECTION_ORDER.len(), 18);
    for ci in CiSystem::DETECTION_ORDER {
        let env = env_for(ci, &tokens);
        assert_eq!(
            detect(&env).ci,
            Some(ci),
            "the table's environment for {ci}"
        );
        let config = Config::default();
        let github = if ci == CiSystem::GithubActions {
            "http://ghes.internal/api/v3"
        } else {
            "https://api.github.com"
        };
        let gitlab = if ci == CiSystem::GitlabCi {
            "http://gitlab.internal/api/v4"
        } else {
            "https://gitlab.com/api/v4"
        };
        assert_eq!(
            endpoint_of("github", &config, &env),
            (github.to_string(), Some(GITHUB_TOKEN.to_string())),
            "github provider under {ci}"
        );
        assert_eq!(
            endpoint_of("gitlab", &config, &env),
            (gitlab.to_string(), Some(GITLAB_TOKEN.to_string())),
            "gitlab provider under {ci}"
        );
        let azure = if ci == CiSystem::AzurePipelines {
            "http://azure.internal/org"
        } else {
            "https://dev.azure.com"
        };
        assert_eq!(
            endpoint_of("azure", &config, &env),
            (azure.to_string(), Some(AZURE_PAT.to_string())),
            "azure provider under {ci}"
        );
        // Bitbucket Cloud has one API; no CI variable names another.
        assert_eq!(
            endpoint_of("bitbucket", &config, &env),
            (
                "https://api.bitbucket.org/2.0".to_string(),
                Some(BITBUCKET_TOKEN.to_string())
            ),
            "bitbucket provider under {ci}"
        );
        assert_eq!(
            endpoint_of("local", &config, &env),
            (String::new(), None),
            "local provider under {ci}"
        );
        // The CIs that host no code: their own server only inside their own
        // CI, their own token only, never a code host's.
        let own_server = |inside: CiSystem, url: &str| {
            if ci == inside {
                url.to_string()
            } else {
                String::new()
            }
        };
        assert_eq!(
            endpoint_of("jenkins", &config, &env),
            (
                own_server(CiSystem::Jenkins, "http://jenkins.internal"),
                Some(JENKINS_TOKEN.to_string())
            ),
            "jenkins provider under {ci}"
        );
        assert_eq!(
            endpoint_of("teamcity", &config, &env),
            (
                own_server(CiSystem::Teamcity, "http://teamcity.internal/app/rest"),
                Some(TEAMCITY_TOKEN.to_string())
            ),
            "teamcity provider under {ci}"
        );
        assert_eq!(
            endpoint_of("circleci", &config, &env),
            (
                "https://circleci.com/api/v2".to_string(),
                Some(CIRCLE_TOKEN.to_string())
            ),
            "circleci provider under {ci}"
        );
        assert_eq!(
            endpoint_of("travis", &config, &env),
            (
                "https://api.travis-ci.com".to_string(),
                Some(TRAVIS_TOKEN.to_string())
            ),
            "travis provider under {ci}"
        );
    }
}

#[test]
fn the_azure_job_token_is_read_only_inside_azure_pipelines() {
    for ci in CiSystem::DETECTION_ORDER {
        let env = env_for(ci, &[("SYSTEM_ACCESSTOKEN", AZURE_JOB_TOKEN)]);
        let registry = Registry::with_builtins();
        let spec = registry.spec("azure").unwrap();
        let endpoint = resolve(spec, &Config::default(), true, &env, &detect(&env)).unwrap();
        match ci {
            CiSystem::AzurePipelines => {
                let credential = endpoint.credential.expect("the job token inside Azure");
                assert_eq!(credential.kind, TokenKind::Job);
                assert_eq!(credential.secret.expose(), AZURE_JOB_TOKEN);
            }
            _ => assert!(
                endpoint.credential.is_none(),
                "{ci} sent SYSTEM_ACCESSTOKEN"
            ),
        }
    }
}

#[test]
fn a_job_token_is_read_only_inside_its_own_ci() {
    for ci in CiSystem::DETECTION_ORDER {
        let env = env_for(ci, &[("CI_JOB_TOKEN", JOB_TOKEN)]);
        let registry = Registry::with_builtins();
        let spec = registry.spec("gitlab").unwrap();
        let endpoint = resolve(spec, &Config::default(), true, &env, &detect(&env)).unwrap();
        match ci {
            CiSystem::GitlabCi => {
                let credential = endpoint.credential.expect("the job token inside GitLab CI");
                assert_eq!(credential.kind, TokenKind::Job);
                assert_eq!(credential.secret.expose(), JOB_TOKEN);
            }
            _ => assert!(endpoint.credential.is_none(), "{ci} sent CI_JOB_TOKEN"),
        }
    }
}

#[test]
fn explicit_settings_win_and_are_marked_explicit() {
    let env = env_for(
        CiSystem::Jenkins,
        &[
            ("TESTRELAY_API_URL", "http://127.0.0.1:9/api"),
            ("TESTRELAY_API_TOKEN", "from-env"),
        ],
    );
    // The flat keys and TESTRELAY_* serve the chosen provider only.
    let registry = Registry::with_builtins();
    let spec = registry.spec("github").unwrap();
    let det = detect(&env);
    let chosen = resolve(spec, &Config::default(), true, &env, &det).unwrap();
    assert_eq!(chosen.api_url, "http://127.0.0.1:9/api");
    assert_eq!(
        chosen.origin,
        UrlOrigin::Explicit("env TESTRELAY_API_URL".into())
    );
    assert_eq!(chosen.credential.unwrap().secret.expose(), "from-env");
    let delegated = resolve(spec, &Config::default(), false, &env, &det).unwrap();
    assert_eq!(delegated.api_url, "https://api.github.com");
    assert!(delegated.credential.is_none());
    // A section beats the flat keys; a section's token_env names a variable.
    let mut config = Config {
        api_url: Some("https://flat.example/api".into()),
        api_token: Some(Secret::new("flat")),
        ..Config::default()
    };
    config.providers.insert(
        "github".into(),
        ProviderSettings {
            api_url: Some("https://ghe.example/api/v3".into()),
            token_env: Some("MY_GHE_TOKEN".into()),
            ..ProviderSettings::default()
        },
    );
    let env = env.with_var("MY_GHE_TOKEN", "from-section");
    let sectioned = resolve(spec, &config, false, &env, &det).unwrap();
    assert_eq!(sectioned.api_url, "https://ghe.example/api/v3");
    assert_eq!(
        sectioned.credential.unwrap().secret.expose(),
        "from-section"
    );
}

#[test]
fn an_explicit_github_provider_reads_gh_token_outside_actions() {
    let env = Env::new().with_var("GH_TOKEN", "gh-cli-token");
    let (url, token) = endpoint_of("github", &Config::default(), &env);
    assert_eq!(url, "https://api.github.com");
    assert_eq!(token.as_deref(), Some("gh-cli-token"));
    assert_eq!(endpoint_of("local", &Config::default(), &env).1, None);
}

#[test]
fn a_repository_on_another_server_needs_that_servers_api_named() {
    // A self-managed GitLab whose job did not say where its API is: the
    // public gitlab.com did not issue that server's token.
    let env = Env::new()
        .with_var("GITLAB_CI", "true")
        .with_var("CI_PROJECT_PATH", "group/app")
        .with_var("CI_SERVER_HOST", "gitlab.example.com")
        .with_var("GITLAB_TOKEN", GITLAB_TOKEN);
    let registry = Registry::with_builtins();
    let spec = registry.spec("gitlab").unwrap();
    let det = detect(&env);
    assert_eq!(det.code_host.as_ref().unwrap().host, "gitlab.example.com");
    let err = resolve(spec, &Config::default(), true, &env, &det).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(
        err.message().contains("gitlab.example.com") && err.message().contains("api_url"),
        "{err}"
    );
    assert!(!err.to_string().contains(GITLAB_TOKEN));
    // The job's own variable, or the user's setting, names it.
    let with_var = env
        .clone()
        .with_var("CI_API_V4_URL", "https://gitlab.example.com/api/v4");
    let ok = resolve(
        spec,
        &Config::default(),
        true,
        &with_var,
        &detect(&with_var),
    )
    .unwrap();
    assert_eq!(ok.api_url, "https://gitlab.example.com/api/v4");
    let config = Config {
        api_url: Some("https://gitlab.example.com/api/v4".into()),
        ..Config::default()
    };
    assert!(resolve(spec, &config, true, &env, &det).is_ok());
    // On gitlab.com the public API is the issuer.
    let env = env.with_var("CI_SERVER_HOST", "gitlab.com");
    let ok = resolve(spec, &Config::default(), true, &env, &detect(&env)).unwrap();
    assert_eq!(ok.api_url, "https://gitlab.com/api/v4");
    // An unknown provider is refused with the list of known ones.
    let err = registry
        .build("jenkins-less", &Config::default(), &env, &detect(&env))
        .err()
        .unwrap();
    assert!(err.message().contains("gitlab"), "{err}");
}

#[test]
fn plain_http_needs_an_explicit_choice() {
    // The vendor's own variable inside its own CI may name a plain-http
    // server (a self-managed GitLab on a private network)...
    let env = env_for(CiSystem::GitlabCi, &[("GITLAB_TOKEN", GITLAB_TOKEN)]);
    let (url, token) = endpoint_of("gitlab", &Config::default(), &env);
    assert_eq!(url, "http://gitlab.internal/api/v4");
    assert!(token.is_some());
    // ...and so may the user's own setting.
    let mut config = Config::default();
    config.providers.insert(
        "gitlab".into(),
        ProviderSettings {
            api_url: Some("http://gitlab.lan/api/v4".into()),
            ..ProviderSettings::default()
        },
    );
    let env = Env::new().with_var("GITLAB_TOKEN", GITLAB_TOKEN);
    assert_eq!(
        endpoint_of("gitlab", &config, &env).0,
        "http://gitlab.lan/api/v4"
    );
}

/// The defect as a user met it: under Jenkins, `--provider github` sent the
/// GitHub token to the Jenkins server. Now the Jenkins server (a listener
/// standing in for it) gets nothing; the GitHub calls go to GitHub's API
/// through a proxy that refuses them, so nothing leaves this machine.
#[test]
fn the_cli_under_jenkins_never_sends_the_github_token_to_jenkins() {
    let jenkins = TcpListener::bind("127.0.0.1:0").unwrap();
    jenkins.set_nonblocking(true).unwrap();
    let jenkins_url = format!("http://{}/", jenkins.local_addr().unwrap());
    let dead_proxy = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        format!("http://{addr}")
    };
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s" tests="1"><testcase classname="c" name="t"/></testsuite>"#,
    )
    .unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"output_dir": "{}", "history_path": null, "retry": {{"max_attempts": 1}},
                "timeouts": {{"connect_secs": 2, "read_secs": 2, "request_secs": 5, "finish_secs": 20}}}}"#,
            dir.path().join("out").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(["report", "--provider", "github", "--config"])
        .arg(&config)
        .arg(&junit)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("JENKINS_URL", &jenkins_url)
        .env("BUILD_ID", "17")
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("TESTRELAY_REPOSITORY", "o/r")
        .env(
            "TESTRELAY_COMMIT_SHA",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .env("HTTPS_PROXY", &dead_proxy)
        .env("HTTP_PROXY", &dead_proxy)
        .env("TESTRELAY_LOG", "trace")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        jenkins.accept().is_err(),
        "the Jenkins server was contacted:\n{text}"
    );
    assert!(text.contains("api.github.com"), "{text}");
    assert!(!text.contains("jenkins.internal") && !text.contains(&jenkins_url));
    assert!(!text.contains(GITHUB_TOKEN), "{text}");
}
