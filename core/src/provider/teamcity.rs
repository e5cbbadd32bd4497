//! TeamCity: service messages on stdout (live, token-free) and the REST API
//! (`/app/rest`) for the build comment and tag. A CI that hosts no code:
//! commit statuses and PR comments go to the code host detection names.
//!
//! | testrelay | TeamCity |
//! |---|---|
//! | test run | the running build itself (`teamcity.build.id`); nothing is created |
//! | live progress | service messages, printed on the collector thread as each case is taken off the queue ([`CiProvider::live_channel`]): `testSuiteStarted`/`testSuiteFinished`, `testStarted`, `testStdOut`/`testStdErr`, `testFailed message= details=`, `testIgnored`, `testFinished duration=`, all with a `flowId` per suite and process, so parallel shards and threads stay apart |
//! | metrics | `buildStatisticValue key= value=` for every recorded metric (`key` is the metric's name, `name.test-id` for a test's metric) |
//! | end of the run | `publishArtifacts` for every report, `buildProblem` (stable `identity`) when the harness itself failed or timed out, `buildStatus text=` with the totals (TeamCity's own text kept in front) |
//! | close | with a token: `PUT /app/rest/builds/id:{id}/comment` (the one-line description) and `POST /app/rest/builds/id:{id}/tags` (`testrelay-<status>`); without one, `Unsupported` (the service messages carry the results, they need no token) |
//! | artifacts | `publishArtifacts '<file> => testrelay'`, which the agent uploads; read back with `GET /app/rest/builds/id:{id}/artifacts/content/testrelay/<file>` (token needed) |
//! | run status | `GET /app/rest/builds/id:{id}` (token needed) |
//! | status, PR comment | the code host's ([`super::Registry::build`]) |
//!
//! Values are escaped as TeamCity parses them ([`escape`]): a test name or
//! message holding `']`, a line break or `##teamcity[` stays one value.
//!
//! The REST API is `providers.teamcity.api_url`, else the server inside a
//! TeamCity build (`teamcity.serverUrl` from the build properties, or
//! `TEAMCITY_SERVER_URL`) followed by `/app/rest`. Its token is an access
//! token (`TEAMCITY_TOKEN`), sent as `Authorization: Bearer`.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::{
    ArtifactRef, Capabilities, CiProvider, LiveChannel, ProviderSpec, RunContext, RunHandle,
    RunUpdate, Setup, TokenVariable,
};
use crate::detect::CiSystem;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Auth, Body, HttpClient, url_encode};
use crate::model::{CaseStatus, Metric, RunStatus, TestCase, TestRun, TestRunResult};
use crate::reporter::{Event, RunSummary};

/// Where TeamCity users keep a REST token.
const TOKEN_VARIABLES: &[TokenVariable] = &[TokenVariable::access("TEAMCITY_TOKEN")];

/// The artifact directory our files are published under.
const ARTIFACT_DIR: &str = "testrelay";

