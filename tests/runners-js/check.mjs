// Asserts what one runner's sample suite left (scripts/test-runners-js.sh):
//   node check.mjs RUNNER EXIT_WITH_TESTRELAY EXIT_WITHOUT
// The history (a SQLite file, TESTRELAY_DIR/history.db) holds one run
// with the expected counts; the CTRF report (results.json, read back with
// parseResults) holds exactly the expected cases: names, statuses, files,
// lines, attempts, messages and output; the runner's exit code is the one
// it has without testrelay.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'

import { History, parseResults } from 'testrelay'

const [runner, withTestrelay, without] = process.argv.slice(2)
const dir = process.env.TESTRELAY_DIR
const S = ' › '

/** The line of the first line of `file` (in the runner's directory) containing `text`. */
function lineOf(file, text) {
  const lines = fs.readFileSync(path.join(runner, file), 'utf8').split('\n')
  const i = lines.findIndex((l) => l.includes(text))
  assert.ok(i >= 0, `${text} is not in ${file}`)
  return i + 1
}

/**
 * The expected cases of each runner, by `classname.name`: status, line
 * (a line of the sample file, or null when the runner gives none),
 * attempts' statuses, and a text the message must contain.
 */
function expected() {
  const file = { 'node-test': 'sample.test.mjs', jest: 'sample.test.js', vitest: 'sample.test.mjs', mocha: 'sample.spec.cjs', playwright: 'sample.spec.mjs' }[runner]
  const at = (text) => (runner === 'mocha' ? null : lineOf(file, text))
  const c = (status, line, extra = {}) => ({ status, line, attempts: [], ...extra })
  const cases = {
    'node-test': () => ({
      [`arithmetic${S}adds`]: c('passed', at("it('adds'")),
      [`arithmetic${S}subtracts`]: c('failed', at("it('subtracts'"), { message: 'expected 2, got 1' }),
      [`arithmetic${S}divides`]: c('skipped', at("it('divides'"), { message: 'division is not ready' }),
      [`arithmetic${S}multiplies`]: c('skipped', at("it.todo('multiplies'"), { message: 'todo' }),
      'with a broken fixture (before hook)': c('error', at("describe('with a broken fixture'"), { message: 'failed running before hook: the fixture could not start' }),
      [`with a broken fixture${S}uses the fixture`]: c('skipped', at("it('uses the fixture'"), { message: 'cancelled: ' }),
      [`with a broken beforeEach${S}needs a fresh state`]: c('error', at("it('needs a fresh state'"), { message: 'failed running beforeEach hook: each broke' }),
    }),
    jest: () => ({
      [`arithmetic${S}adds`]: c('passed', at("test('adds'")),
      [`arithmetic${S}subtracts`]: c('failed', at("test('subtracts'"), { attempts: ['failed', 'failed', 'failed'], message: 'expect(received).toBe(expected)' }),
      [`arithmetic${S}divides`]: c('skipped', at("test.skip('divides'")),
      [`arithmetic${S}multiplies`]: c('skipped', at("test.todo('multiplies'"), { message: 'todo' }),
      [`arithmetic${S}retries`]: c('flaky', at("test('retries'"), { attempts: ['failed', 'passed'] }),
      // Jest does not rerun a beforeAll hook, so the test it failed is not retried.
      [`with a broken fixture${S}uses the fixture`]: c('failed', at("test('uses the fixture'"), { message: 'the fixture could not start' }),
      [`with a broken beforeEach${S}needs a fresh state`]: c('failed', at("test('needs a fresh state'"), { attempts: ['failed', 'failed', 'failed'], message: 'each broke' }),
    }),
    vitest: () => ({
      [`arithmetic${S}adds`]: c('passed', at("test('adds'"), { stdout: 'hello from adds\n' }),
      [`arithmetic${S}subtracts`]: c('failed', at("test('subtracts'"), { message: 'expected 1 to be 2' }),
      [`arithmetic${S}divides`]: c('skipped', at("test('divides'"), { message: 'division is not ready' }),
      [`arithmetic${S}multiplies`]: c('skipped', at("test.todo('multiplies'"), { message: 'todo' }),
      [`arithmetic${S}retries`]: c('flaky', at("test('retries'"), { attempts: ['failed', 'passed'] }),
      'with a broken fixture': c('error', at("describe('with a broken fixture'"), { message: 'the fixture could not start' }),
      [`with a broken fixture${S}uses the fixture`]: c('skipped', at("test('uses the fixture'")),
      [`with a broken beforeEach${S}needs a fresh state`]: c('failed', at("test('needs a fresh state'"), { message: 'each broke' }),
    }),
    mocha: () => ({
      [`arithmetic${S}adds`]: c('passed', null, { stdout: 'hello from adds\n' }),
      [`arithmetic${S}subtracts`]: c('failed', null, { message: 'expected 2, got 1' }),
      [`arithmetic${S}divides`]: c('skipped', null, { message: 'pending' }),
      [`arithmetic${S}multiplies`]: c('skipped', null, { message: 'pending' }),
      [`arithmetic${S}retries`]: c('flaky', null, { attempts: ['failed', 'passed'] }),
      [`with a broken fixture${S}"before all" hook`]: c('error', null, { message: 'the fixture could not start' }),
      [`with a broken beforeEach${S}needs a fresh state`]: c('error', null, { message: '"before each" hook failed: each broke' }),
    }),
    playwright: () => ({
      [`arithmetic${S}adds`]: c('passed', at("test('adds'"), { stdout: 'hello from adds\n' }),
      [`arithmetic${S}subtracts`]: c('failed', at("test('subtracts'"), { attempts: ['failed', 'failed'], message: 'expect(received).toBe(expected)' }),
      [`arithmetic${S}divides`]: c('skipped', at("test('divides'"), { message: 'skip: division is not ready' }),
      [`arithmetic${S}multiplies`]: c('skipped', at("test.fixme('multiplies'"), { message: 'fixme' }),
      [`arithmetic${S}retries`]: c('flaky', at("test('retries'"), { attempts: ['failed', 'passed'] }),
      [`with a broken fixture${S}uses the fixture`]: c('failed', at("test('uses the fixture'"), { attempts: ['failed', 'failed'], message: 'the fixture could not start' }),
      [`with a broken beforeEach${S}needs a fresh state`]: c('failed', at("test('needs a fresh state'"), { attempts: ['failed', 'failed'], message: 'each broke' }),
      'renders a page': c('passed', at("test('renders a page'")),
    }),
  }[runner]()
  return { file, cases }
}

