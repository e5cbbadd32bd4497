// The GitLab provider from Node, against the CI simulator's GitLab REST v4
// emulation (tests/ci-sim/src/gitlab.rs): the run is the commit status named
// `status_context` (running, then success/failed), the merge request note is
// found by its marker and edited in place, artifacts go to the generic
// package testrelay/<run key>. Then the same from inside a GitLab CI job
// (`ciSystem: 'auto'` and the job's variables), through the harness of
// examples/ci/ and with only the job token.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'

import { TestReporter } from '../index.mjs'
import { repoRoot, startSimulator, tempDir } from '../test-support/helpers.mjs'

const TOKEN = 'glpat-node-token-3141'
const JOB_TOKEN = 'glcbt-node-job-token-2718'
const PROJECT = 'group/app'

/** Reporter options for the gitlab provider against `sim`, with the project's own section. */
function gitlabOptions(sim, dir, extra = {}) {
  return {
    ciSystem: 'gitlab',
    providers: { gitlab: { apiUrl: `${sim.url}/api/v4`, token: TOKEN } },
    repository: PROJECT,
    prNumber: 7,
    outputDir: path.join(dir, 'out'),
    historyPath: path.join(dir, 'history.db'),
    retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
    ...extra,
  }
}

/** A simulator whose GitLab takes only TOKEN (and JOB_TOKEN as the job token). */
async function gitlabSimulator(t) {
  const sim = await startSimulator()
  t.after(sim.stop)
  await sim.admin('POST', 'gitlab/config', { token: TOKEN, job_token: JOB_TOKEN })
  return sim
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')
const header = (request, name) => request.headers.find(([k]) => k.toLowerCase() === name)?.[1]
const operations = (summary) => summary.delivered.map((d) => d.operation).sort()

/** The recorded requests to GitLab's API. */
async function apiRequests(sim) {
  return (await sim.admin('GET', 'requests')).filter((r) => r.path.startsWith('/api/v4/'))
}

test('a failing run, then a passing one: a status per commit, one note edited in place, the artifact package', async (t) => {
  const sim = await gitlabSimulator(t)
  // 120 notes by someone else first: ours is on the second page of 100.
  await sim.admin('POST', 'gitlab/seed-notes', { project: PROJECT, merge_request_iid: 7, count: 120 })
  const dir = tempDir()
  const screenshot = path.join(dir, 'frame-17.png')
  const bytes = Buffer.from('\x89PNG\r\n\x1a\nnot really a frame')
  fs.writeFileSync(screenshot, bytes)

  // red: the provider's own section (providers.gitlab), a failure, an artifact.
  const red = new TestReporter(gitlabOptions(sim, dir, { testRunId: 'node-gitlab-red', commitSha: 'a1a1a1a1' }))
  red.record({ name: 'maps', classname: 'gpu.buffers', status: 'passed', durationSeconds: 0.01 })
  red.record({ name: 'copies', classname: 'gpu.buffers', status: 'failed', file: 'src/copy.js', line: 42, message: 'byte 12 differs' })
  red.record({ name: 'later', classname: 'gpu.buffers', status: 'skipped' })
  red.attachArtifact(screenshot, { kind: 'screenshot' })
  const redSummary = await red.finish()
  assert.equal(redSummary.provider, 'gitlab')
  assert.deepEqual(redSummary.notDelivered, [])
  assert.deepEqual(operations(redSummary), ['artifact:frame-17.png', 'close', 'comment', 'create', 'status'])
  const artifact = redSummary.delivered.find((d) => d.operation === 'artifact:frame-17.png')
  assert.equal(artifact.url, `${sim.url}/api/v4/projects/group%2Fapp/packages/generic/testrelay/node-gitlab-red/frame-17.png`)

  let state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.projects.map((p) => p.path_with_namespace), [PROJECT])
  assert.deepEqual(state.statuses.map((s) => [s.sha, s.name, s.status, s.updates, s.retried]),
    [['a1a1a1a1', 'testrelay', 'failed', 1, false]], 'running, then failed in place')
  assert.match(state.statuses[0].description, /1 failed/)
  let notes = state.merge_requests.find((m) => m.iid === 7).notes
  assert.equal(notes.length, 121)
  const ours = notes.filter((n) => n.body.includes('<!-- testrelay:testrelay -->'))
  assert.equal(ours.length, 1)
  assert.deepEqual([ours[0].author, ours[0].updates], ['testrelay-bot', 0])
  assert.match(ours[0].body, /failed/)
  assert.deepEqual(state.packages.map((p) => [p.name, p.version, p.files.map((f) => [f.file_name, f.size, f.file_sha256])]),
    [['testrelay', 'node-gitlab-red', [['frame-17.png', bytes.length, sha256(bytes)]]]])
  const download = await fetch(artifact.url, { headers: { 'PRIVATE-TOKEN': TOKEN } })
  assert.equal(download.status, 200)
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes)

  // green: the flat apiUrl/apiToken shorthands, a new commit, all passing.
  const green = new TestReporter({
    ...gitlabOptions(sim, dir, { testRunId: 'node-gitlab-green', commitSha: 'b2b2b2b2' }),
    providers: undefined,
    apiUrl: `${sim.url}/api/v4`,
    apiToken: TOKEN,
  })
  green.record({ name: 'maps', classname: 'gpu.buffers', status: 'passed' })
  green.record({ name: 'copies', classname: 'gpu.buffers', status: 'passed' })
  const greenSummary = await green.finish()
  assert.deepEqual(greenSummary.notDelivered, [])
  assert.deepEqual(operations(greenSummary), ['close', 'comment', 'create', 'status'])

  state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses.map((s) => [s.sha, s.name, s.status, s.updates, s.retried]),
    [['a1a1a1a1', 'testrelay', 'failed', 1, false], ['b2b2b2b2', 'testrelay', 'success', 1, false]])
  notes = state.merge_requests.find((m) => m.iid === 7).notes
  assert.equal(notes.length, 121, 'no second note')
  const edited = notes.filter((n) => n.body.includes('<!-- testrelay:testrelay -->'))
  assert.deepEqual(edited.map((n) => [n.id, n.updates]), [[ours[0].id, 1]], 'the same note, edited once')
  assert.match(edited[0].body, /passed/)
  assert.match(edited[0].body, /Compared with `node-gitlab-red`/)
  assert.equal(state.packages.length, 1, 'no package for a run without artifacts')

  const requests = await apiRequests(sim)
  assert.ok(requests.length > 0)
  for (const r of requests) {
    assert.equal(header(r, 'private-token'), TOKEN, `${r.method} ${r.path}`)
    assert.equal(header(r, 'job-token'), undefined)
    assert.equal(header(r, 'authorization'), undefined)
  }
})

