// The full session: record, metrics, artifacts, properties, finish, hooks,
// and many reporters at once.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { inspect } from 'node:util'
import { test } from 'node:test'
import { createRequire } from 'node:module'

import testrelay, { TestReporter, History, version } from '../index.mjs'
import { localOptions, tempDir } from '../test-support/helpers.mjs'

const settle = () => new Promise((resolve) => setImmediate(resolve))

test('ESM and CommonJS entry points export the same module', () => {
  const cjs = createRequire(import.meta.url)('..')
  assert.equal(testrelay, cjs)
  assert.equal(createRequire(import.meta.url)('../index.js'), cjs)
  assert.equal(TestReporter, cjs.TestReporter)
  assert.deepEqual(Object.keys(cjs).filter((k) => !k.startsWith('__')).sort(),
    ['History', 'TestReporter', 'detectEnvironment', 'parseJUnit', 'parseResults', 'version'])
  assert.equal(version(), JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url))).version)
})

test('a full session is recorded, reported and stored', async () => {
  const dir = tempDir()
  const artifact = path.join(dir, 'screenshot.png')
  fs.writeFileSync(artifact, 'not really a png')
  const reporter = new TestReporter(localOptions(dir, { testRunId: 'session-1', runName: 'unit' }))
  reporter.record({ name: 'adds', classname: 'math', status: 'passed', durationSeconds: 0.25 })
  reporter.record({ name: 'divides', classname: 'math', status: 'failed', message: 'expected 2, got 3', file: 'math.js', line: 12 })
  reporter.record({ name: 'later', classname: 'math', status: 'skipped' })
  reporter.recordMetric({ name: 'frame_ms', value: 16.5, unit: 'ms' })
  reporter.attachArtifact(artifact, { kind: 'screenshot' })
  reporter.setProperty('gpu', 'llvmpipe')
  assert.equal(reporter.runKey, 'session-1')
  const summary = await reporter.finish()
  assert.equal(summary.runName, 'unit')
  assert.equal(summary.provider, 'local')
  assert.deepEqual(
    { ...summary.result, durationSeconds: 0 },
    {
      testRunId: 'session-1', status: 'failed', totalTests: 3, passedTests: 1, failedTests: 1,
      skippedTests: 1, errorTests: 0, flakyTests: 0, durationSeconds: 0, metadata: { gpu: 'llvmpipe' },
    },
  )
  assert.deepEqual(summary.notDelivered, [])
  assert.deepEqual(summary.reports.map((p) => path.basename(p)).sort(),
    ['junit.xml', 'report.html', 'results.json', 'run.json', 'summary.md'])
  assert.equal(summary.timedOut, false)
  // A second finish gives the same summary; recording after it is refused.
  assert.deepEqual(await reporter.finish(), summary)
  assert.throws(() => reporter.record({ name: 'late' }), { name: 'Error', code: 'TR_INVALID_ARGUMENT', message: /finished/ })
  const history = await History.open(path.join(dir, 'history.db'))
  const cases = await history.cases('session-1')
  assert.deepEqual(cases.map((c) => [c.name, c.status, c.line]), [['adds', 'passed', null], ['divides', 'failed', 12], ['later', 'skipped', null]])
  assert.equal(cases[1].message, 'expected 2, got 3')
})

test('the token never shows in inspect output, errors or reports', async () => {
  const dir = tempDir()
  const token = 'ghp_supersecret_token_value'
  const reporter = new TestReporter(localOptions(dir, { apiToken: token }))
  assert.equal(inspect(reporter, { showHidden: true, depth: 5 }).includes(token), false)
  assert.throws(() => new TestReporter({ apiToken: token, prNumber: 'seven' }), (e) => !e.message.includes(token))
  reporter.record({ name: 'a' })
  const summary = await reporter.finish()
  assert.equal(JSON.stringify(summary).includes(token), false)
  for (const file of summary.reports) assert.equal(fs.readFileSync(file, 'utf8').includes(token), false)
})

test('hooks run on the JS thread with camelCase payloads; runStarted reaches every hook once', async () => {
  const dir = tempDir()
  const reporter = new TestReporter(localOptions(dir, { testRunId: 'hooks-1' }))
  const seen = []
  reporter.on('runStarted', (p) => seen.push(['runStarted', p.runKey]))
  reporter.on('caseRecorded', (c) => seen.push(['caseRecorded', c.name, c.status, c.durationSeconds, c.id.length]))
  reporter.on('metricRecorded', (m) => seen.push(['metricRecorded', m.name, m.value, m.unit]))
  reporter.on('runFinished', (s) => seen.push(['runFinished', s.result.totalTests, s.result.failedTests]))
  reporter.record({ name: 'one', status: 'passed', durationSeconds: 0.5 })
  reporter.record({ name: 'two', status: 'failed' })
  reporter.recordMetric({ name: 'mem', value: 42, unit: 'MiB' })
  // Registered after the run started, a runStarted hook still hears it once.
  let late = 0
  reporter.on('runStarted', (p) => { assert.equal(p.runKey, 'hooks-1'); late += 1 })
  await reporter.finish()
  await settle()
  assert.equal(late, 1)
  assert.deepEqual(seen, [
    ['runStarted', 'hooks-1'],
    ['caseRecorded', 'one', 'passed', 0.5, 16],
    ['caseRecorded', 'two', 'failed', 0, 16],
    ['metricRecorded', 'mem', 42, 'MiB'],
    ['runFinished', 2, 1],
  ])
})

test('a hook that throws is reported and the run goes on', async () => {
  const dir = tempDir()
  const reporter = new TestReporter(localOptions(dir))
  let calls = 0
  reporter.on('caseRecorded', () => {
    calls += 1
    throw new Error('hook failure on purpose')
  })
  for (let i = 0; i < 5; i++) reporter.record({ name: `case ${i}` })
  const summary = await reporter.finish()
  await settle()
  assert.equal(calls, 5)
  assert.equal(summary.result.totalTests, 5)
})

test('eight reporters at once, each in its own directory', async () => {
  const dirs = Array.from({ length: 8 }, () => tempDir())
  const reporters = dirs.map((dir, i) => new TestReporter(localOptions(dir, { testRunId: `parallel-${i}` })))
  reporters.forEach((reporter, i) => {
    for (let n = 0; n < 500 + i; n++) {
      reporter.record({ name: `t${n}`, classname: `shard${i}`, status: n % 50 === 0 ? 'failed' : 'passed' })
    }
  })
  const summaries = await Promise.all(reporters.map((r) => r.finish()))
  summaries.forEach((s, i) => {
    assert.equal(s.result.testRunId, `parallel-${i}`)
    assert.equal(s.result.totalTests, 500 + i)
    assert.equal(s.result.failedTests, 10 + (i > 0 ? 1 : 0))
    assert.deepEqual(s.notDelivered, [])
  })
  for (const [i, dir] of dirs.entries()) {
    const history = await History.open(path.join(dir, 'history.db'))
    const runs = await history.runs()
    assert.deepEqual(runs.map((r) => [r.run.runKey, r.counts.total]), [[`parallel-${i}`, 500 + i]])
  }
})

test('historyPath: null turns the history off; other nulls mean "not given"', async () => {
  const dir = tempDir()
  const reporter = new TestReporter({ ciSystem: 'local', outputDir: path.join(dir, 'out'), historyPath: null, testRunId: undefined, apiToken: null })
  reporter.record({ name: 'a' })
  const summary = await reporter.finish()
  assert.equal(summary.historyPath, null)
  assert.deepEqual(fs.readdirSync(dir), ['out'])
  assert.equal(summary.result.totalTests, 1)
})
