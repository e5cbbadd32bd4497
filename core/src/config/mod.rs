//! Configuration: one struct, deserializable from JSON.
//!
//! Every field has a documented default, so `{}` is a valid configuration.
//! An unknown key is an error that names it: a typo such as
//! `"enable_pr_coments"` must not be silently ignored.
//!
//! | key | default | meaning |
//! |-----|---------|---------|
//! | `provider` | `"auto"` | CI provider: `auto`, `local`, or a registered name |
//! | `output_dir` | `"test_results"` | where reports and local state are written |
//! | `history_path` | `".testrelay/history.db"` | SQLite history; `null` turns history off |
//! | `history_url` | none (`TESTRELAY_HISTORY_URL`) | shared PostgreSQL history (`postgres://…`, builds with the cargo feature `postgres`): each finished run is also recorded there; needs `history_path`; never printed or logged |
//! | `report_formats` | `["junit","json","html","markdown"]` | reports written at the end of a run |
//! | `junit_profile` | `"strict"` | `strict`: valid against `junit-10.xsd`; `full`: adds `file`/`line` and per-case properties (GitLab reads `file`) |
//! | `enable_pr_comments` | `true` | post (and update in place) one PR comment |
//! | `enable_status_updates` | `true` | set the commit/build status |
//! | `enable_artifacts` | `true` | upload attached artifacts |
//! | `update_interval_secs` | `60` | at most one live progress update per interval |
//! | `retry` | see [`RetryPolicy`] | retries of CI API calls |
//! | `timeouts` | see [`Timeouts`] | network time limits |
//! | `run_name` | `"testrelay"` | check-run / report title |
//! | `test_run_id` | none | explicit run key (else derived from the CI build) |
//! | `providers` | `{}` | one section per vendor, see [`ProviderSettings`]: `{"gitlab": {"api_url": …, "token_env": …}}` |
//! | `api_token` | none | shorthand for the token of the provider the run reports to; never printed, logged or stored |
//! | `repository` | none | `owner/name` (or the vendor's equivalent) |
//! | `api_url` | none | shorthand for the API base URL of the provider the run reports to (self-hosted servers, simulator) |
//! | `commit_sha`, `branch`, `pr_number` | none | override what detection finds |
//! | `status_context` | `"testrelay"` | commit-status context / check name prefix |
//! | `comment_budget_bytes` | `65536` | largest PR comment the renderer produces |
//! | `strict` | `false` | reporting problems fail the harness |
//! | `job_summary_path` | none (`GITHUB_STEP_SUMMARY` inside Actions) | file the CI shows as the job summary; the final Markdown is appended |
//! | `workflow_commands` | none (on inside Actions) | print `::error file=..,line=..::` lines for the first failures |
//! | `release_tag` | none (`testrelay-<run key>`) | GitHub: tag of the prerelease whose assets hold the run's artifacts |
//! | `auth_scheme` | `"bearer"` | shorthand: how the reporting provider's token is sent: `bearer` (`Authorization: Bearer …`) or `token` (`Authorization: token …`, older GitHub Enterprise Servers) |
//! | `performance` | see [`PerformanceSettings`] | how each run's metrics are compared with their baseline (regressions) |
//! | `same_name_cases` | `"tests"` | reading result files: cases with the same identity in one file are each a test (`tests`), or attempts of one test where the last decides (`attempts`, for runners that write a retried test as repeated elements) |
//! | `live_updates` | `true` | send live progress updates while the run goes on; `false`: the CI hears of the run only when it is reported or finished |
//! | `store_metrics` | `true` | keep recorded metrics in the history (for `trends`); `false`: they are in the reports only |
//! | `log_level` | none (`warn`, or `TESTRELAY_LOG`) | level of testrelay's own logger (the CLI; Node when set): `off`, `error`, `warn`, `info`, `debug`, `trace` |
//! | `log_file` | none (stderr) | file testrelay's own logger appends to |
//! | `artifact_types` | `[]` | extra artifact type rules, tried before the built-in detection: `[{"pattern": "*.k6.json", "type": "performance_report"}]` (see [`crate::artifact::kind`]) |
//!
//! The integration guide's names for these keys (`ci_system`,
//! `result_format`, ...) are accepted too: [`guide`] translates them.
//!
//! Keys left unset are filled from the `TESTRELAY_*` environment variables
//! (see [`crate::reporter::ENV_VARIABLES`]), then from CI detection. Which
//! API URL and token each provider gets follows one rule, documented in
//! [`crate::provider::endpoint`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::analysis::trends::Better;
use crate::error::{Error, ErrorKind, Result};
use crate::report::results::SameNameCases;

