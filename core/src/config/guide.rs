//! The integration guide's names: every configuration key, command-line
//! flag and environment variable the guide documents, and what it is in
//! testrelay. [`GUIDE_NAMES`] is the one table; docs/configuration.md prints it (a
//! test checks they agree), [`translate`] applies its configuration keys,
//! [`apply_env`] its run-wide variables, and [`VENDOR_VARIABLES`] are read
//! by [`crate::provider::endpoint`] for the vendor they belong to (so a
//! token still goes only to its own vendor's API).
//!
//! The command-line flags are applied by the CLI (`testrelay --help`).

use serde_json::{Map, Value};

use super::ReportFormat;
use crate::detect::{CiSystem, Env};
use crate::error::{Error, ErrorKind, Result};

/// Where a guide name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A key of the JSON configuration (camelCase in Node's options).
    ConfigKey,
    /// A flag of the command line.
    Flag,
    /// An environment variable.
    EnvVar,
}

/// One row: the guide's name and what testrelay makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuideName {
    /// The name as the guide writes it.
    pub guide: &'static str,
    /// Where it is written.
    pub kind: Kind,
    /// testrelay's setting, as docs/configuration.md shows it.
    pub testrelay: &'static str,
}

const fn row(guide: &'static str, kind: Kind, testrelay: &'static str) -> GuideName {
    GuideName {
        guide,
        kind,
        testrelay,
    }
}

/// Every guide name, in the order of docs/configuration.md.
pub const GUIDE_NAMES: &[GuideName] = &[
    row(
        "ci_system",
        Kind::ConfigKey,
        "`provider` (a CI id such as `github_actions` names its provider)",
    ),
    row("update_interval", Kind::ConfigKey, "`update_interval_secs`"),
    row(
        "result_format",
        Kind::ConfigKey,
        "`report_formats`: `\"all\"`, a name, `\"json,xml,html\"` or a list; `xml` is `junit`",
    ),
    row("artifact_dir", Kind::ConfigKey, "`output_dir`"),
    row(
        "enable_history_tracking",
        Kind::ConfigKey,
        "`history_path`: `false` is `null` (no history)",
    ),
    row(
        "track_performance_trends",
        Kind::ConfigKey,
        "`store_metrics`",
    ),
    row(
        "retry_attempts",
        Kind::ConfigKey,
        "`retry.max_attempts` (attempts in all)",
    ),
    row(
        "update_on_completion_only",
        Kind::ConfigKey,
        "`live_updates`: `true` is `live_updates: false`",
    ),
    row(
        "detailed_logging",
        Kind::ConfigKey,
        "`log_level`: `true` is `\"debug\"`",
    ),
    row("project", Kind::ConfigKey, "`repository`"),
    row(
        "--report-formats",
        Kind::Flag,
        "`--format` (`all`, `xml` = `junit`, `json,xml,html`)",
    ),
    row(
        "--enable-pr-comments",
        Kind::Flag,
        "`enable_pr_comments: true`",
    ),
    row("--pr-number", Kind::Flag, "`pr_number`"),
    row("--log-level", Kind::Flag, "`log_level`"),
    row("--log-file", Kind::Flag, "`log_file`"),
    row("--url", Kind::Flag, "`providers.<provider>.api_url`"),
    row("--token", Kind::Flag, "`providers.<provider>.token`"),
    row("--password", Kind::Flag, "`providers.<provider>.token`"),
    row("--app-password", Kind::Flag, "`providers.<provider>.token`"),
    row("--user", Kind::Flag, "`providers.<provider>.user`"),
    row("--username", Kind::Flag, "`providers.<provider>.user`"),
    row(
        "--workspace",
        Kind::Flag,
        "`repository` = `<workspace>/<repository's name>` (Bitbucket)",
    ),
    row(
        "--project-slug",
        Kind::Flag,
        "`repository` (`gh/octo/app` is `octo/app`; CircleCI)",
    ),
    row("CI_PROVIDER", Kind::EnvVar, "`provider` when it is `auto`"),
    row("TEST_RUN_ID", Kind::EnvVar, "`test_run_id` when unset"),
    row("GITLAB_TOKEN", Kind::EnvVar, "the `gitlab` token"),
    row("AZURE_DEVOPS_TOKEN", Kind::EnvVar, "the `azure` token"),
    row("CIRCLE_TOKEN", Kind::EnvVar, "the `circleci` token"),
    row("TRAVIS_TOKEN", Kind::EnvVar, "the `travis` token"),
    row(
        "BITBUCKET_ACCESS_TOKEN",
        Kind::EnvVar,
        "the `bitbucket` token (Bearer)",
    ),
    row(
        "BITBUCKET_APP_PASSWORD",
        Kind::EnvVar,
        "the `bitbucket` token (Basic, with `BITBUCKET_USERNAME`)",
    ),
    row(
        "BITBUCKET_USERNAME",
        Kind::EnvVar,
        "`providers.bitbucket.user`",
    ),
    row(
        "BITBUCKET_WORKSPACE",
        Kind::EnvVar,
        "`repository` = `<workspace>/<BITBUCKET_REPO_SLUG>` for `bitbucket` when unset",
    ),
    row(
        "TEAMCITY_URL",
        Kind::EnvVar,
        "`providers.teamcity.api_url` = `<url>/app/rest`",
    ),
    row(
        "TEAMCITY_TOKEN",
        Kind::EnvVar,
        "the `teamcity` token (Bearer)",
    ),
    row(
        "TEAMCITY_USERNAME",
        Kind::EnvVar,
        "`providers.teamcity.user` (Basic)",
    ),
    row(
        "TEAMCITY_PASSWORD",
        Kind::EnvVar,
        "the `teamcity` token (Basic, with `TEAMCITY_USERNAME`)",
    ),
    row("JENKINS_URL", Kind::EnvVar, "`providers.jenkins.api_url`"),
    row("JENKINS_USER", Kind::EnvVar, "`providers.jenkins.user`"),
    row("JENKINS_USERNAME", Kind::EnvVar, "`providers.jenkins.user`"),
    row("JENKINS_API_TOKEN", Kind::EnvVar, "the `jenkins` token"),
    row("JENKINS_TOKEN", Kind::EnvVar, "the `jenkins` token"),
];

