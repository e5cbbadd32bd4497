//! The HTTP layer against the local CI simulator: retries, rate limits,
//! error mapping, pagination and redaction. Retry waits are recorded, not
//! slept, so no test depends on the clock.

use std::cell::RefCell;
use std::time::Duration;

use serde_json::json;
use testrelay::http::{Auth, Body, HttpClient};
use testrelay::{Config, ErrorKind, Secret};
use testrelay_ci_sim::{Fault, Simulator};

const TOKEN: &str = "ghp_http_layer_test_token_123";

thread_local! {
    static WAITS: RefCell<Vec<Duration>> = const { RefCell::new(Vec::new()) };
}

fn record_wait(d: Duration) {
    WAITS.with(|w| w.borrow_mut().push(d));
}

fn waits() -> Vec<Duration> {
    WAITS.with(|w| w.borrow_mut().drain(..).collect())
}

fn client(sim: &Simulator, token: &str) -> HttpClient {
    let config = Config {
        retry: testrelay::RetryPolicy {
            max_attempts: 6,
            initial_backoff_ms: 1,
            max_backoff_ms: 2,
            secondary_rate_limit_wait_secs: 60,
        },
        ..Config::default()
    };
    HttpClient::new(&sim.url(), Auth::Bearer(Secret::new(token)), &config)
        .unwrap()
        .with_header("accept", "application/vnd.github+json")
        .with_sleeper(record_wait)
}

fn status_body() -> serde_json::Value {
    json!({"state": "success", "context": "testrelay", "description": "ok"})
}