/// TeamCity in the registry: TeamCity's provider; no code host.
pub(super) fn spec() -> ProviderSpec {
    ProviderSpec {
        name: "teamcity",
        ci: Some(CiSystem::Teamcity),
        code_host: None,
        token_variables: TOKEN_VARIABLES,
        default_api_url: None,
        build: Arc::new(|setup: &Setup<'_>| Ok(Box::new(TeamcityProvider::from_setup(setup)?))),
        build_host: None,
    }
}

/// `value` escaped as TeamCity parses a service message value: `|` `'`
/// `[` `]` LF CR as `||` `|'` `|[` `|]` `|n` `|r`, and every other control
/// character and Unicode line break (NEL, LS, PS) as `|0xNNNN`, so nothing
/// inside a value can end it, end the message or start another one.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '|' => out.push_str("||"),
            '\'' => out.push_str("|'"),
            '[' => out.push_str("|["),
            ']' => out.push_str("|]"),
            '\n' => out.push_str("|n"),
            '\r' => out.push_str("|r"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("|0x{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// One service message: `##teamcity[name key='value' ...]`, values escaped.
pub fn message(name: &str, attributes: &[(&str, &str)]) -> String {
    let mut line = format!("##teamcity[{name}");
    for (key, value) in attributes {
        line.push_str(&format!(" {key}='{}'", escape(value)));
    }
    line.push(']');
    line
}

/// Where service messages are written (stdout, or a buffer in tests).
pub type MessageSink = Box<dyn Write + Send>;

/// The service-message writer shared by the provider and its live channel.
struct Messages {
    inner: Mutex<MessagesInner>,
    /// Prefix of every flow id: this process and shard.
    flow: String,
}

struct MessagesInner {
    out: MessageSink,
    /// Suites started so far, in order; a suite's flow is its position.
    suites: Vec<String>,
}

impl Messages {
    /// Writes `lines` at once, each on its own line, and flushes.
    fn write(&self, inner: &mut MessagesInner, lines: &[String]) {
        let mut text = String::new();
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        let written = inner
            .out
            .write_all(text.as_bytes())
            .and_then(|()| inner.out.flush());
        if let Err(e) = written {
            log::warn!("testrelay: writing TeamCity service messages failed: {e}");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MessagesInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The flow of `suite`, starting the suite when it is new.
    fn suite_flow(
        &self,
        inner: &mut MessagesInner,
        suite: &str,
        lines: &mut Vec<String>,
    ) -> String {
        let index = match inner.suites.iter().position(|s| s == suite) {
            Some(i) => i,
            None => {
                inner.suites.push(suite.to_string());
                let i = inner.suites.len() - 1;
                let flow = format!("{}.{i}", self.flow);
                lines.push(message(
                    "testSuiteStarted",
                    &[("name", suite), ("flowId", &flow)],
                ));
                i
            }
        };
        format!("{}.{index}", self.flow)
    }

    fn case(&self, case: &TestCase) {
        let suite = if case.suite.is_empty() {
            "tests"
        } else {
            case.suite.as_str()
        };
        let name = test_name(case);
        let mut inner = self.lock();
        let mut lines = Vec::new();
        let flow = self.suite_flow(&mut inner, suite, &mut lines);
        let flow = flow.as_str();
        lines.push(message("testStarted", &[("name", &name), ("flowId", flow)]));
        if let Some(out) = case.stdout.as_deref().filter(|s| !s.is_empty()) {
            lines.push(message(
                "testStdOut",
                &[("name", &name), ("out", out), ("flowId", flow)],
            ));
        }
        if let Some(err) = case.stderr.as_deref().filter(|s| !s.is_empty()) {
            lines.push(message(
                "testStdErr",
                &[("name", &name), ("out", err), ("flowId", flow)],
            ));
        }
        let text = case.message.as_deref().unwrap_or_default();
        match case.status {
            CaseStatus::Failed | CaseStatus::Error => {
                let details = case.details.as_deref().unwrap_or_default();
                lines.push(message(
                    "testFailed",
                    &[
                        ("name", &name),
                        ("message", text),
                        ("details", details),
                        ("flowId", flow),
                    ],
                ));
            }
            CaseStatus::Skipped => lines.push(message(
                "testIgnored",
                &[("name", &name), ("message", text), ("flowId", flow)],
            )),
            CaseStatus::Passed | CaseStatus::Flaky => {}
        }
        let millis = (case.duration_seconds.max(0.0) * 1000.0).round() as u64;
        lines.push(message(
            "testFinished",
            &[
                ("name", &name),
                ("duration", &millis.to_string()),
                ("flowId", flow),
            ],
        ));
        self.write(&mut inner, &lines);
    }

    fn metric(&self, metric: &Metric) {
        let key = match &metric.test_id {
            Some(test) => format!("{}.{test}", metric.name),
            None => metric.name.clone(),
        };
        let line = message(
            "buildStatisticValue",
            &[("key", &key), ("value", &metric.value.to_string())],
        );
        let mut inner = self.lock();
        self.write(&mut inner, &[line]);
    }

    fn publish(&self, path: &Path) -> Result<()> {
        let spec = artifact_rule(path)?;
        let mut inner = self.lock();
        self.write(&mut inner, &[message_single("publishArtifacts", &spec)]);
        Ok(())
    }

    fn finished(&self, summary: &RunSummary) {
        let mut lines = Vec::new();
        for path in &summary.reports {
            match artifact_rule(path) {
                Ok(rule) => lines.push(message_single("publishArtifacts", &rule)),
                Err(e) => log::warn!("testrelay: report not published to TeamCity: {e}"),
            }
        }
        let r = &summary.result;
        let problem = match r.status {
            RunStatus::Error => Some((
                "testrelay-harness-error",
                "testrelay: the test harness failed before it reported its results",
            )),
            RunStatus::TimedOut => Some((
                "testrelay-harness-timeout",
                "testrelay: the test run went past its time limit",
            )),
            _ => None,
        };
        let mut inner = self.lock();
        for (i, suite) in inner.suites.iter().enumerate().rev() {
            lines.insert(
                0,
                message(
                    "testSuiteFinished",
                    &[("name", suite), ("flowId", &format!("{}.{i}", self.flow))],
                ),
            );
        }
        inner.suites.clear();
        if let Some((identity, description)) = problem {
            lines.push(message(
                "buildProblem",
                &[("description", description), ("identity", identity)],
            ));
        }
        lines.push(message(
            "buildStatus",
            &[("text", &format!("{{build.status.text}}; {}", totals(r)))],
        ));
        self.write(&mut inner, &lines);
    }
}

/// The service messages the live channel writes for `cases`, then for the
/// end of a run with `reports` (the fuzzers' view of this writer).
#[cfg(feature = "fuzzing")]
pub(crate) fn messages_for(cases: &[TestCase], reports: Vec<std::path::PathBuf>) -> String {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let messages = Messages {
        inner: Mutex::new(MessagesInner {
            out: Box::new(buffer.clone()),
            suites: Vec::new(),
        }),
        flow: "testrelay-fuzz".into(),
    };
    for case in cases {
        messages.case(case);
    }
    let summary = RunSummary {
        run_name: String::new(),
        result: TestRun {
            cases: cases.to_vec(),
            ..TestRun::default()
        }
        .result(),
        provider: "teamcity".into(),
        reports,
        history_path: None,
        delivered: Vec::new(),
        not_delivered: Vec::new(),
        backpressure_waits: 0,
        timed_out: false,
        performance: None,
    };
    messages.finished(&summary);
    let bytes = buffer.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    String::from_utf8(bytes).expect("service messages are UTF-8")
}

/// `##teamcity[name 'value']`, the single-value form.
fn message_single(name: &str, value: &str) -> String {
    format!("##teamcity[{name} '{}']", escape(value))
}

/// The totals in `buildStatus` text.
fn totals(r: &TestRunResult) -> String {
    let mut parts = vec![format!("{} tests", r.total_tests)];
    for (n, what) in [
        (r.failed_tests, "failed"),
        (r.error_tests, "errors"),
        (r.skipped_tests, "skipped"),
        (r.flaky_tests, "flaky"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.push(format!("{} passed", r.passed_tests));
    format!("testrelay: {}", parts.join(", "))
}

/// The name TeamCity shows: `classname.name` (TeamCity reads the last dot
/// as the class/method split), or the name alone.
fn test_name(case: &TestCase) -> String {
    if case.classname.is_empty() || case.classname == case.suite {
        case.name.clone()
    } else {
        format!("{}.{}", case.classname, case.name)
    }
}

/// The artifact rule publishing `path` under [`ARTIFACT_DIR`]. Artifact
/// rules give `,`, line breaks, `=>`, wildcards and a leading `+:`/`-:`
/// meanings of their own, so a path holding them is refused rather than
/// published as something else.
fn artifact_rule(path: &Path) -> Result<String> {
    let text = path.to_string_lossy();
    // TeamCity trims a rule's parts, and an empty source is no file.
    if text.trim().is_empty() || text.trim() != text {
        return Err(Error::invalid(format!(
            "TeamCity artifact rules trim spaces: `{text}` (empty, or with spaces at \
             either end) cannot be published as a file; rename it"
        )));
    }
    let unsafe_path = text.contains([',', '\n', '\r', '*', '?'])
        || text.contains("=>")
        || text.starts_with("+:")
        || text.starts_with("-:");
    if unsafe_path {
        return Err(Error::invalid(format!(
            "TeamCity artifact rules give `,`, `=>`, `*`, `?` and line breaks a meaning: \
             `{text}` cannot be published as a file; rename it"
        )));
    }
    Ok(format!("{text} => {ARTIFACT_DIR}"))
}

/// The TeamCity provider. Thread-safe.
pub struct TeamcityProvider {
    messages: Arc<Messages>,
    /// The REST API, with a token; `None` when no token or server is set.
    rest: Option<HttpClient>,
    api_url: String,
}

impl std::fmt::Debug for TeamcityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamcityProvider")
            .field("rest", &self.rest)
            .finish_non_exhaustive()
    }
}

impl TeamcityProvider {
    /// Builds the provider for a run, writing service messages to stdout.
    ///
    /// Errors: `Configuration` for an API URL that is not http(s).
    pub fn from_setup(setup: &Setup<'_>) -> Result<TeamcityProvider> {
        TeamcityProvider::with_sink(setup, Box::new(std::io::stdout()))
    }

    /// Builds the provider writing service messages to `sink` (tests and
    /// embedders that capture the build log themselves).
    ///
    /// Errors: as [`TeamcityProvider::from_setup`].
    pub fn with_sink(setup: &Setup<'_>, sink: MessageSink) -> Result<TeamcityProvider> {
        let api_url = setup.endpoint.api_url.clone();
        let rest = match &setup.endpoint.credential {
            Some(credential) if !api_url.is_empty() => Some(
                HttpClient::new(
                    &api_url,
                    // A user makes it Basic (user and password), else an access token.
                    match super::endpoint::user("teamcity", setup.config, setup.env, &[]) {
                        Some(user) => Auth::Basic(user, credential.secret.clone()),
                        None => Auth::Bearer(credential.secret.clone()),
                    },
                    setup.config,
                )?
                .with_header("accept", "application/json"),
            ),
            _ => None,
        };
        let shard = setup
            .detection
            .shard_index
            .map(|i| format!("s{i}"))
            .unwrap_or_default();
        Ok(TeamcityProvider {
            messages: Arc::new(Messages {
                inner: Mutex::new(MessagesInner {
                    out: sink,
                    suites: Vec::new(),
                }),
                flow: format!("testrelay{shard}-{}", std::process::id()),
            }),
            rest,
            api_url,
        })
    }

    fn build_id<'a>(&self, ctx: &'a RunContext) -> Result<&'a str> {
        ctx.build_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Configuration,
                    "the teamcity provider reports into a running TeamCity build, and no \
                     build id was found (teamcity.build.id, read from \
                     TEAMCITY_BUILD_PROPERTIES_FILE)",
                )
            })
    }

    fn rest(&self, what: &str) -> Result<&HttpClient> {
        self.rest.as_ref().ok_or_else(|| {
            Error::unsupported(format!(
                "{what} needs TeamCity's REST API: set TEAMCITY_TOKEN (or \
                 providers.teamcity.token) and the server (teamcity.serverUrl inside a build, \
                 TEAMCITY_SERVER_URL, or providers.teamcity.api_url); the results reached \
                 TeamCity through service messages, which need no token"
            ))
        })
    }

    fn build_path(&self, ctx: &RunContext) -> Result<String> {
        Ok(format!("/builds/id:{}", url_encode(self.build_id(ctx)?)))
    }
}

