//! Request recording, the admin routes under `/_sim/`, body limits and
//! shutdown.

mod support;

use serde_json::{Value, json};
use support::{TOKEN, agent, gh, send, try_send};
use testrelay_ci_sim::{SimOptions, Simulator};

fn sim_with(options: SimOptions) -> Simulator {
    match Simulator::start_with(options) {
        Ok(sim) => sim,
        Err(e) => panic!("simulator did not start: {e}"),
    }
}

fn sim() -> Simulator {
    sim_with(SimOptions::default())
}

fn post_json(a: &ureq::Agent, url: &str, body: &Value) -> support::Resp {
    send(a, "POST", url, &[], Some(body.to_string().as_bytes()))
}

#[test]
fn records_method_path_query_headers_and_body() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let created = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/issues/5/comments?x=a%20b&y=1"),
        Some(&json!({"body": "hello"})),
    );
    assert_eq!(created.status, 201);
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/repos/acme/widgets/issues/5/comments");
    assert_eq!(
        r.query,
        vec![
            ("x".to_owned(), "a b".to_owned()),
            ("y".to_owned(), "1".to_owned())
        ]
    );
    assert_eq!(
        r.header("Authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    assert!(r.headers.iter().all(|(n, _)| *n == n.to_ascii_lowercase()));
    assert_eq!(r.json().ok(), Some(json!({"body": "hello"})));
    assert_eq!(r.body_text(), Some(r#"{"body":"hello"}"#));

    // Admin requests are not recorded.
    assert_eq!(
        send(&a, "GET", &format!("{base}/_sim/requests"), &[], None).status,
        200
    );
    assert_eq!(sim.requests().len(), 1);
    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[test]
fn admin_requests_route_lists_and_clears() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let auth = format!("token {TOKEN}");
    gh(
        &a,
        "POST",
        &format!("{base}/repos/o/r/releases"),
        Some(&json!({"tag_name": "t"})),
    );
    send(
        &a,
        "POST",
        &format!(
            "{}/repos/o/r/releases/1/assets?name=blob.bin",
            sim.uploads_url()
        ),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/octet-stream"),
        ],
        Some(&[0xff, 0xfe, 0x00]),
    );
    let listed = send(&a, "GET", &format!("{base}/_sim/requests"), &[], None);
    assert_eq!(listed.status, 200);
    let list = listed.json();
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["method"], "POST");
    assert_eq!(list[0]["path"], "/repos/o/r/releases");
    assert_eq!(list[0]["body"], r#"{"tag_name":"t"}"#);
    assert_eq!(list[0]["body_encoding"], "utf8");
    assert_eq!(list[1]["query"], json!([["name", "blob.bin"]]));
    assert_eq!(list[1]["body"], "//4A");
    assert_eq!(list[1]["body_encoding"], "base64");
    let cleared = send(&a, "DELETE", &format!("{base}/_sim/requests"), &[], None);
    assert_eq!(cleared.json(), json!({"cleared": 2}));
    assert!(sim.requests().is_empty());
}

#[test]
fn admin_fault_routes() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let armed = post_json(
        &a,
        &format!("{base}/_sim/faults"),
        &json!({"kind": "status", "status": 503, "headers": {"retry-after": "2"},
                "method": "GET", "times": 1}),
    );
    assert_eq!((armed.status, armed.json()), (201, json!({"armed": 1})));
    let url = format!("{base}/repos/o/r/commits/s/statuses");
    let faulted = gh(&a, "GET", &url, None);
    assert_eq!(faulted.status, 503);
    assert_eq!(faulted.header("retry-after"), Some("2"));
    assert_eq!(gh(&a, "GET", &url, None).status, 200);

    post_json(
        &a,
        &format!("{base}/_sim/faults"),
        &json!({"kind": "drop_connection", "share": 1.0, "seed": 9}),
    );
    let cleared = send(&a, "DELETE", &format!("{base}/_sim/faults"), &[], None);
    assert_eq!(cleared.json(), json!({"cleared": 1}));
    assert_eq!(gh(&a, "GET", &url, None).status, 200);

    let bad = post_json(
        &a,
        &format!("{base}/_sim/faults"),
        &json!({"kind": "status"}),
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("needs \"status\""))
    );
    let unknown = send(&a, "GET", &format!("{base}/_sim/nothing"), &[], None);
    assert_eq!(unknown.status, 404);
}

