// Vitest: `reporters: ['default', 'testrelay/vitest']` (or
// `['testrelay/vitest', { ...TestReporter options }]`). Each test is
// recorded when Vitest reports its result (onTestCaseResult); the run ends
// in onTestRunEnd, which Vitest waits for. Vitest's exit code is its own.
//
// Mapping: the suite names are the classname, the test module the suite,
// the line Vitest's location (set `includeTaskLocation: true`). `retry`
// retries become attempts: a test that passed after failing is flaky.
// `skip` (with the note of `ctx.skip(note)`) and `todo` are skipped. A
// failing `beforeEach` fails its test, as Vitest reports it; a suite or a
// file whose own code or `beforeAll`/`afterAll` hook failed is an `error`
// case named after it (the suite's tests are skipped, as Vitest reports
// them). Console output is recorded with the test that wrote it when
// Vitest delivers it before the test's result.
'use strict'

const { RunnerSession, testCase, attempt, finalStatus, relativeFile } = require('./common.cjs')

/** The suite names above `entity`. */
function suiteNames(entity) {
  const out = []
  for (let s = entity.parent; s && s.type === 'suite'; s = s.parent) out.unshift(s.name)
  return out
}

function toError(e) {
  if (!e) return undefined
  return { message: e.message ?? String(e), stack: e.stack ?? e.stackStr ?? e.message }
}

/** The Vitest reporter. */
class TestrelayVitestReporter {
  /** `options`: the TestReporter keys (Vitest's reporter options). */
  constructor(options = {}) {
    this.session = new RunnerSession('vitest', options)
    this.output = new Map()
  }

  onUserConsoleLog(log) {
    if (!log.taskId) return
    const out = this.output.get(log.taskId) ?? { stdout: '', stderr: '' }
    if (log.type === 'stderr') out.stderr += log.content
    else out.stdout += log.content
    this.output.set(log.taskId, out)
  }

  onTestCaseResult(test) {
    const result = test.result()
    const diagnostic = test.diagnostic?.() ?? {}
    const output = this.output.get(test.id) ?? {}
    this.output.delete(test.id)
    const base = {
      name: test.name, titles: suiteNames(test), file: test.module.moduleId, line: test.location?.line,
      durationMs: diagnostic.duration ?? 0, stdout: output.stdout, stderr: output.stderr,
    }
    if (result.state === 'skipped' || result.state === 'pending') {
      const todo = test.options?.mode === 'todo'
      this.session.record(testCase({ ...base, status: 'skipped', message: todo ? 'todo' : result.note ?? 'skipped' }))
      return
    }
    const errors = result.errors ?? []
    const status = result.state === 'failed' ? 'failed' : 'passed'
    const retries = diagnostic.retryCount ?? 0
    const attempts = []
    if (retries > 0) {
      // Vitest keeps the errors of the failed attempts before the last one's.
      const earlier = status === 'failed' ? errors.slice(0, -1) : errors
      for (let i = 0; i < retries; i++) {
        attempts.push(attempt('failed', 0, toError(earlier[i]) ?? 'failed (Vitest kept no error for this attempt)'))
      }
      attempts.push(attempt(status, diagnostic.duration ?? 0, status === 'failed' ? toError(errors.at(-1)) : undefined))
    }
    this.session.record(testCase({
      ...base,
      status: attempts.length > 0 ? finalStatus(attempts) : status,
      error: status === 'failed' ? toError(errors.at(-1)) : undefined,
      attempts,
    }))
  }

  onTestSuiteResult(suite) {
    const errors = suite.errors?.() ?? []
    if (errors.length === 0) return
    this.session.record(testCase({
      name: suite.name, titles: suiteNames(suite), file: suite.module.moduleId, line: suite.location?.line,
      status: 'error', error: toError(errors[0]),
    }))
  }

  onTestModuleEnd(module) {
    const errors = module.errors?.() ?? []
    if (errors.length === 0) return
    this.session.record(testCase({
      name: relativeFile(module.moduleId), file: module.moduleId, status: 'error', error: toError(errors[0]),
    }))
  }

  onTestRunEnd(modules, unhandledErrors = []) {
    for (const e of unhandledErrors) {
      this.session.record(testCase({ name: 'unhandled error', status: 'error', error: toError(e) }))
    }
    return this.session.finish().then(() => undefined)
  }
}

module.exports = TestrelayVitestReporter
module.exports.default = TestrelayVitestReporter
