// History queries with exact expected values, on runs recorded through the
// binding.
import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'

import { History, TestReporter } from '../index.mjs'
import { localOptions, tempDir } from '../test-support/helpers.mjs'

async function recordRun(dir, historyPath, key, outcomes, frameMs) {
  const reporter = new TestReporter(localOptions(dir, { testRunId: key, historyPath, branch: 'main', commitSha: key }))
  for (const [name, status, seconds, file] of outcomes) {
    reporter.record({ name, classname: 'net', status, durationSeconds: seconds, file })
  }
  reporter.recordMetric({ name: 'frame_ms', value: frameMs, unit: 'ms' })
  return reporter.finish()
}

test('runs, cases, flaky, split, trends and merge', async () => {
  const dir = tempDir()
  const db = path.join(dir, 'history.db')
  await recordRun(dir, db, 'run-1', [['fetch', 'passed', 1, 'net.js'], ['parse', 'passed', 3, 'parse.js']], 10)
  await recordRun(dir, db, 'run-2', [['fetch', 'failed', 1, 'net.js'], ['parse', 'passed', 3, 'parse.js']], 12)
  await recordRun(dir, db, 'run-3', [['fetch', 'passed', 1, 'net.js'], ['parse', 'passed', 3, 'parse.js']], 14)
  const history = await History.open(db)

  const runs = await history.runs()
  assert.deepEqual(runs.map((r) => [r.run.runKey, r.run.status, r.run.branch, r.counts.total, r.counts.failed]),
    [['run-3', 'passed', 'main', 2, 0], ['run-2', 'failed', 'main', 2, 1], ['run-1', 'passed', 'main', 2, 0]])
  assert.deepEqual((await history.runs({ limit: 1 })).map((r) => r.run.runKey), ['run-3'])
  assert.deepEqual((await history.runs({ commitSha: 'run-2' })).map((r) => r.run.runKey), ['run-2'])
  assert.deepEqual(await history.runs({ branch: 'other' }), [])

  const cases = await history.cases('run-2')
  assert.deepEqual(cases.map((c) => [c.classname, c.name, c.status, c.durationSeconds, c.file]),
    [['net', 'fetch', 'failed', 1, 'net.js'], ['net', 'parse', 'passed', 3, 'parse.js']])
  await assert.rejects(history.cases('no-such-run'), { code: 'TR_NOT_FOUND', message: /no-such-run/ })

  const flaky = await history.flaky()
  assert.deepEqual(flaky.map((f) => [f.fullName, f.flips, f.runs, f.failures, f.testId]),
    [['net.fetch', 2, 3, 1, cases[0].id]])
  assert.deepEqual(await history.flaky({ branch: 'other' }), [])

  // parse.js takes 3 s, net.js 1 s, new.js has no history (the median, 2 s).
  const files = ['net.js', 'parse.js', 'new.js']
  assert.deepEqual(await history.split({ tests: files, shardIndex: 0, shardTotal: 2, byFile: true }), ['parse.js'])
  assert.deepEqual(await history.split({ tests: files, shardIndex: 1, shardTotal: 2, byFile: true }), ['new.js', 'net.js'])

  const trends = await history.trends({ metric: 'frame_ms', grouping: 'branch' })
  assert.equal(trends.better, 'lower')
  assert.equal(trends.points, 3)
  assert.deepEqual(
    [trends.overall.summary.count, trends.overall.summary.mean, trends.overall.summary.min, trends.overall.summary.max, trends.overall.summary.p50],
    [3, 12, 10, 14, 12],
  )
  assert.deepEqual(trends.groups.map((g) => [g.group, g.runs]), [['main', 3]])
  assert.deepEqual((await history.trends({ metric: 'missing' })).points, 0)

  const other = await History.open(path.join(dir, 'combined.db'))
  assert.deepEqual(await other.merge(db), { runsAdded: 3, runsSkipped: 0, cases: 6, metrics: 3, artifacts: 0 })
  assert.deepEqual(await other.merge(db), { runsAdded: 0, runsSkipped: 3, cases: 0, metrics: 0, artifacts: 0 })
})
