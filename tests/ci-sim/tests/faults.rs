//! Fault injection over real HTTP: status answers with headers for the next
//! N requests, delays, dropped connections and seeded shares.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{agent, agent_with_timeout, gh, try_send};
use testrelay_ci_sim::{Fault, Simulator};

fn sim() -> Simulator {
    match Simulator::start() {
        Ok(sim) => sim,
        Err(e) => panic!("simulator did not start: {e}"),
    }
}

fn status_body() -> serde_json::Value {
    json!({"state": "success"})
}

#[test]
fn status_fault_with_retry_after_for_next_two_requests() {
    let sim = sim();
    let a = agent();
    let url = format!("{}/repos/o/r/statuses/abc", sim.url());
    let armed = sim.inject(
        Fault::status(
            429,
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
            &[("Retry-After", "1"), ("x-ratelimit-remaining", "0")],
        )
        .method("POST")
        .path_prefix("/repos/o/r/statuses/")
        .times(2),
    );
    assert_eq!(armed, 1);
    // A GET does not match the fault.
    let get = gh(
        &a,
        "GET",
        &format!("{}/repos/o/r/commits/abc/statuses", sim.url()),
        None,
    );
    assert_eq!(get.status, 200);
    for _ in 0..2 {
        let limited = gh(&a, "POST", &url, Some(&status_body()));
        assert_eq!(limited.status, 429);
        assert_eq!(limited.header("retry-after"), Some("1"));
        assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(limited.header("x-ratelimit-resource"), Some("core"));
        assert_eq!(
            limited.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(
            limited.json()["message"],
            "You have exceeded a secondary rate limit."
        );
    }
    let ok = gh(&a, "POST", &url, Some(&status_body()));
    assert_eq!(ok.status, 201);
    // Every attempt was recorded, but only the last one changed state.
    let methods: Vec<String> = sim.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET", "POST", "POST", "POST"]);
    assert_eq!(sim.github().statuses.len(), 1);
}

#[test]
fn five_bad_gateways_then_success() {
    let sim = sim();
    let a = agent();
    sim.inject(Fault::status(502, "<html>Bad Gateway</html>", &[]).times(5));
    let url = format!("{}/repos/o/r/issues/1/comments", sim.url());
    let statuses: Vec<u16> = (0..6)
        .map(|_| gh(&a, "POST", &url, Some(&json!({"body": "hi"}))).status)
        .collect();
    assert_eq!(statuses, [502, 502, 502, 502, 502, 201]);
    assert_eq!(sim.github().comments.len(), 1);
}

#[test]
fn delay_then_normal_answer() {
    let sim = sim();
    let url = format!("{}/repos/o/r/statuses/abc", sim.url());
    // No answer can come before the delay: a client giving up sooner times
    // out...
    sim.inject(Fault::delay(Duration::from_millis(200)).method("POST"));
    let impatient = agent_with_timeout(Duration::from_millis(150));
    let auth = format!("Bearer {}", support::TOKEN);
    let body = status_body().to_string();
    let result = try_send(
        &impatient,
        "POST",
        &url,
        &[("authorization", auth.as_str())],
        Some(body.as_bytes()),
    );
    assert!(
        matches!(result, Err(ureq::Error::Timeout(_))),
        "expected a timeout, got {result:?}"
    );
    // ...while the simulator still answers that request normally once the
    // delay is over: the status gets stored.
    let deadline = Instant::now() + Duration::from_secs(3);
    while sim.github().statuses.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(sim.github().statuses.len(), 1);
    // A patient client gets the normal answer after the delay.
    sim.inject(Fault::delay(Duration::from_millis(100)));
    let answered = gh(&agent(), "POST", &url, Some(&status_body()));
    assert_eq!(answered.status, 201);
    assert_eq!(answered.json()["id"], 2);
    assert_eq!(sim.requests().len(), 2);
}

#[test]
fn dropped_connection_is_a_connection_error() {
    let sim = sim();
    let a = agent();
    let url = format!("{}/repos/o/r/issues/3/comments", sim.url());
    // The first request leaves a kept-alive connection in the agent's pool;
    // the fault must close exactly the connection the request came on.
    assert_eq!(gh(&a, "GET", &url, None).status, 200);
    sim.inject(Fault::drop_connection().method("POST"));
    let auth = format!("Bearer {}", support::TOKEN);
    let result = try_send(
        &a,
        "POST",
        &url,
        &[("authorization", auth.as_str())],
        Some(br#"{"body":"lost"}"#),
    );
    match result {
        Err(ureq::Error::Io(e)) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            ),
            "unexpected I/O error kind: {e:?}"
        ),
        other => panic!("expected a connection error, got {other:?}"),
    }
    // The request reached the simulator (recorded) but changed nothing.
    assert_eq!(sim.requests().len(), 2);
    assert!(sim.github().comments.is_empty());
    let retried = gh(&a, "POST", &url, Some(&json!({"body": "delivered"})));
    assert_eq!(retried.status, 201);
    assert_eq!(sim.github().comments.len(), 1);
}

/// The statuses 40 requests get under a 50% fault with `seed`.
fn pattern_for_seed(seed: u64) -> Vec<u16> {
    let sim = sim();
    let a = agent();
    sim.inject(Fault::status(503, "", &[]).share(0.5, seed));
    let url = format!("{}/repos/o/r/commits/abc/statuses", sim.url());
    (0..40).map(|_| gh(&a, "GET", &url, None).status).collect()
}

#[test]
fn share_with_fixed_seed_is_deterministic() {
    let first = pattern_for_seed(42);
    assert_eq!(first, pattern_for_seed(42));
    assert_ne!(first, pattern_for_seed(43));
    let failed = first.iter().filter(|&&s| s == 503).count();
    let passed = first.iter().filter(|&&s| s == 200).count();
    assert_eq!(failed + passed, 40);
    assert!(failed > 0 && passed > 0, "{failed} failed, {passed} passed");
}

#[test]
fn clear_faults_disarms_everything() {
    let sim = sim();
    let a = agent();
    sim.inject(Fault::status(500, "", &[]).times(10));
    sim.inject(Fault::drop_connection().share(1.0, 0));
    assert_eq!(sim.clear_faults(), 2);
    let url = format!("{}/repos/o/r/commits/abc/statuses", sim.url());
    assert_eq!(gh(&a, "GET", &url, None).status, 200);
}

#[test]
fn a_lost_response_still_has_its_effect() {
    let sim = sim();
    let a = agent();
    let url = format!("{}/repos/o/r/issues/3/comments", sim.url());
    sim.inject(Fault::lose_response().method("POST"));
    let auth = format!("Bearer {}", support::TOKEN);
    let result = try_send(
        &a,
        "POST",
        &url,
        &[("authorization", auth.as_str())],
        Some(br#"{"body":"made, answer lost"}"#),
    );
    assert!(
        matches!(result, Err(ureq::Error::Io(_))),
        "expected a connection error, got {result:?}"
    );
    let comments = sim.github().comments;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "made, answer lost");
    // The fault is spent: the next request is answered.
    assert_eq!(gh(&a, "GET", &url, None).status, 200);
}
