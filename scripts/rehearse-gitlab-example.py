#!/usr/bin/env python3
"""Runs the testrelay command lines of examples/ci/gitlab-ci.yml the way its
jobs would, against the CI simulator's GitLab, and checks what GitLab got.

  rehearse-gitlab-example.py EXAMPLE TESTRELAY_BINARY SIMULATOR_BINARY

For each job with a `testrelay ...` line (after extends and !reference are
resolved), in a scratch project directory with GitLab CI's variables of a
merge request pipeline (the API at the simulator, GITLAB_TOKEN):
  - the job's before_script lines that write testrelay's configuration run
    as written;
  - each `testrelay ...` line runs as written, with a stand-in for the test
    runner it wraps (`python -m pytest --junitxml=F` writes a failing JUnit
    file to F and exits 1) and the JUnit files `testrelay report` reads put
    in place first;
  - the exit status must be the one the job wants (the test command's for
    `testrelay run`, 0 with `--fail-on never`);
  - what `artifacts:reports:junit` and `artifacts:paths` name must exist, the
    JUnit report with `file` attributes;
  - GitLab must hold a commit status named `testrelay/<job>` in the job's
    pipeline, ended `failed`, and a merge request note with that job's
    marker: one per job, none overwriting another's.
Nothing leaves the machine: the simulator listens on 127.0.0.1.
"""
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "glpat-example-rehearsal-1618"
PROJECT = "group/app"
MR_IID = 12
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "tests", "data", "junit", "pytest-xunit1.xml")

# Stand-in for `python -m pytest --junitxml=F ...`: writes the fixture to F.
FAKE_PYTHON = f"""#!/bin/sh
for arg in "$@"; do
  case "$arg" in
    --junitxml=*) out="${{arg#--junitxml=}}"; mkdir -p "$(dirname "$out")"; cp {shlex.quote(os.path.abspath(FIXTURE))} "$out" ;;
  esac
done
echo "pytest (stand-in): 2 failed"
exit 1
"""

results = {"passed": 0, "failed": 0}


def check(cond, what, detail=""):
    if cond:
        results["passed"] += 1
        print(f"ok: {what}")
    else:
        results["failed"] += 1
        print(f"FAILED: {what}\n{detail}"[:6000], file=sys.stderr)
    return cond