/// The guide's coordinator-runner flags, which have no meaning here: the
/// CLI answers them with one line pointing to `testrelay run -- <command>`.
pub const COORDINATOR_FLAGS: &[&str] = &[
    "--coordinator",
    "--api-key",
    "--test-dir",
    "--test-pattern",
    "--test-files",
];

/// What a vendor variable of the guide sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorSetting {
    /// The vendor's API: the variable's value followed by `suffix`.
    ApiUrl {
        /// Appended to the server URL (`/app/rest` for TeamCity).
        suffix: &'static str,
    },
    /// The vendor's token (after the provider's own token variables).
    Token,
    /// The user a Basic token goes with.
    User,
}

/// A guide variable that belongs to one vendor. Variables a provider reads
/// anyway (`GITLAB_TOKEN`, `CIRCLE_TOKEN`, `JENKINS_USER`, ...) are in its
/// own [`crate::provider::ProviderSpec`]; these are the guide's others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VendorVariable {
    /// The provider it belongs to.
    pub provider: &'static str,
    /// The variable.
    pub name: &'static str,
    /// What it sets.
    pub setting: VendorSetting,
}

const fn vendor(
    provider: &'static str,
    name: &'static str,
    setting: VendorSetting,
) -> VendorVariable {
    VendorVariable {
        provider,
        name,
        setting,
    }
}

/// The guide's vendor variables that no provider reads on its own.
pub const VENDOR_VARIABLES: &[VendorVariable] = &[
    vendor("azure", "AZURE_DEVOPS_TOKEN", VendorSetting::Token),
    vendor(
        "teamcity",
        "TEAMCITY_URL",
        VendorSetting::ApiUrl {
            suffix: "/app/rest",
        },
    ),
    vendor("teamcity", "TEAMCITY_USERNAME", VendorSetting::User),
    vendor("teamcity", "TEAMCITY_PASSWORD", VendorSetting::Token),
    vendor(
        "jenkins",
        "JENKINS_URL",
        VendorSetting::ApiUrl { suffix: "" },
    ),
    vendor("jenkins", "JENKINS_USERNAME", VendorSetting::User),
    vendor("jenkins", "JENKINS_TOKEN", VendorSetting::Token),
];

/// The first of `provider`'s guide variables for `want` that is set, with
/// its name; an URL comes with its suffix appended.
pub fn vendor_value(
    provider: &str,
    want: fn(&VendorSetting) -> bool,
    env: &Env,
) -> Option<(&'static str, String)> {
    VENDOR_VARIABLES
        .iter()
        .filter(|v| v.provider == provider && want(&v.setting))
        .find_map(|v| {
            let value = env.get(v.name)?.trim();
            if value.is_empty() {
                return None;
            }
            Some(match v.setting {
                VendorSetting::ApiUrl { suffix } => {
                    (v.name, format!("{}{suffix}", value.trim_end_matches('/')))
                }
                _ => (v.name, value.to_string()),
            })
        })
}