function counts(cases) {
  const n = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0, flaky: 0 }
  for (const { status } of Object.values(cases)) {
    n.total += 1
    n[{ passed: 'passed', failed: 'failed', error: 'errors', skipped: 'skipped', flaky: 'flaky' }[status]] += 1
  }
  return n
}

const want = expected()

// The runner's exit code: its own (Mocha's is the number of failures, 3;
// the others' 1 for a failed run).
assert.equal(withTestrelay, without, `${runner} exited ${withTestrelay} with testrelay, ${without} without`)
assert.equal(without, runner === 'mocha' ? '3' : '1', `${runner}'s exit code on the sample suite`)

// The history: one run, the expected counts.
const history = await History.open(path.join(dir, 'history.db'))
const runs = await history.runs()
assert.equal(runs.length, 1, `${runner}: one run in the history`)
assert.equal(runs[0].run.name, runner)
assert.equal(runs[0].run.status, 'failed')
assert.deepEqual(runs[0].counts, counts(want.cases), `${runner}: the history's counts`)

// The report: exactly the expected cases.
const report = await parseResults(path.join(dir, 'out', 'results.json'))
const got = {}
for (const k of report.cases) {
  const key = k.classname ? `${k.classname}${S}${k.name}` : k.name
  assert.equal(got[key], undefined, `${runner}: ${key} is reported once`)
  got[key] = k
}
assert.deepEqual(Object.keys(got).sort(), Object.keys(want.cases).sort(), `${runner}: the reported cases`)
for (const [key, w] of Object.entries(want.cases)) {
  const k = got[key]
  const where = `${runner}: ${key}`
  assert.equal(k.status, w.status, `${where}: status (message: ${k.message})`)
  assert.equal(k.file, want.file, `${where}: file`)
  assert.equal(k.suite, want.file, `${where}: suite`)
  assert.equal(k.line, w.line, `${where}: line`)
  assert.deepEqual(k.attempts.map((a) => a.status), w.attempts, `${where}: attempts`)
  if (w.message !== undefined) assert.ok(k.message?.includes(w.message), `${where}: message ${JSON.stringify(k.message)} lacks ${JSON.stringify(w.message)}`)
  if (w.stdout !== undefined) assert.equal(k.stdout, w.stdout, `${where}: stdout`)
}

// Playwright: the page's screenshot and the failed attempts' traces are artifacts.
if (runner === 'playwright') {
  const artifacts = fs.readdirSync(path.join(dir, 'out', 'artifacts')).sort()
  assert.ok(artifacts.some((a) => /renders_a_page-1-screenshot\.png$/.test(a)), `screenshot among ${artifacts}`)
  assert.ok(artifacts.filter((a) => a.endsWith('trace.zip')).length >= 1, `traces among ${artifacts}`)
}
console.log(`${runner}: exit code ${without} with and without testrelay; ${report.cases.length} cases as expected`)
