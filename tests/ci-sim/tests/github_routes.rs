//! The GitHub routes over real HTTP: shapes, status codes, validation,
//! pagination, authentication, read-only mode and rate-limit headers.

mod support;

use serde_json::{Value, json};
use support::{TOKEN, agent, gh, send};
use testrelay_ci_sim::Simulator;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn sim() -> Simulator {
    match Simulator::start() {
        Ok(sim) => sim,
        Err(e) => panic!("simulator did not start: {e}"),
    }
}

fn annotations(n: usize, offset: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "path": "src/lib.rs",
                "start_line": offset + i + 1,
                "end_line": offset + i + 1,
                "annotation_level": "failure",
                "message": format!("failure {}", offset + i),
            })
        })
        .collect()
}

#[test]
fn check_run_create_update_get_and_list() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let created = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/check-runs"),
        Some(&json!({
            "name": "testrelay",
            "head_sha": SHA,
            "status": "in_progress",
            "external_id": "run-key-1",
            "started_at": "2024-05-01T10:00:00Z",
            "output": {"title": "Running", "summary": "0 tests so far",
                       "annotations": annotations(50, 0)},
        })),
    );
    assert_eq!(created.status, 201);
    let run = created.json();
    assert_eq!(run["id"], 1);
    assert_eq!(run["name"], "testrelay");
    assert_eq!(run["head_sha"], SHA);
    assert_eq!(run["status"], "in_progress");
    assert_eq!(run["conclusion"], Value::Null);
    assert_eq!(run["external_id"], "run-key-1");
    assert_eq!(run["started_at"], "2024-05-01T10:00:00Z");
    assert_eq!(
        run["url"],
        format!("{base}/repos/acme/widgets/check-runs/1")
    );
    assert_eq!(run["html_url"], format!("{base}/acme/widgets/runs/1"));
    assert_eq!(run["output"]["title"], "Running");
    assert_eq!(run["output"]["annotations_count"], 50);
    assert_eq!(
        run["output"]["annotations_url"],
        format!("{base}/repos/acme/widgets/check-runs/1/annotations")
    );
    assert_eq!(run["check_suite"]["id"], 1);
    assert_eq!(run["pull_requests"], json!([]));

    let url = format!("{base}/repos/acme/widgets/check-runs/1");
    let updated = gh(
        &a,
        "PATCH",
        &url,
        Some(&json!({
            "conclusion": "failure",
            "completed_at": "2024-05-01T10:05:00Z",
            "output": {"title": "2 failed", "summary": "done", "text": "details",
                       "annotations": annotations(50, 50)},
        })),
    );
    assert_eq!(updated.status, 200);
    let run = updated.json();
    assert_eq!(run["status"], "completed");
    assert_eq!(run["conclusion"], "failure");
    assert_eq!(run["completed_at"], "2024-05-01T10:05:00Z");
    assert_eq!(run["output"]["annotations_count"], 100);
    assert_eq!(run["output"]["text"], "details");

    let fetched = gh(&a, "GET", &url, None);
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.json(), run);
    assert_eq!(gh(&a, "GET", &format!("{url}0"), None).status, 404);
    assert_eq!(
        gh(
            &a,
            "GET",
            &format!("{base}/repos/acme/other/check-runs/1"),
            None
        )
        .status,
        404
    );

    let page = gh(
        &a,
        "GET",
        &format!("{url}/annotations?per_page=100&page=1"),
        None,
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.json().as_array().map(Vec::len), Some(100));
    assert_eq!(page.json()[99]["message"], "failure 99");
    assert_eq!(page.header("link"), None);

    let state = sim.github();
    assert_eq!(state.check_runs.len(), 1);
    assert_eq!(state.check_runs[0].annotations.len(), 100);
    assert_eq!(state.check_runs[0].updates, 1);
    assert_eq!(state.check_runs[0].annotations[50].message, "failure 50");

    // A second run on the same commit, another name, then list.
    let second = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/check-runs"),
        Some(&json!({"name": "lint", "head_sha": SHA})),
    );
    assert_eq!(second.status, 201);
    assert_eq!(second.json()["status"], "queued");
    assert_eq!(second.json()["check_suite"]["id"], 1);
    let listed = gh(
        &a,
        "GET",
        &format!("{base}/repos/acme/widgets/commits/{SHA}/check-runs?check_name=testrelay"),
        None,
    );
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()["total_count"], 1);
    assert_eq!(listed.json()["check_runs"][0]["id"], 1);
    let all = gh(
        &a,
        "GET",
        &format!("{base}/repos/acme/widgets/commits/{SHA}/check-runs?per_page=1"),
        None,
    );
    assert_eq!(all.json()["total_count"], 2);
    assert_eq!(all.json()["check_runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(all.json()["check_runs"][0]["name"], "lint");
    let path = format!("/repos/acme/widgets/commits/{SHA}/check-runs");
    assert_eq!(
        all.header("link"),
        Some(
            format!(
                "<{base}{path}?per_page=1&page=2>; rel=\"next\", \
                 <{base}{path}?per_page=1&page=2>; rel=\"last\""
            )
            .as_str()
        )
    );
    let none = gh(
        &a,
        "GET",
        &format!("{base}/repos/acme/widgets/commits/ffff/check-runs"),
        None,
    );
    assert_eq!(none.json(), json!({"total_count": 0, "check_runs": []}));
}

#[test]
fn check_run_limits_are_enforced() {
    let sim = sim();
    let a = agent();
    let url = format!("{}/repos/o/r/check-runs", sim.url());
    let too_many = gh(
        &a,
        "POST",
        &url,
        Some(&json!({"name": "n", "head_sha": SHA,
                     "output": {"title": "t", "summary": "s", "annotations": annotations(51, 0)}})),
    );
    assert_eq!(too_many.status, 422);
    assert_eq!(
        too_many.json()["message"],
        "Invalid request.\n\nOnly 50 annotations are allowed per request; got 51."
    );
    let long = "x".repeat(65_536);
    let too_long = gh(
        &a,
        "POST",
        &url,
        Some(&json!({"name": "n", "head_sha": SHA, "output": {"title": "t", "summary": long}})),
    );
    assert_eq!(too_long.status, 422);
    assert!(
        too_long.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"output.summary\" is too long"))
    );
    let fits = "é".repeat(65_535);
    let ok = gh(
        &a,
        "POST",
        &url,
        Some(&json!({"name": "n", "head_sha": SHA, "output": {"title": "t", "summary": fits}})),
    );
    assert_eq!(ok.status, 201);
    let missing = gh(&a, "POST", &url, Some(&json!({"name": "n"})));
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.json()["message"],
        "Invalid request.\n\n\"head_sha\" wasn't supplied."
    );
    assert_eq!(
        missing.json()["documentation_url"],
        "https://docs.github.com/rest"
    );
    assert_eq!(sim.github().check_runs.len(), 1);
}

