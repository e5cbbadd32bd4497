//! TeamCity: service messages written live as results arrive, escaped as
//! TeamCity parses them (checked against JetBrains' own `teamcity-messages`
//! escaper), the build comment and tag over REST when a token is set, and
//! statuses and comments delegated to the code host with its own token.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testrelay::detect::Env;
use testrelay::provider::teamcity::{escape, message};
use testrelay::provider::{ProviderSpec, Registry, Setup, TeamcityProvider};
use testrelay::{CaseStatus, Config, ErrorKind, Metric, ProviderSettings, Reporter, TestCase};
use testrelay_ci_sim::Simulator;

const TEAMCITY_TOKEN: &str = "tc_token_live_7788";
const GITHUB_TOKEN: &str = "ghs_delegated_from_teamcity_991";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// Names, messages and output a test harness may hand us.
const HOSTILE: &[&str] = &[
    "plain name",
    "x']",
    "x']\n##teamcity[buildStatus status='SUCCESS' text='all good']",
    "##teamcity[testFinished name='other']",
    "a|b|'c|n",
    "line one\r\nline two\n",
    "[[nested]] ]] [[",
    "''''",
    "|0x0041",
    "ünïcødé ✓ 😀 — “quotes”",
    "trailing bar |",
];

/// Hostile strings with characters JetBrains' escaper leaves raw (controls,
/// Unicode line breaks), which we write as `|0xNNNN`.
const CONTROLS: &[&str] = &[
    "bell\u{7}esc\u{1b}[31mred",
    "nel\u{85}ls\u{2028}ps\u{2029}",
    "nul\u{0}tab\tend",
];

/// Parses one line as TeamCity does: `##teamcity[name key='value' ...]`
/// with `|` escapes; `None` when the line is not exactly one message.
fn parse(line: &str) -> Option<(String, Vec<(String, String)>)> {
    let body = line.strip_prefix("##teamcity[")?;
    let name_end = body.find([' ', ']'])?;
    let name = body[..name_end].to_string();
    let mut rest = &body[name_end..];
    let mut attrs = Vec::new();
    // The single-value form, `##teamcity[name 'value']`, read as key "".
    if rest.trim_start().starts_with('\'') {
        rest = rest.trim_start();
        let fake = format!("={rest}");
        let (_, mut one) = parse(&format!("##teamcity[{name} x{fake}"))?;
        let value = one.pop()?.1;
        return Some((name, vec![(String::new(), value)]));
    }
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest == "]" {
            return Some((name, attrs));
        }
        let eq = rest.find('=')?;
        let key = rest[..eq].trim().to_string();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let mut chars = rest[eq + 1..].trim_start().char_indices();
        let after_eq = rest[eq + 1..].trim_start();
        if chars.next()?.1 != '\'' {
            return None;
        }
        let mut value = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    end = Some(i + 1);
                    break;
                }
                '|' => {
                    let (_, e) = chars.next()?;
                    match e {
                        '|' => value.push('|'),
                        '\'' => value.push('\''),
                        '[' => value.push('['),
                        ']' => value.push(']'),
                        'n' => value.push('\n'),
                        'r' => value.push('\r'),
                        '0' => {
                            if chars.next()?.1 != 'x' {
                                return None;
                            }
                            let hex: String = (0..4)
                                .map(|_| chars.next().map(|x| x.1))
                                .collect::<Option<_>>()?;
                            value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        _ => return None,
                    }
                }
                '\n' | '\r' | '[' | ']' => return None,
                c => value.push(c),
            }
        }
        attrs.push((key, value));
        rest = &after_eq[end?..];
    }
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// JetBrains' `teamcity-messages` escaping of each string, and a
/// `testFailed` message it writes with the string everywhere.
fn jetbrains(values: &[&str]) -> Vec<(String, String)> {
    let script = r#"
import io, json, sys
from teamcity.messages import TeamcityServiceMessages, escape_value
out = []
for v in json.load(sys.stdin):
    buf = io.BytesIO()
    TeamcityServiceMessages(output=buf, now=lambda: 0).testFailed(v, message=v, details=v, flowId=v)
    out.append([escape_value(v), buf.getvalue().decode("utf-8")])
json.dump(out, sys.stdout)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed: run scripts/install-test-deps.sh");
    let input = serde_json::to_vec(values).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "teamcity-messages (PyPI) is needed: run scripts/install-test-deps.sh\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn escaping_matches_jetbrains_and_no_value_can_inject_a_message() {
    let reference = jetbrains(HOSTILE);
    for (value, (their_escape, their_message)) in HOSTILE.iter().zip(&reference) {
        assert_eq!(&escape(value), their_escape, "escaping {value:?}");
        let ours = message(
            "testFailed",
            &[
                ("name", value),
                ("message", value),
                ("details", value),
                ("flowId", value),
            ],
        );
        // Theirs adds a timestamp and orders keys; the values must agree.
        let theirs = their_message.trim_end_matches('\n');
        assert_eq!(theirs.lines().count(), 1, "{theirs}");
        let (their_name, their_attrs) = parse(theirs).expect("theirs parses");
        let (our_name, our_attrs) = parse(&ours).expect("ours parses as one message");
        assert_eq!(our_name, their_name);
        for (k, v) in &our_attrs {
            assert_eq!(attr(&their_attrs, k), Some(v.as_str()), "{k} of {value:?}");
            assert_eq!(v, value, "round trip of {value:?}");
        }
        assert_eq!(ours.matches("##teamcity[").count(), 1, "{ours}");
    }
    // Characters their escaper leaves raw: ours writes them as |0xNNNN,
    // which TeamCity reads back to the same text, on one line.
    for value in CONTROLS {
        let line = message("testStdOut", &[("name", "t"), ("out", value)]);
        assert!(!line.contains(['\n', '\r', '\u{1b}', '\u{0}', '\u{85}', '\u{2028}']));
        let (_, attrs) = parse(&line).expect("one message");
        assert_eq!(attr(&attrs, "out"), Some(*value));
    }
}

