// Errors carry a TR_* code; wrong types are TypeErrors; hostile input never
// crashes the process.
import assert from 'node:assert/strict'
import path from 'node:path'
import { inspect } from 'node:util'
import { test } from 'node:test'

import { TestReporter, History, parseJUnit, detectEnvironment } from '../index.mjs'
import { localOptions, tempDir } from '../test-support/helpers.mjs'

const typeError = (code = 'TR_INVALID_ARGUMENT') => ({ name: 'TypeError', code })

test('options: wrong types are TypeErrors, unknown keys and bad values TR_CONFIGURATION', () => {
  for (const bad of [5, 'github', true, [1]]) assert.throws(() => new TestReporter(bad), typeError(), String(bad))
  assert.throws(() => new TestReporter({ prNumber: 'seven' }), typeError('TR_CONFIGURATION'))
  assert.throws(() => new TestReporter({ retry: 3 }), typeError('TR_CONFIGURATION'))
  assert.throws(() => new TestReporter({ enablePrComents: false }), {
    name: 'Error', code: 'TR_CONFIGURATION', message: /unknown field `enablePrComents`/,
  })
  assert.throws(() => new TestReporter({ retry: { maxAttempt: 2 } }), { code: 'TR_CONFIGURATION', message: /`maxAttempt`/ })
  assert.throws(() => new TestReporter({ ciSystem: 'local', provider: 'local' }), { code: 'TR_CONFIGURATION' })
  assert.throws(() => new TestReporter({ reportFormats: ['pdf'] }), { code: 'TR_CONFIGURATION', message: /pdf/ })
  assert.throws(() => new TestReporter({ retry: { maxAttempts: 0 } }), { code: 'TR_CONFIGURATION' })
  // undefined and null mean "not given".
  new TestReporter(undefined)
  new TestReporter({ apiToken: undefined, repository: null })
})

test('an unknown provider rejects finish with TR_CONFIGURATION', async () => {
  const dir = tempDir()
  const reporter = new TestReporter(localOptions(dir, { ciSystem: 'nope' }))
  await assert.rejects(reporter.finish(), { name: 'Error', code: 'TR_CONFIGURATION', message: /nope/ })
})

test('hostile inputs throw or reject, and never crash', async () => {
  const dir = tempDir()
  const reporter = new TestReporter(localOptions(dir))
  const cases = [undefined, null, 5, 'name', [], () => {}, Symbol('s'), {}, { name: '' }, { name: 5 },
    { name: 'x', status: 3 }, { name: 'x', line: -1 }, { name: 'x', line: 1.5 }, { name: 'x', durationSeconds: -1 },
    { name: 'x', durationSeconds: NaN }, { name: 'x', durationSeconds: Infinity }, { name: 'x', properties: { a: 1 } },
    { name: 'x', attempts: 'many' }, ]
  for (const value of cases) {
    assert.throws(() => reporter.record(value), (e) => e instanceof Error && e.code === 'TR_INVALID_ARGUMENT',
      `record(${inspect(value)})`)
  }
  for (const value of [undefined, null, 5, 'name', () => {}, Symbol('s'), {}, { name: 5 }, { name: 'x', durationSeconds: NaN }]) {
    assert.throws(() => reporter.record(value), typeError(), `record(${inspect(value)})`)
  }
  assert.throws(() => reporter.record({ name: 'x', status: 'exploded' }), { name: 'Error', code: 'TR_INVALID_ARGUMENT', message: /exploded/ })
  assert.throws(() => reporter.record(), typeError())
  assert.throws(() => reporter.recordMetric({ name: 'm' }), typeError())
  assert.throws(() => reporter.recordMetric({ name: 'm', value: 'fast' }), typeError())
  assert.throws(() => reporter.attachArtifact(path.join(dir, 'missing.png')), { code: 'TR_NOT_FOUND' })
  assert.throws(() => reporter.attachArtifact(5), typeError())
  assert.throws(() => reporter.attachArtifact(path.join(dir, 'x'), 'labels'), typeError())
  assert.throws(() => reporter.setProperty('k'), typeError())
  assert.throws(() => reporter.on('caseRecorded', 'not a function'), typeError())
  assert.throws(() => reporter.on('explode', () => {}), { code: 'TR_INVALID_ARGUMENT', message: /unknown event/ })
  assert.throws(() => reporter.finish('soon'), typeError())
  assert.throws(() => reporter.finish(-5), typeError())
  assert.throws(() => reporter.reportFailure(42), typeError())
  assert.throws(() => reporter.reportResults({ totalTests: 'all' }), typeError())
  assert.throws(() => reporter.reportResults(null), typeError())

  // Invalid UTF-16 (lone surrogates) becomes U+FFFD, and huge strings pass.
  reporter.record({ name: 'lone \uD800 surrogate \uDFFF', classname: '\uDBFF' })
  const huge = 'x'.repeat(64 * 1024 * 1024)
  reporter.record({ name: huge, status: 'passed' })
  reporter.setProperty('\uD800', huge)
  const summary = await reporter.finish()
  assert.equal(summary.result.totalTests, 2)
  const cases2 = await (await History.open(path.join(dir, 'history.db'))).cases(summary.result.testRunId)
  assert.equal(cases2[0].name, 'lone \uFFFD surrogate \uFFFD')
  assert.equal(cases2[1].name.length, huge.length)

  // After finish: finish again resolves the same summary; the rest is refused.
  assert.deepEqual(await reporter.finish(), summary)
  assert.throws(() => reporter.record({ name: 'late' }), { code: 'TR_INVALID_ARGUMENT' })
  assert.throws(() => reporter.recordMetric({ name: 'm', value: 1 }), { code: 'TR_INVALID_ARGUMENT' })
  assert.throws(() => reporter.setProperty('k', 'v'), { code: 'TR_INVALID_ARGUMENT' })
  await assert.rejects(reporter.reportFailure('late'), { code: 'TR_INVALID_ARGUMENT' })
  await assert.rejects(reporter.reportResults({ totalTests: 0, passedTests: 0, failedTests: 0, skippedTests: 0 }), { code: 'TR_INVALID_ARGUMENT' })
})