/// The guide's configuration keys, with the testrelay key each becomes.
const CONFIG_KEYS: &[(&str, &str)] = &[
    ("ci_system", "provider"),
    ("update_interval", "update_interval_secs"),
    ("result_format", "report_formats"),
    ("artifact_dir", "output_dir"),
    ("enable_history_tracking", "history_path"),
    ("track_performance_trends", "store_metrics"),
    ("retry_attempts", "retry.max_attempts"),
    ("update_on_completion_only", "live_updates"),
    ("detailed_logging", "log_level"),
    ("project", "repository"),
];

/// Whether `map` uses one of the guide's configuration keys.
pub fn has_guide_keys(map: &Map<String, Value>) -> bool {
    CONFIG_KEYS.iter().any(|(k, _)| map.contains_key(*k))
}

/// Rewrites the guide's configuration keys in `map` (a configuration
/// object, snake_case keys) into testrelay's, by the table above. Other
/// keys are left alone, so an unknown key still fails to deserialize.
///
/// Errors: `Configuration` when a guide key and the testrelay key it
/// stands for are both given, or its value has the wrong type.
pub fn translate(map: &mut Map<String, Value>) -> Result<()> {
    for (guide, target) in CONFIG_KEYS {
        let Some(value) = map.remove(*guide) else {
            continue;
        };
        let wrong = |what: &str| {
            Error::new(
                ErrorKind::Configuration,
                format!("invalid configuration: `{guide}` must be {what}, not {value}"),
            )
        };
        let (top, nested) = match target.split_once('.') {
            Some((top, rest)) => (top, Some(rest)),
            None => (*target, None),
        };
        let taken = match nested {
            Some(key) => map.get(top).and_then(|v| v.get(key)).is_some(),
            None => map.contains_key(top),
        };
        if taken {
            return Err(Error::new(
                ErrorKind::Configuration,
                format!(
                    "give `{guide}` or `{target}`, not both (`{guide}` is the guide's name for \
                     `{target}`)"
                ),
            ));
        }
        let flag = || value.as_bool().ok_or_else(|| wrong("true or false"));
        let translated = match *guide {
            "ci_system" => Value::String(provider_name(
                value.as_str().ok_or_else(|| wrong("a string"))?,
            )),
            "result_format" => Value::Array(
                report_formats(&value)
                    .map_err(|e| wrong(&format!("\"all\" or a list of formats ({})", e.message())))?
                    .iter()
                    .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
                    .collect(),
            ),
            "enable_history_tracking" => {
                if flag()? {
                    continue; // the default: history on
                }
                Value::Null
            }
            "update_on_completion_only" => Value::Bool(!flag()?),
            "detailed_logging" => {
                if !flag()? {
                    continue; // the default level
                }
                Value::String("debug".into())
            }
            "track_performance_trends" => Value::Bool(flag()?),
            _ => value.clone(),
        };
        match nested {
            Some(key) => {
                let section = map
                    .entry(top.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                match section.as_object_mut() {
                    Some(section) => {
                        section.insert(key.to_string(), translated);
                    }
                    None => return Err(wrong("a number")),
                }
            }
            None => {
                map.insert(top.to_string(), translated);
            }
        }
    }
    Ok(())
}

/// The guide's `result_format`: a string (`"all"`, `"xml"`,
/// `"json,xml,html"`) or a list of such strings.
fn report_formats(value: &Value) -> Result<Vec<ReportFormat>> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    Error::new(ErrorKind::Configuration, "list items must be strings")
                })
            })
            .collect::<Result<Vec<_>>>()?
            .join(","),
        _ => {
            return Err(Error::new(
                ErrorKind::Configuration,
                "a string or a list of strings",
            ));
        }
    };
    ReportFormat::parse_list(&text)
}

/// A provider name for the guide's `ci_system` / `CI_PROVIDER` value: a CI
/// id (`github_actions`, `gitlab_ci`, `azure_pipelines`, `travis_ci`,
/// `bitbucket_pipelines`, and `azure_devops`) becomes the provider that
/// serves it; anything else is kept (and checked by the registry).
pub fn provider_name(value: &str) -> String {
    let value = value.trim().to_ascii_lowercase();
    let ci = match value.as_str() {
        "github_actions" => CiSystem::GithubActions,
        "gitlab_ci" => CiSystem::GitlabCi,
        "azure_pipelines" | "azure_devops" => CiSystem::AzurePipelines,
        "travis_ci" => CiSystem::TravisCi,
        "bitbucket_pipelines" => CiSystem::BitbucketPipelines,
        _ => return value,
    };
    crate::provider::Registry::with_builtins()
        .provider_for(ci)
        .unwrap_or(value)
}