#[test]
fn commit_statuses() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let url = format!("{base}/repos/acme/widgets/statuses/{SHA}");
    let created = gh(
        &a,
        "POST",
        &url,
        Some(
            &json!({"state": "pending", "target_url": "https://ci.example/1",
                     "description": "d".repeat(140), "context": "testrelay"}),
        ),
    );
    assert_eq!(created.status, 201);
    let status = created.json();
    assert_eq!(status["id"], 1);
    assert_eq!(status["state"], "pending");
    assert_eq!(status["context"], "testrelay");
    assert_eq!(status["target_url"], "https://ci.example/1");
    assert_eq!(status["url"], url);
    assert_eq!(status["creator"]["login"], "github-actions[bot]");

    let too_long = gh(
        &a,
        "POST",
        &url,
        Some(&json!({"state": "success", "description": "d".repeat(141)})),
    );
    assert_eq!(too_long.status, 422);
    assert_eq!(too_long.json()["message"], "Validation Failed");
    assert_eq!(too_long.json()["errors"][0]["field"], "description");
    let bad_state = gh(&a, "POST", &url, Some(&json!({"state": "passed"})));
    assert_eq!(bad_state.status, 422);

    let second = gh(&a, "POST", &url, Some(&json!({"state": "success"})));
    assert_eq!(second.json()["context"], "default");
    let listed = gh(
        &a,
        "GET",
        &format!("{base}/repos/acme/widgets/commits/{SHA}/statuses"),
        None,
    );
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    let states: Vec<&str> = listed
        .as_array()
        .map(|l| l.iter().filter_map(|s| s["state"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(states, ["success", "pending"]);
    let kept = sim.github().statuses;
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].description.as_deref().map(str::len), Some(140));
}