#[test]
fn retry_after_is_honoured() {
    let sim = Simulator::start().unwrap();
    sim.inject(Fault::status(429, r#"{"message":"slow down"}"#, &[("retry-after", "7")]).times(1));
    let c = client(&sim, TOKEN);
    let resp = c
        .send(
            "POST",
            "/repos/o/r/statuses/abc",
            Body::Json(&status_body()),
        )
        .unwrap();
    assert_eq!(resp.status, 201);
    assert_eq!(sim.requests().len(), 2);
    let w = waits();
    assert_eq!(w.len(), 1);
    assert!(w[0] >= Duration::from_secs(7), "{w:?}");
}

#[test]
fn five_bad_gateways_then_success() {
    let sim = Simulator::start().unwrap();
    sim.inject(Fault::status(502, "bad gateway", &[]).times(5));
    let resp = client(&sim, TOKEN)
        .send(
            "POST",
            "/repos/o/r/statuses/abc",
            Body::Json(&status_body()),
        )
        .unwrap();
    assert_eq!(resp.status, 201);
    assert_eq!(sim.requests().len(), 6);
    assert_eq!(waits().len(), 5);
    assert_eq!(sim.github().statuses.len(), 1, "posted once");
}

#[test]
fn retries_run_out_with_a_connection_error() {
    let sim = Simulator::start().unwrap();
    sim.inject(Fault::status(503, "down", &[]).times(10));
    let err = client(&sim, TOKEN)
        .send("GET", "/repos/o/r/commits/abc/statuses", Body::Empty)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    assert_eq!(sim.requests().len(), 6);
}

#[test]
fn bad_credentials_are_an_authentication_error_without_the_token() {
    let sim = Simulator::start().unwrap();
    sim.set_github_token(Some("the-right-token"));
    let err = client(&sim, TOKEN)
        .send(
            "POST",
            "/repos/o/r/statuses/abc",
            Body::Json(&status_body()),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Authentication);
    assert!(err.to_string().contains("Bad credentials"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(TOKEN));
    assert_eq!(sim.requests().len(), 1, "401 is not retried");
}

#[test]
fn validation_errors_carry_the_vendor_message() {
    let sim = Simulator::start().unwrap();
    let err = client(&sim, TOKEN)
        .send(
            "POST",
            "/repos/o/r/statuses/abc",
            Body::Json(&json!({"state": "sparkling"})),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("HTTP 422"), "{err}");
}

#[test]
fn dropped_connection_is_retried() {
    let sim = Simulator::start().unwrap();
    sim.inject(Fault::drop_connection().times(2));
    let resp = client(&sim, TOKEN)
        .send("GET", "/repos/o/r/commits/abc/statuses", Body::Empty)
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(waits().len(), 2);
}

#[test]
fn secondary_rate_limit_without_header_waits_a_minute() {
    let sim = Simulator::start().unwrap();
    sim.inject(
        Fault::status(
            403,
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}"#,
            &[],
        )
        .times(1),
    );
    let resp = client(&sim, TOKEN)
        .send(
            "POST",
            "/repos/o/r/statuses/abc",
            Body::Json(&status_body()),
        )
        .unwrap();
    assert_eq!(resp.status, 201);
    assert_eq!(waits(), vec![Duration::from_secs(60)]);
}

#[test]
fn a_plain_403_is_a_permission_error() {
    let sim = Simulator::start().unwrap();
    sim.inject(
        Fault::status(
            403,
            r#"{"message":"Resource not accessible by integration"}"#,
            &[],
        )
        .times(1),
    );
    let err = client(&sim, TOKEN)
        .send(
            "POST",
            "/repos/o/r/check-runs",
            Body::Json(&json!({"name": "x", "head_sha": "abc"})),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    assert!(err.to_string().contains("Resource not accessible"), "{err}");
    assert_eq!(sim.requests().len(), 1);
}

#[test]
fn pagination_follows_link_next() {
    let sim = Simulator::start().unwrap();
    sim.seed_github_comments("o", "r", 7, 250, None);
    let items = client(&sim, TOKEN)
        .get_all_pages("/repos/o/r/issues/7/comments?per_page=100")
        .unwrap();
    assert_eq!(items.len(), 250);
    assert_eq!(sim.requests().len(), 3);
    let first = sim.requests()[0].header("authorization").map(String::from);
    assert_eq!(first.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    assert!(
        sim.requests()[0]
            .header("user-agent")
            .unwrap()
            .starts_with("testrelay/")
    );
}

#[test]
fn non_http_urls_are_refused() {
    let err = HttpClient::new("ftp://x", Auth::None, &Config::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let err = HttpClient::new("https://user:pw@host", Auth::None, &Config::default())
        .map(|c| c.base_url())
        .unwrap();
    assert!(!err.contains("pw"), "{err}");
}

#[test]
fn a_file_body_is_streamed_again_on_each_attempt() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blob.bin");
    std::fs::write(&file, [7u8; 3000]).unwrap();
    let c = client(&sim, TOKEN);
    let release = c
        .send(
            "POST",
            "/repos/o/r/releases",
            Body::Json(&json!({"tag_name": "t"})),
        )
        .unwrap()
        .json()
        .unwrap();
    let upload = format!(
        "{}/repos/o/r/releases/{}/assets?name=blob.bin",
        sim.uploads_url(),
        release["id"]
    );
    sim.inject(Fault::status(502, "bad gateway", &[]).times(1));
    let resp = c
        .send(
            "POST",
            &upload,
            Body::File(&file, "application/octet-stream"),
        )
        .unwrap();
    assert_eq!(resp.status, 201);
    let requests = sim.requests();
    assert_eq!(requests.len(), 3, "one create, a failed and a good upload");
    for r in &requests[1..] {
        assert_eq!(r.header("content-length"), Some("3000"));
        assert_eq!(r.body, vec![7u8; 3000]);
    }
    // A file that cannot be opened fails at once, with its path, unsent.
    let missing = dir.path().join("gone.bin");
    let err = c
        .send(
            "POST",
            &upload,
            Body::File(&missing, "application/octet-stream"),
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("gone.bin"), "{err}");
    assert_eq!(sim.requests().len(), 3);
}

#[test]
fn no_wait_outlives_the_operations_deadline() {
    use testrelay::http::{Deadline, with_deadline};
    let sim = Simulator::start().unwrap();
    let deadline = || Deadline::within(Duration::from_secs(30));
    // A server asking for a day, a rate limit resetting in an hour, and a
    // backoff configured for a week: none is waited for.
    let in_an_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let reset = in_an_hour.to_string();
    let faults = [
        Fault::status(429, "{}", &[("retry-after", "86400")]),
        Fault::status(
            403,
            r#"{"message":"API rate limit exceeded"}"#,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", &reset),
            ],
        ),
    ];
    for fault in faults {
        sim.inject(fault.times(1));
        let c = client(&sim, TOKEN);
        let err = with_deadline(deadline(), || {
            c.send(
                "POST",
                "/repos/o/r/statuses/abc",
                Body::Json(&status_body()),
            )
        })
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(err.message().contains("deadline"), "{err}");
        assert!(!err.to_string().contains(TOKEN));
        assert_eq!(waits(), Vec::<Duration>::new(), "nothing was slept");
        sim.clear_faults();
    }
    let week = Config {
        retry: testrelay::RetryPolicy {
            initial_backoff_ms: 7 * 24 * 3_600_000,
            max_backoff_ms: 7 * 24 * 3_600_000,
            ..testrelay::RetryPolicy::default()
        },
        ..Config::default()
    };
    let slow = HttpClient::new(&sim.url(), Auth::Bearer(Secret::new(TOKEN)), &week)
        .unwrap()
        .with_sleeper(record_wait);
    sim.inject(Fault::status(502, "bad gateway", &[]).times(50));
    let mut timeouts = 0;
    // The jitter may pick a short wait now and then; most picks are long.
    for _ in 0..20 {
        if let Err(e) = with_deadline(deadline(), || {
            slow.send(
                "POST",
                "/repos/o/r/statuses/abc",
                Body::Json(&status_body()),
            )
        }) {
            if e.kind() == ErrorKind::Timeout {
                timeouts += 1;
            }
        }
    }
    assert!(timeouts > 0);
    assert!(waits().iter().all(|w| *w < Duration::from_secs(30)));
    // Without a deadline the server's wait is honoured as before.
    sim.clear_faults();
    sim.inject(Fault::status(429, "{}", &[("retry-after", "86400")]).times(1));
    let c = client(&sim, TOKEN);
    c.send(
        "POST",
        "/repos/o/r/statuses/abc",
        Body::Json(&status_body()),
    )
    .unwrap();
    assert_eq!(waits(), [Duration::from_secs(86400)]);
}

#[test]
fn a_spent_deadline_sends_nothing() {
    use testrelay::http::{Deadline, with_deadline};
    let sim = Simulator::start().unwrap();
    let c = client(&sim, TOKEN);
    let err = with_deadline(Deadline::within(Duration::ZERO), || {
        c.send("GET", "/repos/o/r/issues/1/comments", Body::Empty)
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(sim.requests().is_empty());
}
