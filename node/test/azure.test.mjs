// The Azure DevOps provider through the Node module, against the CI
// simulator: a session's results reach an Azure test run, the PR gets one
// thread and a status, and the token is sent as a PAT (Basic, empty user)
// and never shown.
import assert from 'node:assert/strict'
import path from 'node:path'
import test from 'node:test'

import { TestReporter } from '../index.mjs'
import { startSimulator, tempDir } from '../test-support/helpers.mjs'

const PAT = 'azpat-node-token-7781'

test('a session reports to Azure DevOps (simulator)', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  const dir = tempDir()
  const reporter = new TestReporter({
    ciSystem: 'azure',
    apiUrl: `${sim.url}/node-org`,
    apiToken: PAT,
    repository: 'proj/node-app',
    commitSha: 'abc123',
    prNumber: 11,
    testRunId: 'node-azure',
    runName: 'node suite',
    outputDir: path.join(dir, 'out'),
    historyPath: path.join(dir, 'history.db'),
    retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
  })
  for (let i = 0; i < 20; i++) {
    reporter.record({
      name: `case_${i}`,
      classname: 'webgpu',
      suite: 'node',
      status: i === 4 ? 'failed' : i === 5 ? 'skipped' : 'passed',
      durationSeconds: 0.01,
      message: i === 4 ? 'adapter lost' : undefined,
    })
  }
  const summary = await reporter.finish()
  assert.deepEqual(summary.notDelivered, [])
  assert.ok(!JSON.stringify(summary).includes(PAT))
  const state = await sim.admin('GET', 'azure/state')
  assert.equal(state.runs.length, 1)
  const run = state.runs[0]
  assert.deepEqual([run.project, run.name, run.state], ['node-org/proj', 'node suite', 'Completed'])
  assert.equal(run.results.length, 20)
  const outcomes = run.results.map((r) => r.outcome)
  assert.equal(outcomes.filter((o) => o === 'Failed').length, 1)
  assert.equal(outcomes.filter((o) => o === 'NotExecuted').length, 1)
  assert.equal(state.threads.length, 1)
  assert.equal(state.threads[0].pull_request, 11)
  assert.equal(state.pr_statuses.length, 1)
  assert.equal(state.pr_statuses[0].state, 'failed')
  const requests = await sim.admin('GET', 'requests')
  const expected = `Basic ${Buffer.from(`:${PAT}`).toString('base64')}`
  const auth = requests.map((r) => r.headers.find(([k]) => k.toLowerCase() === 'authorization')?.[1])
  assert.ok(auth.length > 0 && auth.every((a) => a === expected), JSON.stringify(auth))
})