#[test]
fn comments_paginate_250_with_link_headers() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let ids = sim.seed_github_comments("acme", "widgets", 7, 250, Some("<!-- testrelay -->"));
    assert_eq!(ids.len(), 250);
    let path = "/repos/acme/widgets/issues/7/comments";

    let first = gh(&a, "GET", &format!("{base}{path}?per_page=100"), None);
    assert_eq!(first.status, 200);
    assert_eq!(first.json().as_array().map(Vec::len), Some(100));
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "<{base}{path}?per_page=100&page=2>; rel=\"next\", \
                 <{base}{path}?per_page=100&page=3>; rel=\"last\""
            )
            .as_str()
        )
    );

    // Follow rel="next" to the end, as a client must.
    let mut url = format!("{base}{path}?per_page=100");
    let mut bodies = Vec::new();
    let mut pages = 0;
    loop {
        let page = gh(&a, "GET", &url, None);
        assert_eq!(page.status, 200);
        pages += 1;
        for c in page.json().as_array().into_iter().flatten() {
            bodies.push(c["body"].as_str().unwrap_or_default().to_owned());
        }
        let next = page.header("link").and_then(|link| {
            link.split(", ")
                .find(|part| part.ends_with("rel=\"next\""))
                .and_then(|part| part.split(['<', '>']).nth(1))
                .map(str::to_owned)
        });
        match next {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(bodies.len(), 250);
    assert_eq!(bodies[0], "Seeded comment 1 of 250.");
    assert!(bodies[249].starts_with("<!-- testrelay -->\n"));

    let last = gh(
        &a,
        "GET",
        &format!("{base}{path}?per_page=100&page=3"),
        None,
    );
    assert_eq!(
        last.header("link"),
        Some(
            format!(
                "<{base}{path}?per_page=100&page=2>; rel=\"prev\", \
                 <{base}{path}?per_page=100&page=1>; rel=\"first\""
            )
            .as_str()
        )
    );
    let default_page = gh(&a, "GET", &format!("{base}{path}"), None);
    assert_eq!(default_page.json().as_array().map(Vec::len), Some(30));
}

#[test]
fn comment_create_and_update() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let created = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/issues/12/comments"),
        Some(&json!({"body": "<!-- testrelay -->\n3 failed"})),
    );
    assert_eq!(created.status, 201);
    let c = created.json();
    assert_eq!(c["id"], 1);
    assert_eq!(
        c["url"],
        format!("{base}/repos/acme/widgets/issues/comments/1")
    );
    assert_eq!(
        c["html_url"],
        format!("{base}/acme/widgets/issues/12#issuecomment-1")
    );
    assert_eq!(
        c["issue_url"],
        format!("{base}/repos/acme/widgets/issues/12")
    );
    assert_eq!(c["user"]["login"], "github-actions[bot]");
    assert_eq!(c["user"]["type"], "Bot");

    let updated = gh(
        &a,
        "PATCH",
        &format!("{base}/repos/acme/widgets/issues/comments/1"),
        Some(&json!({"body": "<!-- testrelay -->\nall passed"})),
    );
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["body"], "<!-- testrelay -->\nall passed");
    let missing = gh(
        &a,
        "PATCH",
        &format!("{base}/repos/acme/widgets/issues/comments/99"),
        Some(&json!({"body": "x"})),
    );
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"})
    );
    let too_long = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/issues/12/comments"),
        Some(&json!({"body": "x".repeat(65_537)})),
    );
    assert_eq!(too_long.status, 422);
    let comments = sim.github().comments;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].updates, 1);
    assert_eq!(comments[0].body, "<!-- testrelay -->\nall passed");
}

