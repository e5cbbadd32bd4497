// The WebGPU-style example suite (10,000 cases) against the local provider
// and the GitHub simulator, and a slow CI server that must not block the
// event loop.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { runWebGpuSuite } from '../../examples/js/webgpu-reporter.mjs'
import { History, TestReporter } from '../index.mjs'
import { githubOptions, localOptions, startSimulator, tempDir } from '../test-support/helpers.mjs'

const EXPECTED = { totalTests: 10_000, passedTests: 9_887, failedTests: 11, skippedTests: 99, flakyTests: 3, errorTests: 0 }

function counts(result) {
  const { totalTests, passedTests, failedTests, skippedTests, flakyTests, errorTests } = result
  return { totalTests, passedTests, failedTests, skippedTests, flakyTests, errorTests }
}

test('the WebGPU suite reports 10,000 cases to the local provider', async () => {
  const dir = tempDir()
  const summary = await runWebGpuSuite(localOptions(dir, { testRunId: 'webgpu-local' }))
  assert.deepEqual(counts(summary.result), EXPECTED)
  assert.equal(summary.result.status, 'failed')
  assert.deepEqual(summary.notDelivered, [])
  const junit = fs.readFileSync(path.join(dir, 'out', 'junit.xml'), 'utf8')
  assert.equal((junit.match(/<testcase /g) ?? []).length, 10_000)
  assert.ok(junit.includes('<testcase name="mapAsync=read;size=4;offset=0;batch=0" classname="webgpu:api,operation,buffers:map"'))
  const history = await History.open(path.join(dir, 'history.db'))
  const [run] = await history.runs()
  assert.deepEqual([run.run.runKey, run.counts.total, run.counts.failed, run.counts.flaky], ['webgpu-local', 10_000, 11, 3])
  const trends = await history.trends({ metric: 'frame_ms' })
  assert.deepEqual([trends.points, trends.overall.summary.min, trends.overall.summary.max], [10, 16, 17])
})

test('the WebGPU suite reports 10,000 cases to GitHub (simulator)', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  const dir = tempDir()
  const summary = await runWebGpuSuite(githubOptions(sim, dir, { testRunId: 'webgpu-github', prNumber: 7 }))
  assert.deepEqual(counts(summary.result), EXPECTED)
  assert.deepEqual(summary.notDelivered.filter((p) => p.kind !== 'unsupported'), [])
  const state = await sim.admin('GET', 'github/state')
  assert.equal(state.check_runs.length, 1)
  const run = state.check_runs[0]
  assert.deepEqual([run.owner, run.repo, run.head_sha, run.external_id, run.status, run.conclusion],
    ['octo', 'app', 'abc123', 'webgpu-github', 'completed', 'failure'])
  assert.equal(run.annotations.length, 11)
  assert.equal(state.comments.length, 1)
  assert.equal(state.statuses.at(-1).state, 'failure')
})

test('the event loop keeps running while finish waits on a slow CI', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  await sim.admin('POST', 'faults', { kind: 'delay', delay_ms: 300, times: 1000 })
  const dir = tempDir()
  const reporter = new TestReporter(githubOptions(sim, dir, { enablePrComments: false }))
  for (let i = 0; i < 100; i++) reporter.record({ name: `t${i}`, classname: 'slow', status: 'passed' })
  let ticks = 0
  const timer = setInterval(() => { ticks += 1 }, 10)
  const started = process.hrtime.bigint()
  const summary = await reporter.finish()
  const waitedMs = Number(process.hrtime.bigint() - started) / 1e6
  clearInterval(timer)
  assert.deepEqual(summary.notDelivered, [])
  const requests = (await sim.admin('GET', 'requests')).filter((r) => r.path.startsWith('/repos/'))
  assert.ok(requests.length >= 2, `${requests.length} requests`)
  // Every request waited 300 ms, so finish took at least that long; a timer
  // every 10 ms fired while it did (a blocked loop would give at most 1).
  assert.ok(waitedMs >= 300 && ticks >= 3, `waited ${waitedMs} ms, ${ticks} ticks`)
})
