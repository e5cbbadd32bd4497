// Mocha: `mocha --reporter testrelay/mocha` (or `reporter:
// 'testrelay/mocha'` in .mocharc). Options are Mocha's reporter options
// (`--reporter-option historyPath=h.db`, `reporterOptions: {...}` in
// .mocharc) with the TestReporter keys; `reporter` names a Mocha reporter
// to print as well (`--reporter-option reporter=spec`), which gets the
// same options. Mocha waits for the run to end (`done`), and its exit code
// is its own.
//
// Mapping: the suite titles are the classname, the file (Mocha's only
// location data: it has no line) the suite. `this.retries(n)` retries
// become attempts: a test that passed after failing is flaky. Pending
// tests (`it.skip`, `this.skip()`, a test without a function) are skipped
// (Mocha has no reason). A failing `beforeEach` hook is an
// `error` on the test it ran for; a failing `before`/`after`/`afterEach`
// hook an `error` case on its suite named after the hook (`"before all"
// hook`, `"after each" hook for "<test>"`):
// Mocha does not run, nor report, the suite's remaining tests. In a serial
// run the console output a test writes (stdout, stderr) is recorded with
// it, and still printed.
'use strict'

const path = require('node:path')
const { createRequire } = require('node:module')
const { RunnerSession, testCase, attempt, finalStatus } = require('./common.cjs')

/** Mocha itself: the peer dependency, or the project's copy. */
function loadMocha() {
  let mocha
  try {
    mocha = require('mocha')
  } catch {
    mocha = createRequire(path.join(process.cwd(), 'package.json'))('mocha')
  }
  // Mocha 12 is an ES module re-exporting its CommonJS build.
  return mocha.Runner ? mocha : mocha.default
}

/** The suite titles above `runnable` (the root suite's empty title left out). */
function titles(suite) {
  const out = []
  for (let s = suite; s && !s.root; s = s.parent) out.unshift(s.title)
  return out
}

function attemptKey(test) {
  return `${test.file ?? ''}\u001f${test.fullTitle()}`
}

/** Copies what is written to `stream` while a test runs; the text still goes out. */
class Capture {
  constructor(stream) {
    this.stream = stream
    this.original = null
    this.chunks = []
  }

  start() {
    this.stop()
    this.chunks = []
    const original = this.stream.write
    this.original = original
    const chunks = this.chunks
    this.stream.write = function write(chunk, ...rest) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
      return original.call(this, chunk, ...rest)
    }
  }

  /** Stops copying; returns the text (undefined when none). */
  stop() {
    if (this.original) {
      this.stream.write = this.original
      this.original = null
    }
    const text = this.chunks.join('')
    this.chunks = []
    return text === '' ? undefined : text
  }
}

/** The Mocha reporter. */
class TestrelayMochaReporter {
  constructor(runner, options = {}) {
    const { reporter: inner, ...reporterOptions } = options.reporterOption ?? options.reporterOptions ?? {}
    this.session = new RunnerSession('mocha', reporterOptions)
    const Mocha = loadMocha()
    const { constants } = Mocha.Runner
    // A retried test is a clone: attempts are kept by file and full title.
    this.attempts = new Map()
    const parallel = Boolean(options.parallel)
    const out = new Capture(process.stdout)
    const err = new Capture(process.stderr)
    const stopCapture = () => ({ stdout: out.stop(), stderr: err.stop() })

    runner.on(constants.EVENT_TEST_BEGIN, () => {
      if (!parallel) {
        out.start()
        err.start()
      }
    })
    runner.on(constants.EVENT_TEST_RETRY, (test, error) => {
      const key = attemptKey(test)
      const list = this.attempts.get(key) ?? []
      list.push(attempt('failed', test.duration, error))
      this.attempts.set(key, list)
      stopCapture()
      if (!parallel) {
        out.start()
        err.start()
      }
    })
    runner.on(constants.EVENT_TEST_PASS, (test) => this.recordTest(test, 'passed', undefined, stopCapture()))
    runner.on(constants.EVENT_TEST_FAIL, (runnable, error) => {
      const output = stopCapture()
      if (runnable.type !== 'hook') {
        this.recordTest(runnable, 'failed', error, output)
        return
      }
      const hookTitle = runnable.originalTitle ?? runnable.title
      const current = runnable.ctx?.currentTest
      if (/^"before each" hook/.test(hookTitle) && current) {
        this.recordTest(current, 'error', error, output, `${hookTitle} failed`)
        return
      }
      const suite = runnable.parent
      this.session.record(testCase({
        // An "after each" hook's title names its test, which passed already.
        name: /^"after each" hook/.test(hookTitle) ? runnable.title : hookTitle, titles: titles(suite), file: runnable.file ?? suite?.file, status: 'error',
        durationMs: runnable.duration, error, ...output,
      }))
    })
    runner.on(constants.EVENT_TEST_PENDING, (test) => {
      stopCapture()
      this.session.record(testCase({
        name: test.title, titles: titles(test.parent), file: test.file, status: 'skipped', message: 'pending',
      }))
    })
    runner.once(constants.EVENT_RUN_END, () => {
      stopCapture()
    })

    if (inner !== undefined && inner !== '') {
      const Inner = Mocha.reporters[inner] ?? Mocha.reporters[inner[0].toUpperCase() + inner.slice(1)]
        ?? createRequire(path.join(process.cwd(), 'package.json'))(inner)
      this.inner = new Inner(runner, { ...options, reporterOption: reporterOptions, reporterOptions })
    }
  }

  recordTest(test, status, error, output, prefix) {
    const earlier = this.attempts.get(attemptKey(test)) ?? []
    this.attempts.delete(attemptKey(test))
    const attempts = earlier.length > 0 ? [...earlier, attempt(status, test.duration, error)] : []
    let err = error
    if (prefix && error) {
      err = new Error(`${prefix}: ${error.message}`)
      err.stack = `${prefix}: ${error.stack ?? error.message}`
    }
    this.session.record(testCase({
      name: test.title, titles: titles(test.parent), file: test.file,
      status: attempts.length > 0 ? finalStatus(attempts) : status,
      durationMs: test.duration, error: err, attempts, ...output,
    }))
  }

  /** Mocha calls this at the end and exits after `fn`. */
  done(failures, fn) {
    const finishInner = () => {
      if (this.inner && typeof this.inner.done === 'function') this.inner.done(failures, fn)
      else fn(failures)
    }
    this.session.finish().then(finishInner, finishInner)
  }
}

module.exports = TestrelayMochaReporter
module.exports.default = TestrelayMochaReporter