#[test]
fn releases_and_assets() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    let tag_url = format!("{base}/repos/acme/widgets/releases/tags/testrelay-run-1");
    assert_eq!(gh(&a, "GET", &tag_url, None).status, 404);

    let created = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/releases"),
        Some(&json!({"tag_name": "testrelay-run-1", "name": "Test artifacts", "prerelease": true})),
    );
    assert_eq!(created.status, 201);
    let release = created.json();
    assert_eq!(release["id"], 1);
    assert_eq!(release["tag_name"], "testrelay-run-1");
    assert_eq!(release["prerelease"], true);
    assert_eq!(release["draft"], false);
    let upload_url = release["upload_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let uploads = sim.uploads_url();
    assert_ne!(uploads, base, "uploads have an address of their own");
    assert_eq!(
        upload_url,
        format!("{uploads}/repos/acme/widgets/releases/1/assets{{?name,label}}")
    );
    assert_eq!(
        created.header("location"),
        Some(format!("{base}/repos/acme/widgets/releases/1").as_str())
    );
    let duplicate = gh(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/releases"),
        Some(&json!({"tag_name": "testrelay-run-1"})),
    );
    assert_eq!(duplicate.status, 422);
    assert_eq!(duplicate.json()["errors"][0]["code"], "already_exists");

    // Expand the URI template as a client does.
    let target = upload_url.replace("{?name,label}", "?name=report.xml&label=JUnit%20report");
    let auth = format!("Bearer {TOKEN}");
    let upload = |content_type: &str| {
        let mut headers = vec![("authorization", auth.as_str())];
        if !content_type.is_empty() {
            headers.push(("content-type", content_type));
        }
        send(&a, "POST", &target, &headers, Some(b"<testsuites/>"))
    };
    let uploaded = upload("application/xml");
    assert_eq!(uploaded.status, 201);
    let asset = uploaded.json();
    assert_eq!(asset["id"], 2);
    assert_eq!(asset["name"], "report.xml");
    assert_eq!(asset["label"], "JUnit report");
    assert_eq!(asset["size"], 13);
    assert_eq!(asset["state"], "uploaded");
    assert_eq!(asset["content_type"], "application/xml");
    assert_eq!(
        asset["digest"],
        "sha256:14971007a6c99471a0dd7d408b2769fa55dfa8534c3d21e761a2d9f6f1ef7467"
    );
    assert_eq!(
        asset["browser_download_url"],
        format!("{base}/acme/widgets/releases/download/testrelay-run-1/report.xml")
    );
    let again = upload("application/xml");
    assert_eq!(again.status, 422);
    assert_eq!(
        again.json()["errors"],
        json!([{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}])
    );
    assert_eq!(upload("").status, 422);

    let by_tag = gh(&a, "GET", &tag_url, None);
    assert_eq!(by_tag.status, 200);
    assert_eq!(by_tag.json()["assets"][0]["name"], "report.xml");
    let asset_url = format!("{base}/repos/acme/widgets/releases/assets/2");
    assert_eq!(gh(&a, "GET", &asset_url, None).json()["size"], 13);
    let bytes = send(
        &a,
        "GET",
        &asset_url,
        &[
            ("authorization", auth.as_str()),
            ("accept", "application/octet-stream"),
        ],
        None,
    );
    assert_eq!(
        (bytes.status, bytes.body.as_slice()),
        (200, &b"<testsuites/>"[..])
    );
    assert_eq!(
        gh(
            &a,
            "GET",
            &format!("{base}/repos/acme/widgets/releases/assets/3"),
            None
        )
        .status,
        404
    );
    // The API address takes no uploads; the uploads address serves nothing else.
    let auth_only = [("authorization", auth.as_str())];
    let on_api = send(
        &a,
        "POST",
        &format!("{base}/repos/acme/widgets/releases/1/assets?name=y"),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "text/plain"),
        ],
        Some(b"y"),
    );
    assert_eq!(on_api.status, 404);
    let tag_on_uploads = format!("{uploads}/repos/acme/widgets/releases/tags/testrelay-run-1");
    assert_eq!(
        send(&a, "GET", &tag_on_uploads, &auth_only, None).status,
        404
    );
    let listed = gh(
        &a,
        "GET",
        &format!("{base}/repos/acme/widgets/releases/1/assets?per_page=100"),
        None,
    );
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()[0]["name"], "report.xml");
    assert_eq!(listed.json().as_array().map(Vec::len), Some(1));
    let missing_release = send(
        &a,
        "POST",
        &format!("{uploads}/repos/acme/widgets/releases/9/assets?name=x"),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "text/plain"),
        ],
        Some(b"x"),
    );
    assert_eq!(missing_release.status, 404);
    assert_eq!(sim.github().releases[0].assets[0].data, b"<testsuites/>");
}