test('reportResults with a failing tally ends the GitLab status failed and resolves true', async (t) => {
  const sim = await gitlabSimulator(t)
  const dir = tempDir()
  const reporter = new TestReporter(gitlabOptions(sim, dir, { testRunId: 'node-gitlab-tally', commitSha: 'c0c0c0c0', prNumber: undefined }))
  assert.equal(await reporter.reportResults({ totalTests: 4, passedTests: 3, failedTests: 1, skippedTests: 0, duration: 1.5 }), true)
  const state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses.map((s) => [s.sha, s.status]), [['c0c0c0c0', 'failed']])
  assert.deepEqual(state.merge_requests, [], 'no merge request, no note')
})

// ---- inside a GitLab CI job ---------------------------------------------------

/** The variables GitLab CI gives a merge request pipeline's job (the token is added by each test). */
function gitlabCiEnv(sim, extra = {}) {
  return {
    PATH: process.env.PATH,
    CI: 'true',
    GITLAB_CI: 'true',
    CI_SERVER_URL: 'https://gitlab.example.com',
    CI_SERVER_HOST: 'gitlab.example.com',
    CI_API_V4_URL: `${sim.url}/api/v4`,
    CI_PROJECT_PATH: PROJECT,
    CI_PROJECT_ID: '1',
    CI_COMMIT_SHA: 'd4d4d4d4',
    CI_COMMIT_REF_NAME: 'feature/gpu',
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: '12',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/gpu',
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    CI_MERGE_REQUEST_PROJECT_PATH: PROJECT,
    CI_PIPELINE_ID: '4711',
    CI_PIPELINE_URL: 'https://gitlab.example.com/group/app/-/pipelines/4711',
    CI_JOB_ID: '90001',
    CI_JOB_NAME: 'node-harness',
    CI_JOB_NAME_SLUG: 'node-harness',
    CI_JOB_URL: 'https://gitlab.example.com/group/app/-/jobs/90001',
    CI_JOB_TOKEN: JOB_TOKEN,
    ...extra,
  }
}