test('reportResults checks the tally against the recorded cases', async () => {
  const dir = tempDir()
  const reporter = new TestReporter(localOptions(dir))
  await assert.rejects(reporter.reportResults({ totalTests: 1, passedTests: 2, failedTests: 0, skippedTests: 0 }), { code: 'TR_INVALID_ARGUMENT', message: /exceed/ })
  await assert.rejects(reporter.reportResults({ totalTests: 1, passedTests: 1, failedTests: 0, skippedTests: 0, duration: -1 }), typeError())
  reporter.record({ name: 'a', status: 'passed' })
  reporter.record({ name: 'b', status: 'error' })
  await assert.rejects(reporter.reportResults({ totalTests: 2, passedTests: 2, failedTests: 0, skippedTests: 0 }), { code: 'TR_INVALID_ARGUMENT', message: /disagree/ })
  assert.equal(await reporter.reportResults({ totalTests: 2, passedTests: 1, failedTests: 1, skippedTests: 0, duration: 3 }), true)
  const summary = await reporter.finish()
  assert.deepEqual([summary.result.status, summary.result.totalTests, summary.result.errorTests, summary.result.durationSeconds], ['failed', 2, 1, 3])
})

test('history and stateless calls reject or throw with codes', async () => {
  const dir = tempDir()
  await assert.rejects(History.open(dir), { code: 'TR_DATABASE', message: /cannot open the history/ })
  const notHistory = path.join(dir, 'plain.txt')
  await import('node:fs').then((fs) => fs.writeFileSync(notHistory, 'hello, not sqlite'.repeat(100)))
  await assert.rejects(History.open(notHistory), { code: 'TR_DATABASE' })
  const history = await History.open(path.join(dir, 'h.db'))
  await assert.rejects(history.trends({ metric: 'm', grouping: 'planet' }), { code: 'TR_INVALID_ARGUMENT', message: /planet/ })
  await assert.rejects(history.split({ tests: ['a'], shardIndex: 3, shardTotal: 2 }), { code: 'TR_INVALID_ARGUMENT' })
  await assert.rejects(history.flaky({ window: 0 }), { code: 'TR_INVALID_ARGUMENT' })
  assert.throws(() => history.flaky({ windw: 3 }), { code: 'TR_INVALID_ARGUMENT', message: /windw/ })
  assert.throws(() => history.split({ tests: 'a', shardIndex: 0, shardTotal: 1 }), typeError())
  assert.throws(() => history.trends(), typeError())
  await assert.rejects(history.merge(path.join(dir, 'missing.db')), { code: 'TR_NOT_FOUND' })
  await assert.rejects(parseJUnit(path.join(dir, 'missing.xml')), { code: 'TR_NOT_FOUND' })
  const broken = path.join(dir, 'broken.xml')
  await import('node:fs').then((fs) => fs.writeFileSync(broken, '<testsuite><testcase name="a">'))
  await assert.rejects(parseJUnit(broken), { code: 'TR_PARSE', message: /line 1/ })
  assert.throws(() => detectEnvironment('CI=true'), typeError())
  assert.throws(() => detectEnvironment({ CI: 1 }), typeError())
})

test('a getter or Proxy trap that throws while a value is read: its own exception propagates', async () => {
  const dir = tempDir()
  const boom = new RangeError('boom')
  const throwing = (key, extra = {}) => Object.defineProperty({ ...extra }, key, {
    enumerable: true,
    get() {
      throw boom
    },
  })
  const isBoom = (e) => e === boom
  assert.throws(() => new TestReporter(throwing('ciSystem')), isBoom)
  assert.throws(() => new TestReporter(new Proxy({}, { ownKeys() { throw boom } })), isBoom)
  const reporter = new TestReporter(localOptions(dir, { historyPath: null, reportFormats: [] }))
  assert.throws(() => reporter.record(throwing('name')), isBoom)
  assert.throws(() => reporter.record({ name: 'x', attempts: [throwing('message', { status: 'failed' })] }), isBoom)
  assert.throws(() => reporter.recordMetric(throwing('value', { name: 'm' })), isBoom)
  assert.throws(() => reporter.attachArtifact(path.join(dir, 'x'), throwing('label')), isBoom)
  assert.throws(() => detectEnvironment(throwing('CI')), isBoom)
  // Nothing was recorded, and the reporter goes on.
  reporter.record({ name: 'after' })
  assert.equal((await reporter.finish()).result.totalTests, 1)
})