/// A `Write` that keeps what it is given, for the build log.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// Every line, parsed; each must be exactly one service message.
    fn messages(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.text()
            .lines()
            .map(|l| parse(l).unwrap_or_else(|| panic!("not one service message: {l:?}")))
            .collect()
    }

    /// Waits until the log holds `count` `testFinished` messages.
    fn wait_for_finished(&self, count: usize) {
        let give_up = Instant::now() + Duration::from_secs(60);
        while self.text().matches("##teamcity[testFinished").count() < count {
            assert!(Instant::now() < give_up, "no live message: {}", self.text());
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The built-in TeamCity vendor, writing its service messages to `log`.
fn registry(log: &Log) -> Registry {
    let mut registry = Registry::with_builtins();
    let builtin = registry.spec("teamcity").unwrap().clone();
    let log = log.clone();
    registry.register_spec(ProviderSpec {
        build: Arc::new(move |setup: &Setup<'_>| {
            Ok(Box::new(TeamcityProvider::with_sink(
                setup,
                Box::new(log.clone()),
            )?))
        }),
        ..builtin
    });
    registry
}

/// A TeamCity agent's environment for build 42 of a GitHub repository.
fn agent_env(server: &str, tokens: &[(&str, &str)]) -> Env {
    let props = "/agent/temp/build.properties";
    let mut env = Env::new()
        .with_var("TEAMCITY_VERSION", "2025.03")
        .with_var("BUILD_NUMBER", "108")
        .with_var("BUILD_VCS_NUMBER", SHA)
        .with_var("TEAMCITY_BUILD_PROPERTIES_FILE", props)
        .with_file(
            props,
            format!(
                "teamcity.build.id=42\nteamcity.serverUrl={server}\n\
                 vcsroot.url=https://github.com/octo/app.git\nteamcity.pullRequest.number=5\n"
            ),
        );
    for (k, v) in tokens {
        env = env.with_var(*k, *v);
    }
    env
}

fn config(dir: &Path, github_api: Option<String>) -> Config {
    let mut config = Config {
        provider: "auto".into(),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        ..Config::default()
    };
    if let Some(url) = github_api {
        config.providers.insert(
            "github".into(),
            ProviderSettings {
                api_url: Some(url),
                ..ProviderSettings::default()
            },
        );
    }
    config
}

const HOSTILE_NAME: &str = "renders']\n##teamcity[buildStatus status='SUCCESS' text='fine']";

fn names(messages: &[(String, Vec<(String, String)>)]) -> Vec<&str> {
    messages.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn a_run_under_teamcity_writes_live_messages_and_delegates_status_and_comment() {
    let sim = Simulator::start().unwrap();
    sim.set_github_token(Some(GITHUB_TOKEN));
    sim.set_teamcity_token(Some(TEAMCITY_TOKEN));
    let dir = tempfile::tempdir().unwrap();
    let attachment = dir.path().join("gpu.trace");
    std::fs::write(&attachment, b"trace").unwrap();
    let log = Log::default();
    let env = agent_env(
        &sim.url(),
        &[
            ("TEAMCITY_TOKEN", TEAMCITY_TOKEN),
            ("GITHUB_TOKEN", GITHUB_TOKEN),
        ],
    );
    let reporter = Reporter::builder(config(dir.path(), Some(sim.url())))
        .registry(registry(&log))
        .env(env)
        .start()
        .unwrap();
    let mut failed = TestCase::new("gpu", "render.Pass", HOSTILE_NAME, CaseStatus::Failed);
    failed.message = Some("expected ']' got\n##teamcity[".into());
    failed.details = Some("at render.rs:10\n|0x0041".into());
    failed.stdout = Some("frame 1\nframe 2".into());
    failed.duration_seconds = 1.25;
    reporter.record(failed).unwrap();
    // Live: the case is in the build log before anything else is recorded.
    log.wait_for_finished(1);
    reporter
        .record_metric(Metric {
            name: "fps".into(),
            value: 59.5,
            unit: "1/s".into(),
            test_id: None,
            recorded_at: String::new(),
        })
        .unwrap();
    let mut skipped = TestCase::new("cpu", "cpu", "later", CaseStatus::Skipped);
    skipped.message = Some("no device".into());
    reporter.record(skipped).unwrap();
    reporter
        .attach_artifact(&attachment, Default::default())
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();

    let messages = log.messages();
    let reports = summary.reports.len();
    let mut expected = vec![
        "testSuiteStarted",
        "testStarted",
        "testStdOut",
        "testFailed",
        "testFinished",
        "buildStatisticValue",
        "testSuiteStarted",
        "testStarted",
        "testIgnored",
        "testFinished",
        "publishArtifacts",
        "testSuiteFinished",
        "testSuiteFinished",
    ];
    expected.extend(std::iter::repeat_n("publishArtifacts", reports));
    expected.push("buildStatus");
    assert!(reports >= 1);
    assert_eq!(names(&messages), expected, "{}", log.text());
    let full_name = format!("render.Pass.{HOSTILE_NAME}");
    let (_, started) = &messages[1];
    assert_eq!(attr(started, "name"), Some(full_name.as_str()));
    let (_, failure) = &messages[3];
    assert_eq!(
        attr(failure, "message"),
        Some("expected ']' got\n##teamcity[")
    );
    assert_eq!(attr(failure, "details"), Some("at render.rs:10\n|0x0041"));
    assert_eq!(attr(&messages[2].1, "out"), Some("frame 1\nframe 2"));
    assert_eq!(attr(&messages[4].1, "duration"), Some("1250"));
    assert_eq!(attr(&messages[5].1, "key"), Some("fps"));
    assert_eq!(attr(&messages[5].1, "value"), Some("59.5"));
    assert_eq!(attr(&messages[8].1, "message"), Some("no device"));
    // Each suite has its own flow, shared by all its messages.
    let gpu_flow = attr(&messages[0].1, "flowId").unwrap();
    let cpu_flow = attr(&messages[6].1, "flowId").unwrap();
    assert_ne!(gpu_flow, cpu_flow);
    for m in &messages[1..5] {
        assert_eq!(attr(&m.1, "flowId"), Some(gpu_flow));
    }
    for m in &messages[7..10] {
        assert_eq!(attr(&m.1, "flowId"), Some(cpu_flow));
    }
    assert_eq!(attr(&messages[11].1, "flowId"), Some(gpu_flow));
    assert_eq!(attr(&messages[12].1, "flowId"), Some(cpu_flow));
    let text = log.text();
    assert!(text.contains(&format!("{} => testrelay", attachment.display())));
    let status = &messages.last().unwrap().1;
    assert_eq!(
        attr(status, "text"),
        Some("{build.status.text}; testrelay: 2 tests, 1 failed, 1 skipped, 0 passed")
    );
    assert!(
        attr(status, "status").is_none(),
        "never overrides the build's status"
    );

    // REST: comment and tag on build 42; then the code host, GitHub, with
    // its own token. Nothing else.
    let calls: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        [
            "PUT /app/rest/builds/id:42/comment",
            "POST /app/rest/builds/id:42/tags",
            &format!("POST /repos/octo/app/statuses/{SHA}"),
            "GET /repos/octo/app/issues/5/comments",
            "POST /repos/octo/app/issues/5/comments",
        ],
        "{:?}",
        summary.not_delivered
    );
    for r in sim.requests() {
        let all = format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body));
        if r.path.starts_with("/app/rest/") {
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {TEAMCITY_TOKEN}").as_str())
            );
            assert!(!all.contains(GITHUB_TOKEN), "TeamCity got the GitHub token");
        } else {
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {GITHUB_TOKEN}").as_str())
            );
            assert!(
                !all.contains(TEAMCITY_TOKEN),
                "GitHub got the TeamCity token"
            );
        }
    }
    let build = &sim.teamcity().builds[&42];
    assert_eq!(build.tags, ["testrelay-failed"]);
    assert!(
        build.comment.as_deref().unwrap().contains("1 failed"),
        "{build:?}"
    );
    let gh = sim.github();
    assert_eq!(gh.statuses.len(), 1);
    assert_eq!(gh.statuses[0].state, "failure");
    assert_eq!(gh.comments.len(), 1);
    let delivered: Vec<&str> = summary
        .delivered
        .iter()
        .map(|d| d.operation.as_str())
        .collect();
    assert_eq!(
        delivered,
        ["create", "artifact:gpu.trace", "close", "status", "comment"]
    );
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
}

