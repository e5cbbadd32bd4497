//! The Azure DevOps and Bitbucket Cloud routes over real HTTP: the checks
//! each emulation makes (so that a provider test can fail on a wrong
//! shape), their authentication answers, continuation pages and the admin
//! routes.

mod support;

use serde_json::{Value, json};
use support::{Resp, agent, send};
use testrelay_ci_sim::Simulator;

fn sim() -> Simulator {
    match Simulator::start() {
        Ok(sim) => sim,
        Err(e) => panic!("simulator did not start: {e}"),
    }
}

fn az(a: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Resp {
    let bytes = body.map(|b| b.to_string().into_bytes());
    send(
        a,
        method,
        url,
        &[
            ("authorization", "Bearer az-token"),
            ("content-type", "application/json"),
        ],
        bytes.as_deref(),
    )
}

fn bb(a: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Resp {
    let bytes = body.map(|b| b.to_string().into_bytes());
    send(
        a,
        method,
        url,
        &[
            ("authorization", "Bearer bb-token"),
            ("content-type", "application/json"),
        ],
        bytes.as_deref(),
    )
}

#[test]
fn azure_checks_versions_tokens_and_result_shapes() {
    let sim = sim();
    let a = agent();
    let base = format!("{}/org/proj/_apis", sim.url());
    // No api-version: 400, as Azure answers.
    assert_eq!(
        az(&a, "GET", &format!("{base}/test/runs"), None).status,
        400
    );
    // A bad PAT gets the sign-in page with 203; a bad bearer 401.
    sim.set_azure_token(Some("right"));
    let pat = send(
        &a,
        "GET",
        &format!("{base}/test/runs?api-version=7.1"),
        &[("authorization", "Basic Ondyb25n")],
        None,
    );
    assert_eq!(pat.status, 203);
    assert!(pat.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(
        az(
            &a,
            "GET",
            &format!("{base}/test/runs?api-version=7.1"),
            None
        )
        .status,
        401
    );
    sim.set_azure_token(None);
    let run = az(
        &a,
        "POST",
        &format!("{base}/test/runs?api-version=7.1"),
        Some(
            &json!({"name": "r", "automated": true, "state": "InProgress", "build": {"id": "42"}}),
        ),
    );
    assert_eq!(run.status, 200);
    let id = run.json()["id"].as_u64().unwrap();
    let results = format!("{base}/test/Runs/{id}/results?api-version=7.1");
    let one = json!({"testCaseTitle": "t", "automatedTestName": "k.t", "outcome": "Passed"});
    let bad = json!([{"testCaseTitle": "t", "outcome": "Skipped"}]);
    assert_eq!(
        az(&a, "POST", &results, Some(&bad)).status,
        400,
        "unknown outcome"
    );
    let too_many = Value::Array(vec![one.clone(); 1_001]);
    assert_eq!(az(&a, "POST", &results, Some(&too_many)).status, 400);
    assert_eq!(az(&a, "POST", &results, Some(&json!([one]))).status, 200);
    let done = json!({"state": "Completed"});
    let patch = format!("{base}/test/runs/{id}?api-version=7.1");
    assert_eq!(az(&a, "PATCH", &patch, Some(&done)).status, 200);
    assert_eq!(
        az(&a, "POST", &results, Some(&json!([one]))).status,
        400,
        "a completed run takes no results"
    );
    let listed = az(
        &a,
        "GET",
        &format!("{base}/test/runs?api-version=7.1&buildUri=vstfs:///Build/Build/42"),
        None,
    );
    assert_eq!(listed.json()["count"], 1);
    let other = az(
        &a,
        "GET",
        &format!("{base}/test/runs?api-version=7.1&buildUri=vstfs:///Build/Build/43"),
        None,
    );
    assert_eq!(other.json()["count"], 0);
    assert_eq!(sim.azure().runs[0].results.len(), 1);
}

#[test]
fn azure_threads_continue_with_a_token_and_admin_routes_seed_them() {
    let sim = sim();
    let a = agent();
    let seeded = send(
        &a,
        "POST",
        &format!("{}/_sim/azure/seed-threads", sim.url()),
        &[],
        Some(
            br#"{"repository": "r1", "pull_request": 3, "count": 5, "with_marker": "<!-- m -->"}"#,
        ),
    );
    assert_eq!(seeded.status, 201);
    let config = send(
        &a,
        "POST",
        &format!("{}/_sim/azure/config", sim.url()),
        &[],
        Some(br#"{"thread_page_size": 2}"#),
    );
    assert_eq!(config.status, 200);
    let url = format!(
        "{}/org/proj/_apis/git/repositories/r1/pullRequests/3/threads?api-version=7.1",
        sim.url()
    );
    let first = az(&a, "GET", &url, None);
    assert_eq!(first.json()["count"], 2);
    assert_eq!(first.header("x-ms-continuationtoken"), Some("2"));
    let last = az(&a, "GET", &format!("{url}&continuationToken=4"), None);
    assert_eq!(last.json()["count"], 1);
    assert_eq!(last.header("x-ms-continuationtoken"), None);
    assert!(
        last.json()["value"][0]["comments"][0]["content"]
            .as_str()
            .unwrap()
            .starts_with("<!-- m -->")
    );
    let state = send(
        &a,
        "GET",
        &format!("{}/_sim/azure/state", sim.url()),
        &[],
        None,
    );
    assert_eq!(state.json()["threads"].as_array().unwrap().len(), 5);
}

#[test]
fn bitbucket_checks_code_insights_and_status_shapes() {
    let sim = sim();
    let a = agent();
    let repo = format!("{}/2.0/repositories/ws/app", sim.url());
    let report = format!("{repo}/commit/abc/reports/r1");
    let ok = json!({"title": "t", "report_type": "TEST", "result": "PENDING"});
    assert_eq!(bb(&a, "PUT", &report, Some(&ok)).status, 200);
    let eleven: Vec<Value> = (0..11)
        .map(|i| json!({"title": format!("f{i}"), "type": "NUMBER", "value": i}))
        .collect();
    let too_much = json!({"title": "t", "report_type": "TEST", "data": eleven});
    assert_eq!(bb(&a, "PUT", &report, Some(&too_much)).status, 400);
    let long = json!([{"external_id": "a", "annotation_type": "BUG", "summary": "x".repeat(451)}]);
    assert_eq!(
        bb(&a, "POST", &format!("{report}/annotations"), Some(&long)).status,
        400
    );
    let same = json!([{"external_id": "a", "annotation_type": "BUG", "summary": "s"}]);
    for _ in 0..2 {
        assert_eq!(
            bb(&a, "POST", &format!("{report}/annotations"), Some(&same)).status,
            200
        );
    }
    assert_eq!(
        sim.bitbucket().reports[0].annotations.len(),
        1,
        "same external_id replaces"
    );
    let status = format!("{repo}/commit/abc/statuses/build");
    let long_key = json!({"key": "k".repeat(41), "state": "INPROGRESS", "url": "https://x"});
    assert_eq!(bb(&a, "POST", &status, Some(&long_key)).status, 400);
    let no_url = json!({"key": "k", "state": "INPROGRESS"});
    assert_eq!(bb(&a, "POST", &status, Some(&no_url)).status, 400);
    let s1 = json!({"key": "k", "state": "INPROGRESS", "url": "https://x"});
    let s2 = json!({"key": "k", "state": "SUCCESSFUL", "url": "https://x"});
    assert_eq!(bb(&a, "POST", &status, Some(&s1)).status, 201);
    assert_eq!(bb(&a, "POST", &status, Some(&s2)).status, 200);
    assert_eq!(
        sim.bitbucket().statuses[0].states,
        ["INPROGRESS", "SUCCESSFUL"]
    );
    // No credentials: 401.
    assert_eq!(
        send(&a, "PUT", &report, &[], Some(ok.to_string().as_bytes())).status,
        401
    );
}

#[test]
fn bitbucket_pages_comments_with_next_and_takes_multipart_downloads() {
    let sim = sim();
    let a = agent();
    sim.seed_bitbucket_comments("ws/app", 4, 25, None);
    let url = format!(
        "{}/2.0/repositories/ws/app/pullrequests/4/comments",
        sim.url()
    );
    let first = bb(&a, "GET", &url, None);
    assert_eq!(first.json()["values"].as_array().unwrap().len(), 10);
    let next = first.json()["next"].as_str().unwrap().to_string();
    assert!(next.starts_with(&sim.url()), "{next}");
    let second = bb(&a, "GET", &next, None);
    assert_eq!(second.json()["page"], 2);
    let body = b"--b1\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\xff\r\n--b1--\r\n";
    let up = send(
        &a,
        "POST",
        &format!("{}/2.0/repositories/ws/app/downloads", sim.url()),
        &[
            ("authorization", "Bearer bb-token"),
            ("content-type", "multipart/form-data; boundary=b1"),
        ],
        Some(body),
    );
    assert_eq!(up.status, 201);
    let d = &sim.bitbucket().downloads[0];
    assert_eq!(
        (d.name.as_str(), d.content.as_slice()),
        ("x.bin", &[0u8, 1, 255][..])
    );
}
