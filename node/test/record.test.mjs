// record(): the package's JS record() (index.js: fields read in JS,
// passed to the native _recordFields) behaves as the native record() of
// the binding (binding.js), which reads them from the object in Rust. One
// difference, by design: the JS record() reads every field before checking
// them, the native one stops reading at the first bad field (seen only by
// getters and Proxies).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { test } from 'node:test'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

import testrelay, { TestReporter } from '../index.mjs'
import { localOptions, tempDir } from '../test-support/helpers.mjs'
import { runRecordInputs } from '../test-support/record-cases.mjs'

const require = createRequire(import.meta.url)
const packageDir = fileURLToPath(new URL('..', import.meta.url))

test('the JS record() and the native record() give the same errors and store the same cases', async () => {
  // The native record(): binding.js alone, in a process that never loads index.js.
  const script = [
    `const { createRequire } = require('node:module')`,
    `const binding = require(${JSON.stringify(path.join(packageDir, 'binding.js'))})`,
    `if (require.cache[${JSON.stringify(path.join(packageDir, 'index.js'))}]) throw new Error('index.js was loaded')`,
    `import(${JSON.stringify(new URL('../test-support/record-cases.mjs', import.meta.url).href)})`,
    `  .then((m) => m.runRecordInputs(binding, process.argv[1]))`,
    `  .then((r) => process.stdout.write(JSON.stringify(r)))`,
    `  .catch((e) => { console.error(e); process.exit(1) })`,
  ].join('\n')
  const nativeDir = tempDir()
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, nativeDir], { maxBuffer: 64 * 1024 * 1024 })
  const native = JSON.parse(stdout)
  const js = JSON.parse(JSON.stringify(await runRecordInputs(testrelay, tempDir())))

  assert.equal(js.outcomes.length, native.outcomes.length)
  for (const [i, expected] of native.outcomes.entries()) assert.deepEqual(js.outcomes[i], expected, `input ${i}`)
  assert.deepEqual(js.cases, native.cases)
  assert.deepEqual(js.reported, native.reported)
  assert.deepEqual(js.result, native.result)
  // The run recorded what it should have, and refused the rest with codes.
  assert.equal(js.cases.length, 10)
  const thrown = js.outcomes.filter((o) => o !== 'recorded' && o.code !== 'TR_INVALID_ARGUMENT')
  assert.deepEqual(thrown.map((o) => o.message), ['status getter', 'name getter', 'trap',
    "Cannot perform 'get' on a proxy that has been revoked", 'nested getter'])
  const everything = js.cases.find((c) => c.name === 'everything')
  assert.deepEqual(
    [everything.classname, everything.suite, everything.file, everything.line, everything.status, everything.durationSeconds,
      everything.message, everything.details, everything.attempts.length, everything.properties],
    ['c', 's', 'f.js', 7, 'flaky', 1.5, 'm', 'd', 2, { owner: 'gpu', 'odd key': 'v' }],
  )
  const reported = js.reported.find((c) => c.name === 'everything')
  assert.deepEqual([reported.stdout, reported.stderr], [['o'], ['e']])
})

test('record() is the JS one, the native method behind it is not exposed', () => {
  const record = TestReporter.prototype.record
  assert.equal(typeof record, 'function')
  assert.equal(record.name, 'record')
  assert.equal(record.length, 1)
  assert.throws(() => new record({ name: 'x' }), TypeError)
  assert.equal('_recordFields' in TestReporter.prototype, false)
  assert.equal(Object.keys(TestReporter.prototype).includes('record'), true)
  // The generated types document record(), not _recordFields.
  const dts = fs.readFileSync(path.join(packageDir, 'binding.d.ts'), 'utf8')
  assert.match(dts, /\/\*\*[^/]*Records one test case\.[^/]*\*\/\s*record\(testCase: TestCaseInput\): void/)
  assert.doesNotMatch(dts, /recordFields/)
  // The package's TestReporter wraps the binding's; loading it changed nothing of the binding.
  const binding = require('../binding.js')
  assert.notEqual(TestReporter, binding.TestReporter)
  assert.equal(typeof binding.TestReporter.prototype._recordFields, 'function')
  assert.notEqual(binding.TestReporter.prototype.record, record)
  // Every public member of the binding's reporter is on the package's one.
  const pub = (proto) => Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor' && !n.startsWith('_')).sort()
  assert.deepEqual(pub(TestReporter.prototype), pub(binding.TestReporter.prototype))
  // Called on anything but a reporter, it throws and records nothing.
  assert.throws(() => record.call({}, { name: 'x' }), TypeError)
  assert.throws(() => record.call(undefined, { name: 'x' }), TypeError)
})

test('CommonJS require of the package gives the module with the JS record()', () => {
  const cjs = require('..')
  assert.equal(cjs, testrelay)
  assert.equal(cjs.TestReporter.prototype.record, TestReporter.prototype.record)
  assert.equal(require.resolve('..'), path.join(packageDir, 'index.js'))
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'))
  for (const file of ['index.js', 'index.mjs', 'index.d.ts', 'types.d.ts', 'binding.js', 'binding.d.ts', 'platform.js']) {
    assert.ok(manifest.files.includes(file), file)
  }
})

test('getters and Proxies: fields are read once each, in order; a throwing getter throws its own error', async () => {
  const dir = tempDir()
  const reporter = new TestReporter(localOptions(dir, { historyPath: null, reportFormats: [] }))
  const reads = []
  const traced = (target) => new Proxy(target, {
    get(t, key, receiver) {
      reads.push(key)
      return Reflect.get(t, key, receiver)
    },
  })
  reporter.record(traced({ name: 'proxied', status: 'failed' }))
  assert.deepEqual(reads, ['name', 'status', 'durationSeconds', 'line', 'attempts', 'properties', 'classname', 'suite', 'file',
    'message', 'details', 'stdout', 'stderr'])

  const boom = new RangeError('boom')
  const throwing = (key, extra = {}) => Object.defineProperty({ ...extra }, key, {
    get() {
      throw boom
    },
  })
  for (const key of ['name', 'status', 'line', 'attempts', 'stderr']) {
    assert.throws(() => reporter.record(throwing(key, { name: 'x' })), (e) => e === boom, key)
  }
  assert.throws(() => reporter.record(new Proxy({}, { get() { throw boom } })), (e) => e === boom)
  const revocable = Proxy.revocable({}, {})
  revocable.revoke()
  assert.throws(() => reporter.record(revocable.proxy), TypeError)
  assert.throws(() => reporter.record({ name: 'x', attempts: [{ status: 'failed', get message() { throw boom } }] }), (e) => e === boom)

  // The reporter goes on.
  reporter.record({ name: 'after' })
  const summary = await reporter.finish()
  assert.equal(summary.result.totalTests, 2)
})