impl CiProvider for TeamcityProvider {
    fn name(&self) -> &str {
        "teamcity"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            test_runs: true,
            live_updates: true,
            build_status: false,
            pr_comments: false,
            artifacts: true,
            annotations: false,
            local_files: false,
            attach_reports: false,
        }
    }

    fn create_test_run(&self, ctx: &RunContext) -> Result<RunHandle> {
        // The run is the build this process runs in: nothing to create.
        Ok(RunHandle {
            external_id: self.build_id(ctx)?.to_string(),
            url: ctx.build_url.clone(),
        })
    }

    fn update_test_run(
        &self,
        _ctx: &RunContext,
        _handle: &RunHandle,
        _update: &RunUpdate<'_>,
    ) -> Result<()> {
        Err(Error::unsupported(
            "TeamCity shows progress live from the service messages",
        ))
    }

    fn close(&self, ctx: &RunContext, _handle: &RunHandle, update: &RunUpdate<'_>) -> Result<()> {
        let rest = self.rest("the build comment and tag")?;
        let build = self.build_path(ctx)?;
        rest.send(
            "PUT",
            &format!("{build}/comment"),
            Body::Bytes(update.description.as_bytes(), "text/plain; charset=utf-8"),
        )?;
        let status = if update.run.status.is_final() {
            update.run.status
        } else {
            update.run.counts().final_status()
        };
        let tags = json!({ "tag": [{ "name": format!("testrelay-{}", status.as_str()) }] });
        rest.send("POST", &format!("{build}/tags"), Body::Json(&tags))?;
        Ok(())
    }

    fn upload_artifact(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        path: &Path,
        name: &str,
    ) -> Result<ArtifactRef> {
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io("reading the artifact", path, e))?
            .len();
        self.messages.publish(path)?;
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string());
        let url = match (&self.api_url, self.build_id(ctx)) {
            (api, Ok(id)) if !api.is_empty() => format!(
                "{api}/builds/id:{}/artifacts/content/{ARTIFACT_DIR}/{}",
                url_encode(id),
                url_encode(&file)
            ),
            _ => ctx
                .build_url
                .clone()
                .unwrap_or_else(|| format!("{ARTIFACT_DIR}/{file}")),
        };
        Ok(ArtifactRef {
            name: file,
            url,
            size,
        })
    }

    fn get_artifact_url(
        &self,
        ctx: &RunContext,
        _handle: Option<&RunHandle>,
        name: &str,
    ) -> Result<String> {
        let rest = self.rest("finding an artifact")?;
        let build = self.build_path(ctx)?;
        let file = url_encode(name);
        rest.send(
            "GET",
            &format!("{build}/artifacts/metadata/{ARTIFACT_DIR}/{file}"),
            Body::Empty,
        )?;
        Ok(format!(
            "{}{build}/artifacts/content/{ARTIFACT_DIR}/{file}",
            rest.base_url()
        ))
    }

    /// The file the agent published under `testrelay/` (`GET
    /// /app/rest/builds/id:{id}/artifacts/content/testrelay/{name}`),
    /// streamed; needs the REST token.
    fn download_artifact(
        &self,
        ctx: &RunContext,
        name: &str,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64> {
        let rest = self.rest("downloading an artifact")?;
        let build = self.build_path(ctx)?;
        let download = rest.download(
            &format!(
                "{build}/artifacts/content/{ARTIFACT_DIR}/{}",
                url_encode(name)
            ),
            sink,
        )?;
        Ok(download.bytes)
    }

    fn get_test_run_status(&self, ctx: &RunContext, handle: &RunHandle) -> Result<TestRunResult> {
        let rest = self.rest("reading the build")?;
        let build = rest
            .send("GET", &self.build_path(ctx)?, Body::Empty)?
            .json()?;
        Ok(build_result(&build, &handle.external_id))
    }

    fn live_channel(&self) -> Option<LiveChannel> {
        let messages = self.messages.clone();
        Some(Arc::new(move |event: &Event<'_>| match event {
            Event::CaseRecorded(case) => messages.case(case),
            Event::MetricRecorded(metric) => messages.metric(metric),
            Event::RunFinished(summary) => messages.finished(summary),
            _ => {}
        }))
    }
}

