#!/usr/bin/env python3
"""The ctest fixture around the CI simulator for the C GitLab test (c_gitlab).

  ci_sim_gitlab.py start STATE SIM_BINARY  start it (ci_sim.py start), then make
                                           its GitLab accept only our token
  ci_sim_gitlab.py check STATE             assert what the C GitLab test delivered
  ci_sim_gitlab.py stop STATE              shut it down (ci_sim.py stop)

Its own simulator, apart from the GitHub test's, so neither check sees the
other's requests.
"""
import hashlib
import json
import sys
import urllib.request

import ci_sim

# Keep in step with test_gitlab_sim.c.
TOKEN = "glpat-c-abi-token-5120"
PROJECT = "group/c-harness"
ARTIFACT_TEXT = b"frame 17: device lost after 3 submits\n"
MARKER = "<!-- testrelay:testrelay -->"

expect = ci_sim.expect


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def start(state, binary):
    ci_sim.start(state, binary)
    url = ci_sim.load(state)["url"]
    settings = post(url + "/_sim/gitlab/config", {"token": TOKEN})
    expect(settings.get("token_required") is True, "the simulator takes only our token", settings)
    return 0


def check(state):
    url = ci_sim.load(state)["url"]
    gl = ci_sim.get(url + "/_sim/gitlab/state")

    projects = gl["projects"]
    expect([p["path_with_namespace"] for p in projects] == [PROJECT], "one project", projects)
    project_id = projects[0]["id"]

    # The run is the commit status `testrelay`: created running, then moved
    # to its final state in place (one transition), on each run's commit.
    statuses = gl["statuses"]
    expect(all(s["name"] == "testrelay" for s in statuses), "only `testrelay` statuses", statuses)
    expect(all(s["project_id"] == project_id for s in statuses), "status project", statuses)
    by_sha = {}
    for s in statuses:
        by_sha.setdefault(s["sha"], []).append(s)
    expect(sorted(by_sha) == ["c0ffee01", "c0ffee02"], "a status on each commit", statuses)
    for sha, final in (("c0ffee01", "failed"), ("c0ffee02", "success")):
        ours = by_sha[sha]
        expect(len(ours) == 1, f"one status on {sha} (no retried duplicates)", ours)
        s = ours[0]
        expect(s["status"] == final, f"{sha} ended {final}", s)
        expect(not s["retried"], f"{sha} status is current", s)
        expect(s["updates"] == 1, f"{sha} went running -> {final} in place", s)
        expect(s["started_at"] and s["finished_at"], f"{sha} started and finished", s)
        expect(s["description"], f"{sha} has a description", s)
        expect(s["author"] == "testrelay-bot", f"{sha} author", s)
    expect("3" in by_sha["c0ffee01"][0]["description"], "red description counts the failures",
           by_sha["c0ffee01"][0])

    # One note on !7, created by the red run and edited in place by the green.
    mrs = gl["merge_requests"]
    expect([(m["project_id"], m["iid"]) for m in mrs] == [(project_id, 7)], "one merge request !7", mrs)
    notes = mrs[0]["notes"]
    expect(len(notes) == 1, "exactly one note", notes)
    note = notes[0]
    expect(MARKER in note["body"], "the note carries our marker", note)
    expect(note["author"] == "testrelay-bot" and not note["system"], "our own note", note)
    expect(note["updates"] == 1, "the green run edited the note in place", note)
    expect("## C harness: passed" in note["body"], "the note shows the green run", note)
    expect("| 40 | 40 | 0 | 0 | 0 | 0 |" in note["body"], "the note counts the green run's cases", note)
    expect("Compared with `c-gitlab-red`" in note["body"], "the note compares with the red run", note)

    # The red run's artifact, in the generic package testrelay/<run key>.
    packages = gl["packages"]
    expect([(p["name"], p["version"]) for p in packages] == [("testrelay", "c-gitlab-red")],
           "one generic package testrelay/c-gitlab-red (none for the run without artifacts)", packages)
    files = packages[0]["files"]
    expect([f["file_name"] for f in files] == ["gpu-trace.log"], "one package file", files)
    expect(files[0]["size"] == len(ARTIFACT_TEXT), "artifact size", files)
    expect(files[0]["file_sha256"] == hashlib.sha256(ARTIFACT_TEXT).hexdigest(), "artifact sha256", files)
    download = urllib.request.Request(
        url + "/api/v4/projects/group%2Fc-harness/packages/generic/testrelay/c-gitlab-red/gpu-trace.log",
        headers={"PRIVATE-TOKEN": TOKEN})
    with urllib.request.urlopen(download, timeout=30) as r:
        body = r.read()
    expect(body == ARTIFACT_TEXT, "the artifact downloads byte for byte", body.decode(errors="replace"))

    # Every request: our token as PRIVATE-TOKEN, nowhere else.
    requests = [r for r in ci_sim.get(url + "/_sim/requests") if r["path"].startswith("/api/v4/")]
    expect(requests, "requests were recorded", requests)
    for r in requests:
        headers = {k.lower(): v for k, v in r["headers"]}
        expect(headers.get("private-token") == TOKEN, "every request sends PRIVATE-TOKEN", r)
        expect("authorization" not in headers and "job-token" not in headers, "no other credential", r)
        expect(TOKEN not in r["path"] and all(TOKEN not in v for _, v in r["query"]), "no token in the URL", r)
    print(f"simulator saw {len(requests)} GitLab requests: ok")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "start" and len(sys.argv) == 4:
        sys.exit(start(sys.argv[2], sys.argv[3]))
    if command == "check" and len(sys.argv) == 3:
        sys.exit(check(sys.argv[2]))
    if command == "stop" and len(sys.argv) == 3:
        sys.exit(ci_sim.stop(sys.argv[2]))
    sys.exit(__doc__)