#[test]
fn without_tokens_the_service_messages_alone_carry_the_run() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = Log::default();
    let reporter = Reporter::builder(config(dir.path(), Some(sim.url())))
        .registry(registry(&log))
        .env(agent_env(&sim.url(), &[]))
        .start()
        .unwrap();
    reporter
        .record(TestCase::new("s", "c", "ok", CaseStatus::Passed))
        .unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(sim.requests().is_empty(), "no token, no request");
    let messages = log.messages();
    assert_eq!(
        names(&messages)[..4],
        [
            "testSuiteStarted",
            "testStarted",
            "testFinished",
            "testSuiteFinished"
        ]
    );
    assert_eq!(names(&messages).last(), Some(&"buildStatus"));
    let unsupported: Vec<_> = summary
        .not_delivered
        .iter()
        .map(|n| (n.operation.as_str(), n.kind, n.pending))
        .collect();
    assert_eq!(
        unsupported,
        [
            ("close", ErrorKind::Unsupported, false),
            ("status, comment", ErrorKind::Unsupported, false)
        ]
    );
    assert!(summary.not_delivered[0].message.contains("TEAMCITY_TOKEN"));
    assert!(summary.not_delivered[1].message.contains("GITHUB_TOKEN"));
}

#[test]
fn a_harness_failure_is_a_build_problem_with_a_stable_identity() {
    let dir = tempfile::tempdir().unwrap();
    let log = Log::default();
    let mut config = config(dir.path(), None);
    config.enable_status_updates = false;
    config.enable_pr_comments = false;
    let reporter = Reporter::builder(config)
        .registry(registry(&log))
        .env(agent_env("http://127.0.0.1:9", &[]))
        .start()
        .unwrap();
    reporter
        .set_run_status(testrelay::RunStatus::Error)
        .unwrap();
    reporter.finish(Duration::from_secs(60)).unwrap();
    let messages = log.messages();
    let problem = messages
        .iter()
        .find(|(n, _)| n == "buildProblem")
        .expect("a build problem");
    assert_eq!(
        attr(&problem.1, "identity"),
        Some("testrelay-harness-error")
    );
}

