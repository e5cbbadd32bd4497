// `node --test --test-reporter=testrelay/node-test --test-reporter-destination=stdout`:
// a node:test reporter (an async generator over the runner's events) that
// records each test as its result arrives. It prints one line at the end
// (the counts and where the reports are); give `spec` a reporter of its
// own to keep node's output. Options: the TestReporter keys as JSON in
// TESTRELAY_OPTIONS (node:test has no reporter options).
//
// Mapping: a test (`it`/`test`, also one with subtests, as node counts
// them) is a case; the describe blocks are its classname, its file its
// suite, node's line its line. `skip`/`todo` are skipped with their reason;
// a test cancelled because its parent failed is skipped with node's
// reason; a suite whose own code or hook failed is an `error` case named
// after the suite (`<suite> (before hook)` ...); a file that failed
// outside any test is an `error` case named after the file. node:test has
// no retries and gives no per-test console output (its stdout is per
// file), so none is recorded.
'use strict'

const { RunnerSession, testCase, relativeFile } = require('./common.cjs')

/** The options from TESTRELAY_OPTIONS (JSON object), or none. */
function optionsFromEnvironment(env = process.env) {
  const text = env.TESTRELAY_OPTIONS
  if (text === undefined || text.trim() === '') return {}
  let value
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new TypeError(`testrelay/node-test: TESTRELAY_OPTIONS is not JSON: ${err.message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('testrelay/node-test: TESTRELAY_OPTIONS must be a JSON object of TestReporter options')
  }
  return value
}

/** The message of node's error: the cause's (the test's own error), after node's words for hooks. */
function failure(error) {
  if (!error) return undefined
  const cause = error.cause
  if (error.failureType === 'testCodeFailure' && cause !== undefined) return cause
  if (cause instanceof Error || (cause && typeof cause.message === 'string')) {
    const e = new Error(`${error.message}: ${cause.message}`)
    e.stack = `${error.message}: ${cause.stack ?? cause.message}`
    return e
  }
  return error
}

/** The reporter: consumes node:test's events, yields the final line. */
async function* nodeTestReporter(source) {
  const session = new RunnerSession('node-test', optionsFromEnvironment())
  // Per file: the names of the tests started at each nesting level.
  const stacks = new Map()
  for await (const event of source) {
    const data = event.data
    if (event.type === 'test:start') {
      const stack = stacks.get(data.file) ?? []
      stack.length = data.nesting
      stack.push(data.name)
      stacks.set(data.file, stack)
      continue
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const details = data.details ?? {}
    const titles = (stacks.get(data.file) ?? []).slice(0, data.nesting)
    const error = details.error
    const isFile = data.nesting === 0 && data.file !== undefined && data.name === data.file
    if (details.type === 'suite' || isFile) {
      // A suite fails when a subtest did (recorded there already) or on
      // its own: a hook, its body, a timeout.
      if (event.type === 'test:fail' && error && error.failureType !== 'subtestsFailed') {
        const hook = /^failed running (\w+) hook/.exec(error.message ?? '')
        const name = isFile ? relativeFile(data.file) : `${data.name}${hook ? ` (${hook[1]} hook)` : ''}`
        session.record(testCase({
          name, titles, file: data.file, line: isFile ? undefined : data.line,
          status: 'error', durationMs: details.duration_ms, error: failure(error),
        }))
      }
      continue
    }
    let status = event.type === 'test:pass' ? 'passed' : 'failed'
    let message
    let err = failure(error)
    if (data.skip !== undefined && data.skip !== false) {
      status = 'skipped'
      message = typeof data.skip === 'string' ? data.skip : 'skipped'
    } else if (data.todo !== undefined && data.todo !== false) {
      // A todo test runs, but its result does not count.
      status = 'skipped'
      message = `todo${typeof data.todo === 'string' ? `: ${data.todo}` : ''}`
      err = undefined
    } else if (error && error.failureType === 'cancelledByParent') {
      status = 'skipped'
      message = `cancelled: ${error.message}`
      err = undefined
    } else if (error && error.failureType === 'hookFailed') {
      status = 'error'
    }
    session.record(testCase({
      name: data.name, titles, file: data.file, line: data.line, status,
      durationMs: details.duration_ms, error: err, message,
    }))
  }
  let out = ''
  await session.finish((line) => {
    out += line
  })
  yield out
}

module.exports = nodeTestReporter
module.exports.default = nodeTestReporter
module.exports.optionsFromEnvironment = optionsFromEnvironment
