// The runner reporters' shared pieces without a runner (the runners
// themselves: scripts/test-runners-js.sh): options from text, the case
// shape, attempts, and a finish that never rejects into the runner.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { test } from 'node:test'

import { History } from '../index.mjs'
import { localOptions, tempDir } from '../test-support/helpers.mjs'

const require = createRequire(import.meta.url)
const { RunnerSession, testCase, attempt, finalStatus, errorText } = require('../runners/common.cjs')
const nodeTestReporter = require('../runners/node-test.cjs')

test('TESTRELAY_OPTIONS must be a JSON object', () => {
  assert.deepEqual(nodeTestReporter.optionsFromEnvironment({}), {})
  assert.deepEqual(nodeTestReporter.optionsFromEnvironment({ TESTRELAY_OPTIONS: '{"ciSystem":"local"}' }), { ciSystem: 'local' })
  assert.throws(() => nodeTestReporter.optionsFromEnvironment({ TESTRELAY_OPTIONS: '{ciSystem' }), /TESTRELAY_OPTIONS is not JSON/)
  assert.throws(() => nodeTestReporter.optionsFromEnvironment({ TESTRELAY_OPTIONS: '[1]' }), /must be a JSON object/)
})

test('text options (Mocha) become the TestReporter types; unknown keys are refused', () => {
  const dir = tempDir()
  const session = new RunnerSession('mocha', {
    ...localOptions(dir), enablePrComments: 'false', prNumber: '7', reportFormats: 'junit+json', timeouts: '{"finishSecs":5}',
  })
  assert.ok(session.reporter)
  assert.throws(() => new RunnerSession('mocha', { ...localOptions(dir), colour: 'yes' }), { code: 'TR_CONFIGURATION' })
})

test('cases: relative file, describe path, colour codes dropped, attempts decide flaky', () => {
  const file = path.join(process.cwd(), 'spec', 'a.test.js')
  const err = new Error('\u001b[31mexpected 2\u001b[39m\nmore')
  const c = testCase({ name: 'adds', titles: ['math', 'ints'], file, line: 4, status: 'failed', durationMs: 1500, error: err })
  assert.deepEqual([c.name, c.classname, c.suite, c.file, c.line, c.durationSeconds, c.message],
    ['adds', 'math › ints', 'spec/a.test.js', 'spec/a.test.js', 4, 1.5, 'expected 2'])
  assert.ok(!c.details.includes('\u001b'))
  assert.deepEqual(errorText('boom\nat x'), { message: 'boom', details: 'boom\nat x' })
  assert.equal(finalStatus([attempt('failed', 1, 'no'), attempt('passed', 1)]), 'flaky')
  assert.equal(finalStatus([attempt('failed', 1, 'no'), attempt('failed', 1, 'no')]), 'failed')
  assert.equal(finalStatus([attempt('passed', 1)]), 'passed')
})

test('finish resolves null and says why when the run cannot be stored, instead of rejecting', async () => {
  const dir = tempDir()
  const notADatabase = path.join(dir, 'history.db')
  fs.writeFileSync(notADatabase, 'this is not SQLite, and long enough to be looked at as a database header')
  const session = new RunnerSession('jest', { ...localOptions(dir), historyPath: notADatabase })
  session.record(testCase({ name: 'a', status: 'passed' }))
  const lines = []
  const summary = await session.finish((line) => lines.push(line))
  assert.equal(summary, null)
  assert.match(lines.join(''), /^testrelay: the run could not be reported: TR_DATABASE: /)
})

test('a session records what it is given and prints one line', async () => {
  const dir = tempDir()
  const session = new RunnerSession('vitest', localOptions(dir))
  session.record(testCase({ name: 'a', status: 'passed' }))
  session.record(testCase({ name: 'b', status: 'flaky', attempts: [attempt('failed', 1, 'x'), attempt('passed', 1)] }))
  const lines = []
  const summary = await session.finish((line) => lines.push(line))
  assert.equal(summary.runName, 'vitest')
  assert.match(lines[0], /^testrelay: vitest: 2 tests, 1 passed, 0 failed, 0 errors, 0 skipped, 1 flaky \(reports: /)
  const [run] = await (await History.open(path.join(dir, 'history.db'))).runs()
  assert.deepEqual([run.counts.total, run.counts.flaky], [2, 1])
})