def http(url, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def start_simulator(binary, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen([binary], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log_path) as f:
            first = f.readline()
        if first.startswith("listening on "):
            return proc, first.split("listening on ", 1)[1].strip()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit(f"the simulator did not start: {open(log_path).read()}")


def lines_of(job, key):
    value = job.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def rehearse(name, job, index, url, testrelay, scratch, fakes):
    project = os.path.join(scratch, name)
    os.makedirs(project)
    pipeline_id, sha = 5000 + index, f"{index:02d}" + "c0ffee" * 6
    http(url + "/_sim/gitlab/seed-pipeline",
         {"project": PROJECT, "sha": sha, "ref": "feature/gpu", "id": pipeline_id})
    env = {
        "PATH": os.pathsep.join([fakes, os.path.dirname(testrelay), os.environ["PATH"]]),
        "HOME": project,
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_API_V4_URL": url + "/api/v4",
        "CI_SERVER_URL": "https://gitlab.example.com",
        "CI_SERVER_HOST": "gitlab.example.com",
        "CI_PROJECT_DIR": project,
        "CI_PROJECT_PATH": PROJECT,
        "CI_COMMIT_SHA": sha,
        "CI_COMMIT_REF_NAME": "feature/gpu",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": str(MR_IID),
        "CI_MERGE_REQUEST_PROJECT_PATH": PROJECT,
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/gpu",
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_PIPELINE_ID": str(pipeline_id),
        "CI_PIPELINE_URL": f"https://gitlab.example.com/{PROJECT}/-/pipelines/{pipeline_id}",
        "CI_JOB_ID": str(70000 + index),
        "CI_JOB_NAME": name,
        "CI_JOB_NAME_SLUG": name,
        "CI_JOB_TOKEN": "glcbt-unused-job-token",
        "GITLAB_TOKEN": TOKEN,
    }
    # The pipeline's own variables (TESTRELAY_LOG, ...), then the job's.
    for scope in (job.get("_global_variables", {}), job.get("variables", {})):
        env.update({k: str(v) for k, v in scope.items()})

    def sh(line):
        return subprocess.run(["bash", "-c", line], cwd=project, env=env, capture_output=True, text=True,
                              timeout=300)

    for line in lines_of(job, "before_script"):
        if "testrelay.json" in line:
            out = sh(line)
            check(out.returncode == 0, f"{name}: the configuration step runs", out.stderr)
    commands = [line for key in ("before_script", "script", "after_script")
                for line in lines_of(job, key) if line.strip().startswith("testrelay ")]
    for line in commands:
        argv = shlex.split(line)
        if argv[1] == "report":
            # What the job's test step would have written.
            for arg in argv[2:]:
                if arg.endswith(".xml"):
                    os.makedirs(os.path.join(project, os.path.dirname(arg)), exist_ok=True)
                    shutil.copy(FIXTURE, os.path.join(project, arg))
        expected = 1 if argv[1] == "run" and "--fail-on" not in argv else 0
        out = sh(line)
        check(out.returncode == expected, f"{name}: `{line.strip()[:70]}...` exits {expected}",
              f"exit {out.returncode}\n{out.stdout}\n{out.stderr}")
        check("not delivered" not in out.stdout, f"{name}: testrelay delivered everything", out.stdout)

    artifacts = job.get("artifacts", {})
    junit = artifacts.get("reports", {}).get("junit")
    junit_files = [junit] if isinstance(junit, str) else list(junit or [])
    check(junit_files, f"{name}: publishes a JUnit report", json.dumps(artifacts))
    for path in junit_files:
        full = os.path.join(project, path)
        ok = os.path.isfile(full)
        check(ok, f"{name}: {path} (artifacts:reports:junit) was written", str(os.listdir(project)))
        if ok:
            check(' file="' in open(full).read(), f"{name}: {path} has file attributes for GitLab")
    for path in artifacts.get("paths", []):
        check(os.path.exists(os.path.join(project, path)), f"{name}: {path} (artifacts:paths) exists")

    state = http(url + "/_sim/gitlab/state")
    ours = [s for s in state["statuses"] if s["name"] == f"testrelay/{name}"]
    check([(s["pipeline_id"], s["sha"], s["status"]) for s in ours] == [(pipeline_id, sha, "failed")],
          f"{name}: commit status testrelay/{name} ended failed in pipeline {pipeline_id}",
          json.dumps(state["statuses"], indent=1))
    notes = [n for mr in state["merge_requests"] if mr["iid"] == MR_IID for n in mr["notes"]
             if f"<!-- testrelay:testrelay/{name} -->" in n["body"]]
    check(len(notes) == 1, f"{name}: one merge request note with its marker", json.dumps(notes, indent=1))


def main(example, testrelay, simulator):
    testrelay = os.path.abspath(testrelay)
    resolved = subprocess.run([sys.executable, os.path.join(HERE, "gitlab-ci-resolve.py"), example],
                              check=True, capture_output=True, text=True).stdout
    doc = json.loads(resolved)
    global_variables = doc.get("variables", {})
    jobs = {
        name: dict(job, _global_variables=global_variables)
        for name, job in doc.items()
        if isinstance(job, dict) and any(
            line.strip().startswith("testrelay ")
            for key in ("before_script", "script", "after_script") for line in lines_of(job, key))
    }
    check(len(jobs) >= 2, f"the example has jobs that run testrelay: {sorted(jobs)}")
    scratch = tempfile.mkdtemp(prefix="testrelay-rehearsal-")
    fakes = os.path.join(scratch, "fake-bin")
    os.makedirs(fakes)
    fake_python = os.path.join(fakes, "python")
    with open(fake_python, "w") as f:
        f.write(FAKE_PYTHON)
    os.chmod(fake_python, os.stat(fake_python).st_mode | stat.S_IXUSR)
    proc, url = start_simulator(simulator, os.path.join(scratch, "simulator.log"))
    try:
        http(url + "/_sim/gitlab/config", {"token": TOKEN})
        http(url + "/_sim/gitlab/seed-merge-request",
             {"project": PROJECT, "iid": MR_IID, "source_branch": "feature/gpu", "target_branch": "main"})
        for index, (name, job) in enumerate(sorted(jobs.items())):
            rehearse(name, job, index, url, testrelay, scratch, fakes)
        state = http(url + "/_sim/gitlab/state")
        mr = [m for m in state["merge_requests"] if m["iid"] == MR_IID][0]
        check(len(mr["notes"]) == len(jobs), "one note per job on the merge request",
              json.dumps(mr["notes"], indent=1))
        requests = [r for r in http(url + "/_sim/requests") if r["path"].startswith("/api/v4/")]
        tokens = {dict((k.lower(), v) for k, v in r["headers"]).get("private-token") for r in requests}
        check(tokens == {TOKEN}, "every request sent GITLAB_TOKEN as PRIVATE-TOKEN", str(tokens))
    finally:
        try:
            http(url + "/_sim/shutdown", {})
        except OSError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"rehearsal: {results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