/** The pipeline and merge request GitLab would have for that job. */
async function seedPipeline(sim, { sha = 'd4d4d4d4', ref = 'feature/gpu', id = 4711 } = {}) {
  await sim.admin('POST', 'gitlab/seed-merge-request', {
    project: PROJECT, iid: 12, source_branch: 'feature/gpu', target_branch: 'main', sha: 'd4d4d4d4',
  })
  await sim.admin('POST', 'gitlab/seed-pipeline', { project: PROJECT, sha, ref, id })
}

/** Runs `node args…` in `cwd` with exactly `env`; resolves with its exit code and output. */
async function runNode(cwd, args, env) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd, env })
    return { code: 0, stdout, stderr }
  } catch (e) {
    if (typeof e.code !== 'number') throw e
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** A project directory with the example harness in ci/, testrelay in node_modules and a test file. */
function harnessProject() {
  const dir = tempDir()
  fs.mkdirSync(path.join(dir, 'ci'))
  fs.copyFileSync(path.join(repoRoot, 'examples', 'ci', 'node-harness.mjs'), path.join(dir, 'ci', 'node-harness.mjs'))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(path.join(repoRoot, 'node'), path.join(dir, 'node_modules', 'testrelay'), 'dir')
  fs.mkdirSync(path.join(dir, 'test'))
  fs.writeFileSync(path.join(dir, 'test', 'math.test.mjs'), [
    "import assert from 'node:assert/strict'",
    "import { test } from 'node:test'",
    "test('adds', () => assert.equal(1 + 1, 2))",
    "test('multiplies', () => assert.equal(2 * 3, 6))",
    "test('divides', () => {",
    '  assert.equal(7 / 2, 3)',
    '})',
    "test('needs a GPU', { skip: 'no adapter' }, () => {})",
    '',
  ].join('\n'))
  return dir
}

test('inside GitLab CI, the example harness (ciSystem auto) reports to the job\'s pipeline and merge request', async (t) => {
  const sim = await gitlabSimulator(t)
  await seedPipeline(sim)
  const dir = harnessProject()
  const run = await runNode(dir, ['ci/node-harness.mjs', 'test/math.test.mjs'], gitlabCiEnv(sim, { GITLAB_TOKEN: TOKEN }))
  assert.equal(run.code, 1, `a test failed, so the harness exits 1\n${run.stdout}\n${run.stderr}`)
  assert.match(run.stdout, /node-harness: failed, 4 tests: 2 passed, 1 failed, 1 skipped \(provider gitlab\)/)
  assert.doesNotMatch(run.stdout, /not delivered/)

  const state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses.map((s) => [s.sha, s.name, s.pipeline_id, s.ref, s.status, s.updates, s.target_url]),
    [['d4d4d4d4', 'testrelay/node-harness', 4711, 'feature/gpu', 'failed', 1, 'https://gitlab.example.com/group/app/-/pipelines/4711']],
    'one status, in the job\'s own pipeline')
  assert.equal(state.pipelines.length, 1, 'no external pipeline was made')
  const mr = state.merge_requests.find((m) => m.iid === 12)
  assert.equal(mr.notes.length, 1)
  assert.ok(mr.notes[0].body.includes('<!-- testrelay:testrelay/node-harness -->'), mr.notes[0].body)
  assert.match(mr.notes[0].body, /divides/)

  // The JUnit report GitLab reads (artifacts:reports:junit): with each case's file.
  const junit = fs.readFileSync(path.join(dir, 'test_results', 'junit.xml'), 'utf8')
  assert.match(junit, /<testcase [^>]*name="divides"[^>]*file="test\/math.test.mjs"/)
  assert.match(junit, /<failure /)

  for (const r of await apiRequests(sim)) {
    assert.equal(header(r, 'private-token'), TOKEN, `${r.method} ${r.path}: GITLAB_TOKEN, not the job token`)
    assert.equal(header(r, 'job-token'), undefined)
  }
})

