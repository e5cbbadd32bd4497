//! Result formats other than JUnit, on files written by real runners
//! (tests/data/test-reporter/, tests/data/go/, tests/data/xunit/; see their
//! READMEs) and on hand-written edge cases: TRX, NUnit 3 and 2, xUnit.net
//! v2 and `go test -json`, each recognized from its content.

use std::path::{Path, PathBuf};

use testrelay::report::results::{
    ReadOptions, ResultFormat, ResultsFile, SYNTHETIC_PROPERTY, read, read_file,
};
use testrelay::{CaseStatus, Counts, ErrorKind, RunStatus, TestCase};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(rel)
}

fn load(rel: &str) -> ResultsFile {
    match read_file(&data(rel), &ReadOptions::default()) {
        Ok(file) => file,
        Err(e) => panic!("{rel} should read: {e}"),
    }
}

fn load_str(text: &str) -> ResultsFile {
    match read(text.as_bytes(), "inline", "inline", &ReadOptions::default()) {
        Ok(file) => file,
        Err(e) => panic!("should read: {e}"),
    }
}

fn load_err(text: &str) -> String {
    match read(text.as_bytes(), "inline", "inline", &ReadOptions::default()) {
        Ok(file) => panic!("expected an error, read {} cases", file.run.cases.len()),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Parse, "{e}");
            e.to_string()
        }
    }
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

fn case<'a>(file: &'a ResultsFile, full_name: &str) -> &'a TestCase {
    let mut found = file.run.cases.iter().filter(|c| c.full_name() == full_name);
    let first = found
        .next()
        .unwrap_or_else(|| panic!("no case {full_name} in {:?}", names(file)));
    assert!(found.next().is_none(), "several cases {full_name}");
    first
}

fn names(file: &ResultsFile) -> Vec<String> {
    file.run.cases.iter().map(TestCase::full_name).collect()
}

fn distinct_ids(file: &ResultsFile) -> bool {
    let mut ids: Vec<&str> = file.run.cases.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len() == file.run.cases.len()
}

// ---- TRX ----