#[test]
fn missing_or_wrong_token_gets_401() {
    let sim = sim();
    let a = agent();
    let url = format!("{}/repos/o/r/check-runs/1", sim.url());
    let expected = json!({
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    });
    let none = send(&a, "GET", &url, &[], None);
    assert_eq!((none.status, none.json()), (401, expected.clone()));
    assert!(none.header("x-ratelimit-remaining").is_some());
    sim.set_github_token(Some("the-right-one"));
    let wrong = gh(&a, "GET", &url, None);
    assert_eq!((wrong.status, wrong.json()), (401, expected));
    let right = send(
        &a,
        "GET",
        &url,
        &[("authorization", "token the-right-one")],
        None,
    );
    assert_eq!(right.status, 404);
}

#[test]
fn read_only_token_cannot_create_check_runs() {
    let sim = sim();
    let a = agent();
    let base = sim.url();
    sim.set_github_read_only(true);
    let denied = gh(
        &a,
        "POST",
        &format!("{base}/repos/o/r/check-runs"),
        Some(&json!({"name": "n", "head_sha": SHA})),
    );
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.json()["message"],
        "Resource not accessible by integration"
    );
    let status = gh(
        &a,
        "POST",
        &format!("{base}/repos/o/r/statuses/{SHA}"),
        Some(&json!({"state": "failure"})),
    );
    assert_eq!(status.status, 201);
    sim.set_github_read_only(false);
    let allowed = gh(
        &a,
        "POST",
        &format!("{base}/repos/o/r/check-runs"),
        Some(&json!({"name": "n", "head_sha": SHA})),
    );
    assert_eq!(allowed.status, 201);
}

#[test]
fn rate_limit_headers_on_every_response() {
    let sim = sim();
    let a = agent();
    let url = format!("{}/repos/o/r/releases/tags/none", sim.url());
    sim.set_rate_limit(3, 4_102_444_800);
    let first = gh(&a, "GET", &url, None);
    assert_eq!(first.status, 404);
    assert_eq!(first.header("x-ratelimit-remaining"), Some("2"));
    assert_eq!(first.header("x-ratelimit-reset"), Some("4102444800"));
    assert_eq!(first.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(first.header("x-ratelimit-used"), Some("4998"));
    assert_eq!(first.header("x-ratelimit-resource"), Some("core"));
    assert!(first.header("x-github-request-id").is_some());
    assert_eq!(
        gh(&a, "GET", &url, None).header("x-ratelimit-remaining"),
        Some("1")
    );
    assert_eq!(
        gh(&a, "GET", &url, None).header("x-ratelimit-remaining"),
        Some("0")
    );
    let limited = gh(&a, "GET", &url, None);
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert!(
        limited.json()["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("API rate limit exceeded"))
    );
    // A reset time already past refills the window on the next request.
    sim.set_rate_limit(0, 1);
    let refilled = gh(&a, "GET", &url, None);
    assert_eq!(refilled.status, 404);
    assert_eq!(refilled.header("x-ratelimit-remaining"), Some("4999"));
}