/** A script that reports one failing case and an artifact with `ciSystem: 'auto'`, printing the summary. */
function autoReporterScript(dir) {
  const script = path.join(dir, 'report.mjs')
  fs.writeFileSync(path.join(dir, 'trace.txt'), 'device lost\n')
  fs.writeFileSync(script, [
    `import { TestReporter } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'node', 'index.mjs')).href)}`,
    "const reporter = new TestReporter({ ciSystem: 'auto', retry: { maxAttempts: 1 } })",
    "reporter.record({ name: 'draws', status: 'failed', message: 'device lost' })",
    "reporter.attachArtifact('trace.txt')",
    'console.log(JSON.stringify(await reporter.finish()))',
    '',
  ].join('\n'))
  return script
}

test('inside GitLab CI with only CI_JOB_TOKEN: the artifact goes out, status and note wait in the outbox unsent', async (t) => {
  const sim = await gitlabSimulator(t)
  await seedPipeline(sim)
  const dir = tempDir()
  const run = await runNode(dir, [autoReporterScript(dir)], gitlabCiEnv(sim))
  assert.equal(run.code, 0, run.stderr)
  const summary = JSON.parse(run.stdout)
  assert.equal(summary.provider, 'gitlab')
  assert.deepEqual(operations(summary), ['artifact:trace.txt'])
  const refused = summary.notDelivered.filter((n) => ['create', 'close', 'status', 'comment'].includes(n.operation))
  assert.deepEqual([...new Set(refused.map((n) => n.operation))].sort(), ['close', 'comment', 'create', 'status'])
  for (const n of refused.filter((n) => n.operation !== 'close')) {
    assert.equal(n.kind, 'permission', JSON.stringify(n))
    assert.match(n.message, /GITLAB_TOKEN/)
    assert.equal(n.pending, true, 'kept for `testrelay flush`')
  }
  assert.equal(run.stderr.includes(JOB_TOKEN) || run.stdout.includes(JOB_TOKEN), false)

  const state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses, [])
  assert.deepEqual(state.merge_requests.find((m) => m.iid === 12).notes, [])
  assert.deepEqual(state.packages.map((p) => [p.name, p.version, p.files.map((f) => f.file_name)]),
    [['testrelay', 'gitlab_ci-4711-90001-testrelay', ['trace.txt']]])
  const requests = await apiRequests(sim)
  assert.deepEqual(requests.map((r) => [r.method, r.path]),
    [['PUT', '/api/v4/projects/group%2Fapp/packages/generic/testrelay/gitlab_ci-4711-90001-testrelay/trace.txt']],
    'nothing GitLab would refuse a job token was sent')
  assert.equal(header(requests[0], 'job-token'), JOB_TOKEN)
})

// In a merged results pipeline (and a merge train), CI_COMMIT_SHA is the
// merge commit the pipeline ran on and CI_MERGE_REQUEST_SOURCE_BRANCH_SHA
// the merge request's head. GitLab looks the pipeline up by id *and* sha
// (Ci::CreateCommitStatusService#first_matching_pipeline), so the status
// must go on the pipeline's own commit to land in the job's pipeline.
test('inside a merged results pipeline, the status joins the job\'s pipeline', async (t) => {
  const sim = await gitlabSimulator(t)
  await seedPipeline(sim, { sha: 'e5e5e5e5', ref: 'refs/merge-requests/12/merge', id: 4800 })
  const dir = tempDir()
  const env = gitlabCiEnv(sim, {
    GITLAB_TOKEN: TOKEN,
    CI_MERGE_REQUEST_EVENT_TYPE: 'merged_result',
    CI_COMMIT_SHA: 'e5e5e5e5',
    CI_COMMIT_REF_NAME: 'refs/merge-requests/12/merge',
    CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: 'd4d4d4d4',
    CI_MERGE_REQUEST_TARGET_BRANCH_SHA: 'f6f6f6f6',
    CI_PIPELINE_ID: '4800',
  })
  const run = await runNode(dir, [autoReporterScript(dir)], env)
  assert.equal(run.code, 0, run.stderr)
  const summary = JSON.parse(run.stdout)
  assert.deepEqual(summary.notDelivered, [])
  const state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses.map((s) => [s.pipeline_id, s.name, s.status]), [[4800, 'testrelay', 'failed']])
})