pub mod guide;

/// Largest time limit or interval in seconds (one day): larger values are
/// mistakes, and would overflow the clock arithmetic.
pub const DAY_SECS: u64 = 86_400;
/// Largest backoff in milliseconds (one hour).
const HOUR_MS: u64 = 3_600_000;
/// Most attempts per CI API call.
const MAX_ATTEMPTS: u32 = 100;

/// A credential. Its `Debug` and `Display` print `***`, and it serializes
/// as `"***"`, so it cannot leak through logs, reports or error messages.
/// Use [`Secret::expose`] only where the value goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Secret, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// `junit.xml`.
    Junit,
    /// `results.json` (CTRF) and `run.json` (the TestRunResult).
    Json,
    /// `report.html`, one self-contained file.
    Html,
    /// `summary.md`, the text a PR comment or job summary shows.
    Markdown,
}

impl ReportFormat {
    /// Every format, in the default order.
    pub const ALL: [ReportFormat; 4] = [
        ReportFormat::Junit,
        ReportFormat::Json,
        ReportFormat::Html,
        ReportFormat::Markdown,
    ];

    /// Parses a format list as the command line and the guide write it:
    /// names separated by commas, `junit` (or `xml`), `json`, `html`,
    /// `markdown` (or `md`), and `all` for every format. Duplicates are
    /// dropped; the order is kept.
    ///
    /// Errors: `Configuration` naming an unknown format or an empty list.
    pub fn parse_list(text: &str) -> Result<Vec<ReportFormat>> {
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let formats: &[ReportFormat] = match name.to_ascii_lowercase().as_str() {
                "all" => &ReportFormat::ALL,
                "junit" | "xml" => &[ReportFormat::Junit],
                "json" => &[ReportFormat::Json],
                "html" => &[ReportFormat::Html],
                "markdown" | "md" => &[ReportFormat::Markdown],
                _ => {
                    return Err(Error::new(
                        ErrorKind::Configuration,
                        format!(
                            "unknown report format `{name}`; use junit (or xml), json, html, \
                             markdown, or all"
                        ),
                    ));
                }
            };
            for f in formats {
                if !out.contains(f) {
                    out.push(*f);
                }
            }
        }
        if out.is_empty() {
            return Err(Error::new(
                ErrorKind::Configuration,
                "no report format given; use junit (or xml), json, html, markdown, or all",
            ));
        }
        Ok(out)
    }
}

/// Level of testrelay's own logger (see [`crate::logging`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Errors only.
    Error,
    /// Warnings and errors (the default).
    Warn,
    /// Each delivery, retry and replay.
    Info,
    /// Details for a bug report.
    Debug,
    /// Everything but the raw wire dump (never shown).
    Trace,
}

impl LogLevel {
    /// The `log` crate's filter for this level.
    pub fn filter(self) -> log::LevelFilter {
        match self {
            LogLevel::Off => log::LevelFilter::Off,
            LogLevel::Error => log::LevelFilter::Error,
            LogLevel::Warn => log::LevelFilter::Warn,
            LogLevel::Info => log::LevelFilter::Info,
            LogLevel::Debug => log::LevelFilter::Debug,
            LogLevel::Trace => log::LevelFilter::Trace,
        }
    }
}

/// How the API token is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (GitHub's documented default).
    #[default]
    Bearer,
    /// `Authorization: token <token>` (what older GitHub Enterprise Servers
    /// expect).
    Token,
}

/// Which JUnit dialect `junit.xml` is written in (config key
/// `junit_profile`, `"strict"` or `"full"`; see
/// [`write_junit_with`](crate::report::junit::write_junit_with)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JunitProfile {
    /// Everything the model knows: `testcase@file` and `@line`, per-case
    /// `<properties>`, and the Surefire rerun elements. Read by Jenkins,
    /// GitLab, Azure and Surefire-aware tools.
    #[default]
    Full,
    /// Only what the `junit-10.xsd` schema (Jenkins xunit, shipped with
    /// pytest) allows: no `file`/`line` attributes and no per-case
    /// properties. The rerun/flaky elements stay, because that schema has
    /// them. The output validates against `junit-10.xsd`. This is what
    /// `junit.xml` gets unless the configuration asks for `full`.
    Strict,
}

