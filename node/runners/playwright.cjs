// Playwright Test: `reporter: [['list'], ['testrelay/playwright', { ...TestReporter options }]]`.
// Each test is recorded when its last attempt ends (onTestEnd); the run
// ends in onEnd, which Playwright waits for. It prints nothing but one
// line at the end, so `list` (or any reporter) keeps the terminal, and
// Playwright's exit code is its own.
//
// Mapping: the describe titles are the classname, the file the suite,
// Playwright's location its line. Retries are attempts (each attempt's
// status, error, duration): Playwright's `flaky` outcome is flaky. An
// expected failure (`test.fail()`) that failed is passed. Skipped tests
// (`test.skip()`, `fixme`) are skipped with the annotation's reason. A
// failing hook fails the test it ran for, as Playwright reports it; an
// error outside any test (global setup, a worker) is an `error` case
// named after its file (or "global error"). Each attempt's stdout and
// stderr are recorded with the test; its attachments with a file
// (screenshots, traces, videos) are attached as artifacts labelled with
// `kind` (the attachment's name), `test` (the test's full name),
// `contentType` and `attempt` (an artifact is named after its file: a body,
// or a file whose name is taken already, is written to a temp file named
// after the test first).
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { RunnerSession, testCase, attempt, SEPARATOR, relativeFile } = require('./common.cjs')

const EXTENSIONS = { 'image/png': '.png', 'image/jpeg': '.jpg', 'video/webm': '.webm', 'application/zip': '.zip', 'text/plain': '.txt', 'application/json': '.json' }

/** The describe titles above `test`. */
function describeTitles(test) {
  const out = []
  for (let s = test.parent; s && s.type === 'describe'; s = s.parent) out.unshift(s.title)
  return out
}

function text(chunks) {
  const t = (chunks ?? []).map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('')
  return t === '' ? undefined : t
}

function resultError(result) {
  const e = result.error ?? result.errors?.[0]
  if (e) return { message: e.message ?? e.value ?? String(e), stack: e.stack ?? e.message ?? e.value }
  if (result.status === 'timedOut') return { message: 'timed out' }
  if (result.status === 'interrupted') return { message: 'interrupted' }
  return undefined
}

/** The Playwright Test reporter. */
class TestrelayPlaywrightReporter {
  /** `options`: the TestReporter keys (the reporter's options in the config). */
  constructor(options = {}) {
    // Playwright adds `configDir` and its own `_`-prefixed keys to every reporter's options.
    const reporterOptions = Object.fromEntries(
      Object.entries(options ?? {}).filter(([key]) => key !== 'configDir' && !key.startsWith('_')),
    )
    this.session = new RunnerSession('playwright', reporterOptions)
    this.temp = null
    this.names = new Set()
  }

  printsToStdio() {
    return false
  }

  onTestEnd(test, result) {
    const final = result.status === 'skipped' || result.status === test.expectedStatus
      || result.retry >= test.retries || result.status === 'interrupted'
    this.attachAll(test, result)
    if (!final) return
    const outcome = test.outcome()
    const results = test.results ?? [result]
    const attempts = results.map((r) => {
      const ok = r.status === test.expectedStatus || (r.status === 'passed' && test.expectedStatus !== 'failed')
      const status = r.status === 'skipped' ? 'skipped' : ok ? 'passed' : 'failed'
      return attempt(status, r.duration, ok ? undefined : resultError(r))
    })
    let status
    let message
    if (outcome === 'skipped') {
      status = 'skipped'
      const note = test.annotations?.find((a) => a.type === 'skip' || a.type === 'fixme')
      message = note ? `${note.type}${note.description ? `: ${note.description}` : ''}` : 'skipped'
    } else if (outcome === 'flaky') {
      status = 'flaky'
    } else if (outcome === 'expected') {
      status = 'passed'
    } else {
      status = 'failed'
    }
    const last = results.at(-1)
    this.session.record(testCase({
      name: test.title, titles: describeTitles(test), file: test.location?.file, line: test.location?.line,
      status, message, durationMs: results.reduce((sum, r) => sum + (r.duration > 0 ? r.duration : 0), 0),
      error: status === 'failed' ? resultError(last) : undefined,
      stdout: results.map((r) => text(r.stdout) ?? '').join(''),
      stderr: results.map((r) => text(r.stderr) ?? '').join(''),
      attempts: attempts.length > 1 ? attempts : [],
    }))
  }

  attachAll(test, result) {
    const name = [...describeTitles(test), test.title].join(SEPARATOR)
    for (const a of result.attachments ?? []) {
      if (!a.path && !a.body) continue
      // An artifact is named after its file: a body, or a file whose name
      // another attachment took (every trace is `trace.zip`), is written
      // to a temp file named after the test, the attempt and the attachment.
      let file = a.path
      const base = file ? path.basename(file) : `${a.name}${EXTENSIONS[a.contentType] ?? ''}`
      if (!file || this.names.has(base)) {
        this.temp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-playwright-'))
        const slug = `${name}-${result.retry + 1}-${base}`.replace(/[^\w.-]+/g, '_')
        file = path.join(this.temp, `${this.names.size}-${slug}`)
        if (a.path) fs.copyFileSync(a.path, file)
        else fs.writeFileSync(file, a.body)
      }
      this.names.add(path.basename(file))
      this.session.attach(file, {
        kind: a.name, test: name, contentType: a.contentType ?? 'application/octet-stream', attempt: String(result.retry + 1),
      })
    }
  }

  onError(error) {
    const file = error.location?.file
    this.session.record(testCase({
      name: file ? relativeFile(file) : 'global error', file, line: error.location?.line,
      status: 'error', error: { message: error.message ?? error.value ?? 'error', stack: error.stack ?? error.message ?? error.value },
    }))
  }

  onEnd() {
    return this.session.finish().then(() => {
      if (this.temp) fs.rmSync(this.temp, { recursive: true, force: true })
    })
  }
}

module.exports = TestrelayPlaywrightReporter
module.exports.default = TestrelayPlaywrightReporter
