// Run by scripts/test-dist.sh in a fresh project that installed the npm
// tarballs: reports through TestReporter from CommonJS, reads the history
// back, and checks where the addon came from:
//   node consumer.cjs OUT TUPLE          the platform package @testrelay/TUPLE
//   node consumer.cjs OUT --source-build the install step's build, beside the
//                                        package's JS (no platform package)
'use strict'
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { TestReporter, History, version } = require('testrelay')

async function main() {
  const out = path.resolve(process.argv[2])
  const reporter = new TestReporter({ ciSystem: 'local', testRunId: 'dist-cjs', outputDir: out, historyPath: path.join(out, 'history.db') })
  reporter.record({ name: 'adds', classname: 'math', status: 'passed', durationSeconds: 0.001 })
  reporter.record({ name: 'divides', classname: 'math', status: 'failed', message: 'expected 0.25, got 0' })
  const summary = await reporter.finish()
  assert.equal(summary.result.testRunId, 'dist-cjs')
  assert.equal(summary.result.passedTests, 1)
  assert.equal(summary.result.failedTests, 1)
  const history = await History.open(path.join(out, 'history.db'))
  const cases = await history.cases('dist-cjs')
  assert.deepEqual(cases.map((c) => [c.name, c.status]), [['adds', 'passed'], ['divides', 'failed']])
  let binding
  if (process.argv[3] === '--source-build') {
    // Built by the install step into the package; no platform package.
    const dir = path.dirname(require.resolve('testrelay/package.json'))
    const tuple = require(path.join(dir, 'platform.js')).platformTuple()
    binding = path.join(dir, `testrelay.${tuple}.node`)
    assert.ok(fs.existsSync(binding), binding)
    assert.throws(() => require.resolve(`@testrelay/${tuple}`), { code: 'MODULE_NOT_FOUND' })
  } else {
    // The binary is the platform package's; the main package holds none.
    binding = require.resolve(`@testrelay/${process.argv[3]}`)
    assert.ok(binding.endsWith('.node'), binding)
  }
  assert.equal(version(), require('testrelay/package.json').version)
  console.log(`CommonJS: testrelay ${version()} reported ${summary.result.totalTests} cases with ${path.basename(binding)}`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