/// A TeamCity build (`GET /app/rest/builds/id:N`) as a run result.
fn build_result(build: &Value, run_key: &str) -> TestRunResult {
    let status = match (build["state"].as_str(), build["status"].as_str()) {
        (Some("queued"), _) => RunStatus::Pending,
        (Some("running"), _) => RunStatus::Running,
        (_, Some("SUCCESS")) => RunStatus::Passed,
        (_, Some("FAILURE")) => RunStatus::Failed,
        (_, Some("ERROR")) => RunStatus::Error,
        _ => RunStatus::Running,
    };
    let mut result = TestRun {
        run_key: run_key.to_string(),
        status,
        ..TestRun::default()
    }
    .result();
    let tests = &build["testOccurrences"];
    let count = |k: &str| tests[k].as_u64().unwrap_or(0);
    result.total_tests = count("count");
    result.passed_tests = count("passed");
    result.failed_tests = count("failed");
    result.skipped_tests = count("ignored");
    if let Some(text) = build["statusText"].as_str() {
        result.metadata.insert("description".into(), json!(text));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_every_value_inside_its_quotes() {
        assert_eq!(escape("a|b'c[d]e\nf\rg"), "a||b|'c|[d|]e|nf|rg");
        assert_eq!(
            escape("x']\n##teamcity[buildStatus status='SUCCESS']"),
            "x|'|]|n##teamcity|[buildStatus status=|'SUCCESS|'|]"
        );
        assert_eq!(
            escape("\u{85}\u{2028}\u{2029}\u{1b}[0m\0"),
            "|0x0085|0x2028|0x2029|0x001b|[0m|0x0000"
        );
        assert_eq!(escape("ünïcødé ✓ 😀"), "ünïcødé ✓ 😀");
        assert_eq!(
            message("testStarted", &[("name", "a'b"), ("flowId", "f.0")]),
            "##teamcity[testStarted name='a|'b' flowId='f.0']"
        );
    }

    #[test]
    fn artifact_rules_refuse_paths_with_rule_syntax() {
        assert_eq!(
            artifact_rule(Path::new("out/report.html")).unwrap(),
            "out/report.html => testrelay"
        );
        for bad in ["a,b", "a=>b", "a*", "+:x", "a\nb", "", " ", " a", "a "] {
            assert_eq!(
                artifact_rule(Path::new(bad)).unwrap_err().kind(),
                ErrorKind::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn builds_read_back_as_results() {
        let r = build_result(
            &json!({"state": "finished", "status": "FAILURE", "statusText": "Tests failed: 1",
                    "testOccurrences": {"count": 3, "passed": 1, "failed": 1, "ignored": 1}}),
            "42",
        );
        assert_eq!(r.status, RunStatus::Failed);
        assert_eq!(
            (
                r.total_tests,
                r.passed_tests,
                r.failed_tests,
                r.skipped_tests
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(
            build_result(&json!({"state": "running"}), "1").status,
            RunStatus::Running
        );
    }
}
