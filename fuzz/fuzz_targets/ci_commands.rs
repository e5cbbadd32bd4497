//! The providers' own CI-log commands on arbitrary runs: GitHub workflow
//! commands, Azure Pipelines logging commands and TeamCity service
//! messages. Each line is one command of the kind we meant, read back by
//! the vendor's parsing rules to exactly the values we put in; nothing in
//! a test's name, file, message or output ends a value or starts a
//! command of its own.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use testrelay::fuzzing;
use testrelay::{CaseStatus, TestCase};
use testrelay_fuzz::{
    FuzzRun, parse_logging_command, parse_service_message, parse_workflow_command,
};

/// No raw line break inside one line. The GitHub runner and the Azure
/// agent (.NET `ReadLine`) break lines at CR and LF only; TeamCity also at
/// NEL, LS and PS.
fn one_line(line: &str, breaks: &[char]) {
    assert!(!line.contains(breaks), "line break inside {line:?}");
}

const DOTNET_BREAKS: &[char] = &['\n', '\r'];
const TEAMCITY_BREAKS: &[char] = &['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];

fn github(input: &FuzzRun) {
    let commands = fuzzing::github_workflow_commands(&input.run);
    let with_file: Vec<&TestCase> = input.run.failures().filter(|c| c.file.is_some()).collect();
    assert!(commands.len() <= with_file.len(), "a command for no failure");
    for (line, case) in commands.iter().zip(with_file) {
        one_line(line, DOTNET_BREAKS);
        let (command, props, data) = parse_workflow_command(line).expect("a workflow command");
        assert_eq!(command, "error", "{line:?}");
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["file", "line", "title"], "{line:?}");
        assert_eq!(Some(props[0].1.as_str()), case.file.as_deref(), "{line:?}");
        assert_eq!(props[2].1, case.full_name(), "{line:?}");
        assert_eq!(data, case.message.as_deref().unwrap_or("failed"), "{line:?}");
    }
}

fn azure(input: &FuzzRun) {
    let summary = Path::new(&input.title);
    for line in fuzzing::azure_logging_commands(&input.run, Some(summary)) {
        one_line(&line, DOTNET_BREAKS);
        assert!(line.starts_with("##vso["), "{line:?}");
        let (command, props, data) = parse_logging_command(&line).expect("a logging command");
        assert!(
            ["task.logissue", "task.uploadsummary", "task.complete"].contains(&command.as_str()),
            "{command:?} in {line:?}"
        );
        for marker in ["##vso[", "##["] {
            assert!(!data.contains(marker), "{marker} in the message of {line:?}");
        }
        if let Some((_, path)) = props.iter().find(|(k, _)| k == "sourcepath") {
            // A `##vso[` or `##[` inside a value is neutralised (`##vso\[`),
            // the one change the agent does not undo.
            let shown = |f: &str| f.replace("##vso[", "##vso\\[").replace("##[", "##\\[");
            assert!(
                input
                    .run
                    .failures()
                    .any(|c| c.file.as_deref().map(shown).as_deref() == Some(path)),
                "sourcepath {path:?} is no failure's file: {line:?}"
            );
        }
    }
}

fn teamcity(input: &FuzzRun) {
    let text = fuzzing::teamcity_messages(&input.run.cases, vec![PathBuf::from(&input.title)]);
    let mut values = Vec::new();
    for line in text.lines() {
        one_line(line, TEAMCITY_BREAKS);
        let (_, attributes) = parse_service_message(line).unwrap_or_else(|e| panic!("{e}"));
        values.extend(attributes.into_iter().map(|(_, v)| v));
    }
    for case in &input.run.cases {
        let mut expected = vec![case.name.as_str()];
        if matches!(case.status, CaseStatus::Failed | CaseStatus::Error) {
            expected.push(case.message.as_deref().unwrap_or_default());
            expected.push(case.details.as_deref().unwrap_or_default());
        }
        if let Some(out) = case.stdout.as_deref().filter(|s| !s.is_empty()) {
            expected.push(out);
        }
        for want in expected {
            assert!(
                values.iter().any(|v| v.contains(want)),
                "{want:?} did not survive: {text}"
            );
        }
    }
}

fuzz_target!(|input: FuzzRun| {
    github(&input);
    azure(&input);
    teamcity(&input);
});