/// One vendor's section, `providers.<name>`: where its API is and where its
/// token comes from. A CI that hosts no code delegates statuses and comments
/// to the code host's section (`providers.github` for a GitHub repository
/// built on Jenkins), so CI and code-host credentials stay apart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderSettings {
    /// API base URL (a self-hosted server; the simulator in tests).
    pub api_url: Option<String>,
    /// The token itself (prefer `token_env`).
    pub token: Option<Secret>,
    /// The environment variable that holds the token.
    pub token_env: Option<String>,
    /// How a bearer-style token is sent.
    pub auth_scheme: Option<AuthScheme>,
    /// The user a token goes with where the vendor takes HTTP Basic
    /// (Jenkins, a Bitbucket app password, TeamCity).
    pub user: Option<String>,
    /// A forward proxy that adds the credentials itself, used when there is
    /// no token. Bitbucket only: Pipelines' Code Insights proxy, by default
    /// `http://localhost:29418` inside Bitbucket Pipelines.
    pub proxy: Option<String>,
}

/// How CI API calls are retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (default 5).
    pub max_attempts: u32,
    /// First backoff in milliseconds before jitter (default 500).
    pub initial_backoff_ms: u64,
    /// Largest backoff in milliseconds (default 30000).
    pub max_backoff_ms: u64,
    /// Wait after a secondary rate limit that gave no Retry-After (default 60).
    pub secondary_rate_limit_wait_secs: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff_ms: 500,
            max_backoff_ms: 30_000,
            secondary_rate_limit_wait_secs: 60,
        }
    }
}

/// Network time limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// Connecting to the API (default 10 s).
    pub connect_secs: u64,
    /// Waiting for a response (default 30 s).
    pub read_secs: u64,
    /// One request from start to end, retries excluded (default 60 s).
    pub request_secs: u64,
    /// `finish()` as a whole when the caller gives no timeout (default 120 s).
    pub finish_secs: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect_secs: 10,
            read_secs: 30,
            request_secs: 60,
            finish_secs: 120,
        }
    }
}

/// Most baseline runs a metric is compared with.
const MAX_BASELINE_RUNS: usize = 1000;

/// How a run's metrics are compared with their baseline (`performance`):
/// see `analysis::regressions` for the rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PerformanceSettings {
    /// How many earlier runs of the baseline branch form the baseline
    /// (default 10, at most 1000).
    pub baseline_runs: usize,
    /// Smallest change, in percent of the baseline, that counts as a
    /// regression or improvement (default 5): a smaller change is noise
    /// however significant.
    pub min_change_pct: f64,
    /// Significance level of the tests (default 0.05).
    pub alpha: f64,
    /// Baseline branch of runs that are not pull requests (`None`: the
    /// run's own branch). A pull request's baseline is always its base
    /// branch.
    pub default_branch: Option<String>,
    /// Per metric name, which way is better (`"lower"` or `"higher"`),
    /// overriding the default from the unit and name.
    pub better: BTreeMap<String, Better>,
}

impl Default for PerformanceSettings {
    fn default() -> Self {
        PerformanceSettings {
            baseline_runs: 10,
            min_change_pct: 5.0,
            alpha: 0.05,
            default_branch: None,
            better: BTreeMap::new(),
        }
    }
}

