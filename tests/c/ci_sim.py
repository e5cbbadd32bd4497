#!/usr/bin/env python3
"""The ctest fixture around the CI simulator binary (testrelay-ci-sim).

  ci_sim.py start STATE SIM_BINARY  start it detached; write {"pid", "url"} to STATE
  ci_sim.py check STATE             assert what the C GitHub test delivered
  ci_sim.py stop STATE              shut it down (POST /_sim/shutdown, else kill)
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

TOKEN = "ghs_c_abi_token_9931"


def start(state, binary):
    log = state + ".log"
    with open(log, "w") as out:
        proc = subprocess.Popen([binary], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log) as f:
            first = f.readline()
        if first.startswith("listening on "):
            url = first.split("listening on ", 1)[1].strip()
            with open(state, "w") as f:
                json.dump({"pid": proc.pid, "url": url}, f)
            print(f"simulator {proc.pid} at {url}")
            return 0
        if proc.poll() is not None:
            sys.exit(f"simulator exited with {proc.returncode}: {open(log).read()}")
        time.sleep(0.05)
    proc.kill()
    sys.exit("simulator printed no 'listening on' line within 60 s")


def load(state):
    with open(state) as f:
        return json.load(f)


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def expect(cond, what, data):
    if not cond:
        sys.exit(f"check failed: {what}\n{json.dumps(data, indent=1)[:4000]}")


def check(state):
    url = load(state)["url"]
    gh = get(url + "/_sim/github/state")
    runs = gh["check_runs"]
    expect(len(runs) == 1, "exactly one check run", runs)
    run = runs[0]
    expect((run["owner"], run["repo"]) == ("octo", "c-harness"), "repository", run)
    expect(run["head_sha"] == "c0ffee", "head sha", run)
    expect(run["external_id"] == "c-github", "external_id is the run key", run)
    expect(run["status"] == "completed" and run["conclusion"] == "failure", "conclusion", run)
    notes = run["annotations"]
    expect(len(notes) == 3, "one annotation per failure", notes)
    expect(all(a["path"] == "src/buffers.c" for a in notes), "annotation paths", notes)
    expect(sorted(a["start_line"] for a in notes) == [15, 85, 155], "annotation lines", notes)
    statuses = gh["statuses"]
    expect([s["state"] for s in statuses][-1:] == ["failure"], "final status", statuses)
    expect(all(s["sha"] == "c0ffee" for s in statuses), "status sha", statuses)
    comments = gh["comments"]
    expect(len(comments) == 1 and comments[0]["issue"] == 7, "one PR comment", comments)
    expect("<!-- testrelay" in comments[0]["body"], "comment marker", comments)
    requests = get(url + "/_sim/requests")
    expect(requests, "requests were recorded", requests)
    # The same simulator serves the other vendors' C tests (c_azure,
    # c_bitbucket), each with its own token: only GitHub's requests count.
    for r in (r for r in requests if r["path"].startswith("/repos/")):
        auth = [v for k, v in r["headers"] if k.lower() == "authorization"]
        expect(auth and TOKEN in auth[0], "every request carries the token", r)
    print(f"simulator saw {len(requests)} requests: ok")
    return 0


def stop(state):
    try:
        info = load(state)
    except FileNotFoundError:
        return 0
    try:
        req = urllib.request.Request(info["url"] + "/_sim/shutdown", method="POST")
        urllib.request.urlopen(req, timeout=10).read()
    except OSError:
        pass
    for _ in range(100):
        try:
            os.kill(info["pid"], 0)
        except ProcessLookupError:
            return 0
        time.sleep(0.05)
    os.kill(info["pid"], signal.SIGKILL)
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "start" and len(sys.argv) == 4:
        sys.exit(start(sys.argv[2], sys.argv[3]))
    if command == "check" and len(sys.argv) == 3:
        sys.exit(check(sys.argv[2]))
    if command == "stop" and len(sys.argv) == 3:
        sys.exit(stop(sys.argv[2]))
    sys.exit(__doc__)
