//! The integration guide's names (`testrelay::config::guide`): the table
//! of docs/configuration.md is the code's table; the guide's vendor variables reach their own
//! vendor only; the guide's flags, variables and configuration keys work
//! from the command line against the local simulator, with the token rule
//! intact and the token in no output; `--format all|xml|json,xml,html`;
//! the coordinator runner's flags get one line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testrelay::config::guide::{COORDINATOR_FLAGS, GUIDE_NAMES, Kind};
use testrelay::detect::{Env, detect};
use testrelay::provider::endpoint::{resolve, user};
use testrelay::provider::{Registry, UrlOrigin};
use testrelay::{Config, ProviderSettings};
use testrelay_ci_sim::Simulator;

const TOKEN: &str = "glpat-guide-names-5150";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn fixture() -> PathBuf {
    repo("tests/data/junit/pytest-xunit2.xml")
}

/// The CLI in `dir` with an environment holding nothing of the machine's CI.
fn testrelay(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_documented_table_is_the_code_table() {
    let page = std::fs::read_to_string(repo("docs/configuration.md")).unwrap();
    let start = page
        .find("## The guide's names")
        .expect("docs/configuration.md needs a \"## The guide's names\" section");
    let section = &page[start..];
    let section = &section[..section[4..].find("\n#").map_or(section.len(), |i| i + 4)];
    for row in GUIDE_NAMES {
        let line = format!("| `{}` | {} |", row.guide, row.testrelay);
        assert!(
            section.contains(&line),
            "docs/configuration.md lacks the row: {line}"
        );
    }
    let rows = section.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(
        rows,
        GUIDE_NAMES.len(),
        "docs/configuration.md rows that are not in the code"
    );
    for flag in COORDINATOR_FLAGS {
        assert!(section.contains(&format!("`{flag}`")), "{flag}");
    }
}

#[test]
fn each_flag_of_the_table_is_accepted_by_the_command_line() {
    let help = Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(["report", "--help"])
        .output()
        .unwrap();
    let help = text(&help);
    for row in GUIDE_NAMES.iter().filter(|r| r.kind == Kind::Flag) {
        // `--report-formats` is a hidden alias of `--format`.
        if row.guide != "--report-formats" {
            assert!(help.contains(row.guide), "{} is not in --help", row.guide);
        }
    }
}

/// The guide's vendor variables go to their own vendor and no other: each
/// provider resolved in an environment holding all of them.
#[test]
fn the_guides_vendor_variables_reach_only_their_vendor() {
    let env = Env::new()
        .with_var("AZURE_DEVOPS_TOKEN", "az-guide-token")
        .with_var("TEAMCITY_URL", "https://tc.example/")
        .with_var("TEAMCITY_USERNAME", "tc-user")
        .with_var("TEAMCITY_PASSWORD", "tc-guide-password")
        .with_var("JENKINS_URL", "https://jenkins.example")
        .with_var("JENKINS_USERNAME", "jk-user")
        .with_var("JENKINS_TOKEN", "jk-guide-token")
        .with_var("BITBUCKET_USERNAME", "bb-user");
    let det = detect(&env);
    assert_eq!(det.ci, None, "JENKINS_URL alone is not a Jenkins build");
    let registry = Registry::with_builtins();
    let config = Config::default();
    let mut seen = Vec::new();
    for name in registry.available() {
        let Some(spec) = registry.spec(&name) else {
            continue;
        };
        let endpoint = resolve(spec, &config, false, &env, &det);
        let token = endpoint
            .as_ref()
            .ok()
            .and_then(|e| e.credential.as_ref())
            .map(|c| (c.source.clone(), c.secret.expose().to_string()));
        let url = endpoint.as_ref().ok().map(|e| e.api_url.clone());
        seen.push((name.clone(), token.clone()));
        match name.as_str() {
            "azure" => assert_eq!(
                token,
                Some(("env AZURE_DEVOPS_TOKEN".into(), "az-guide-token".into()))
            ),
            "teamcity" => {
                assert_eq!(
                    token,
                    Some(("env TEAMCITY_PASSWORD".into(), "tc-guide-password".into()))
                );
                assert_eq!(url.as_deref(), Some("https://tc.example/app/rest"));
                let origin = endpoint.unwrap().origin;
                assert_eq!(origin, UrlOrigin::Explicit("env TEAMCITY_URL".into()));
            }
            "jenkins" => {
                assert_eq!(
                    token,
                    Some(("env JENKINS_TOKEN".into(), "jk-guide-token".into()))
                );
                assert_eq!(url.as_deref(), Some("https://jenkins.example"));
            }
            _ => assert_eq!(token, None, "{name} got another vendor's token"),
        }
    }
    assert!(seen.len() >= 8, "{seen:?}");
    assert_eq!(
        user("jenkins", &config, &env, &["JENKINS_USER"]).as_deref(),
        Some("jk-user")
    );
    assert_eq!(
        user("teamcity", &config, &env, &[]).as_deref(),
        Some("tc-user")
    );
    assert_eq!(
        user("bitbucket", &config, &env, &["BITBUCKET_USERNAME"]).as_deref(),
        Some("bb-user")
    );
    assert_eq!(user("github", &config, &env, &[]), None);
    // The section's user wins over every variable.
    let mut config = Config::default();
    config.providers.insert(
        "jenkins".into(),
        ProviderSettings {
            user: Some("section-user".into()),
            ..ProviderSettings::default()
        },
    );
    assert_eq!(
        user(
            "jenkins",
            &config,
            &env.with_var("JENKINS_USER", "x"),
            &["JENKINS_USER"]
        )
        .as_deref(),
        Some("section-user")
    );
}

/// A user of the guide outside any CI: `CI_PROVIDER`, `GITLAB_TOKEN`,
/// `TEST_RUN_ID`, the guide's configuration keys, `--url`, `--pr-number`,
/// `--enable-pr-comments`, `--report-formats`, `--log-level` and
/// `--log-file`. The token reaches only the GitLab API, in its header, and
/// appears in no output, report, log or history.
#[test]
fn gitlab_from_the_guides_names_keeps_the_token_rule() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("guide.json");
    std::fs::write(
        &config,
        r#"{"project": "group/app", "artifact_dir": "guide-out", "retry_attempts": 2,
            "update_on_completion_only": true, "track_performance_trends": true,
            "enable_history_tracking": true, "update_interval": 5}"#,
    )
    .unwrap();
    let log = dir.path().join("logs/testrelay.log");
    let fixture = fixture();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            fixture.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--history",
            "h.db",
            "--url",
            &format!("{}/api/v4", sim.url()),
            "--pr-number",
            "7",
            "--enable-pr-comments",
            "--report-formats",
            "json,xml,html",
            "--log-level",
            "trace",
            "--log-file",
            log.to_str().unwrap(),
            "--fail-on",
            "never",
            "--json",
        ],
        &[
            ("CI_PROVIDER", "gitlab".into()),
            ("GITLAB_TOKEN", TOKEN.into()),
            ("TEST_RUN_ID", "guide-run-1".into()),
            ("TESTRELAY_COMMIT_SHA", SHA.into()),
        ],
    );
    let output = text(&out);
    assert!(out.status.success(), "{output}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["provider"], "gitlab", "{output}");
    assert_eq!(summary["result"]["test_run_id"], "guide-run-1");
    assert_eq!(summary["not_delivered"], serde_json::json!([]), "{output}");
    let mut reports: Vec<String> = summary["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    reports.sort();
    assert_eq!(
        reports,
        [
            "guide-out/junit.xml",
            "guide-out/report.html",
            "guide-out/results.json",
            "guide-out/run.json"
        ]
    );
    let gl = sim.gitlab();
    assert_eq!(gl.statuses.len(), 1);
    assert_eq!(gl.statuses[0].sha, SHA);
    assert_eq!(gl.merge_requests[0].iid, 7);
    assert_eq!(gl.merge_requests[0].notes.len(), 1);
    let requests = sim.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(
            r.path.starts_with("/api/v4/projects/group%2Fapp"),
            "{}",
            r.path
        );
        assert_eq!(r.header("private-token"), Some(TOKEN), "{}", r.path);
        assert_eq!(r.header("authorization"), None);
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("trace: ") || logged.contains("debug: "),
        "{logged}"
    );
    assert!(!output.contains(TOKEN), "{output}");
    assert!(!logged.contains(TOKEN));
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        let found = bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes());
        assert!(!found, "the token is in {}", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `--token` and `--user` go to the section of `--provider`: TeamCity's
/// REST API gets them as HTTP Basic (the guide's `--username/--password`),
/// and nothing else gets a request.
#[test]
fn the_per_vendor_flags_set_the_chosen_providers_section() {
    let dir = tempfile::tempdir().unwrap();
    // Outside a CI and with no provider, they have nowhere to go.
    let out = testrelay(
        dir.path(),
        &[
            "report",
            fixture().to_str().unwrap(),
            "--token",
            "t0k3n-guide",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--provider"), "{}", text(&out));
    assert!(!text(&out).contains("t0k3n-guide"));
    // --workspace needs a repository name.
    let out = testrelay(
        dir.path(),
        &["report", fixture().to_str().unwrap(), "--workspace", "team"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--workspace"), "{}", text(&out));
}

/// Inside a Jenkins build of a GitHub pull request, `--user` and `--token`
/// (the guide's Jenkins flags) become Jenkins' Basic credential; the
/// GitHub token stays GitHub's, and neither crosses.
#[test]
fn jenkins_user_and_token_flags_go_to_jenkins_only() {
    use base64::Engine as _;
    const USER: &str = "ci-bot";
    const JENKINS: &str = "11jenkins-guide-flag-token";
    const GITHUB: &str = "ghs_guide_flags_github_77";
    const BUILD: &str = "/job/app/job/PR-5/17/";
    let sim = Simulator::start().unwrap();
    sim.set_jenkins(Some((USER, JENKINS)), true, false);
    sim.set_github_token(Some(GITHUB));
    sim.seed_jenkins_build(BUILD, testrelay_ci_sim::JenkinsBuild::default());
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"providers": {{"github": {{"api_url": "{}"}}}}}}"#,
            sim.url()
        ),
    )
    .unwrap();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            fixture().to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--history",
            "h.db",
            "--user",
            USER,
            "--token",
            JENKINS,
            "--fail-on",
            "never",
        ],
        &[
            ("JENKINS_URL", format!("{}/", sim.url())),
            ("BUILD_ID", "17".into()),
            ("BUILD_NUMBER", "17".into()),
            ("JOB_NAME", "app/PR-5".into()),
            ("BUILD_URL", format!("{}{BUILD}", sim.url())),
            ("GIT_COMMIT", SHA.into()),
            ("CHANGE_ID", "5".into()),
            ("CHANGE_URL", "https://github.com/octo/app/pull/5".into()),
            ("GIT_URL", "https://github.com/octo/app.git".into()),
            ("GITHUB_TOKEN", GITHUB.into()),
        ],
    );
    let output = text(&out);
    assert!(out.status.success(), "{output}");
    assert!(
        !output.contains(JENKINS) && !output.contains(GITHUB),
        "{output}"
    );
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{JENKINS}"))
    );
    let requests = sim.requests();
    let post = requests
        .iter()
        .find(|r| r.path.ends_with("submitDescription"))
        .unwrap_or_else(|| panic!("no description was set: {output}"));
    assert_eq!(post.header("authorization"), Some(basic.as_str()));
    for r in &requests {
        let all = format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body));
        if r.path.starts_with("/repos/") {
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {GITHUB}").as_str())
            );
            assert!(!all.contains(JENKINS) && !all.contains(&basic));
        } else {
            if let Some(auth) = r.header("authorization") {
                assert_eq!(auth, basic, "{}", r.path);
            }
            assert!(!all.contains(GITHUB), "Jenkins got the GitHub token");
        }
    }
}

