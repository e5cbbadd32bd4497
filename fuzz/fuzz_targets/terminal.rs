//! The terminal and CI-log escaper: no output line is a GitHub, Azure or
//! TeamCity command or holds a control character; JSON keeps its value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use testrelay::text;
use testrelay_fuzz::terminal_problems;

fuzz_target!(|input: &str| {
    let shown = text::terminal(input);
    let problems = terminal_problems(&shown);
    assert!(problems.is_empty(), "{problems:?} for {input:?}");
    let one_line = text::visible_line(input);
    assert!(!one_line.contains('\n'));
    let shown = text::terminal(&one_line);
    assert_eq!(shown.lines().count().max(1), 1);
    for json in [
        serde_json::to_string(&input).expect("a string serializes"),
        serde_json::to_string_pretty(&serde_json::json!({ "a": [input, input] })).expect("json"),
    ] {
        let safe = text::json_for_terminal(&json);
        let problems = terminal_problems(&safe);
        assert!(problems.is_empty(), "{problems:?} for {json:?}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        let want: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(back, want);
    }
});
