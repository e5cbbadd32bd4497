//! `testrelay-ci-sim`: runs the CI API simulator for tests written in other
//! languages. Prints `listening on http://127.0.0.1:PORT` as its first line,
//! then serves until killed or until `POST /_sim/shutdown`.
//!
//! Usage: `testrelay-ci-sim [--port N] [--token TOKEN] [--gitlab-token TOKEN]
//! [--gitlab-job-token TOKEN]`
#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use testrelay_ci_sim::{SimOptions, Simulator};

const USAGE: &str = "usage: testrelay-ci-sim [--port N] [--token TOKEN] \
[--gitlab-token TOKEN] [--gitlab-job-token TOKEN]\n\
  --port N                  listen on 127.0.0.1:N (default 0: the system chooses)\n\
  --token TOKEN             accept only this GitHub token (default: any non-empty token)\n\
  --gitlab-token TOKEN      accept only this GitLab access token (default: any non-empty token)\n\
  --gitlab-job-token TOKEN  accept only this GitLab CI job token (default: any non-empty token)";

fn parse_args(args: impl Iterator<Item = String>) -> Result<SimOptions, String> {
    let mut options = SimOptions::default();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                options.port = value
                    .parse()
                    .map_err(|_| format!("--port must be 0..=65535, got {value:?}"))?;
            }
            "--token" | "--gitlab-token" | "--gitlab-job-token" => {
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                if value.is_empty() {
                    return Err(format!("{arg} must not be empty"));
                }
                match arg.as_str() {
                    "--token" => options.github_token = Some(value),
                    "--gitlab-token" => options.gitlab_token = Some(value),
                    _ => options.gitlab_job_token = Some(value),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_args(args.into_iter()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("testrelay-ci-sim: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sim = match Simulator::start_with(options) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("testrelay-ci-sim: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "listening on {}", sim.url())
            .and_then(|()| out.flush())
            .is_err()
        {
            eprintln!("testrelay-ci-sim: cannot write the port line to stdout");
            return ExitCode::FAILURE;
        }
    }
    sim.wait_for_shutdown_request();
    sim.shutdown();
    ExitCode::SUCCESS
}