#[test]
fn admin_github_state_seed_and_config() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let seeded = post_json(
        &a,
        &format!("{base}/_sim/github/seed-comments"),
        &json!({"owner": "o", "repo": "r", "issue": 4, "count": 3, "with_marker": "<!-- m -->"}),
    );
    assert_eq!(
        (seeded.status, seeded.json()),
        (201, json!({"ids": [1, 2, 3]}))
    );
    let state = send(&a, "GET", &format!("{base}/_sim/github/state"), &[], None).json();
    assert_eq!(state["comments"].as_array().map(Vec::len), Some(3));
    assert_eq!(state["comments"][2]["user"], "github-actions[bot]");
    assert_eq!(state["check_runs"], json!([]));
    assert_eq!(state["releases"], json!([]));

    let config = post_json(
        &a,
        &format!("{base}/_sim/github/config"),
        &json!({"read_only": true, "token": "only-this",
                "rate_limit": {"remaining": 10, "reset": 4_102_444_800u64}}),
    );
    assert_eq!(
        config.json(),
        json!({"token_required": true, "read_only": true})
    );
    let create = |auth: &str| {
        send(
            &a,
            "POST",
            &format!("{base}/repos/o/r/check-runs"),
            &[("authorization", auth)],
            Some(br#"{"name":"n","head_sha":"s"}"#),
        )
    };
    assert_eq!(create(&format!("Bearer {TOKEN}")).status, 401);
    let denied = create("Bearer only-this");
    assert_eq!(denied.status, 403);
    assert_eq!(denied.header("x-ratelimit-remaining"), Some("9"));
    post_json(
        &a,
        &format!("{base}/_sim/github/config"),
        &json!({"read_only": false, "token": null}),
    );
    assert_eq!(create(&format!("Bearer {TOKEN}")).status, 201);
    let bad = post_json(
        &a,
        &format!("{base}/_sim/github/config"),
        &json!({"colour": 1}),
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn oversized_body_gets_413() {
    let sim = sim_with(SimOptions {
        max_body_bytes: 1024,
        ..SimOptions::default()
    });
    let a = agent();
    let url = format!("{}/repos/o/r/issues/1/comments", sim.url());
    let big = gh(&a, "POST", &url, Some(&json!({"body": "x".repeat(2000)})));
    assert_eq!(big.status, 413);
    assert!(big.header("x-ratelimit-remaining").is_some());
    assert!(sim.github().comments.is_empty());
    let small = gh(
        &agent(),
        "POST",
        &url,
        Some(&json!({"body": "x".repeat(900)})),
    );
    assert_eq!(small.status, 201);
}

#[test]
fn unknown_vendor_path_is_404() {
    let sim = sim();
    let resp = send(
        &agent(),
        "GET",
        &format!("{}/api/v4/projects", sim.url()),
        &[],
        None,
    );
    assert_eq!(resp.status, 404);
    assert_eq!(
        resp.json()["message"],
        "no vendor emulation serves this path"
    );
}

#[test]
fn shutdown_route_answers_then_stops() {
    let sim = sim();
    let a = agent();
    let url = sim.url();
    let resp = send(&a, "POST", &format!("{url}/_sim/shutdown"), &[], None);
    assert_eq!((resp.status, resp.json()), (200, json!({"stopping": true})));
    sim.wait_for_shutdown_request();
    sim.shutdown();
    let after = try_send(&agent(), "GET", &format!("{url}/_sim/requests"), &[], None);
    assert!(after.is_err(), "still answering after shutdown: {after:?}");
}
