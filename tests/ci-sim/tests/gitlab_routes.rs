//! The GitLab routes over real HTTP: authentication (access, bearer, job
//! and Basic tokens), projects by id and by path, commit statuses and their
//! transitions, merge request notes across pages, generic packages,
//! pagination and rate-limit headers, 429, the admin routes and the state
//! snapshot.

mod support;

use serde_json::{Value, json};
use support::{Resp, agent, send};
use testrelay_ci_sim::{Fault, SimOptions, Simulator};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const TOKEN: &str = "glpat-sim-test-token";
const JOB_TOKEN: &str = "glcbt-sim-job-token";

fn sim_with(options: SimOptions) -> Simulator {
    match Simulator::start_with(options) {
        Ok(sim) => sim,
        Err(e) => panic!("simulator did not start: {e}"),
    }
}

fn sim() -> Simulator {
    sim_with(SimOptions::default())
}

/// A request with `PRIVATE-TOKEN` and a JSON body.
fn gl(a: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Resp {
    let bytes = body.map(|b| b.to_string().into_bytes());
    send(
        a,
        method,
        url,
        &[("private-token", TOKEN)],
        bytes.as_deref(),
    )
}

/// A request with the given auth header and raw body.
fn with_auth(
    a: &ureq::Agent,
    method: &str,
    url: &str,
    auth: (&str, &str),
    body: Option<&[u8]>,
) -> Resp {
    send(a, method, url, &[auth], body)
}

fn api(sim: &Simulator, path: &str) -> String {
    format!("{}/api/v4/projects/{path}", sim.url())
}

fn header<'a>(resp: &'a Resp, name: &str) -> &'a str {
    resp.header(name).unwrap_or("<missing>")
}