#[test]
fn format_takes_all_xml_and_the_guides_lists() {
    for (formats, expected) in [
        (
            "all",
            &[
                "junit.xml",
                "report.html",
                "results.json",
                "run.json",
                "summary.md",
            ][..],
        ),
        ("xml", &["junit.xml"][..]),
        (
            "json,xml,html",
            &["junit.xml", "report.html", "results.json", "run.json"][..],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = testrelay(
            dir.path(),
            &[
                "report",
                fixture().to_str().unwrap(),
                "--format",
                formats,
                "--provider",
                "local",
                "--history",
                "h.db",
                "--output-dir",
                "out",
                "--fail-on",
                "never",
            ],
            &[],
        );
        assert!(out.status.success(), "{formats}: {}", text(&out));
        let mut written: Vec<String> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| {
                [
                    "junit.xml",
                    "report.html",
                    "results.json",
                    "run.json",
                    "summary.md",
                ]
                .contains(&n.as_str())
            })
            .collect();
        written.sort();
        assert_eq!(written, expected, "{formats}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = testrelay(
        dir.path(),
        &["report", fixture().to_str().unwrap(), "--format", "pdf"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown report format `pdf`"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_coordinator_flags_point_to_testrelay_run() {
    let dir = tempfile::tempdir().unwrap();
    for flag in COORDINATOR_FLAGS {
        for args in [
            vec!["run", flag, "x", "--", "true"],
            vec!["report", &format!("{flag}=x")],
        ] {
            let out = testrelay(dir.path(), &args, &[]);
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            let said = text(&out);
            assert_eq!(said.lines().count(), 1, "{said}");
            assert!(
                said.contains(flag) && said.contains("testrelay run"),
                "{said}"
            );
        }
    }
    // After `--` they are the test command's own arguments.
    let out = testrelay(
        dir.path(),
        &[
            "run",
            "--provider",
            "local",
            "--history",
            "h.db",
            "--output-dir",
            "out",
            "--",
            "echo",
            "--test-dir",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("--test-dir"));
}

#[test]
fn guide_keys_in_a_config_file_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.json");
    std::fs::write(
        &config,
        r#"{"ci_system": "local", "result_format": "all", "enable_history_tracking": false,
            "detailed_logging": true}"#,
    )
    .unwrap();
    let fixture = fixture();
    let args = [
        "report",
        fixture.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--fail-on",
        "never",
    ];
    let out = testrelay(dir.path(), &args, &[]);
    assert!(out.status.success(), "{}", text(&out));
    // The second run removes the first one's reports, said at debug level.
    let out = testrelay(dir.path(), &args, &[]);
    assert!(out.status.success(), "{}", text(&out));
    // detailed_logging is debug on stderr; no history was kept.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("debug: "),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join(".testrelay").exists());
    assert!(dir.path().join("test_results/summary.md").exists());
    std::fs::write(&config, r#"{"ci_system": "local", "ci_sytem": "x"}"#).unwrap();
    let out = testrelay(
        dir.path(),
        &[
            "report",
            fixture.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("ci_sytem"), "{}", text(&out));
}

/// Inside Bitbucket Pipelines, the guide's Bitbucket flags: `--workspace`
/// with the repository's slug, `--username` and `--app-password` (or
/// `--project-slug` and `--password`), `--url` for the API: every request
/// carries that Basic credential, the repository is the one named, and the
/// secret is in no output.
#[test]
fn bitbucket_flags_of_the_guide_reach_bitbucket() {
    use base64::Engine as _;
    const USER: &str = "ci-bot";
    const SECRET: &str = "guide-app-pass-4242";
    let variants: [&[&str]; 2] = [
        &[
            "--workspace",
            "team",
            "--username",
            USER,
            "--app-password",
            SECRET,
        ],
        &[
            "--project-slug",
            "bb/team/app",
            "--user",
            USER,
            "--password",
            SECRET,
        ],
    ];
    for flags in variants {
        let sim = Simulator::start().unwrap();
        sim.set_bitbucket_credentials(Some(SECRET), Some(USER));
        let dir = tempfile::tempdir().unwrap();
        let api = format!("{}/2.0", sim.url());
        let mut args = vec![
            "report",
            fixture().to_str().unwrap(),
            "--history",
            "h.db",
            "--fail-on",
            "never",
            "--url",
            &api,
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
        args.extend(flags.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = testrelay(
            dir.path(),
            &args,
            &[
                ("BITBUCKET_BUILD_NUMBER", "17".into()),
                ("BITBUCKET_REPO_SLUG", "app".into()),
                ("BITBUCKET_COMMIT", SHA.into()),
                ("BITBUCKET_BRANCH", "feature".into()),
                ("BITBUCKET_PR_ID", "7".into()),
                ("TESTRELAY_LOG", "debug".into()),
            ],
        );
        let output = text(&out);
        assert!(out.status.success(), "{flags:?}: {output}");
        assert!(!output.contains(SECRET), "{output}");
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{SECRET}"))
        );
        let requests = sim.requests();
        assert!(!requests.is_empty(), "{flags:?}: {output}");
        for r in &requests {
            assert_eq!(
                r.header("authorization"),
                Some(basic.as_str()),
                "{}",
                r.path
            );
        }
        let bb = sim.bitbucket();
        assert_eq!(bb.reports.len(), 1, "{flags:?}: {output}");
        assert_eq!(bb.reports[0].repository, "team/app");
        assert_eq!(bb.comments.len(), 1, "{flags:?}: {output}");
    }
}
