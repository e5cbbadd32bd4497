// The Bitbucket Cloud provider through the Node module, against the CI
// simulator: a session becomes a Code Insights report with its failures as
// annotations, a build status, one PR comment; the token is sent as a
// bearer token and never shown.
import assert from 'node:assert/strict'
import path from 'node:path'
import test from 'node:test'

import { TestReporter } from '../index.mjs'
import { startSimulator, tempDir } from '../test-support/helpers.mjs'

const TOKEN = 'bbat-node-token-3391'

test('a session reports to Bitbucket Cloud (simulator)', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  const dir = tempDir()
  const reporter = new TestReporter({
    ciSystem: 'bitbucket',
    apiUrl: `${sim.url}/2.0`,
    apiToken: TOKEN,
    repository: 'team/node-app',
    commitSha: 'abc123',
    prNumber: 12,
    testRunId: 'node-bitbucket',
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
      status: i % 10 === 4 ? 'failed' : 'passed',
      durationSeconds: 0.01,
      message: i % 10 === 4 ? 'adapter lost' : undefined,
      file: 'test/gpu.test.mjs',
      line: 10 + i,
    })
  }
  const summary = await reporter.finish()
  assert.deepEqual(summary.notDelivered, [])
  assert.ok(!JSON.stringify(summary).includes(TOKEN))
  const state = await sim.admin('GET', 'bitbucket/state')
  assert.equal(state.reports.length, 1)
  const report = state.reports[0]
  assert.deepEqual([report.repository, report.commit, report.body.report_type, report.body.result],
    ['team/node-app', 'abc123', 'TEST', 'FAILED'])
  assert.deepEqual(report.annotations.map((a) => a.line).sort(), [14, 24])
  assert.equal(state.statuses.length, 1)
  assert.deepEqual(state.statuses[0].states, ['INPROGRESS', 'FAILED'])
  assert.equal(state.comments.length, 1)
  assert.equal(state.comments[0].pull_request, 12)
  const requests = await sim.admin('GET', 'requests')
  const auth = requests.map((r) => r.headers.find(([k]) => k.toLowerCase() === 'authorization')?.[1])
  assert.ok(auth.length > 0 && auth.every((a) => a === `Bearer ${TOKEN}`), JSON.stringify(auth))
})
