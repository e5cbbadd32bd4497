// The guide's TestReporter: reporting more than once (each report updates
// the same CI run and merge-request note; a failure after the results is
// added to them), close() as the only end, close on the process's exit
// when the script never called it, status(), and the guide's option names.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { test } from 'node:test'

import { TestReporter } from '../index.mjs'
import { localOptions, repoRoot, startSimulator, tempDir } from '../test-support/helpers.mjs'

const TOKEN = 'glpat-node-guide-token-1618'
const PROJECT = 'group/app'

function gitlabOptions(sim, dir, extra = {}) {
  return {
    ciSystem: 'gitlab',
    providers: { gitlab: { apiUrl: `${sim.url}/api/v4`, token: TOKEN } },
    repository: PROJECT,
    commitSha: 'f00df00d',
    prNumber: 7,
    outputDir: path.join(dir, 'out'),
    historyPath: path.join(dir, 'history.db'),
    retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
    ...extra,
  }
}

test('reportResults twice, then reportFailure: one status and one note, updated each time; close ends the run', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  await sim.admin('POST', 'gitlab/config', { token: TOKEN })
  const dir = tempDir()
  const reporter = new TestReporter(gitlabOptions(sim, dir, { testRunId: 'guide-twice' }))
  assert.deepEqual(reporter.status(), { ciSystem: 'gitlab', runId: 'guide-twice', status: 'running', closed: false })

  assert.equal(await reporter.reportResults({ totalTests: 3, passedTests: 3, failedTests: 0, skippedTests: 0, duration: 1 }), true)
  let state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses.map((s) => [s.sha, s.status]), [['f00df00d', 'success']])
  let notes = state.merge_requests.find((m) => m.iid === 7).notes
  assert.equal(notes.length, 1)
  const noteId = notes[0].id
  assert.match(notes[0].body, /passed/)
  assert.equal(reporter.status().status, 'passed')

  // A second tally: the same status and note, updated.
  assert.equal(await reporter.reportResults({ totalTests: 4, passedTests: 3, failedTests: 1, skippedTests: 0, duration: 2 }), true)
  // GitLab's commit status is the CI run: a finished one is not posted
  // again until the close (below); the note is updated now.
  state = await sim.admin('GET', 'gitlab/state')
  notes = state.merge_requests.find((m) => m.iid === 7).notes
  assert.deepEqual(notes.map((n) => n.id), [noteId])
  assert.equal(reporter.status().status, 'error')

  // A teardown failure after the results: added to what was reported.
  assert.equal(await reporter.reportFailure('teardown: the GPU device was lost'), true)
  state = await sim.admin('GET', 'gitlab/state')
  notes = state.merge_requests.find((m) => m.iid === 7).notes
  assert.deepEqual(notes.map((n) => n.id), [noteId], 'still the one note')
  assert.match(notes[0].body, /teardown: the GPU device was lost|error/i)
  assert.deepEqual(reporter.status(), { ciSystem: 'gitlab', runId: 'guide-twice', status: 'error', closed: false })

  assert.equal(await reporter.close(), true)
  state = await sim.admin('GET', 'gitlab/state')
  assert.deepEqual(state.statuses.filter((s) => !s.retried).map((s) => [s.sha, s.status]), [['f00df00d', 'failed']])
  assert.deepEqual(state.merge_requests.find((m) => m.iid === 7).notes.map((n) => n.id), [noteId])
  assert.deepEqual(reporter.status(), { ciSystem: 'gitlab', runId: 'guide-twice', status: 'error', closed: true })
  assert.equal(await reporter.close(), true, 'closing again posts nothing and says the same')
  await assert.rejects(reporter.reportFailure('late'), { code: 'TR_INVALID_ARGUMENT' })
  await assert.rejects(reporter.reportResults({ totalTests: 0, passedTests: 0, failedTests: 0, skippedTests: 0 }), { code: 'TR_INVALID_ARGUMENT' })

  const runJson = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'run.json'), 'utf8'))
  assert.equal(runJson.status, 'error')
  assert.deepEqual(runJson.metadata, {
    failure: 'teardown: the GPU device was lost', failedTests: '1', passedTests: '3', skippedTests: '0', totalTests: '4',
  })
  assert.equal(runJson.duration_seconds, 2)
  const requests = (await sim.admin('GET', 'requests')).filter((r) => r.path.startsWith('/api/v4/'))
  for (const r of requests) {
    assert.equal(r.headers.find(([k]) => k.toLowerCase() === 'private-token')?.[1], TOKEN)
  }
})