/// The whole configuration. See the module docs for the key table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// CI provider name (`auto`, `local`, `github`, ...).
    pub provider: String,
    /// Where reports and local provider state go.
    pub output_dir: PathBuf,
    /// SQLite history file; `None` disables history.
    pub history_path: Option<PathBuf>,
    /// A shared PostgreSQL history (`postgres://` URL) that each finished
    /// run is also recorded into; needs the `postgres` feature and
    /// `history_path`. Left out of the serialized form when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_url: Option<Secret>,
    /// Reports written when a run finishes.
    pub report_formats: Vec<ReportFormat>,
    /// Dialect of `junit.xml`.
    pub junit_profile: JunitProfile,
    /// Post one PR comment and update it in place.
    pub enable_pr_comments: bool,
    /// Set the commit/build status.
    pub enable_status_updates: bool,
    /// Upload attached artifacts.
    pub enable_artifacts: bool,
    /// Minimum seconds between live progress updates.
    pub update_interval_secs: u64,
    /// Retry policy for CI API calls.
    pub retry: RetryPolicy,
    /// Network time limits.
    pub timeouts: Timeouts,
    /// Display name of the run.
    pub run_name: String,
    /// Explicit run key.
    pub test_run_id: Option<String>,
    /// Per-vendor sections (`providers.gitlab.api_url`, ...).
    pub providers: BTreeMap<String, ProviderSettings>,
    /// CI API token.
    pub api_token: Option<Secret>,
    /// Repository (`owner/name`).
    pub repository: Option<String>,
    /// API base URL.
    pub api_url: Option<String>,
    /// Head commit override.
    pub commit_sha: Option<String>,
    /// Branch override.
    pub branch: Option<String>,
    /// PR / MR number override.
    pub pr_number: Option<u64>,
    /// Commit-status context.
    pub status_context: String,
    /// Largest PR comment body in bytes.
    pub comment_budget_bytes: usize,
    /// Reporting problems fail the harness.
    pub strict: bool,
    /// Job-summary file to append the final Markdown to.
    pub job_summary_path: Option<PathBuf>,
    /// Print workflow commands for failures (`None`: decided by detection).
    pub workflow_commands: Option<bool>,
    /// GitHub: tag of the release that holds the artifacts (`None`: one
    /// prerelease per run, tagged `testrelay-<run key>`).
    pub release_tag: Option<String>,
    /// How the token is sent in the `Authorization` header.
    pub auth_scheme: AuthScheme,
    /// How result files are read when cases in one file share an identity.
    pub same_name_cases: SameNameCases,
    /// Send live progress updates while the run goes on.
    pub live_updates: bool,
    /// Keep recorded metrics in the history.
    pub store_metrics: bool,
    /// Level of testrelay's own logger (`None`: `TESTRELAY_LOG`, else warn).
    pub log_level: Option<LogLevel>,
    /// File testrelay's own logger appends to (`None`: stderr).
    pub log_file: Option<PathBuf>,
    /// How metrics are compared with their baseline.
    pub performance: PerformanceSettings,
    /// Artifact type rules tried before the built-in detection.
    pub artifact_types: Vec<crate::artifact::TypeRule>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            provider: "auto".into(),
            output_dir: PathBuf::from("test_results"),
            history_path: Some(PathBuf::from(".testrelay/history.db")),
            history_url: None,
            report_formats: ReportFormat::ALL.to_vec(),
            junit_profile: JunitProfile::Strict,
            enable_pr_comments: true,
            enable_status_updates: true,
            enable_artifacts: true,
            update_interval_secs: 60,
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            run_name: "testrelay".into(),
            test_run_id: None,
            providers: BTreeMap::new(),
            api_token: None,
            repository: None,
            api_url: None,
            commit_sha: None,
            branch: None,
            pr_number: None,
            status_context: "testrelay".into(),
            comment_budget_bytes: 65_536,
            strict: false,
            job_summary_path: None,
            workflow_commands: None,
            release_tag: None,
            auth_scheme: AuthScheme::Bearer,
            same_name_cases: SameNameCases::Tests,
            live_updates: true,
            store_metrics: true,
            log_level: None,
            log_file: None,
            performance: PerformanceSettings::default(),
            artifact_types: Vec::new(),
        }
    }
}

impl Config {
    /// Parses a JSON object; missing keys take their defaults, and the
    /// integration guide's names are translated ([`guide::translate`]).
    ///
    /// Errors: `Configuration` naming an unknown key, a wrong type or bad
    /// JSON (with line and column when no guide name was translated).
    pub fn from_json(json: &str) -> Result<Config> {
        let invalid = |e: serde_json::Error| {
            Error::new(
                ErrorKind::Configuration,
                format!("invalid configuration: {e}"),
            )
        };
        let value: serde_json::Value = serde_json::from_str(json).map_err(invalid)?;
        let config: Config = match value.as_object() {
            Some(map) if guide::has_guide_keys(map) => return Config::from_json_value(value),
            _ => serde_json::from_str(json).map_err(invalid)?,
        };
        config.validate()?;
        Ok(config)
    }