/// The CLI goes through the same core: `testrelay report` inside a
/// TeamCity build prints the service messages on stdout.
#[test]
fn the_cli_prints_service_messages_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s" tests="2"><testcase classname="c" name="x']|n##teamcity[buildStatus status='SUCCESS']"><failure message="m']"/></testcase><testcase classname="c" name="ok"/></testsuite>"#,
    )
    .unwrap();
    let props = dir.path().join("build.properties");
    std::fs::write(&props, "teamcity.build.id=7\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_testrelay"))
        .args(["report", "--fail-on", "never", "--output-dir"])
        .arg(dir.path().join("out"))
        .arg("--history")
        .arg(dir.path().join("history.db"))
        .arg(&junit)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TEAMCITY_VERSION", "2025.03")
        .env("TEAMCITY_BUILD_PROPERTIES_FILE", &props)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // (The human summary after them is the CLI's, not a service message.)
    let lines: Vec<_> = stdout
        .lines()
        .filter(|l| l.starts_with("##teamcity["))
        .collect();
    let names: Vec<String> = lines
        .iter()
        .map(|l| parse(l).unwrap_or_else(|| panic!("not one message: {l}")).0)
        .collect();
    assert_eq!(
        names[..7],
        [
            "testSuiteStarted",
            "testStarted",
            "testFailed",
            "testFinished",
            "testStarted",
            "testFinished",
            "testSuiteFinished"
        ]
    );
    let status = lines
        .iter()
        .filter(|l| l.starts_with("##teamcity[buildStatus"))
        .count();
    assert_eq!(status, 1, "only ours, never the injected one:\n{stdout}");
    let failed = parse(lines[2]).unwrap().1;
    assert_eq!(attr(&failed, "message"), Some("m']"));
}
