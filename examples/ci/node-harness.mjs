// A test harness that imports testrelay: it runs node:test files with
// node:test's run(), records each test as it finishes, then ends the run.
// The `node-harness` job of gitlab-ci.yml runs it:
//
//   node node-harness.mjs test/*.test.mjs
//
// `ciSystem: 'auto'` makes it report to whatever CI runs it. Inside GitLab CI
// that is the gitlab provider, fed by the job's variables: CI_API_V4_URL,
// CI_PROJECT_PATH, CI_COMMIT_SHA, CI_MERGE_REQUEST_IID, CI_PIPELINE_ID and the
// token in GITLAB_TOKEN. Elsewhere it writes its reports to test_results/
// only. Exits 1 when a test failed.
import path from 'node:path'
import { run } from 'node:test'

import { TestReporter } from 'testrelay'

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node node-harness.mjs TEST_FILE...')
  process.exit(2)
}

const job = process.env.CI_JOB_NAME_SLUG || 'node-tests'
const reporter = new TestReporter({
  ciSystem: 'auto',
  runName: job,
  // Its own commit status and merge request note, apart from the other
  // jobs that report through testrelay in the same pipeline.
  statusContext: `testrelay/${job}`,
  // JUnit with `file` attributes: GitLab's test report links failures to them.
  junitProfile: 'full',
  outputDir: 'test_results',
})
reporter.on('deliveryFailed', (e) => console.warn(`testrelay: ${e.operation} not delivered: ${e.message}`))

for await (const event of run({ files })) {
  if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
  const { name, file, line, details, skip, todo } = event.data
  // describe() blocks finish like tests; their tests are recorded already.
  if (details.type === 'suite') continue
  const relative = file ? path.relative(process.cwd(), file).split(path.sep).join('/') : undefined
  const error = details.error?.cause ?? details.error
  const failed = event.type === 'test:fail'
  reporter.record({
    name,
    classname: relative ?? '',
    file: relative,
    line,
    status: failed ? 'failed' : skip || todo ? 'skipped' : 'passed',
    durationSeconds: (details.duration_ms ?? 0) / 1000,
    message: failed ? String(error?.message ?? error).split('\n')[0] : undefined,
    details: failed ? error?.stack : undefined,
  })
}

const summary = await reporter.finish()
const r = summary.result
console.log(`${summary.runName}: ${r.status}, ${r.totalTests} tests: ${r.passedTests} passed, ` +
  `${r.failedTests} failed, ${r.skippedTests} skipped (provider ${summary.provider})`)
for (const d of summary.delivered) console.log(`  delivered ${d.operation}${d.url ? ` (${d.url})` : ''}`)
for (const p of summary.notDelivered) console.log(`  not delivered ${p.operation}: ${p.message}`)
process.exitCode = r.failedTests + r.errorTests > 0 ? 1 : 0