#[test]
fn access_bearer_and_job_tokens() {
    let sim = sim_with(SimOptions {
        gitlab_token: Some(TOKEN.to_owned()),
        gitlab_job_token: Some(JOB_TOKEN.to_owned()),
        ..SimOptions::default()
    });
    let a = agent();
    let statuses = api(&sim, &format!("acme%2Fwidgets/statuses/{SHA}"));
    let body = br#"{"state":"running"}"#.as_slice();
    let unauthorized = json!({"message": "401 Unauthorized"});

    let private = with_auth(&a, "POST", &statuses, ("private-token", TOKEN), Some(body));
    assert_eq!(private.status, 201);
    let bearer_auth = format!("Bearer {TOKEN}");
    let bearer = with_auth(
        &a,
        "POST",
        &statuses,
        ("authorization", bearer_auth.as_str()),
        Some(br#"{"state":"success"}"#),
    );
    assert_eq!(bearer.status, 201);
    assert_eq!(bearer.json()["status"], "success");
    let query_token = send(
        &a,
        "GET",
        &format!(
            "{}?private_token={TOKEN}",
            api(
                &sim,
                &format!("acme%2Fwidgets/repository/commits/{SHA}/statuses")
            )
        ),
        &[],
        None,
    );
    assert_eq!(query_token.status, 200);

    // Wrong or missing tokens.
    let wrong = with_auth(&a, "POST", &statuses, ("private-token", "nope"), Some(body));
    assert_eq!((wrong.status, wrong.json()), (401, unauthorized.clone()));
    let missing = send(&a, "POST", &statuses, &[], Some(body));
    assert_eq!(
        (missing.status, missing.json()),
        (401, unauthorized.clone())
    );

    // A job token is not looked at on commit statuses or note writes: 401.
    let job = with_auth(&a, "POST", &statuses, ("job-token", JOB_TOKEN), Some(body));
    assert_eq!((job.status, job.json()), (401, unauthorized.clone()));
    let notes = api(&sim, "acme%2Fwidgets/merge_requests/3/notes");
    let job_note = with_auth(
        &a,
        "POST",
        &notes,
        ("job-token", JOB_TOKEN),
        Some(br#"{"body":"hi"}"#),
    );
    assert_eq!(
        (job_note.status, job_note.json()),
        (401, unauthorized.clone())
    );
    // ... but reading notes and publishing packages work with it.
    let job_read = with_auth(&a, "GET", &notes, ("job-token", JOB_TOKEN), None);
    assert_eq!(job_read.status, 200);
    let package = api(
        &sim,
        "acme%2Fwidgets/packages/generic/report/1.0.0/junit.xml",
    );
    let upload = with_auth(
        &a,
        "PUT",
        &package,
        ("job-token", JOB_TOKEN),
        Some(b"<testsuites/>"),
    );
    assert_eq!(
        (upload.status, upload.json()),
        (201, json!({"message": "201 Created"}))
    );
    let wrong_job = with_auth(&a, "PUT", &package, ("job-token", "nope"), Some(b"x"));
    assert_eq!(wrong_job.status, 401);
    // HTTP Basic on generic packages: gitlab-ci-token:<job token>.
    let basic = format!(
        "Basic {}",
        base64(format!("gitlab-ci-token:{JOB_TOKEN}").as_bytes())
    );
    let download = with_auth(&a, "GET", &package, ("authorization", basic.as_str()), None);
    assert_eq!(
        (download.status, download.body.as_slice()),
        (200, b"<testsuites/>".as_slice())
    );
    // No credentials on a package download: the private project is not found.
    let anonymous = send(&a, "GET", &package, &[], None);
    assert_eq!(
        (anonymous.status, anonymous.json()),
        (404, json!({"message": "404 Project Not Found"}))
    );

    // The tokens can be changed at run time.
    sim.set_gitlab_token(Some("other"));
    let old = with_auth(&a, "GET", &notes, ("private-token", TOKEN), None);
    assert_eq!(old.status, 401);
    sim.set_gitlab_token(None);
    sim.set_gitlab_job_token(None);
    let any = with_auth(&a, "GET", &notes, ("job-token", "anything"), None);
    assert_eq!(any.status, 200);
}

/// Standard base64, for Basic credentials.
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn project_by_id_and_by_path_is_the_same_project() {
    let sim = sim();
    let a = agent();
    assert_eq!(
        sim.seed_gitlab_project(Some(278_964), "acme/platform/widgets"),
        Ok(278_964)
    );
    let created = gl(
        &a,
        "POST",
        &api(&sim, &format!("acme%2Fplatform%2Fwidgets/statuses/{SHA}")),
        Some(&json!({"state": "pending", "name": "testrelay"})),
    );
    assert_eq!(created.status, 201);
    let by_id = gl(
        &a,
        "GET",
        &api(&sim, &format!("278964/repository/commits/{SHA}/statuses")),
        None,
    );
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()[0]["id"], created.json()["id"]);
    // Paths match case-insensitively.
    let upper = gl(
        &a,
        "GET",
        &api(
            &sim,
            &format!("ACME%2Fplatform%2FWidgets/repository/commits/{SHA}/statuses"),
        ),
        None,
    );
    assert_eq!(upper.json().as_array().map(Vec::len), Some(1));

    // Unknown projects are created on first use, with the next free id...
    gl(
        &a,
        "POST",
        &api(&sim, &format!("other%2Fproj/statuses/{SHA}")),
        Some(&json!({"state": "running"})),
    );
    let projects = sim.gitlab().projects;
    assert_eq!(projects.len(), 2);
    assert_eq!(projects[1].id, 278_965);
    assert_eq!(projects[1].path_with_namespace, "other/proj");
    // ... unless auto-creation is off.
    sim.set_gitlab_auto_create(false);
    let unknown = gl(
        &a,
        "GET",
        &api(
            &sim,
            &format!("nobody%2Fhere/repository/commits/{SHA}/statuses"),
        ),
        None,
    );
    assert_eq!(
        (unknown.status, unknown.json()),
        (404, json!({"message": "404 Project Not Found"}))
    );
    let unknown_id = gl(&a, "GET", &api(&sim, "999/packages"), None);
    assert_eq!(unknown_id.status, 404);
    // An unencoded path is no route at all.
    let raw = gl(
        &a,
        "POST",
        &api(&sim, &format!("acme/platform/widgets/statuses/{SHA}")),
        Some(&json!({"state": "running"})),
    );
    assert_eq!(
        (raw.status, raw.json()),
        (404, json!({"error": "404 Not Found"}))
    );
    assert_eq!(
        sim.seed_gitlab_project(Some(278_964), "someone/else").err(),
        Some("project id 278964 is \"acme/platform/widgets\"".to_owned())
    );
}

#[test]
fn commit_status_create_transition_and_list() {
    let sim = sim();
    let a = agent();
    let post_url = api(&sim, &format!("acme%2Fwidgets/statuses/{SHA}"));
    let list_url = api(
        &sim,
        &format!("acme%2Fwidgets/repository/commits/{SHA}/statuses"),
    );
    let post = |body: Value| gl(&a, "POST", &post_url, Some(&body));

    let pending = post(json!({
        "state": "pending", "name": "testrelay", "target_url": "https://ci.example/1",
        "description": "queued",
    }));
    assert_eq!(pending.status, 201);
    let s = pending.json();
    assert_eq!(s["status"], "pending");
    assert_eq!(s["name"], "testrelay");
    assert_eq!(s["sha"], SHA);
    assert_eq!(s["ref"], "main");
    assert_eq!(s["target_url"], "https://ci.example/1");
    assert_eq!(s["description"], "queued");
    assert_eq!(s["allow_failure"], false);
    assert_eq!(s["started_at"], Value::Null);
    assert_eq!(s["finished_at"], Value::Null);
    assert_eq!(s["coverage"], Value::Null);
    assert_eq!(s["author"]["username"], "testrelay-bot");
    assert!(
        s["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 24)
    );
    let id = s["id"].clone();
    let pipeline = s["pipeline_id"].clone();

    // Same name, same ref, same pipeline: the status is updated in place.
    let running = post(json!({"state": "running", "name": "testrelay"}));
    assert_eq!(running.status, 201);
    assert_eq!(running.json()["id"], id);
    assert_eq!(running.json()["status"], "running");
    assert!(running.json()["started_at"].is_string());
    assert_eq!(running.json()["description"], "queued");

    // The same state again is refused by GitLab's state machine.
    let again = post(json!({"state": "running", "name": "testrelay"}));
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json(),
        json!({"message": "Cannot transition status via :run from :running (Reason(s): Status cannot transition via \"run\")"})
    );
    let back = post(json!({"state": "pending", "name": "testrelay"}));
    assert_eq!(
        back.json()["message"],
        "Cannot transition status via :enqueue from :running (Reason(s): Status cannot transition via \"enqueue\")"
    );

    let done = post(json!({
        "state": "success", "name": "testrelay", "coverage": 87.5, "description": "120 passed",
        "pipeline_id": pipeline,
    }));
    assert_eq!(done.status, 201);
    let d = done.json();
    assert_eq!(
        (d["id"].clone(), d["status"].as_str()),
        (id.clone(), Some("success"))
    );
    assert_eq!(d["coverage"], 87.5);
    assert!(d["finished_at"].is_string());

    // A finished status is not updated: posting again makes a new one and
    // the old one is retried (hidden from the default list).
    let rerun = post(json!({"state": "success", "name": "testrelay"}));
    assert_eq!(rerun.status, 201);
    assert_ne!(rerun.json()["id"], id);
    assert_eq!(rerun.json()["pipeline_id"], pipeline);
    // Another name is another status; `context` is accepted as the name.
    post(json!({"state": "failed", "context": "lint"}));
    post(json!({"state": "canceled"}));

    let latest = gl(&a, "GET", &list_url, None);
    assert_eq!(latest.status, 200);
    let names: Vec<Value> = latest
        .json()
        .as_array()
        .map(|l| l.iter().map(|s| s["name"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        vec![json!("testrelay"), json!("lint"), json!("default")]
    );
    assert_eq!(header(&latest, "x-total"), "3");
    let all = gl(&a, "GET", &format!("{list_url}?all=true"), None);
    assert_eq!(all.json().as_array().map(Vec::len), Some(4));
    let by_name = gl(&a, "GET", &format!("{list_url}?name=lint"), None);
    assert_eq!(by_name.json()[0]["status"], "failed");
    let desc = gl(&a, "GET", &format!("{list_url}?sort=desc&per_page=1"), None);
    assert_eq!(desc.json()[0]["name"], "default");
    assert_eq!(header(&desc, "x-total-pages"), "3");
    assert_eq!(header(&desc, "x-next-page"), "2");
    let other_ref = gl(&a, "GET", &format!("{list_url}?ref=feature"), None);
    assert_eq!(other_ref.json(), json!([]));

    // Validation.
    let invalid = post(json!({"state": "done"}));
    assert_eq!(
        (invalid.status, invalid.json()),
        (400, json!({"error": "state does not have a valid value"}))
    );
    let missing = post(json!({"name": "x"}));
    assert_eq!(missing.json(), json!({"error": "state is missing"}));
    let no_pipeline = post(json!({"state": "running", "pipeline_id": 9999}));
    assert_eq!(
        (no_pipeline.status, no_pipeline.json()),
        (
            404,
            json!({"message": "404 Pipeline for pipeline_id, sha and ref Not Found"})
        )
    );
    let long_url = post(json!({"state": "running", "target_url": "x".repeat(256)}));
    assert_eq!(long_url.status, 400);
    assert_eq!(
        long_url.json()["message"]["target_url"][0],
        "is too long (maximum is 255 characters)"
    );
    // Form bodies and query parameters are parameters too.
    let form = send(
        &a,
        "POST",
        &format!("{post_url}?name=form"),
        &[
            ("private-token", TOKEN),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(b"state=skipped&description=not+run"),
    );
    assert_eq!(form.status, 201);
    assert_eq!(form.json()["name"], "form");
    assert_eq!(form.json()["description"], "not run");

    let state = sim.gitlab();
    assert_eq!(state.statuses.len(), 5);
    assert_eq!(state.statuses[0].updates, 2);
    assert!(state.statuses[0].retried);
    assert_eq!(state.pipelines.len(), 1);
    assert_eq!(state.pipelines[0].source, "external");
}

#[test]
fn statuses_join_a_seeded_pipeline_and_its_ref() {
    let sim = sim();
    let a = agent();
    assert_eq!(
        sim.seed_gitlab_pipeline("acme/widgets", SHA, "feature/x", Some(4321)),
        Ok(4321)
    );
    let url = api(&sim, &format!("acme%2Fwidgets/statuses/{SHA}"));
    let joined = gl(&a, "POST", &url, Some(&json!({"state": "running"})));
    assert_eq!(joined.json()["pipeline_id"], 4321);
    assert_eq!(joined.json()["ref"], "feature/x");
    let explicit = gl(
        &a,
        "POST",
        &url,
        Some(&json!({"state": "running", "name": "other", "pipeline_id": 4321})),
    );
    assert_eq!(explicit.json()["pipeline_id"], 4321);
    // Another ref gets a pipeline of its own.
    let main = gl(
        &a,
        "POST",
        &url,
        Some(&json!({"state": "running", "ref": "main"})),
    );
    assert_eq!(main.json()["pipeline_id"], 4322);
    let by_pipeline = gl(
        &a,
        "GET",
        &api(
            &sim,
            &format!("acme%2Fwidgets/repository/commits/{SHA}/statuses?pipeline_id=4321"),
        ),
        None,
    );
    assert_eq!(by_pipeline.json().as_array().map(Vec::len), Some(2));
}

fn note_ids(resp: &Resp) -> Vec<u64> {
    resp.json()
        .as_array()
        .map(|l| l.iter().filter_map(|n| n["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn notes_upsert_across_three_pages() {
    let sim = sim();
    let a = agent();
    sim.seed_gitlab_project(Some(42), "acme/widgets").ok();
    let ids = sim.seed_gitlab_notes("acme/widgets", 7, 45, Some("<!-- testrelay -->"));
    assert_eq!(ids.len(), 45);
    let base = api(&sim, "acme%2Fwidgets/merge_requests/7/notes");

    // Page by page, oldest first, as an upsert looking for its marker does.
    let page1 = gl(&a, "GET", &format!("{base}?sort=asc"), None);
    assert_eq!(page1.status, 200);
    assert_eq!(note_ids(&page1), ids[..20].to_vec());
    assert_eq!(header(&page1, "x-page"), "1");
    assert_eq!(header(&page1, "x-per-page"), "20");
    assert_eq!(header(&page1, "x-next-page"), "2");
    assert_eq!(header(&page1, "x-prev-page"), "");
    assert_eq!(header(&page1, "x-total"), "45");
    assert_eq!(header(&page1, "x-total-pages"), "3");
    let url = sim.url();
    let link = |n: u32| {
        format!(
            "<{url}/api/v4/projects/acme%2Fwidgets/merge_requests/7/notes?activity_filter=all_notes&id=acme%2Fwidgets&noteable_id=7&order_by=created_at&page={n}&per_page=20&sort=asc>"
        )
    };
    assert_eq!(
        header(&page1, "link"),
        format!(
            "{}; rel=\"next\", {}; rel=\"first\", {}; rel=\"last\"",
            link(2),
            link(1),
            link(3)
        )
    );
    let page2 = gl(&a, "GET", &format!("{base}?sort=asc&page=2"), None);
    assert_eq!(note_ids(&page2), ids[20..40].to_vec());
    assert_eq!(header(&page2, "x-prev-page"), "1");
    assert_eq!(header(&page2, "x-next-page"), "3");
    assert_eq!(
        header(&page2, "link"),
        format!(
            "{}; rel=\"prev\", {}; rel=\"next\", {}; rel=\"first\", {}; rel=\"last\"",
            link(1),
            link(3),
            link(1),
            link(3)
        )
    );
    let page3 = gl(&a, "GET", &format!("{base}?sort=asc&page=3"), None);
    assert_eq!(note_ids(&page3), ids[40..].to_vec());
    assert_eq!(header(&page3, "x-next-page"), "");
    let notes = page3.json();
    let ours = &notes[4];
    assert!(
        ours["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("<!-- testrelay -->"))
    );
    assert_eq!(ours["author"]["username"], "testrelay-bot");
    assert_eq!(notes[0]["author"]["username"], "jdoe");
    assert_eq!(ours["noteable_type"], "MergeRequest");
    assert_eq!(ours["noteable_iid"], 7);
    assert_eq!(ours["project_id"], 42);
    assert_eq!(ours["system"], false);

    // Found: edit it in place.
    let note_url = format!("{base}/{}", ids[44]);
    let edited = gl(
        &a,
        "PUT",
        &note_url,
        Some(&json!({"body": "<!-- testrelay -->\nall green"})),
    );
    assert_eq!(edited.status, 200);
    assert_eq!(edited.json()["body"], "<!-- testrelay -->\nall green");
    let fetched = gl(&a, "GET", &note_url, None);
    assert_eq!(fetched.json()["body"], "<!-- testrelay -->\nall green");
    assert_eq!(fetched.json()["id"], ids[44]);

    // Default order: newest first (the edit does not move it).
    let newest = gl(&a, "GET", &format!("{base}?per_page=1"), None);
    assert_eq!(note_ids(&newest), vec![ids[44]]);
    let by_update = gl(
        &a,
        "GET",
        &format!("{base}?order_by=updated_at&per_page=100"),
        None,
    );
    assert_eq!(note_ids(&by_update)[0], ids[44]);
    assert_eq!(header(&by_update, "x-per-page"), "100");

    // Someone else's note cannot be edited; unknown notes are not found.
    let theirs = gl(
        &a,
        "PUT",
        &format!("{base}/{}", ids[0]),
        Some(&json!({"body": "mine"})),
    );
    assert_eq!(
        (theirs.status, theirs.json()),
        (403, json!({"message": "403 Forbidden"}))
    );
    let unknown = gl(&a, "GET", &format!("{base}/999999"), None);
    assert_eq!(
        (unknown.status, unknown.json()),
        (404, json!({"message": "404 Not found"}))
    );
    let empty = gl(&a, "PUT", &note_url, Some(&json!({"body": ""})));
    assert_eq!(empty.json(), json!({"error": "body is empty"}));

    let state = sim.gitlab();
    let mr = &state.merge_requests[0];
    assert_eq!((mr.iid, mr.project_id, mr.notes.len()), (7, 42, 45));
    assert_eq!(mr.notes[44].updates, 1);
    assert_eq!(mr.notes[44].body, "<!-- testrelay -->\nall green");
}

#[test]
fn note_create_limits_and_fork_merge_requests() {
    let sim = sim();
    let a = agent();
    sim.seed_gitlab_project(Some(10), "upstream/app").ok();
    sim.seed_gitlab_project(Some(20), "contributor/app").ok();
    assert_eq!(
        sim.seed_gitlab_merge_request("upstream/app", 5, Some("contributor/app")),
        Ok(1)
    );
    let target = api(&sim, "10/merge_requests/5/notes");
    let created = gl(
        &a,
        "POST",
        &target,
        Some(&json!({"body": "## Test results"})),
    );
    assert_eq!(created.status, 201);
    let n = created.json();
    assert_eq!(n["body"], "## Test results");
    assert_eq!(n["noteable_id"], 1);
    assert_eq!(n["noteable_iid"], 5);
    assert_eq!(n["project_id"], 10);
    assert_eq!(n["author"]["username"], "testrelay-bot");
    assert_eq!(n["created_at"], n["updated_at"]);
    let mr = gl(
        &a,
        "GET",
        &api(&sim, "upstream%2Fapp/merge_requests/5"),
        None,
    );
    assert_eq!(mr.json()["source_project_id"], 20);
    assert_eq!(mr.json()["target_project_id"], 10);
    assert_eq!(mr.json()["user_notes_count"], 1);

    // The merge request lives in the target project: the source project
    // does not know its IID.
    let wrong = gl(
        &a,
        "POST",
        &api(&sim, "20/merge_requests/5/notes"),
        Some(&json!({"body": "## Test results"})),
    );
    assert_eq!(
        (wrong.status, wrong.json()),
        (404, json!({"message": "404 Not found"}))
    );

    // Body limits.
    let at_limit = "é".repeat(1_000_000);
    let ok = gl(&a, "POST", &target, Some(&json!({"body": at_limit})));
    assert_eq!(ok.status, 201);
    let over = gl(
        &a,
        "POST",
        &target,
        Some(&json!({"body": "x".repeat(1_000_001)})),
    );
    assert_eq!(over.status, 400);
    assert_eq!(
        over.json(),
        json!({"message": "400 Bad request - Note {:note=>[\"is too long (maximum is 1000000 characters)\"]}"})
    );
    let blank = gl(&a, "POST", &target, Some(&json!({"body": "  "})));
    assert_eq!(
        blank.json(),
        json!({"message": "400 Bad request - Note {:note=>[\"can't be blank\"]}"})
    );
    let missing = gl(&a, "POST", &target, Some(&json!({})));
    assert_eq!(missing.json(), json!({"error": "body is missing"}));
    let bad_iid = gl(&a, "GET", &api(&sim, "10/merge_requests/x/notes"), None);
    assert_eq!(bad_iid.json(), json!({"error": "noteable_id is invalid"}));

    // Read-only: writes are forbidden, reads are not.
    sim.set_gitlab_read_only(true);
    let denied = gl(&a, "POST", &target, Some(&json!({"body": "x"})));
    assert_eq!(
        (denied.status, denied.json()),
        (403, json!({"message": "403 Forbidden"}))
    );
    assert_eq!(gl(&a, "GET", &target, None).status, 200);

    // Without auto-creation an unknown merge request is not found.
    sim.set_gitlab_auto_create(false);
    let unknown = gl(&a, "GET", &api(&sim, "10/merge_requests/6/notes"), None);
    assert_eq!(unknown.json(), json!({"message": "404 Not found"}));
    assert_eq!(sim.gitlab().merge_requests[0].notes.len(), 2);
}

#[test]
fn generic_packages_upload_download_and_list() {
    let sim = sim();
    let a = agent();
    sim.seed_gitlab_project(Some(7), "acme/widgets").ok();
    let file = api(
        &sim,
        "acme%2Fwidgets/packages/generic/test-report/1.2.0/report.json",
    );
    let content = br#"{"passed":120,"failed":0}"#;
    let detail = send(
        &a,
        "PUT",
        &format!("{file}?select=package_file"),
        &[
            ("private-token", TOKEN),
            ("content-type", "application/octet-stream"),
        ],
        Some(content),
    );
    assert_eq!(detail.status, 200);
    let f = detail.json();
    // sha256sum of the content.
    let digest = "170778787e2abcad056bc270ee340f76f7c1b81a4960bb8c41a674e9958e0724";
    assert_eq!(f["file_sha256"], digest);
    assert_eq!(f["file_name"], "report.json");
    assert_eq!(f["size"], content.len());
    assert_eq!(f["package_id"], 1);
    assert_eq!(f["file_md5"], Value::Null);

    // The same name again is allowed by default; the download is the newest.
    let plain = send(
        &a,
        "PUT",
        &file,
        &[
            ("private-token", TOKEN),
            ("content-type", "application/octet-stream"),
        ],
        Some(b"{\"passed\":121}"),
    );
    assert_eq!(
        (plain.status, plain.json()),
        (201, json!({"message": "201 Created"}))
    );
    let got = gl(&a, "GET", &file, None);
    assert_eq!(got.status, 200);
    assert_eq!(got.body, b"{\"passed\":121}");
    assert_eq!(header(&got, "content-type"), "application/octet-stream");
    assert_eq!(
        header(&got, "x-checksum-sha256"),
        sim.gitlab().packages[0].files[1].file_sha256
    );
    assert!(
        header(&got, "content-disposition").starts_with("attachment; filename=\"report.json\"")
    );

    // A file in a directory of the package.
    let nested = send(
        &a,
        "PUT",
        &api(&sim, "7/packages/generic/test-report/1.2.0/logs/run-1.log"),
        &[("private-token", TOKEN)],
        Some(b"log"),
    );
    assert_eq!(nested.status, 201);
    // Another version is another package.
    send(
        &a,
        "PUT",
        &api(&sim, "7/packages/generic/test-report/1.3.0/report.json"),
        &[("private-token", TOKEN)],
        Some(b"{}"),
    );

    let list = gl(
        &a,
        "GET",
        &api(&sim, "7/packages?package_type=generic&package_name=report"),
        None,
    );
    assert_eq!(list.status, 200);
    let packages = list.json();
    assert_eq!(packages.as_array().map(Vec::len), Some(2));
    assert_eq!(packages[0]["name"], "test-report");
    assert_eq!(packages[0]["version"], "1.2.0");
    assert_eq!(packages[0]["package_type"], "generic");
    assert_eq!(packages[0]["status"], "default");
    assert_eq!(
        packages[0]["_links"]["web_path"],
        "/acme/widgets/-/packages/1"
    );
    let versions = gl(
        &a,
        "GET",
        &api(&sim, "7/packages?package_version=1.3.0"),
        None,
    );
    assert_eq!(versions.json()[0]["id"], 2);
    let one = gl(&a, "GET", &api(&sim, "7/packages/2"), None);
    assert_eq!(one.json()["version"], "1.3.0");

    let files = gl(
        &a,
        "GET",
        &api(&sim, "7/packages/1/package_files?per_page=2"),
        None,
    );
    assert_eq!(files.status, 200);
    let listed = files.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
    assert_eq!(listed[0]["file_sha256"], digest);
    assert_eq!(listed[0]["size"], content.len());
    assert_eq!(header(&files, "x-total"), "3");
    assert_eq!(header(&files, "x-total-pages"), "2");
    let page2 = gl(
        &a,
        "GET",
        &api(&sim, "7/packages/1/package_files?per_page=2&page=2"),
        None,
    );
    assert_eq!(page2.json()[0]["file_name"], "logs%2Frun-1.log");
    let missing_package = gl(&a, "GET", &api(&sim, "7/packages/99/package_files"), None);
    assert_eq!(
        (missing_package.status, missing_package.json()),
        (404, json!({"message": "404 Not found"}))
    );
    let missing_file = gl(
        &a,
        "GET",
        &api(&sim, "7/packages/generic/test-report/1.2.0/nothing.txt"),
        None,
    );
    assert_eq!(missing_file.status, 404);

    // Names and versions are checked as GitLab does.
    let bad = send(
        &a,
        "PUT",
        &api(&sim, "7/packages/generic/test-report/1..2/report.json"),
        &[("private-token", TOKEN)],
        Some(b"x"),
    );
    assert_eq!(
        (bad.status, bad.json()),
        (400, json!({"error": "package_version is invalid"}))
    );
    let bad_name = send(
        &a,
        "PUT",
        &api(&sim, "7/packages/generic/test%20report/1.0/report.json"),
        &[("private-token", TOKEN)],
        Some(b"x"),
    );
    assert_eq!(bad_name.json(), json!({"error": "package_name is invalid"}));

    // Duplicates can be refused.
    sim.set_gitlab_allow_duplicates(false);
    let duplicate = send(&a, "PUT", &file, &[("private-token", TOKEN)], Some(b"x"));
    assert_eq!(
        (duplicate.status, duplicate.json()),
        (
            400,
            json!({"message": "400 Bad request - Duplicate package is not allowed"})
        )
    );
    let new_name = send(
        &a,
        "PUT",
        &api(&sim, "7/packages/generic/test-report/1.2.0/other.json"),
        &[("private-token", TOKEN)],
        Some(b"x"),
    );
    assert_eq!(new_name.status, 201);

    let state = sim.gitlab();
    assert_eq!(state.packages.len(), 2);
    let files: Vec<(&str, u64)> = state.packages[0]
        .files
        .iter()
        .map(|f| (f.file_name.as_str(), f.size))
        .collect();
    assert_eq!(
        files,
        vec![
            ("report.json", content.len() as u64),
            ("report.json", 14),
            ("logs%2Frun-1.log", 3),
            ("other.json", 1),
        ]
    );
    assert_eq!(state.packages[0].files[0].file_sha256, digest);
}

#[test]
fn rate_limit_headers_and_429() {
    let sim = sim();
    let a = agent();
    let url = api(&sim, "acme%2Fwidgets/packages");
    let first = gl(&a, "GET", &url, None);
    assert_eq!(header(&first, "ratelimit-limit"), "2000");
    assert_eq!(header(&first, "ratelimit-observed"), "1");
    assert_eq!(header(&first, "ratelimit-remaining"), "1999");
    assert_eq!(
        header(&first, "ratelimit-name"),
        "throttle_authenticated_api"
    );
    let reset: u64 = header(&first, "ratelimit-reset").parse().unwrap_or(0);
    assert!(reset > 1_700_000_000, "{reset}");
    // Every answer carries them: errors, unknown routes, faults.
    let unauthorized = send(&a, "GET", &url, &[("private-token", "")], None);
    assert_eq!(unauthorized.status, 401);
    assert_eq!(header(&unauthorized, "ratelimit-observed"), "2");
    let no_route = gl(&a, "GET", &api(&sim, "1/nothing"), None);
    assert_eq!(no_route.json(), json!({"error": "404 Not Found"}));
    assert_eq!(header(&no_route, "ratelimit-remaining"), "1997");
    sim.inject(Fault::status(502, "bad gateway", &[]).path_prefix("/api/v4/"));
    let faulted = gl(&a, "GET", &url, None);
    assert_eq!(faulted.status, 502);
    assert!(faulted.header("ratelimit-limit").is_some());
    assert!(faulted.header("x-request-id").is_some());

    let reset_at = now() + 40;
    sim.set_gitlab_rate_limit(1, reset_at);
    let last = gl(&a, "GET", &url, None);
    assert_eq!(last.status, 200);
    assert_eq!(header(&last, "ratelimit-remaining"), "0");
    let limited = gl(&a, "GET", &url, None);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body, b"Retry later\n");
    assert!(header(&limited, "content-type").starts_with("text/plain"));
    let retry: u64 = header(&limited, "retry-after").parse().unwrap_or(0);
    assert!((1..=40).contains(&retry), "{retry}");
    assert_eq!(header(&limited, "ratelimit-remaining"), "0");
    assert_eq!(header(&limited, "ratelimit-reset"), reset_at.to_string());
    assert!(header(&limited, "ratelimit-resettime").ends_with(" GMT"));
    // Throttled before authentication, and nothing is done.
    let throttled_write = send(
        &a,
        "POST",
        &api(&sim, &format!("acme%2Fwidgets/statuses/{SHA}")),
        &[],
        Some(br#"{"state":"running"}"#),
    );
    assert_eq!(throttled_write.status, 429);
    assert!(sim.gitlab().statuses.is_empty());
    // GitHub has a window of its own.
    let github = send(
        &a,
        "GET",
        &format!("{}/repos/o/r/commits/s/statuses", sim.url()),
        &[("authorization", "Bearer t")],
        None,
    );
    assert_eq!(github.status, 200);

    // A window whose reset has passed refills.
    sim.set_gitlab_rate_limit(0, now().saturating_sub(1));
    let refilled = gl(&a, "GET", &url, None);
    assert_eq!(refilled.status, 200);
    assert_eq!(header(&refilled, "ratelimit-remaining"), "1999");
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn post_json(a: &ureq::Agent, url: &str, body: &Value) -> Resp {
    send(a, "POST", url, &[], Some(body.to_string().as_bytes()))
}

#[test]
fn admin_routes_and_state_snapshot() {
    let sim = sim();
    let a = agent();
    let admin = |route: &str| format!("{}/_sim/gitlab/{route}", sim.url());

    let project = post_json(
        &a,
        &admin("seed-project"),
        &json!({"path": "acme/widgets", "id": 99, "default_branch": "trunk"}),
    );
    assert_eq!(
        (project.status, project.json()),
        (
            201,
            json!({"id": 99, "path_with_namespace": "acme/widgets", "default_branch": "trunk"})
        )
    );
    let again = post_json(&a, &admin("seed-project"), &json!({"path": "acme/widgets"}));
    assert_eq!(again.json()["id"], 99);
    let taken = post_json(
        &a,
        &admin("seed-project"),
        &json!({"path": "acme/other", "id": 99}),
    );
    assert_eq!(taken.status, 409);
    let not_a_path = post_json(&a, &admin("seed-project"), &json!({"path": "widgets"}));
    assert_eq!(not_a_path.status, 400);

    let fork = post_json(
        &a,
        &admin("seed-merge-request"),
        &json!({"project": 99, "iid": 12, "source_project": "someone/widgets",
                "source_branch": "fix", "sha": SHA}),
    );
    assert_eq!(fork.status, 201);
    assert_eq!(fork.json()["target_project_id"], 99);
    assert_eq!(fork.json()["source_project_id"], 100);
    let dup = post_json(
        &a,
        &admin("seed-merge-request"),
        &json!({"project": "acme/widgets", "iid": 12}),
    );
    assert_eq!(dup.status, 409);

    let seeded = post_json(
        &a,
        &admin("seed-notes"),
        &json!({"project": "99", "merge_request_iid": 12, "count": 3, "with_marker": "<!-- m -->"}),
    );
    assert_eq!(
        (seeded.status, seeded.json()),
        (201, json!({"ids": [1, 2, 3]}))
    );
    let too_many = post_json(
        &a,
        &admin("seed-notes"),
        &json!({"project": 99, "merge_request_iid": 12, "count": 10_001}),
    );
    assert_eq!(too_many.status, 400);

    let pipeline = post_json(
        &a,
        &admin("seed-pipeline"),
        &json!({"project": "acme/widgets", "sha": SHA, "ref": "trunk", "id": 555}),
    );
    assert_eq!(
        pipeline.json(),
        json!({"id": 555, "project_id": 99, "sha": SHA, "ref": "trunk"})
    );

    let config = post_json(
        &a,
        &admin("config"),
        &json!({"token": "only-this", "job_token": "job-only", "read_only": false,
                "allow_duplicates": false, "auto_create": false,
                "rate_limit": {"remaining": 10, "reset": 4_102_444_800u64}}),
    );
    assert_eq!(
        config.json(),
        json!({"token_required": true, "job_token_required": true, "read_only": false,
               "allow_duplicates": false, "auto_create": false})
    );
    let notes = api(&sim, "99/merge_requests/12/notes");
    let refused = gl(&a, "GET", &notes, None);
    assert_eq!(refused.status, 401);
    assert_eq!(header(&refused, "ratelimit-remaining"), "9");
    let allowed = with_auth(&a, "GET", &notes, ("private-token", "only-this"), None);
    assert_eq!(allowed.json().as_array().map(Vec::len), Some(3));
    let job = with_auth(&a, "GET", &notes, ("job-token", "job-only"), None);
    assert_eq!(job.status, 200);
    let bad = post_json(&a, &admin("config"), &json!({"colour": 1}));
    assert_eq!(bad.status, 400);
    let bad_token = post_json(&a, &admin("config"), &json!({"token": ""}));
    assert_eq!(bad_token.status, 400);
    let unknown = post_json(&a, &admin("nothing"), &json!({}));
    assert_eq!(unknown.status, 404);

    // A status through the pipeline, then the snapshot both ways.
    let status = with_auth(
        &a,
        "POST",
        &api(&sim, &format!("acme%2Fwidgets/statuses/{SHA}")),
        ("private-token", "only-this"),
        Some(br#"{"state":"running","name":"testrelay"}"#),
    );
    assert_eq!(status.json()["pipeline_id"], 555);
    assert_eq!(status.json()["ref"], "trunk");

    let over_http = send(&a, "GET", &admin("state"), &[], None);
    assert_eq!(over_http.status, 200);
    let state = over_http.json();
    let snapshot = sim.gitlab();
    assert_eq!(state, serde_json::to_value(&snapshot).unwrap_or_default());
    assert_eq!(
        state["projects"][1]["path_with_namespace"],
        "someone/widgets"
    );
    assert_eq!(
        state["merge_requests"][0]["notes"][2]["author"],
        "testrelay-bot"
    );
    assert_eq!(state["pipelines"][0]["source"], "seeded");
    assert_eq!(state["statuses"][0]["ref"], "trunk");
    assert_eq!(state["statuses"][0]["status"], "running");
    assert_eq!(snapshot.merge_requests[0].source_project_id, 100);
    // GitHub's state is its own.
    let github = send(
        &a,
        "GET",
        &format!("{}/_sim/github/state", sim.url()),
        &[],
        None,
    );
    assert_eq!(github.json()["comments"], json!([]));
    // Admin requests are not recorded; API requests are, GitLab's included.
    let recorded = sim.requests();
    assert_eq!(recorded.len(), 4);
    assert_eq!(recorded[0].header("private-token"), Some(TOKEN));
}