test('a second failure is added after the first; a delivery problem resolves false', async () => {
  const sim = await startSimulator()
  await sim.admin('POST', 'gitlab/config', { token: TOKEN })
  const dir = tempDir()
  const reporter = new TestReporter(gitlabOptions(sim, dir, { testRunId: 'guide-failures' }))
  assert.equal(await reporter.reportFailure('setup failed'), true)
  sim.stop()
  // The API is gone: reported, not delivered.
  assert.equal(await reporter.reportFailure('and teardown too'), false)
  const summary = await reporter.finish(5000)
  assert.equal(summary.result.metadata.failure, 'setup failed\nand teardown too')
  assert.equal(summary.result.status, 'error')
})

/** Runs `body` in a child process with the package, in `dir`; resolves when it has exited. */
async function child(dir, body) {
  const script = path.join(dir, 'harness.cjs')
  fs.writeFileSync(script, [
    `const { TestReporter } = require(${JSON.stringify(path.join(repoRoot, 'node'))})`,
    `const path = require('node:path')`,
    `const options = ${JSON.stringify(localOptions(dir))}`,
    body,
  ].join('\n'))
  return promisify(execFile)(process.execPath, [script], { cwd: dir, timeout: 60_000 })
}

function localState(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'out', 'run-state.json'), 'utf8'))
}

test('a script that never calls close() is closed when it ends', async () => {
  const dir = tempDir()
  await child(dir, `
    const reporter = new TestReporter({ ...options, testRunId: 'exit-quietly' })
    ;(async () => {
      await reporter.reportResults({ totalTests: 2, passedTests: 1, failedTests: 1, skippedTests: 0 })
      await reporter.reportFailure('teardown crashed')
      console.log(JSON.stringify(reporter.status()))
    })()
  `)
  // An update leaves the local run `running`; only the close makes it final.
  const state = localState(dir)
  assert.deepEqual([state.run_key, state.result.status], ['exit-quietly', 'error'])
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'run.json'), 'utf8'))
  assert.equal(run.metadata.failure, 'teardown crashed')
  assert.ok(fs.existsSync(path.join(dir, 'out', 'junit.xml')))
})

test('process.exit() right after a report still closes the run', async () => {
  const dir = tempDir()
  const { stdout } = await child(dir, `
    const reporter = new TestReporter({ ...options, testRunId: 'exit-abruptly' })
    reporter.reportResults({ totalTests: 1, passedTests: 1, failedTests: 0, skippedTests: 0 }).then((ok) => {
      console.log(JSON.stringify({ ok, status: reporter.status() }))
      process.exit(0)
    })
  `)
  const said = JSON.parse(stdout)
  assert.deepEqual(said, { ok: true, status: { ciSystem: 'local', runId: 'exit-abruptly', status: 'passed', closed: false } })
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'run.json'), 'utf8'))
  assert.equal(run.status, 'passed')
  assert.deepEqual([localState(dir).run_key, localState(dir).result.status], ['exit-abruptly', 'passed'])
})

test('a reporter that never started leaves nothing behind at exit', async () => {
  const dir = tempDir()
  await child(dir, `new TestReporter(options)`)
  assert.equal(fs.existsSync(path.join(dir, 'out')), false)
})

test("the guide's option names", async () => {
  const dir = tempDir()
  const reporter = new TestReporter({
    ciSystem: 'local',
    artifactDir: path.join(dir, 'artifacts'),
    resultFormat: 'xml',
    enableHistoryTracking: false,
    retryAttempts: 3,
    updateOnCompletionOnly: true,
    trackPerformanceTrends: false,
    updateInterval: 10,
    project: 'octo/app',
    testRunId: 'guide-options',
  })
  reporter.record({ name: 'a', status: 'passed' })
  const summary = await reporter.finish()
  assert.deepEqual(summary.reports.map((p) => path.relative(dir, p)), [path.join('artifacts', 'junit.xml')])
  assert.equal(summary.historyPath, null)
  assert.throws(() => new TestReporter({ resultFormat: 'pdf' }), { code: 'TR_CONFIGURATION', message: /pdf/ })
  assert.throws(() => new TestReporter({ retryAttempts: 2, retry: { maxAttempts: 3 } }), { code: 'TR_CONFIGURATION', message: /not both/ })
})
