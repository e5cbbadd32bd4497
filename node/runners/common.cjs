// What the runner reporters (node-test, jest, vitest, mocha, playwright)
// share: one TestReporter per run, the case shape every runner maps to,
// attempts from retries, and a finish that never changes the runner's
// exit code (a problem is printed on stderr instead).
'use strict'

const path = require('node:path')
const { TestReporter } = require('../index.js')

/** The separator of describe blocks in a case's classname. */
const SEPARATOR = ' › '

/**
 * A test file as the reports show it: relative to the working directory
 * (the project root for every runner) with forward slashes, or as given
 * when it is outside it.
 */
function relativeFile(file) {
  if (typeof file !== 'string' || file === '') return undefined
  let f = file.startsWith('file://') ? require('node:url').fileURLToPath(file) : file
  if (path.isAbsolute(f)) {
    const rel = path.relative(process.cwd(), f)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) f = rel
  }
  return f.split(path.sep).join('/')
}

// The colour codes runners put in their error messages (SGR sequences).
const COLOURS = /\u001b\[[0-9;]*m/g

/**
 * Text of an error-like value: `{ message, details }` (details: the
 * stack), without the runner's colour codes.
 */
function errorText(err) {
  if (err === undefined || err === null) return {}
  if (typeof err === 'string') {
    const text = err.replace(COLOURS, '')
    return { message: firstLine(text), details: text }
  }
  const message = (typeof err.message === 'string' ? err.message : String(err)).replace(COLOURS, '')
  const details = typeof err.stack === 'string' && err.stack !== '' ? err.stack.replace(COLOURS, '') : message
  return { message: firstLine(message), details }
}

function firstLine(text) {
  const line = String(text).split('\n').find((l) => l.trim() !== '')
  return (line ?? String(text)).trim()
}

/** Seconds from milliseconds (a missing or bad value is 0). */
function seconds(ms) {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0
}

/** The value of a reporter option given as text (Mocha's `--reporter-option k=v`). */
function typedOption(key, value) {
  if (typeof value !== 'string') return value
  if (value === 'true') return true
  if (value === 'false') return false
  if (key === 'historyPath' && value === 'null') return null
  if (['prNumber', 'updateIntervalSecs', 'commentBudgetBytes'].includes(key) && /^\d+$/.test(value)) {
    return Number(value)
  }
  if (key === 'reportFormats') return value.split(/[\s+;|]+/).filter(Boolean)
  if (['providers', 'retry', 'timeouts'].includes(key)) return JSON.parse(value)
  return value
}

/**
 * One run of a runner: the TestReporter (created from `options`, the
 * runner's reporter options: the keys of `TestReporter`, `runName`
 * defaulting to the runner's name), and counters for the final line.
 * Throws what `new TestReporter()` throws for bad options.
 */
class RunnerSession {
  constructor(runner, options = {}) {
    const opts = {}
    for (const [key, value] of Object.entries(options ?? {})) opts[key] = typedOption(key, value)
    this.runner = runner
    this.reporter = new TestReporter({ runName: runner, ...opts })
    this.problem = null
    this.finished = null
  }

  /**
   * Records one case built by `testCase()`. A recording error (a bug
   * here or a finished run) is kept and printed at the end, not thrown
   * into the runner.
   */
  record(c) {
    try {
      this.reporter.record(c)
    } catch (err) {
      this.problem ??= err
    }
  }

  /** Attaches a file as an artifact with `labels`; a missing file is noted, not thrown. */
  attach(file, labels) {
    try {
      this.reporter.attachArtifact(file, labels)
    } catch (err) {
      this.problem ??= err
    }
  }

  /** Sets a run property (errors kept like `record`). */
  property(key, value) {
    try {
      this.reporter.setProperty(key, String(value))
    } catch (err) {
      this.problem ??= err
    }
  }

  /**
   * Ends the run once and prints one line on stderr (`write` overrides
   * where it goes): the counts and where the reports are, or what went
   * wrong. Resolves with the summary, or `null` when the run could not
   * end; never rejects, so the runner's exit code stays its own.
   */
  finish(write = (line) => process.stderr.write(line)) {
    this.finished ??= this.reporter.finish().then(
      (summary) => {
        const r = summary.result
        let line = `testrelay: ${summary.runName}: ${r.totalTests} tests, ${r.passedTests} passed, ${r.failedTests} failed, ${r.errorTests} errors, ${r.skippedTests} skipped, ${r.flakyTests} flaky`
        if (summary.reports.length > 0) line += ` (reports: ${path.dirname(summary.reports[0])})`
        write(`${line}\n`)
        for (const p of summary.notDelivered) write(`testrelay: ${p.operation} not delivered: ${p.kind}: ${p.message}\n`)
        if (this.problem) write(`testrelay: a result could not be recorded: ${this.problem.message}\n`)
        return summary
      },
      (err) => {
        write(`testrelay: the run could not be reported: ${err.code ? `${err.code}: ` : ''}${err.message}\n`)
        return null
      },
    )
    return this.finished
  }
}

/**
 * A case for `record()`: `file` made relative, the describe path
 * (`titles`) as the classname, the file as the suite, empty fields left
 * out.
 */
function testCase({ name, titles = [], file, line, status, durationMs, error, stdout, stderr, attempts, message, properties }) {
  const rel = relativeFile(file)
  const c = {
    name: String(name),
    classname: titles.filter((t) => t !== '').join(SEPARATOR),
    suite: rel ?? '',
    status,
    durationSeconds: seconds(durationMs),
  }
  if (rel !== undefined) c.file = rel
  if (Number.isInteger(line) && line > 0) c.line = line
  const text = errorText(error)
  if (text.message !== undefined) {
    c.message = text.message
    c.details = text.details
  }
  if (message !== undefined && message !== '') c.message = String(message)
  if (stdout) c.stdout = stdout
  if (stderr) c.stderr = stderr
  if (attempts && attempts.length > 1) c.attempts = attempts
  if (properties && Object.keys(properties).length > 0) c.properties = properties
  return c
}

/** An attempt of a retried test. */
function attempt(status, durationMs, error) {
  const a = { status, durationSeconds: seconds(durationMs) }
  const text = errorText(error)
  if (text.message !== undefined) {
    a.message = text.message
    a.details = text.details
  }
  return a
}

/**
 * The status of a test from its attempts: `flaky` when it passed after
 * failing, else the last attempt's.
 */
function finalStatus(attempts) {
  const last = attempts.at(-1).status
  if (last === 'passed' && attempts.some((a) => a.status === 'failed' || a.status === 'error')) return 'flaky'
  return last
}

module.exports = { RunnerSession, testCase, attempt, finalStatus, relativeFile, errorText, SEPARATOR }