#[test]
fn trx_from_dotnet_test_with_xunit() {
    let file = load("test-reporter/dotnet-trx.trx");
    assert_eq!(file.format, ResultFormat::Trx);
    assert_eq!(tally(&file), (11, 5, 5, 0, 1, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    assert!(distinct_ids(&file));
    // The class comes from the definitions; xUnit.net's `Class.` prefix on
    // the name goes; the suite is the test assembly's file name.
    let failing = case(&file, "DotnetTests.XUnitTests.CalculatorTests.Failing_Test");
    assert_eq!(failing.name, "Failing_Test");
    assert_eq!(failing.suite, "DotnetTests.XUnitTests.dll");
    assert_eq!(failing.status, CaseStatus::Failed);
    assert_eq!(
        failing.message.as_deref(),
        Some("Assert.Equal() Failure\r\nExpected: 3\r\nActual:   2")
    );
    assert!(
        failing
            .details
            .as_deref()
            .unwrap()
            .starts_with("   at DotnetTests.XUnitTests.CalculatorTests.Failing_Test() in C:\\")
    );
    assert_eq!(failing.duration_seconds, 0.0038697);
    // A display name of its own keeps it.
    let custom = case(&file, "DotnetTests.XUnitTests.CalculatorTests.Custom Name");
    assert_eq!(custom.status, CaseStatus::Passed);
    let skipped = case(&file, "DotnetTests.XUnitTests.CalculatorTests.Skipped_Test");
    assert_eq!(skipped.status, CaseStatus::Skipped);
    assert_eq!(skipped.stdout.as_deref(), Some("Skipped test"));
    // The run: from Times@start to Times@finish; one suite per assembly,
    // with the run's output.
    assert_eq!(
        file.run.started_at.as_deref(),
        Some("2021-04-20T06:31:31.986Z")
    );
    assert_eq!(file.run.duration_seconds, 1.116);
    assert_eq!(file.run.suites.len(), 1);
    assert!(
        file.run.suites[0]
            .stdout
            .as_deref()
            .unwrap()
            .starts_with("[xUnit.net 00:00:00.00] xUnit.net VSTest Adapter v2.4.0")
    );
    // The run's messages repeat the failures: no warnings.
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn trx_from_xunit_v3_with_cleanup_failures() {
    let file = load("test-reporter/dotnet-xunitv3.trx");
    assert_eq!(tally(&file), (4, 1, 3, 0, 0, 0));
    let cleanup = case(
        &file,
        "[Test Class Cleanup Failure (DotnetTests.XUnitV3Tests.FixtureTests.Passing_Test)]",
    );
    // No class in its definition.
    assert_eq!(cleanup.classname, "");
    assert_eq!(cleanup.status, CaseStatus::Failed);
    assert_eq!(cleanup.duration_seconds, 0.0);
    assert_eq!(
        case(&file, "DotnetTests.XUnitV3Tests.FixtureTests.Failing_Test").duration_seconds,
        0.0170545
    );
}

#[test]
fn trx_without_tests_reads_as_no_tests_with_the_runners_warning() {
    for rel in [
        "test-reporter/empty/dotnet-trx.trx",
        "test-reporter/empty/dotnet-trx-empty-test-definitions.trx",
    ] {
        let file = load(rel);
        assert_eq!(tally(&file), (0, 0, 0, 0, 0, 0), "{rel}");
        assert_eq!(file.run.status, RunStatus::Passed);
        assert_eq!(file.warnings.len(), 1, "{rel}: {:?}", file.warnings);
        assert!(
            file.warnings[0].contains("the TRX run reports (Warning): No test is available in"),
            "{:?}",
            file.warnings
        );
    }
}

#[test]
fn trx_of_an_open_source_project() {
    let file = load("test-reporter/external/SilentNotes.trx");
    assert_eq!(tally(&file), (79, 67, 0, 0, 12, 0));
    assert!(distinct_ids(&file));
    let skipped = file
        .run
        .cases
        .iter()
        .find(|c| c.status == CaseStatus::Skipped)
        .unwrap();
    assert!(skipped.suite.ends_with(".dll"), "{}", skipped.suite);
}

/// A TRX shaped after `vstst.xsd` by hand: data-driven rows, every
/// outcome, output of every kind, a missing definition.
const TRX_EDGES: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<TestRun id="1" name="edges" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testId="d1" testName="DataTest" outcome="Failed" duration="00:00:03">
      <InnerResults>
        <UnitTestResult testId="d1" testName="DataTest" dataRowInfo="1" outcome="Passed" duration="00:00:01"/>
        <UnitTestResult testId="d1" testName="DataTest" dataRowInfo="2" outcome="Failed" duration="00:00:02">
          <Output><ErrorInfo><Message>row 2 broke</Message></ErrorInfo></Output>
        </UnitTestResult>
      </InnerResults>
    </UnitTestResult>
    <UnitTestResult testId="t1" testName="TimesOut" outcome="Timeout" startTime="2024-01-01T00:00:00.000Z" endTime="2024-01-01T00:00:02.500Z"/>
    <UnitTestResult testId="t1" testName="Aborts" outcome="Aborted"/>
    <UnitTestResult testId="t1" testName="NeverFinished" outcome="InProgress"/>
    <UnitTestResult testId="t1" testName="NotRunnable" outcome="NotRunnable"/>
    <UnitTestResult testId="t1" testName="Unsure" outcome="Inconclusive"/>
    <UnitTestResult testId="t1" testName="Explodes" outcome="Exploded"/>
    <UnitTestResult testId="t1" testName="Talks" outcome="Passed">
      <Output>
        <StdOut>out line</StdOut><StdErr>err line</StdErr>
        <DebugTrace>trace line</DebugTrace>
        <TextMessages><Message>first message</Message><Message>second message</Message></TextMessages>
      </Output>
    </UnitTestResult>
    <UnitTestResult testId="nowhere" testName="Orphan" outcome="Passed"/>
    <UnitTestResult testId="t1" outcome="Passed"/>
  </Results>
  <TestDefinitions>
    <UnitTest id="d1" name="DataTest" storage="c:\build\Data.Tests.dll"><TestMethod className="Data.Tests.Rows, Data.Tests, Version=1.0.0.0" name="DataTest"/></UnitTest>
    <UnitTest id="t1" name="Other" storage="/build/other.tests.dll"><TestMethod className="Other.Tests" name="Other"/></UnitTest>
  </TestDefinitions>
</TestRun>"#;

#[test]
fn trx_outcomes_data_rows_and_output() {
    let file = load_str(TRX_EDGES);
    assert_eq!(file.format, ResultFormat::Trx);
    // 2 rows (not their parent) + 9 results.
    assert_eq!(tally(&file), (11, 4, 1, 5, 1, 0));
    let rows: Vec<(&str, CaseStatus, Option<&str>)> = file
        .run
        .cases
        .iter()
        .filter(|c| c.name == "DataTest")
        .map(|c| {
            (
                c.classname.as_str(),
                c.status,
                c.properties.get("dataRow").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Data.Tests.Rows", CaseStatus::Passed, Some("1")),
            ("Data.Tests.Rows", CaseStatus::Failed, Some("2"))
        ]
    );
    assert!(distinct_ids(&file));
    let status = |name: &str| case(&file, &format!("Other.Tests.{name}")).status;
    assert_eq!(status("TimesOut"), CaseStatus::Error);
    assert_eq!(status("Aborts"), CaseStatus::Error);
    assert_eq!(status("NeverFinished"), CaseStatus::Error);
    assert_eq!(status("NotRunnable"), CaseStatus::Error);
    assert_eq!(status("Unsure"), CaseStatus::Skipped);
    let unknown = case(&file, "Other.Tests.Explodes");
    assert_eq!(unknown.status, CaseStatus::Error);
    assert_eq!(
        unknown.message.as_deref(),
        Some("unknown TRX outcome \"Exploded\"")
    );
    assert_eq!(case(&file, "Other.Tests.TimesOut").duration_seconds, 2.5);
    let talks = case(&file, "Other.Tests.Talks");
    assert_eq!(
        talks.stdout.as_deref(),
        Some("out line\ntrace line\nfirst message\nsecond message")
    );
    assert_eq!(talks.stderr.as_deref(), Some("err line"));
    assert_eq!(talks.suite, "other.tests.dll");
    // No definition: no class, no suite.
    let orphan = case(&file, "Orphan");
    assert_eq!((orphan.classname.as_str(), orphan.suite.as_str()), ("", ""));
    // No testName: named by its order, with a warning.
    assert_eq!(
        case(&file, "Other.Tests.(unnamed #1)").status,
        CaseStatus::Passed
    );
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
}

#[test]
fn a_failed_trx_run_without_failed_results_never_reads_green() {
    let file = load_str(
        r#"<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results><UnitTestResult testId="a" testName="Passes" outcome="Passed"/></Results>
          <ResultSummary outcome="Failed">
            <Counters total="1" executed="1" passed="1" failed="0" error="0"/>
            <RunInfos><RunInfo computerName="ci" outcome="Error" timestamp="2024-01-01T00:00:00">
              <Text>The active test run was aborted. Reason: Test host process crashed</Text>
            </RunInfo></RunInfos>
          </ResultSummary></TestRun>"#,
    );
    assert_eq!(tally(&file), (2, 1, 1, 0, 0, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    let run = case(&file, "(test run)");
    assert_eq!(
        run.details.as_deref(),
        Some("The active test run was aborted. Reason: Test host process crashed")
    );
    assert!(
        file.warnings
            .iter()
            .any(|w| w.contains("Test host process crashed"))
    );
    // Counters declaring failures no result shows.
    let file = load_str(
        r#"<TestRun><Results/><ResultSummary outcome="Completed">
             <Counters total="3" failed="1" error="1"/></ResultSummary></TestRun>"#,
    );
    assert_eq!(tally(&file), (1, 0, 1, 0, 0, 0));
    let synthetic = case(&file, "(test run)");
    assert_eq!(
        synthetic
            .properties
            .get(SYNTHETIC_PROPERTY)
            .map(String::as_str),
        Some("declared-counts")
    );
}

#[test]
fn malformed_trx_is_located() {
    let message = load_err(
        "<TestRun>\n  <Results>\n    <UnitTestResult testName=\"a\" outcome=\"Passed\">\n",
    );
    assert!(
        message.starts_with("invalid TRX in inline at line 4, column 1: the input ends inside <UnitTestResult> (opened at line 3)"),
        "{message}"
    );
    let message = load_err("<TestRun>\n<Results>\n</TestRun>");
    assert!(
        message.contains("invalid TRX in inline at line 3, column 1"),
        "{message}"
    );
}

#[test]
fn an_unknown_root_element_is_named_with_the_formats_read() {
    let message = load_err("<?xml version=\"1.0\"?>\n<!-- a comment -->\n<project name=\"x\"/>");
    assert!(
        message.starts_with(
            "invalid results XML in inline at line 3, column 1: the root element is <project>"
        ),
        "{message}"
    );
    assert!(message.contains("TRX (<TestRun>)"), "{message}");
    let message = load_err("plain console output\n");
    assert!(message.contains("empty or not a report"), "{message}");
}

// ---- NUnit 3 and 2 ----

#[test]
fn nunit3_from_the_console_runner() {
    let file = load("test-reporter/dotnet-nunit.xml");
    assert_eq!(file.format, ResultFormat::Nunit3);
    assert_eq!(tally(&file), (9, 3, 3, 2, 1, 0));
    assert!(distinct_ids(&file));
    // label="Error": an exception, not an assertion.
    let thrown = case(
        &file,
        "DotnetTests.XUnitTests.CalculatorTests.Exception_In_Test",
    );
    assert_eq!(thrown.status, CaseStatus::Error);
    assert_eq!(thrown.suite, "DotnetTests.NUnitV3Tests.dll");
    assert_eq!(thrown.message.as_deref(), Some("System.Exception : Test"));
    assert_eq!(thrown.duration_seconds, 0.000528);
    let failing = case(&file, "DotnetTests.XUnitTests.CalculatorTests.Failing_Test");
    assert_eq!(failing.status, CaseStatus::Failed);
    assert_eq!(
        failing.message.as_deref(),
        Some("  Expected: 3\n  But was:  2")
    );
    assert!(
        failing
            .details
            .as_deref()
            .unwrap()
            .starts_with("   at DotnetTests")
    );
    assert_eq!(
        failing.properties.get("asserts").map(String::as_str),
        Some("1")
    );
    // A parameterized case inside its Theory suite.
    let row = case(
        &file,
        "DotnetTests.XUnitTests.CalculatorTests.Is_Even_Number(3)",
    );
    assert_eq!(row.status, CaseStatus::Failed);
    // A timeout: an empty <failure/>, the label says why.
    let timeout = case(&file, "DotnetTests.XUnitTests.CalculatorTests.Timeout_Test");
    assert_eq!(
        timeout.message.as_deref(),
        Some("Test exceeded Timeout value 1ms.")
    );
    let ignored = case(&file, "DotnetTests.XUnitTests.CalculatorTests.Skipped_Test");
    assert_eq!(ignored.status, CaseStatus::Skipped);
    assert_eq!(ignored.message.as_deref(), Some("Skipped"));
    assert_eq!(
        case(
            &file,
            "DotnetTests.XUnitTests.CalculatorTests.Passing_Test_With_Description"
        )
        .properties
        .get("Description")
        .map(String::as_str),
        Some("Some description")
    );
    // The run's own start and duration; the assembly as the suite.
    assert_eq!(
        file.run.started_at.as_deref(),
        Some("2021-06-28T20:23:41.000Z")
    );
    assert_eq!(file.run.duration_seconds, 0.230308);
    assert_eq!(file.run.suites.len(), 1);
    assert_eq!(file.run.suites[0].hostname.as_deref(), Some("DORNY-PC"));
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn nunit3_early_format_and_jenkins_samples() {
    // An early NUnit 3 file: `time` instead of `duration`, no classname.
    let file = load("test-reporter/external/nunit-sample.xml");
    assert_eq!(tally(&file), (18, 12, 1, 1, 4, 0));
    let failing = case(&file, "NUnit.Tests.Assemblies.MockTestFixture.FailingTest");
    assert_eq!(failing.classname, "NUnit.Tests.Assemblies.MockTestFixture");
    assert_eq!(failing.duration_seconds, 0.023);
    assert_eq!(
        case(
            &file,
            "NUnit.Tests.Assemblies.MockTestFixture.InconclusiveTest"
        )
        .status,
        CaseStatus::Skipped
    );
    let file = load("nunit-plugin/NUnit-issue50162.xml");
    assert_eq!(tally(&file), (6, 3, 3, 0, 0, 0));
    assert!(distinct_ids(&file));
    let file = load("nunit-plugin/NUnit-issue17521.xml");
    assert_eq!(tally(&file), (2, 1, 0, 0, 1, 0));
}

#[test]
fn nunit2_from_nunit_2_5() {
    let file = load("nunit-plugin/NUnit-correct.xml");
    assert_eq!(file.format, ResultFormat::Nunit2);
    // total="21" counts what ran; not-run="7" (4 ignored, 3 invalid) too.
    assert_eq!(tally(&file), (28, 18, 1, 4, 5, 0));
    assert!(distinct_ids(&file));
    let failing = case(&file, "NUnit.Tests.Assemblies.MockTestFixture.FailingTest");
    assert_eq!(failing.name, "FailingTest");
    assert_eq!(failing.suite, "mock-assembly.dll");
    assert_eq!(failing.message.as_deref(), Some("Intentional failure"));
    assert!(
        failing
            .details
            .as_deref()
            .unwrap()
            .contains("MockAssembly.cs:121")
    );
    assert_eq!(failing.duration_seconds, 0.013);
    // NotRunnable: NUnit counts it invalid, and so as a failure of the run.
    let invalid = case(&file, "NUnit.Tests.BadFixture.SomeTest");
    assert_eq!(invalid.status, CaseStatus::Error);
    assert_eq!(
        invalid.message.as_deref(),
        Some("No suitable constructor was found")
    );
    let ignored = case(&file, "NUnit.Tests.Assemblies.MockTestFixture.MockTest4");
    assert_eq!(ignored.status, CaseStatus::Skipped);
    assert_eq!(
        ignored.message.as_deref(),
        Some("ignoring this test method for now")
    );
    assert_eq!(
        ignored.properties.get("Category").map(String::as_str),
        Some("Foo")
    );
    let categories = case(&file, "NUnit.Tests.Assemblies.MockTestFixture.MockTest3");
    assert_eq!(
        categories.properties.get("Category").map(String::as_str),
        Some("AnotherCategory, MockCategory")
    );
    // Type arguments and parameters stay in the class and the name.
    let generic = case(&file, "NUnit.Tests.GenericFixture<Double>(11.5d).Test1");
    assert_eq!(generic.name, "Test1");
    case(
        &file,
        "NUnit.Tests.FixtureWithTestCases.MethodWithParameters(9,11)",
    );
    assert_eq!(
        file.run.started_at.as_deref(),
        Some("2010-10-18T13:23:35.000Z")
    );
    assert_eq!(file.run.suites[0].hostname.as_deref(), Some("cedar"));
}

#[test]
fn nunit2_2_without_result_attributes() {
    let file = load("nunit-plugin/NUnit-failure.xml");
    assert_eq!(file.format, ResultFormat::Nunit2);
    assert_eq!(tally(&file), (3, 2, 1, 0, 0, 0));
    let failing = case(&file, "UnitTests.MainClassTest.TestFailure");
    assert_eq!(failing.suite, "Tests.dll");
    let file = load("nunit-plugin/NUnit-correct3.xml");
    assert_eq!(tally(&file), (22, 22, 0, 0, 0, 0));
}

#[test]
fn a_failed_nunit_suite_without_failed_cases_never_reads_green() {
    // OneTimeTearDown failed: every case passed, the fixture did not.
    let file = load_str(
        r#"<test-run id="2" result="Failed" total="1" passed="1" failed="0">
          <test-suite type="Assembly" name="App.Tests.dll" result="Failed" site="Child" total="1" passed="1" failed="0">
            <test-suite type="TestFixture" name="Db" fullname="App.Tests.Db" result="Failed" label="Error" site="TearDown" total="1" passed="1" failed="0">
              <failure><message><![CDATA[TearDown : System.IO.IOException : disk full]]></message></failure>
              <test-case name="Reads" fullname="App.Tests.Db.Reads" classname="App.Tests.Db" result="Passed" duration="0.1"/>
            </test-suite>
          </test-suite></test-run>"#,
    );
    assert_eq!(tally(&file), (2, 1, 0, 1, 0, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    let synthetic = case(&file, "App.Tests.Db");
    assert_eq!(synthetic.suite, "App.Tests.dll");
    assert_eq!(
        synthetic.message.as_deref(),
        Some(
            "test-suite \"App.Tests.Db\" failed in TearDown: TearDown : System.IO.IOException : disk full"
        )
    );
    // Only one stand-in: the assembly and the run count it as theirs.
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);

    // An assembly that could not be loaded: no case at all.
    let file = load_str(
        r#"<test-run id="2" result="Failed" label="Invalid" total="0">
          <test-suite type="Assembly" name="Missing.dll" fullname="/ci/Missing.dll" runstate="NotRunnable" result="Failed" label="Invalid" total="0">
            <reason><message><![CDATA[File not found: /ci/Missing.dll]]></message></reason>
          </test-suite></test-run>"#,
    );
    assert_eq!(tally(&file), (1, 0, 0, 1, 0, 0));
    assert_eq!(
        file.run.cases[0].message.as_deref(),
        Some("test-suite \"/ci/Missing.dll\" failed: File not found: /ci/Missing.dll")
    );
    // NUnit 2: counts on the root with no case.
    let file =
        load_str(r#"<test-results name="x.dll" total="2" errors="1" failures="0" not-run="0"/>"#);
    assert_eq!(tally(&file), (1, 0, 1, 0, 0, 0));
}

#[test]
fn nunit_assertions_and_unknown_results() {
    let file = load_str(
        r#"<test-run id="2"><test-suite type="Assembly" name="a.dll">
          <test-case name="Many" fullname="N.C.Many" classname="N.C" result="Failed" asserts="2">
            <failure><message>Multiple failures or warnings in test:</message><stack-trace>at N.C.Many()</stack-trace></failure>
            <assertions>
              <assertion result="Failed"><message>first</message><stack-trace>at line 1</stack-trace></assertion>
              <assertion result="Passed"><message>fine</message></assertion>
              <assertion result="Failed"><message>second</message></assertion>
            </assertions>
            <output><![CDATA[printed]]></output>
          </test-case>
          <test-case name="Odd" fullname="N.C.Odd" classname="N.C" result="Exploded"/>
          <test-case name="Warns" fullname="N.C.Warns" classname="N.C" result="Warning">
            <reason><message>careful</message></reason></test-case>
        </test-suite></test-run>"#,
    );
    let many = case(&file, "N.C.Many");
    assert_eq!(
        many.details.as_deref(),
        Some("at N.C.Many()\n\nAssertion 1: first\nat line 1\n\nAssertion 2: second")
    );
    assert_eq!(many.stdout.as_deref(), Some("printed"));
    let odd = case(&file, "N.C.Odd");
    assert_eq!(odd.status, CaseStatus::Error);
    assert_eq!(
        odd.message.as_deref(),
        Some("unknown NUnit result \"Exploded\"")
    );
    let warns = case(&file, "N.C.Warns");
    assert_eq!(
        (warns.status, warns.message.as_deref()),
        (CaseStatus::Passed, Some("careful"))
    );
}

#[test]
fn malformed_nunit_is_located() {
    let message = load_err("<test-run>\n  <test-suite name=\"a\">\n    <test-case name=x/>");
    assert!(
        message.starts_with("invalid NUnit XML in inline at line 3, column 5: malformed attribute"),
        "{message}"
    );
}

// ---- xUnit.net v2 ----

#[test]
fn xunit_v2_from_the_console_runner() {
    // xUnit.net 2.1, EF Core's microbenchmarks: display names of their own,
    // skips with reasons, failures with stack traces.
    let file = load("xunit/efcore-microbenchmarks.xml");
    assert_eq!(file.format, ResultFormat::Xunit2);
    assert_eq!(tally(&file), (65, 61, 2, 0, 2, 0));
    assert!(distinct_ids(&file));
    let failed = case(
        &file,
        "Microsoft.EntityFrameworkCore.Microbenchmarks.UpdatePipeline.SimpleUpdatePipelineTests.Update [Variation: Batching Off]",
    );
    assert_eq!(failed.status, CaseStatus::Failed);
    assert_eq!(
        failed.suite,
        "Microsoft.EntityFrameworkCore.Microbenchmarks.dll"
    );
    assert_eq!(
        failed.message.as_deref(),
        Some(
            "System.NotSupportedException : The property 'CustomerId' on entity type 'Customer' is part of a key and so cannot be modified or marked as modified."
        )
    );
    assert!(
        failed
            .details
            .as_deref()
            .unwrap()
            .starts_with("   at Microsoft.EntityFrameworkCore.ChangeTracking")
    );
    let skipped = case(
        &file,
        "Microsoft.EntityFrameworkCore.Microbenchmarks.InitializationTests.InitializeAndQuery_AdventureWorks [Variation: Warm (100 instances)]",
    );
    assert_eq!(skipped.status, CaseStatus::Skipped);
    assert!(
        skipped
            .message
            .as_deref()
            .unwrap()
            .starts_with("AdventureWorks2014 database does not exist")
    );
    assert_eq!(
        file.run.suites[0].timestamp.as_deref(),
        Some("2016-03-15T11:50:46.000Z")
    );
    assert_eq!(file.run.duration_seconds, 18.312);
    assert_eq!(
        file.run.suites[0]
            .properties
            .get("test-framework")
            .map(String::as_str),
        Some("xUnit.net 2.1.0.3179")
    );
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);

    // The `Class.` prefix of a name goes.
    let file = load("xunit/efcore-inmemory.xml");
    assert_eq!(tally(&file), (39, 39, 0, 0, 0, 0));
    let first = &file.run.cases[0];
    assert_eq!(
        (first.classname.as_str(), first.name.as_str()),
        (
            "Microsoft.EntityFrameworkCore.InMemory.Tests.InMemoryServiceCollectionExtensionsTest",
            "Repeated_calls_to_add_do_not_modify_collection"
        )
    );
}

#[test]
fn xunit_v2_files_from_jenkins_users() {
    let file = load("xunit/jenkins-xunit-plugin-testcase1.xml");
    assert_eq!(tally(&file), (3, 1, 1, 0, 1, 0));
    assert_eq!(
        case(&file, "MyProject.Tests.SampleFact.SkippedTest")
            .message
            .as_deref(),
        Some("On Purpose")
    );
    assert_eq!(file.run.cases[0].suite, "MyProject.Tests.DLL");
    // Output, display names; 2.3.1.
    let file = load("xunit/jenkins-xunit-plugin-testcase5.xml");
    assert_eq!(tally(&file), (5, 5, 0, 0, 0, 0));
    let install = case(&file, "UnitTest.UnitTest.Install application.");
    assert!(
        install
            .stdout
            .as_deref()
            .unwrap()
            .starts_with("Starting test: InstallApplication\n")
    );
    assert_eq!(install.duration_seconds, 33.1446488);
    // An assembly that ran no tests and wrote no counts: nothing, quietly.
    let file = load("xunit/jenkins-xunit-plugin-testcase4.xml");
    assert_eq!(tally(&file), (0, 0, 0, 0, 0, 0));
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    // Traits; this file was trimmed by hand to one test, so its assembly
    // still declares 3 tests with 1 failure: warned, and never green.
    let file = load("xunit/jenkins-xunit-plugin-testcase2.xml");
    assert_eq!(tally(&file), (2, 1, 1, 0, 0, 0));
    let traits = &case(&file, "MyProject.Tests.SampleFact.SuccessfulTestWithTrait").properties;
    assert_eq!(
        traits.get("FeatureTitle").map(String::as_str),
        Some("SuccessfulTestWithTrait")
    );
    assert_eq!(
        traits.get("Description").map(String::as_str),
        Some("SomeDescription")
    );
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    assert!(file.warnings[0].contains("assembly \"MyProject.Tests.DLL\" declares 3 tests"));
}

#[test]
fn xunit_errors_results_and_timing() {
    let file = load_str(
        r#"<assemblies schema-version="3" start-rtf="2025-12-30T17:42:41.5+00:00" finish-rtf="2025-12-30T17:42:44.0+00:00">
          <assembly name="/ci/bin/App.Tests.dll" run-date="2025-12-30" run-time="17:42:41" total="4" passed="1" failed="1" skipped="2" errors="1" time="2.5">
            <errors>
              <error type="test-class-cleanup" name="App.Tests.DbTests">
                <failure exception-type="System.IO.IOException"><message>disk full</message><stack-trace>at App.Tests.DbTests.Dispose()</stack-trace></failure>
              </error>
            </errors>
            <collection name="Test collection for App.Tests.DbTests" total="4" passed="1" failed="1" skipped="2">
              <test name="App.Tests.DbTests.Reads" type="App.Tests.DbTests" method="Reads" time="0.5" result="Pass" source-file="tests/DbTests.cs" source-line="12">
                <traits><trait name="Category" value="db"/><trait name="Category" value="slow"/></traits>
              </test>
              <test name="App.Tests.DbTests.Writes(size: 3)" type="App.Tests.DbTests" method="Writes" time="1" result="Fail">
                <failure exception-type="Xunit.Sdk.EqualException"><message><![CDATA[Assert.Equal() Failure
Expected: 3
Actual:   2]]></message></failure>
              </test>
              <test name="App.Tests.DbTests.Explicit" type="App.Tests.DbTests" method="Explicit" time="0" result="NotRun"/>
              <test name="App.Tests.DbTests.Odd" type="App.Tests.DbTests" method="Odd" time="0" result="Exploded"/>
            </collection>
          </assembly></assemblies>"#,
    );
    assert_eq!(tally(&file), (5, 1, 1, 2, 1, 0));
    let cleanup = case(&file, "App.Tests.DbTests (test-class-cleanup)");
    assert_eq!(cleanup.status, CaseStatus::Error);
    assert_eq!(cleanup.suite, "App.Tests.dll");
    assert_eq!(
        cleanup.message.as_deref(),
        Some("test-class-cleanup failed: disk full")
    );
    assert_eq!(
        cleanup.details.as_deref(),
        Some("at App.Tests.DbTests.Dispose()")
    );
    let reads = case(&file, "App.Tests.DbTests.Reads");
    assert_eq!(
        (reads.file.as_deref(), reads.line),
        (Some("tests/DbTests.cs"), Some(12))
    );
    assert_eq!(
        reads.properties.get("Category").map(String::as_str),
        Some("db, slow")
    );
    assert_eq!(
        case(&file, "App.Tests.DbTests.Writes(size: 3)")
            .message
            .as_deref(),
        Some("Assert.Equal() Failure\nExpected: 3\nActual:   2")
    );
    assert_eq!(
        case(&file, "App.Tests.DbTests.Explicit").status,
        CaseStatus::Skipped
    );
    assert_eq!(
        case(&file, "App.Tests.DbTests.Odd").message.as_deref(),
        Some("unknown xUnit.net result \"Exploded\"")
    );
    assert_eq!(
        file.run.started_at.as_deref(),
        Some("2025-12-30T17:42:41.500Z")
    );
    assert_eq!(file.run.duration_seconds, 2.5);
    assert_eq!(file.run.status, RunStatus::Failed);
    let message = load_err(
        "<assemblies>\n<assembly name=\"a\">\n<test name=\"t\" result=\"Pass\">\n</assembly>",
    );
    assert!(
        message.starts_with("invalid xUnit.net XML in inline at line 4, column 1: "),
        "{message}"
    );
}

// ---- go test -json ----

#[test]
fn go_test_json_from_go_1_19() {
    let file = load("go/go-test.json");
    assert_eq!(file.format, ResultFormat::GoTest);
    // calc: 6 top-level tests and examples + 9 subtests; panics: 2; broken,
    // setup: 1 each (the package); timeout: 2.
    assert_eq!(tally(&file), (22, 12, 4, 4, 2, 0));
    assert_eq!(file.run.status, RunStatus::Failed);
    assert!(distinct_ids(&file));
    let pkg = "example.com/gosample/calc";
    let wrong = case(&file, &format!("{pkg}.TestAddWrong"));
    assert_eq!((wrong.suite.as_str(), wrong.classname.as_str()), (pkg, pkg));
    assert_eq!(
        wrong.message.as_deref(),
        Some("calc_test.go:18: Add(2, 2) = 4, want 5")
    );
    // Framing lines are gone; the test's own output stays.
    assert_eq!(
        wrong.details.as_deref(),
        Some("printed to stdout by the test\n    calc_test.go:18: Add(2, 2) = 4, want 5\n")
    );
    let add = case(&file, &format!("{pkg}.TestAdd"));
    assert_eq!(
        add.stdout.as_deref(),
        Some("    calc_test.go:9: adding 2 and 2\n")
    );
    // Subtests: children of their parent, which fails through them.
    let child = case(&file, &format!("{pkg}.TestDiv/1/2"));
    assert_eq!(child.status, CaseStatus::Failed);
    assert_eq!(
        child.properties.get("go.parent").map(String::as_str),
        Some("TestDiv")
    );
    let deeper = case(&file, &format!("{pkg}.TestDiv/nested/deeper"));
    assert_eq!(
        deeper.properties.get("go.parent").map(String::as_str),
        Some("TestDiv/nested")
    );
    let parent = case(&file, &format!("{pkg}.TestDiv"));
    assert_eq!(
        parent.message.as_deref(),
        Some("subtests failed: TestDiv/1/2")
    );
    let skipped = case(&file, &format!("{pkg}.TestDiv/by_zero"));
    assert_eq!(skipped.status, CaseStatus::Skipped);
    assert_eq!(
        skipped.message.as_deref(),
        Some("calc_test.go:45: division by zero panics; covered elsewhere")
    );
    // Interleaved parallel subtests each keep their own output.
    for n in 1..=3 {
        let parallel = case(&file, &format!("{pkg}.TestParallel/n={n}"));
        assert_eq!(parallel.status, CaseStatus::Passed);
        assert!(
            parallel
                .stdout
                .as_deref()
                .unwrap()
                .contains(&format!("running {n}")),
            "{parallel:?}"
        );
    }
    assert_eq!(
        case(&file, &format!("{pkg}.ExampleDiv")).message.as_deref(),
        Some("got: 3")
    );
    // A panic is an error; the tests after it never ran and are not there.
    let panics = case(&file, "example.com/gosample/panics.TestPanics");
    assert_eq!(panics.status, CaseStatus::Error);
    assert_eq!(
        panics.message.as_deref(),
        Some("panic: assignment to entry in nil map [recovered]")
    );
    assert!(!names(&file).iter().any(|n| n.ends_with("TestAfterPanic")));
    // A timeout: the test that was running never finished.
    let slow = case(&file, "example.com/gosample/timeout.TestSlow");
    assert_eq!(slow.status, CaseStatus::Error);
    assert_eq!(
        slow.message.as_deref(),
        Some("the test never finished: panic: test timed out after 3s")
    );
    // A package that failed to build is an error, not "0 tests passed"...
    let broken = case(&file, "example.com/gosample/broken.(package)");
    assert_eq!(broken.status, CaseStatus::Error);
    assert_eq!(
        broken.message.as_deref(),
        Some("the package failed to build")
    );
    // ... and so is a TestMain that exits before any test.
    let setup = case(&file, "example.com/gosample/setup.(package)");
    assert_eq!(setup.status, CaseStatus::Error);
    assert_eq!(
        setup.details.as_deref(),
        Some("cannot reach the database\n")
    );
    // Packages are suites; the one without test files is one too.
    let suites: Vec<&str> = file.run.suites.iter().map(|s| s.name.as_str()).collect();
    assert!(
        suites.contains(&"example.com/gosample/nofiles"),
        "{suites:?}"
    );
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn go_test_json_with_stderr_keeps_the_compiler_errors() {
    let file = load("go/go-test-with-stderr.json");
    assert_eq!(file.format, ResultFormat::GoTest);
    assert_eq!(tally(&file), (22, 12, 4, 4, 2, 0));
    let broken = case(&file, "example.com/gosample/broken.(package)");
    assert_eq!(
        broken.message.as_deref(),
        Some("the package failed to build: broken/broken.go:4:28: undefined: undefinedName")
    );
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn go_test_json_from_test_reporter() {
    let file = load("test-reporter/golang-json.json");
    assert_eq!(tally(&file), (12, 5, 6, 0, 1, 0));
    let package = "_/home/james_t/git/test-reporter/reports/go";
    let case_of = case(&file, &format!("{package}.TestCases/2_+_3_=_4"));
    assert_eq!(case_of.duration_seconds, 0.09);
    assert_eq!(file.run.suites[0].duration_seconds, Some(4.141));
}

#[test]
fn go_1_24_build_failures_and_broken_streams() {
    // Go 1.24 writes the build's output as events and names the failed
    // build on the package's final event.
    let file = load_str(concat!(
        r##"{"ImportPath":"example.com/m/broken [example.com/m/broken.test]","Action":"build-output","Output":"# example.com/m/broken [example.com/m/broken.test]\n"}"##,
        "\n",
        r#"{"ImportPath":"example.com/m/broken [example.com/m/broken.test]","Action":"build-output","Output":"broken/broken.go:4:28: undefined: x\n"}"#,
        "\n",
        r#"{"ImportPath":"example.com/m/broken [example.com/m/broken.test]","Action":"build-fail"}"#,
        "\n",
        r#"{"Time":"2025-03-01T10:00:00Z","Action":"start","Package":"example.com/m/broken"}"#,
        "\n",
        r#"{"Time":"2025-03-01T10:00:00Z","Action":"output","Package":"example.com/m/broken","Output":"FAIL\texample.com/m/broken [build failed]\n"}"#,
        "\n",
        r#"{"Time":"2025-03-01T10:00:00Z","Action":"fail","Package":"example.com/m/broken","Elapsed":0,"FailedBuild":"example.com/m/broken [example.com/m/broken.test]"}"#,
        "\n",
        r#"{"Time":"2025-03-01T10:00:01Z","Action":"start","Package":"example.com/m/ok"}"#,
        "\n",
        r#"{"Time":"2025-03-01T10:00:01Z","Action":"run","Package":"example.com/m/ok","Test":"TestA"}"#,
        "\n",
        r#"{"Time":"2025-03-01T10:00:01Z","Action":"output","Package":"example.com/m/ok","Test":"TestA","Output":"=== RUN   TestA\n"}"#,
        "\n",
    ));
    assert_eq!(file.format, ResultFormat::GoTest);
    let broken = case(&file, "example.com/m/broken.(package)");
    assert_eq!(broken.status, CaseStatus::Error);
    assert_eq!(
        broken.message.as_deref(),
        Some("the package failed to build: # example.com/m/broken [example.com/m/broken.test]")
    );
    assert!(broken.details.as_deref().unwrap().contains("undefined: x"));
    // The stream stops inside package ok: TestA never finished.
    let unfinished = case(&file, "example.com/m/ok.TestA");
    assert_eq!(unfinished.status, CaseStatus::Error);
    assert_eq!(file.warnings.len(), 1, "{:?}", file.warnings);
    assert!(file.warnings[0].contains("the stream ends before package example.com/m/ok does"));
    assert_eq!(file.run.status, RunStatus::Failed);

    // A line that starts like JSON but is not: located.
    let message = load_err(concat!(
        r#"{"Action":"start","Package":"p"}"#,
        "\n",
        r#"{"Action":"run","Package":"p","Test":"T"#,
        "\n"
    ));
    assert!(
        message.starts_with("invalid go test -json output in inline at line 2, column "),
        "{message}"
    );
    // Stray stderr lines are ignored with a warning.
    let file = load_str(concat!(
        "warning: something on stderr\n",
        r#"{"Action":"run","Package":"p","Test":"T"}"#,
        "\n",
        r#"{"Action":"pass","Package":"p","Test":"T","Elapsed":0.5}"#,
        "\n",
        r#"{"Action":"pass","Package":"p","Elapsed":0.6}"#,
        "\n"
    ));
    assert_eq!(tally(&file), (1, 1, 0, 0, 0, 0));
    assert_eq!(file.run.cases[0].duration_seconds, 0.5);
    assert!(
        file.warnings[0].contains("1 lines are not go test -json events"),
        "{:?}",
        file.warnings
    );
}

// ---- Every reader, on broken input ----

/// The fixtures of every format but JUnit (whose reader has its own tests).
const FORMAT_FIXTURES: [&str; 12] = [
    "test-reporter/dotnet-trx.trx",
    "test-reporter/dotnet-xunitv3.trx",
    "test-reporter/empty/dotnet-trx.trx",
    "test-reporter/dotnet-nunit.xml",
    "test-reporter/external/nunit-sample.xml",
    "nunit-plugin/NUnit-correct.xml",
    "nunit-plugin/NUnit-failure.xml",
    "xunit/efcore-microbenchmarks.xml",
    "xunit/jenkins-xunit-plugin-testcase5.xml",
    "go/go-test.json",
    "go/go-test-with-stderr.json",
    "test-reporter/golang-json.json",
];

/// A reader handing out at most one byte per call.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(out.len()).min(1);
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn results_do_not_depend_on_read_boundaries() {
    for rel in FORMAT_FIXTURES {
        let whole = load(rel);
        let bytes = std::fs::read(data(rel)).unwrap();
        let source = data(rel).display().to_string();
        let trickled = read(
            std::io::BufReader::with_capacity(1, Trickle(&bytes)),
            &source,
            "x",
            &ReadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(trickled.run.cases, whole.run.cases, "{rel}");
        assert_eq!(trickled.warnings, whole.warnings, "{rel}");
    }
}

#[test]
fn truncated_files_fail_with_a_location_and_never_panic() {
    for rel in FORMAT_FIXTURES {
        let bytes = std::fs::read(data(rel)).unwrap();
        let step = (bytes.len() / 60).max(1);
        for cut in (1..bytes.len()).step_by(step) {
            let outcome = std::panic::catch_unwind(|| {
                read(&bytes[..cut], "cut", "cut", &ReadOptions::default())
            });
            let result = outcome.unwrap_or_else(|_| panic!("{rel} cut at {cut} panicked"));
            match result {
                // A stream of lines may end between events: then the read
                // succeeds, and unfinished packages end as errors.
                Ok(file) => assert!(
                    rel.ends_with(".json") || cut == bytes.len(),
                    "{rel} cut at {cut} read as {:?}",
                    file.run.counts()
                ),
                Err(e) => {
                    let message = e.to_string();
                    assert_eq!(e.kind(), ErrorKind::Parse, "{rel} cut at {cut}: {message}");
                    assert!(
                        message.contains("in cut at line ") || message.starts_with("cut: "),
                        "{rel} cut at {cut}: {message}"
                    );
                }
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any bytes changed anywhere: a result or an error, never a panic.
    #[test]
    fn corrupted_files_never_panic(
        which in 0..FORMAT_FIXTURES.len(),
        edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 1..8),
    ) {
        let mut bytes = std::fs::read(data(FORMAT_FIXTURES[which])).unwrap();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Err(e) = read(&bytes[..], "edited", "edited", &ReadOptions::default()) {
            proptest::prop_assert!(
                matches!(e.kind(), ErrorKind::Parse | ErrorKind::Io),
                "{e}"
            );
        }
    }
}