    /// [`from_json`](Self::from_json) for a configuration already parsed
    /// (the `config` object inside a C or Node request): the same guide
    /// names, the same checks.
    ///
    /// Errors: `Configuration` naming an unknown key or a wrong type.
    pub fn from_json_value(mut value: serde_json::Value) -> Result<Config> {
        if let Some(map) = value.as_object_mut() {
            guide::translate(map)?;
        }
        let config: Config = serde_json::from_value(value).map_err(|e| {
            Error::new(
                ErrorKind::Configuration,
                format!("invalid configuration: {e}"),
            )
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Deserializes an optional configuration with
    /// [`from_json_value`](Self::from_json_value), for `config` fields of
    /// requests (`#[serde(deserialize_with = ...)]`).
    ///
    /// Errors: the configuration error's message, as a serde error.
    pub fn deserialize_optional<'de, D>(
        deserializer: D,
    ) -> std::result::Result<Option<Config>, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        let value = <Option<serde_json::Value> as serde::Deserialize>::deserialize(deserializer)?;
        value
            .map(|v| Config::from_json_value(v).map_err(|e| serde::de::Error::custom(e.message())))
            .transpose()
    }

    /// Checks values that parse but make no sense.
    ///
    /// Errors: `Configuration` naming the key.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: &str| Err(Error::new(ErrorKind::Configuration, msg.to_string()));
        if self.provider.trim().is_empty() {
            return bad("`provider` is empty; use \"auto\", \"local\" or a CI name");
        }
        if self.retry.max_attempts == 0 {
            return bad("`retry.max_attempts` must be at least 1");
        }
        if self.output_dir.as_os_str().is_empty() {
            return bad("`output_dir` is empty");
        }
        if self.comment_budget_bytes < 256 {
            return bad("`comment_budget_bytes` must be at least 256");
        }
        if self
            .history_path
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return bad(
                "`history_path` is empty: give the history file's path, or null to turn the history off",
            );
        }
        if self
            .log_file
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return bad("`log_file` is empty: give a file, or leave it out to log on stderr");
        }
        if self.retry.max_attempts > MAX_ATTEMPTS {
            return bad(&format!(
                "`retry.max_attempts` is {}; at most {MAX_ATTEMPTS}",
                self.retry.max_attempts
            ));
        }
        let (t, r) = (&self.timeouts, &self.retry);
        let limits = [
            ("timeouts.connect_secs", t.connect_secs, DAY_SECS),
            ("timeouts.read_secs", t.read_secs, DAY_SECS),
            ("timeouts.request_secs", t.request_secs, DAY_SECS),
            ("timeouts.finish_secs", t.finish_secs, DAY_SECS),
            ("update_interval_secs", self.update_interval_secs, DAY_SECS),
            ("retry.initial_backoff_ms", r.initial_backoff_ms, HOUR_MS),
            ("retry.max_backoff_ms", r.max_backoff_ms, HOUR_MS),
            (
                "retry.secondary_rate_limit_wait_secs",
                r.secondary_rate_limit_wait_secs,
                HOUR_MS / 1000,
            ),
        ];
        for (key, value, max) in limits {
            if value > max {
                return bad(&format!("`{key}` is {value}; at most {max}"));
            }
        }
        let perf = &self.performance;
        if perf.baseline_runs == 0 || perf.baseline_runs > MAX_BASELINE_RUNS {
            return bad(&format!(
                "`performance.baseline_runs` is {}; use 1 to {MAX_BASELINE_RUNS}",
                perf.baseline_runs
            ));
        }
        if !(perf.min_change_pct.is_finite() && perf.min_change_pct >= 0.0) {
            return bad(&format!(
                "`performance.min_change_pct` is {}; use a percentage of 0 or more, e.g. 5",
                perf.min_change_pct
            ));
        }
        if !(perf.alpha > 0.0 && perf.alpha < 1.0) {
            return bad(&format!(
                "`performance.alpha` is {}; use a level between 0 and 1, e.g. 0.05",
                perf.alpha
            ));
        }
        if perf
            .default_branch
            .as_deref()
            .is_some_and(|b| b.trim().is_empty())
        {
            return bad("`performance.default_branch` is empty: give a branch name, or null");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_gives_documented_defaults() {
        let c = Config::from_json("{}").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.provider, "auto");
        assert_eq!(c.output_dir, PathBuf::from("test_results"));
        assert_eq!(c.history_path, Some(PathBuf::from(".testrelay/history.db")));
        assert_eq!(c.report_formats, ReportFormat::ALL.to_vec());
        assert_eq!(c.update_interval_secs, 60);
        assert!(c.enable_pr_comments && c.enable_status_updates && c.enable_artifacts);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::from_json(r#"{"enable_pr_coments": false}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.to_string().contains("enable_pr_coments"), "{err}");
        let err = Config::from_json(r#"{"retry": {"max_attempt": 3}}"#).unwrap_err();
        assert!(err.to_string().contains("max_attempt"), "{err}");
        let err = Config::from_json(r#"{"performance": {"min_effect": 3}}"#).unwrap_err();
        assert!(err.to_string().contains("min_effect"), "{err}");
        let err = Config::from_json(r#"{"performance": {"better": {"x_ms": "up"}}}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.to_string().contains("up"), "{err}");
        let c =
            Config::from_json(r#"{"performance": {"better": {"cache_hits": "higher"}}}"#).unwrap();
        assert_eq!(c.performance.better["cache_hits"], Better::Higher);
    }

    #[test]
    fn wrong_type_and_bad_values_are_errors() {
        let err = Config::from_json(r#"{"update_interval_secs": "soon"}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        let err = Config::from_json(r#"{"retry": {"max_attempts": 0}}"#).unwrap_err();
        assert!(err.to_string().contains("max_attempts"));
        let err = Config::from_json(r#"{"report_formats": ["pdf"]}"#).unwrap_err();
        assert!(err.to_string().contains("pdf"));
        let c = Config::from_json(r#"{"history_path": null}"#).unwrap();
        assert_eq!(c.history_path, None);
    }

    #[test]
    fn numbers_out_of_range_and_empty_paths_name_their_key() {
        for (json, key) in [
            (
                r#"{"timeouts": {"finish_secs": 18446744073709551615}}"#,
                "timeouts.finish_secs",
            ),
            (
                r#"{"timeouts": {"connect_secs": 86401}}"#,
                "timeouts.connect_secs",
            ),
            (
                r#"{"timeouts": {"read_secs": 100000}}"#,
                "timeouts.read_secs",
            ),
            (
                r#"{"timeouts": {"request_secs": 100000}}"#,
                "timeouts.request_secs",
            ),
            (
                r#"{"update_interval_secs": 18446744073709551615}"#,
                "update_interval_secs",
            ),
            (
                r#"{"retry": {"max_backoff_ms": 18446744073709551615}}"#,
                "retry.max_backoff_ms",
            ),
            (
                r#"{"retry": {"initial_backoff_ms": 3600001}}"#,
                "retry.initial_backoff_ms",
            ),
            (
                r#"{"retry": {"secondary_rate_limit_wait_secs": 3601}}"#,
                "retry.secondary_rate_limit_wait_secs",
            ),
            (
                r#"{"retry": {"max_attempts": 4294967295}}"#,
                "retry.max_attempts",
            ),
            (r#"{"history_path": ""}"#, "history_path"),
            (
                r#"{"performance": {"baseline_runs": 0}}"#,
                "performance.baseline_runs",
            ),
            (
                r#"{"performance": {"min_change_pct": -1}}"#,
                "performance.min_change_pct",
            ),
            (r#"{"performance": {"alpha": 1.5}}"#, "performance.alpha"),
            (
                r#"{"performance": {"default_branch": " "}}"#,
                "performance.default_branch",
            ),
        ] {
            let err = Config::from_json(json).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Configuration, "{json}");
            assert!(err.message().contains(&format!("`{key}`")), "{json}: {err}");
        }
        let err = Config::from_json(r#"{"history_path": ""}"#).unwrap_err();
        assert!(err.message().contains("is empty"), "{err}");
        assert!(!err.message().contains("journal"), "{err}");
        let ok = r#"{"timeouts": {"finish_secs": 86400}, "retry": {"max_attempts": 100}}"#;
        assert!(Config::from_json(ok).is_ok());
    }

    #[test]
    fn token_never_shows() {
        let c = Config::from_json(r#"{"api_token": "ghp_supersecret123"}"#).unwrap();
        assert_eq!(c.api_token.as_ref().unwrap().expose(), "ghp_supersecret123");
        let debug = format!("{c:?}");
        let json = serde_json::to_string(&c).unwrap();
        let display = format!("{}", c.api_token.as_ref().unwrap());
        for text in [debug, json, display] {
            assert!(!text.contains("supersecret"), "{text}");
        }
    }
}
