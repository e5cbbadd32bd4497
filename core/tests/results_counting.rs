//! The counting rule for result files: every test-case element is a
//! result, same-named cases keep distinct ids, declared counts the cases do
//! not show are warned about and never read green, nameless cases are named
//! by position; the opt-in that reads same-named cases as attempts; and a
//! property test over random JUnit documents.

use std::collections::BTreeSet;

use proptest::prelude::*;
use testrelay::report::aggregate::merge_runs;
use testrelay::report::results::{
    ReadOptions, ResultsFile, SYNTHETIC_PROPERTY, SameNameCases, read,
};
use testrelay::{CaseStatus, Counts, RunStatus, TestCase};

fn read_str(xml: &str, options: ReadOptions) -> ResultsFile {
    match read(xml.as_bytes(), "inline.xml", "inline", &options) {
        Ok(file) => file,
        Err(e) => panic!("should read: {e}"),
    }
}

fn tests_mode(xml: &str) -> ResultsFile {
    read_str(xml, ReadOptions::default())
}

fn attempts_mode(xml: &str) -> ResultsFile {
    read_str(
        xml,
        ReadOptions {
            same_name_cases: SameNameCases::Attempts,
        },
    )
}

/// (total, passed, failed, errors, skipped, flaky)
fn tally(file: &ResultsFile) -> (u64, u64, u64, u64, u64, u64) {
    let Counts {
        total,
        passed,
        failed,
        errors,
        skipped,
        flaky,
    } = file.run.counts();
    (total, passed, failed, errors, skipped, flaky)
}

fn distinct_ids(cases: &[TestCase]) -> bool {
    cases.iter().map(|c| &c.id).collect::<BTreeSet<_>>().len() == cases.len()
}

