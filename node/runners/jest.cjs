// Jest: `reporters: ['default', 'testrelay/jest']` (or
// `['testrelay/jest', { ...TestReporter options }]`). Each test is recorded
// when Jest reports its result (onTestCaseResult; a failed test when its
// file ends, as Jest may still retry it); the run ends in onRunComplete,
// which Jest waits for. Jest's exit code is its own.
//
// Mapping: ancestor titles are the classname, the test file the suite;
// the line comes from Jest's location data (set `testLocationInResults:
// true`). `jest.retryTimes()` retries become attempts (Jest's retry reasons
// for the failed ones): a test that passed after failing is flaky.
// `skip`/`todo`/disabled are skipped (`todo` says so; Jest gives no skip
// reason). A failing `beforeAll`/`beforeEach` fails the tests it ran
// for, as Jest reports it. A file that failed outside its tests (an
// `afterAll` hook, a syntax error) is an `error` case named after the
// file. Jest gives console output per file, not per test: none is recorded.
'use strict'

const { RunnerSession, testCase, attempt, finalStatus, relativeFile } = require('./common.cjs')

const SKIPPED = { skipped: 'skipped', pending: 'skipped', disabled: 'disabled', todo: 'todo' }

/** The Jest reporter. */
class TestrelayJestReporter {
  /** `options`: the TestReporter keys (Jest's reporter options). */
  constructor(globalConfig, options) {
    this.session = new RunnerSession('jest', options)
    this.recorded = new Set()
  }

  onTestCaseResult(test, result) {
    // Jest reports each attempt of a retried test: a failure may be
    // retried, so failed tests are recorded with their file's results.
    if (result.status !== 'failed') this.recordCase(test.path, result)
  }

  onTestFileResult(test, testResult) {
    // Failed tests, and results Jest did not report one by one.
    for (const result of testResult.testResults ?? []) this.recordCase(test.path, result)
    const error = testResult.testExecError
    if (error) {
      const file = relativeFile(test.path)
      this.session.record(testCase({
        name: file, file: test.path, status: 'error',
        error: { message: error.message ?? String(error), stack: error.stack ?? testResult.failureMessage },
      }))
    }
  }

  recordCase(file, r) {
    const key = `${file}\u001f${r.ancestorTitles.join('\u001f')}\u001f${r.title}\u001f${r.location?.line ?? ''}`
    if (this.recorded.has(key)) return
    this.recorded.add(key)
    // The error's own message (failureDetails), Jest's formatted failure as the details.
    const detail = r.failureDetails?.[0]
    const failure = r.failureMessages?.length
      ? { message: typeof detail?.message === 'string' ? detail.message : r.failureMessages[0], stack: r.failureMessages.join('\n') }
      : undefined
    const base = { name: r.title, titles: r.ancestorTitles, file, line: r.location?.line, durationMs: r.duration ?? 0 }
    if (SKIPPED[r.status]) {
      const message = r.status === 'todo' ? 'todo' : r.status === 'disabled' ? 'disabled' : undefined
      this.session.record(testCase({ ...base, status: 'skipped', message }))
      return
    }
    const status = r.status === 'failed' ? 'failed' : 'passed'
    const invocations = Math.max(1, r.invocations ?? 1)
    const attempts = []
    if (invocations > 1) {
      const reasons = r.retryReasons ?? []
      for (let i = 0; i < invocations - 1; i++) {
        const reason = reasons[i]
        attempts.push(attempt('failed', 0, reason === undefined ? 'failed (Jest gave no reason)' : { message: reason.split('\n')[0], stack: reason }))
      }
      attempts.push(attempt(status, r.duration ?? 0, failure))
    }
    this.session.record(testCase({
      ...base,
      status: attempts.length > 0 ? finalStatus(attempts) : status,
      error: failure,
      attempts,
    }))
  }

  onRunComplete() {
    return this.session.finish().then(() => undefined)
  }

  getLastError() {
    return undefined
  }
}

module.exports = TestrelayJestReporter
module.exports.default = TestrelayJestReporter
