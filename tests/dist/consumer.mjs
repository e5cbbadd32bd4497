// Run by scripts/test-dist.sh in a fresh project that installed the npm
// tarballs: reports through TestReporter from an ES module.
import assert from 'node:assert/strict'
import path from 'node:path'
import { TestReporter, History, version } from 'testrelay'

const out = path.resolve(process.argv[2])
const reporter = new TestReporter({ ciSystem: 'local', testRunId: 'dist-esm', outputDir: out, historyPath: path.join(out, 'history.db') })
reporter.record({ name: 'renders', classname: 'webgpu:api', status: 'passed', durationSeconds: 0.002 })
reporter.record({ name: 'later', classname: 'webgpu:api', status: 'skipped' })
reporter.recordMetric({ name: 'frame_ms', value: 16.4, unit: 'ms' })
const summary = await reporter.finish()
assert.equal(summary.result.testRunId, 'dist-esm')
assert.equal(summary.result.passedTests, 1)
assert.equal(summary.result.skippedTests, 1)
const history = await History.open(path.join(out, 'history.db'))
const runs = await history.runs()
assert.ok(runs.some((r) => r.run.runKey === 'dist-esm'), JSON.stringify(runs.map((r) => r.run)))
console.log(`ES module: testrelay ${version()} reported ${summary.result.totalTests} cases`)