/// Applies the guide's run-wide variables to what `config` leaves unset:
/// `CI_PROVIDER` when `provider` is `auto`, `TEST_RUN_ID` when
/// `test_run_id` is unset, and for the `bitbucket` provider
/// `BITBUCKET_WORKSPACE` with `BITBUCKET_REPO_SLUG` when `repository` is
/// unset.
pub fn apply_env(config: &mut super::Config, env: &Env) {
    let var = |name: &str| {
        env.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if config.provider.trim().eq_ignore_ascii_case("auto") {
        if let Some(p) = var("CI_PROVIDER") {
            config.provider = provider_name(&p);
        }
    }
    if config.test_run_id.is_none() {
        config.test_run_id = var("TEST_RUN_ID");
    }
    if config.repository.is_none() && config.provider.eq_ignore_ascii_case("bitbucket") {
        if let (Some(ws), Some(slug)) = (var("BITBUCKET_WORKSPACE"), var("BITBUCKET_REPO_SLUG")) {
            config.repository = Some(format!("{ws}/{slug}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, LogLevel};

    #[test]
    fn every_guide_name_is_in_the_table_once() {
        let mut seen = std::collections::BTreeSet::new();
        for row in GUIDE_NAMES {
            assert!(seen.insert(row.guide), "{} twice", row.guide);
        }
        for (key, _) in CONFIG_KEYS {
            assert!(
                GUIDE_NAMES
                    .iter()
                    .any(|r| r.guide == *key && r.kind == Kind::ConfigKey),
                "{key}"
            );
        }
        for v in VENDOR_VARIABLES {
            assert!(
                GUIDE_NAMES
                    .iter()
                    .any(|r| r.guide == v.name && r.kind == Kind::EnvVar),
                "{}",
                v.name
            );
        }
    }

    /// Every configuration key of the guide gives the same configuration as
    /// its testrelay spelling.
    #[test]
    fn each_guide_key_means_its_testrelay_key() {
        let cases: &[(&str, &str)] = &[
            (r#"{"ci_system": "gitlab"}"#, r#"{"provider": "gitlab"}"#),
            (
                r#"{"ci_system": "github_actions"}"#,
                r#"{"provider": "github"}"#,
            ),
            (
                r#"{"ci_system": "azure_devops"}"#,
                r#"{"provider": "azure"}"#,
            ),
            (
                r#"{"update_interval": 30}"#,
                r#"{"update_interval_secs": 30}"#,
            ),
            (
                r#"{"result_format": "all"}"#,
                r#"{"report_formats": ["junit","json","html","markdown"]}"#,
            ),
            (
                r#"{"result_format": "xml"}"#,
                r#"{"report_formats": ["junit"]}"#,
            ),
            (
                r#"{"result_format": "json,xml,html"}"#,
                r#"{"report_formats": ["json","junit","html"]}"#,
            ),
            (
                r#"{"result_format": ["html", "xml"]}"#,
                r#"{"report_formats": ["html","junit"]}"#,
            ),
            (
                r#"{"artifact_dir": "out/ci"}"#,
                r#"{"output_dir": "out/ci"}"#,
            ),
            (
                r#"{"enable_history_tracking": false}"#,
                r#"{"history_path": null}"#,
            ),
            (r#"{"enable_history_tracking": true}"#, r#"{}"#),
            (
                r#"{"track_performance_trends": false}"#,
                r#"{"store_metrics": false}"#,
            ),
            (
                r#"{"retry_attempts": 3}"#,
                r#"{"retry": {"max_attempts": 3}}"#,
            ),
            (
                r#"{"retry_attempts": 2, "retry": {"max_backoff_ms": 10}}"#,
                r#"{"retry": {"max_attempts": 2, "max_backoff_ms": 10}}"#,
            ),
            (
                r#"{"update_on_completion_only": true}"#,
                r#"{"live_updates": false}"#,
            ),
            (
                r#"{"update_on_completion_only": false}"#,
                r#"{"live_updates": true}"#,
            ),
            (r#"{"detailed_logging": true}"#, r#"{"log_level": "debug"}"#),
            (r#"{"detailed_logging": false}"#, r#"{}"#),
            (
                r#"{"project": "group/app"}"#,
                r#"{"repository": "group/app"}"#,
            ),
        ];
        for (guide, ours) in cases {
            let a = Config::from_json(guide).unwrap_or_else(|e| panic!("{guide}: {e}"));
            let b = Config::from_json(ours).unwrap();
            assert_eq!(a, b, "{guide}");
            assert_ne!(
                serde_json::from_str::<Value>(guide).unwrap(),
                serde_json::from_str::<Value>(ours).unwrap()
            );
        }
        let c = Config::from_json(r#"{"detailed_logging": true}"#).unwrap();
        assert_eq!(c.log_level, Some(LogLevel::Debug));
        let every_key = r#"{"ci_system": "local", "update_interval": 5, "result_format": "all",
            "artifact_dir": "o", "enable_history_tracking": false, "track_performance_trends": true,
            "retry_attempts": 4, "update_on_completion_only": true, "detailed_logging": true,
            "project": "a/b"}"#;
        let c = Config::from_json(every_key).unwrap();
        assert_eq!(
            (
                c.provider.as_str(),
                c.update_interval_secs,
                c.history_path,
                c.retry.max_attempts
            ),
            ("local", 5, None, 4)
        );
    }

    #[test]
    fn guide_keys_are_checked_and_unknown_keys_stay_errors() {
        for (json, needle) in [
            (
                r#"{"ci_system": "gitlab", "provider": "github"}"#,
                "not both",
            ),
            (
                r#"{"retry_attempts": 3, "retry": {"max_attempts": 2}}"#,
                "not both",
            ),
            (r#"{"result_format": "pdf"}"#, "pdf"),
            (r#"{"result_format": 7}"#, "result_format"),
            (
                r#"{"enable_history_tracking": "yes"}"#,
                "enable_history_tracking",
            ),
            (
                r#"{"update_on_completion_only": 1}"#,
                "update_on_completion_only",
            ),
            (
                r#"{"ci_system": "gitlab", "enable_pr_coments": true}"#,
                "enable_pr_coments",
            ),
            (r#"{"retry_attempts": 0}"#, "max_attempts"),
        ] {
            let err = Config::from_json(json).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration, "{json}");
            assert!(err.message().contains(needle), "{json}: {err}");
        }
    }

    #[test]
    fn run_wide_variables_fill_only_what_is_unset() {
        let env = Env::new()
            .with_var("CI_PROVIDER", "gitlab_ci")
            .with_var("TEST_RUN_ID", "nightly-7");
        let mut c = Config::default();
        apply_env(&mut c, &env);
        assert_eq!(
            (c.provider.as_str(), c.test_run_id.as_deref()),
            ("gitlab", Some("nightly-7"))
        );
        let mut explicit = Config {
            provider: "local".into(),
            test_run_id: Some("mine".into()),
            ..Config::default()
        };
        apply_env(&mut explicit, &env);
        assert_eq!(
            (explicit.provider.as_str(), explicit.test_run_id.as_deref()),
            ("local", Some("mine"))
        );
        let env = Env::new()
            .with_var("CI_PROVIDER", "bitbucket")
            .with_var("BITBUCKET_WORKSPACE", "team")
            .with_var("BITBUCKET_REPO_SLUG", "app");
        let mut c = Config::default();
        apply_env(&mut c, &env);
        assert_eq!(c.repository.as_deref(), Some("team/app"));
    }

    #[test]
    fn vendor_values_belong_to_their_vendor() {
        let env = Env::new()
            .with_var("TEAMCITY_URL", "https://tc.example/")
            .with_var("JENKINS_TOKEN", "jt")
            .with_var("AZURE_DEVOPS_TOKEN", "az");
        let url = |s: &VendorSetting| matches!(s, VendorSetting::ApiUrl { .. });
        let token = |s: &VendorSetting| matches!(s, VendorSetting::Token);
        assert_eq!(
            vendor_value("teamcity", url, &env),
            Some(("TEAMCITY_URL", "https://tc.example/app/rest".into()))
        );
        assert_eq!(
            vendor_value("jenkins", token, &env),
            Some(("JENKINS_TOKEN", "jt".into()))
        );
        assert_eq!(
            vendor_value("azure", token, &env),
            Some(("AZURE_DEVOPS_TOKEN", "az".into()))
        );
        assert_eq!(vendor_value("github", token, &env), None);
        assert_eq!(vendor_value("gitlab", token, &env), None);
    }
}