#[test]
fn a_retried_test_written_twice_is_two_tests() {
    // TestNG's JUnitXMLReporter writes a retried test's first attempt as a
    // skipped case and the last as a failure, with the same name.
    let file = tests_mode(
        r#"<testsuite name="Command line test" tests="2" failures="1">
             <testcase classname="sample.SampleTest" name="failsEvenWhenRetried"><skipped/></testcase>
             <testcase classname="sample.SampleTest" name="failsEvenWhenRetried">
               <failure message="still broken"/></testcase>
           </testsuite>"#,
    );
    assert_eq!(tally(&file), (2, 0, 1, 0, 1, 0));
    assert!(distinct_ids(&file.run.cases));
    assert_eq!(file.run.status, RunStatus::Failed);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn a_pass_then_a_failure_of_the_same_name_is_a_failed_run() {
    let xml = r#"<testsuite name="s">
        <testcase classname="sample.SampleTest" name="isEven" time="0.02"/>
        <testcase classname="sample.SampleTest" name="isEven" time="0.01">
          <failure message="3 is odd"/></testcase></testsuite>"#;
    let file = tests_mode(xml);
    assert_eq!(tally(&file), (2, 1, 1, 0, 0, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    // The first keeps the id it would have alone; the second is numbered.
    let first = TestCase::compute_id("s", "sample.SampleTest", "isEven", None);
    assert_eq!(file.run.cases[0].id, first);
    assert_eq!(file.run.cases[1].id, TestCase::repeat_id(&first, 2));
    // Merged with nothing else (the CLI's path), both stay.
    let merged = merge_runs([file.run.clone()]);
    assert_eq!(merged.counts().total, 2);
    assert_eq!(merged.status, RunStatus::Failed);

    // As attempts, the last decides: failed, with the pass as an attempt.
    let file = attempts_mode(xml);
    assert_eq!(tally(&file), (1, 0, 1, 0, 0, 0));
    let case = &file.run.cases[0];
    assert_eq!(case.id, first);
    assert_eq!(case.message.as_deref(), Some("3 is odd"));
    assert_eq!(case.attempts.len(), 1);
    assert_eq!(case.attempts[0].status, CaseStatus::Passed);
    assert_eq!(file.run.status, RunStatus::Failed);
}

#[test]
fn a_failure_then_a_pass_is_flaky_only_as_attempts() {
    let xml = r#"<testsuite name="s">
        <testcase classname="c" name="t"><failure message="first try"/></testcase>
        <testcase classname="c" name="t"/></testsuite>"#;
    let file = tests_mode(xml);
    assert_eq!(tally(&file), (2, 1, 1, 0, 0, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    let file = attempts_mode(xml);
    assert_eq!(tally(&file), (1, 0, 0, 0, 0, 1));
    assert_eq!(file.run.status, RunStatus::Passed);
    assert_eq!(
        file.run.cases[0].attempts[0].message.as_deref(),
        Some("first try")
    );
}

#[test]
fn nameless_cases_are_named_by_position_and_all_counted() {
    let file = tests_mode(
        r#"<testsuites><testsuite name="unit">
             <testcase/>
             <testcase><skipped/></testcase>
             <testcase name=""><failure message="f"/></testcase>
             <testcase classname=""><error message="e"/></testcase>
             <testcase name="named"/>
           </testsuite></testsuites>"#,
    );
    assert_eq!(tally(&file), (5, 2, 1, 1, 1, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    let names: Vec<String> = file.run.cases.iter().map(TestCase::full_name).collect();
    assert_eq!(
        names,
        [
            "unit.(unnamed #1)",
            "unit.(unnamed #2)",
            "unit.(unnamed #3)",
            "unit.(unnamed #4)",
            "unit.named"
        ]
    );
    assert!(distinct_ids(&file.run.cases));
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    assert_eq!(
        file.warnings[0],
        "inline.xml: suite \"unit\" has 4 test cases without a name, named \
         \"(unnamed #1)\" to \"(unnamed #4)\" by their order"
    );
}

#[test]
fn a_suite_with_counts_and_no_cases_never_reads_green() {
    let file = tests_mode(
        r#"<testsuites><testsuite name="com.example.OnlyCounts" tests="6" failures="1" skipped="2"/>
           <testsuite name="fine" tests="1"><testcase name="ok"/></testsuite></testsuites>"#,
    );
    assert_eq!(tally(&file), (2, 1, 1, 0, 0, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    let synthetic = &file.run.cases[0];
    assert_eq!(synthetic.name, "com.example.OnlyCounts");
    assert_eq!(synthetic.suite, "com.example.OnlyCounts");
    assert_eq!(synthetic.status, CaseStatus::Failed);
    assert_eq!(
        synthetic
            .properties
            .get(SYNTHETIC_PROPERTY)
            .map(String::as_str),
        Some("declared-counts")
    );
    assert!(
        synthetic
            .message
            .as_deref()
            .unwrap()
            .contains("declares 1 more failed or errored test than it has test cases for")
    );
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    assert_eq!(
        file.warnings[0],
        "inline.xml: suite \"com.example.OnlyCounts\" declares 6 tests, 1 failed or errored, \
         2 skipped but its test cases show 0 tests, 0 failed or errored, 0 skipped; the 1 \
         missing failure or error is counted as the failed test \"com.example.OnlyCounts\""
    );
}

#[test]
fn declared_counts_add_up_through_nested_suites_and_the_root() {
    // The inner suite's missing error is stood in for once, not again by
    // the outer suite or the root that count it too.
    let file = tests_mode(
        r#"<testsuites tests="3" failures="0" errors="1">
             <testsuite name="outer" tests="3" errors="1">
               <testcase name="a"/>
               <testsuite name="inner" tests="2" errors="1"><testcase name="b"/></testsuite>
             </testsuite></testsuites>"#,
    );
    assert_eq!(tally(&file), (3, 2, 1, 0, 0, 0));
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    assert!(file.warnings[0].contains("suite \"inner\""));
    // The root alone declaring a failure no suite shows.
    let file = tests_mode(
        r#"<testsuites name="all" failures="2"><testsuite name="s"><testcase name="a"/></testsuite></testsuites>"#,
    );
    assert_eq!(tally(&file), (2, 1, 1, 0, 0, 0));
    assert!(file.warnings[0].contains("<testsuites name=\"all\">"));
    assert_eq!(file.run.cases[1].name, "all");
    // Failures and errors swapped between the counts and the cases are
    // no shortfall (runners disagree on which is which).
    let file = tests_mode(
        r#"<testsuite name="s" tests="1" failures="1" errors="0"><testcase name="a"><error/></testcase></testsuite>"#,
    );
    assert_eq!(tally(&file), (1, 0, 0, 1, 0, 0));
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

// ---- The property: totals are the element count ----

#[derive(Debug, Clone)]
enum Outcome {
    Pass,
    Skip,
    Fail,
    Error,
    SkipThenFail,
    FailThenError,
    /// surefire's flaky markup only: passed on a rerun.
    FlakyOnly,
    /// A failure with surefire reruns that kept failing.
    FailWithReruns,
    /// A rerun element with no outcome of its own.
    RerunOnly,
}

#[derive(Debug, Clone)]
struct Case {
    name: Option<String>,
    classname: Option<String>,
    outcome: Outcome,
}

#[derive(Debug, Clone)]
enum Node {
    Case(Case),
    Suite(String, Vec<Node>, bool),
}

fn arb_case() -> impl Strategy<Value = Case> {
    let name = prop_oneof![
        Just(None),
        Just(Some(String::new())),
        "[ab]".prop_map(Some),
        "t[0-9]".prop_map(Some),
        Just(Some("x &amp; &lt;y&gt;".to_string())),
    ];
    let classname = prop_oneof![Just(None), Just(Some(String::new())), "[cd]".prop_map(Some)];
    let outcome = prop_oneof![
        4 => Just(Outcome::Pass),
        1 => Just(Outcome::Skip),
        1 => Just(Outcome::Fail),
        1 => Just(Outcome::Error),
        1 => Just(Outcome::SkipThenFail),
        1 => Just(Outcome::FailThenError),
        1 => Just(Outcome::FlakyOnly),
        1 => Just(Outcome::FailWithReruns),
        1 => Just(Outcome::RerunOnly),
    ];
    (name, classname, outcome).prop_map(|(name, classname, outcome)| Case {
        name,
        classname,
        outcome,
    })
}

fn arb_nodes() -> impl Strategy<Value = Vec<Node>> {
    let leaf = arb_case().prop_map(Node::Case);
    let tree = leaf.prop_recursive(3, 60, 8, |inner| {
        (
            "[st][12]",
            prop::collection::vec(inner, 0..8),
            any::<bool>(),
        )
            .prop_map(|(name, children, declare)| Node::Suite(name, children, declare))
    });
    prop::collection::vec(tree, 0..6)
}

/// What the test expects of a case: (counted, fails the run).
fn expect(outcome: &Outcome) -> (CaseStatus, bool) {
    match outcome {
        Outcome::Pass => (CaseStatus::Passed, false),
        Outcome::Skip => (CaseStatus::Skipped, false),
        Outcome::Fail | Outcome::SkipThenFail | Outcome::FailWithReruns => {
            (CaseStatus::Failed, true)
        }
        Outcome::Error => (CaseStatus::Error, true),
        Outcome::FailThenError => (CaseStatus::Failed, true),
        Outcome::FlakyOnly | Outcome::RerunOnly => (CaseStatus::Flaky, false),
    }
}

fn write_case(out: &mut String, case: &Case) {
    out.push_str("<testcase");
    if let Some(name) = &case.name {
        out.push_str(&format!(" name=\"{name}\""));
    }
    if let Some(classname) = &case.classname {
        out.push_str(&format!(" classname=\"{classname}\""));
    }
    out.push('>');
    out.push_str(match case.outcome {
        Outcome::Pass => "",
        Outcome::Skip => "<skipped/>",
        Outcome::Fail => "<failure message=\"m\">trace</failure>",
        Outcome::Error => "<error/>",
        Outcome::SkipThenFail => "<skipped/><failure/>",
        Outcome::FailThenError => "<failure/><error/>",
        Outcome::FlakyOnly => {
            "<flakyFailure message=\"once\"><stackTrace>s</stackTrace></flakyFailure>"
        }
        Outcome::FailWithReruns => {
            "<failure/><rerunFailure><system-out>o</system-out></rerunFailure>"
        }
        Outcome::RerunOnly => "<rerunError message=\"r\"/>",
    });
    out.push_str("<system-out>out</system-out></testcase>\n");
}

/// Writes the nodes, returning the expected (statuses, any failure) of the
/// cases in document order.
fn write_nodes(
    out: &mut String,
    nodes: &[Node],
    expected: &mut Vec<CaseStatus>,
) -> (u64, u64, u64) {
    let mut shown = (0, 0, 0);
    for node in nodes {
        match node {
            Node::Case(case) => {
                write_case(out, case);
                let (status, _) = expect(&case.outcome);
                expected.push(status);
                shown.0 += 1;
                shown.1 += u64::from(status.is_failure());
                shown.2 += u64::from(status == CaseStatus::Skipped);
            }
            Node::Suite(name, children, declare) => {
                let mut inner = String::new();
                let counts = write_nodes(&mut inner, children, expected);
                out.push_str(&format!("<testsuite name=\"{name}\""));
                if *declare {
                    // Consistent declared counts (failures and errors as
                    // one sum): never a shortfall.
                    out.push_str(&format!(
                        " tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\"",
                        counts.0, counts.1, counts.2
                    ));
                }
                out.push_str(">\n");
                out.push_str(&inner);
                out.push_str("</testsuite>\n");
                shown.0 += counts.0;
                shown.1 += counts.1;
                shown.2 += counts.2;
            }
        }
    }
    shown
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn totals_are_the_element_count(nodes in arb_nodes(), bare_root in any::<bool>()) {
        let mut body = String::new();
        let mut expected = Vec::new();
        write_nodes(&mut body, &nodes, &mut expected);
        let xml = if bare_root {
            format!("<testsuite name=\"root\">\n{body}</testsuite>")
        } else {
            format!("<testsuites>\n{body}</testsuites>")
        };
        let file = tests_mode(&xml);
        let elements = xml.matches("<testcase").count() as u64;
        let counts = file.run.counts();
        prop_assert_eq!(counts.total, elements, "{}", xml);
        prop_assert_eq!(counts, Counts::of(&expected.iter().map(|s| TestCase { status: *s, ..TestCase::default() }).collect::<Vec<_>>()));
        let statuses: Vec<CaseStatus> = file.run.cases.iter().map(|c| c.status).collect();
        prop_assert_eq!(&statuses, &expected);
        prop_assert!(distinct_ids(&file.run.cases));
        prop_assert!(file.warnings.iter().all(|w| w.contains("without a name")), "{:?}", file.warnings);
        let any_failure = expected.iter().any(|s| s.is_failure());
        let expected_status = if any_failure { RunStatus::Failed } else { RunStatus::Passed };
        prop_assert_eq!(file.run.status, expected_status);
        // The command line merges the files it reads: nothing is lost there.
        let merged = merge_runs([file.run.clone()]);
        prop_assert_eq!(merged.counts(), counts);
        prop_assert_eq!(merged.status, expected_status);
    }
}
