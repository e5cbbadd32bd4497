//! No token at any log level, from any command, in any output file.
//!
//! The tokens are chosen long enough to straddle the 16-byte rows of a hex
//! dump and a chunk boundary, so a search for every 8-byte window of them
//! finds a token even when it was printed in pieces (CI secret masking
//! matches whole values only, and misses pieces).

use std::path::{Path, PathBuf};
use std::process::Command;

use testrelay_ci_sim::{Fault, Simulator};

const GITHUB_TOKEN: &str = "ghs_Straddles16ByteRowsAndChunks_4242abcd";
const GITLAB_TOKEN: &str = "glpat-AlsoStraddlesEveryRowOfTheDump_9876";
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// Every 8-byte window of `token`.
fn windows(token: &str) -> Vec<&[u8]> {
    token.as_bytes().windows(8).collect()
}

/// The first window of a token found in `bytes`, if any.
fn leak<'a>(bytes: &[u8], tokens: &[&'a str]) -> Option<&'a str> {
    tokens.iter().copied().find(|t| {
        windows(t)
            .iter()
            .any(|w| bytes.windows(w.len()).any(|b| b == *w))
    })
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/junit")
        .join(name)
        .display()
        .to_string()
}

/// A command's environment.
type Vars = Vec<(&'static str, String)>;

#[test]
fn no_token_at_any_level_in_any_command_or_file() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let history = dir.path().join("history.db");
    let summary = dir.path().join("step_summary.md");
    let tokens = [GITHUB_TOKEN, GITLAB_TOKEN];
    let junit = fixture("pytest-xunit1.xml");
    // One command line per run, the provider's environment with it.
    let github: Vars = vec![
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_REPOSITORY", "octo/app".into()),
        ("GITHUB_TOKEN", GITHUB_TOKEN.into()),
        ("GITHUB_API_URL", sim.url()),
        ("GITHUB_SHA", SHA.into()),
        ("GITHUB_RUN_ID", "77".into()),
        ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
    ];
    let gitlab: Vars = vec![
        ("GITLAB_CI", "true".to_string()),
        ("CI_PROJECT_PATH", "group/app".into()),
        ("CI_API_V4_URL", format!("{}/api/v4", sim.url())),
        ("CI_COMMIT_SHA", SHA.into()),
        ("CI_MERGE_REQUEST_IID", "3".into()),
        ("GITLAB_TOKEN", GITLAB_TOKEN.into()),
        ("CI_JOB_TOKEN", GITLAB_TOKEN.into()),
    ];
    let commands: Vec<(Vec<String>, &Vars)> = vec![
        (vec!["report".into(), junit.clone()], &github),
        (vec!["report".into(), junit.clone()], &gitlab),
        (vec!["run".into(), "--".into(), "true".into()], &github),
        (vec!["flush".into(), "--force".into()], &github),
        (vec!["flush".into(), "--force".into()], &gitlab),
        (vec!["detect".into()], &github),
        (vec!["detect".into()], &gitlab),
        (vec!["history".into()], &github),
        (vec!["flaky".into()], &github),
        (vec!["trends".into()], &github),
    ];
    let mut ran = 0;
    for level in ["off", "error", "warn", "info", "debug", "trace"] {
        for (args, env) in &commands {
            // Failures on the way, so retries and errors are logged too.
            sim.inject(Fault::status(502, "bad gateway", &[]).times(1));
            sim.inject(Fault::status(401, r#"{"message":"401 Unauthorized"}"#, &[]).times(1));
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_testrelay"));
            // Run in the scratch directory: whatever a command writes by
            // default lands there, and is swept too.
            cmd.current_dir(dir.path())
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("TESTRELAY_LOG", level)
                .args(args);
            if !matches!(args[0].as_str(), "detect") {
                cmd.arg("--history").arg(&history);
            }
            if matches!(args[0].as_str(), "report" | "run" | "flush") {
                cmd.arg("--output-dir").arg(&out_dir);
            }
            for (k, v) in env.iter() {
                cmd.env(k, v);
            }
            let output = cmd.output().unwrap();
            ran += 1;
            for (what, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
                if let Some(token) = leak(bytes, &tokens) {
                    panic!(
                        "part of {token} in the {what} of `{}` at {level}:\n{}",
                        args.join(" "),
                        String::from_utf8_lossy(bytes)
                    );
                }
            }
        }
    }
    assert_eq!(ran, 6 * commands.len());
    // Every file written: reports, run state, summary, the history itself.
    let mut files = Vec::new();
    files_under(dir.path(), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("report.html")),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f.ends_with("history.db")));
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        if let Some(token) = leak(&bytes, &tokens) {
            panic!("part of {token} in {}", file.display());
        }
    }
    // And the simulator did receive them, whole, where they belong.
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {GITHUB_TOKEN}")))
    );
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.header("private-token") == Some(GITLAB_TOKEN))
    );
}
