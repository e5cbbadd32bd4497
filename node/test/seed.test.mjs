// The seed's snippet, taken verbatim from docs/node.md and run in a child
// process whose environment looks like GitHub Actions, against the
// simulator.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { test } from 'node:test'

import { repoRoot, startSimulator, tempDir } from '../test-support/helpers.mjs'

const page = fs.readFileSync(path.join(repoRoot, 'docs', 'node.md'), 'utf8')
const snippet = /<!-- seed-snippet -->\s*```js\n([\s\S]*?)```/.exec(page)?.[1]

async function runSnippet(sim, runTests) {
  const dir = tempDir()
  const script = path.join(dir, 'seed.cjs')
  const packageDir = path.join(repoRoot, 'node')
  fs.writeFileSync(script, [
    `const realRequire = require`,
    `{ const require = (name) => realRequire(name === 'testrelay' ? ${JSON.stringify(packageDir)} : name)`,
    `  const runTests = ${runTests}`,
    `  ;(async () => {`,
    snippet,
    `  })().catch((e) => { console.error(e); process.exit(1) }) }`,
  ].join('\n'))
  const env = {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: sim.url,
    GITHUB_SHA: 'abc123',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_RUN_ID: '4242',
    GITHUB_TOKEN: 'ghs_seed_token',
  }
  const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: dir, env })
  return { dir, stdout }
}

test('docs/node.md has the seed snippet', () => {
  assert.ok(snippet, 'docs/node.md needs a ```js block after <!-- seed-snippet -->')
  assert.match(snippet, /new TestReporter\(/)
  assert.match(snippet, /reportResults\(/)
  assert.match(snippet, /reportFailure\(/)
})

test('the seed snippet reports its tally to GitHub', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  const { dir } = await runSnippet(sim, `async () => ({ passed: 2, failed: 1, skipped: 1, seconds: 1.5 })`)
  const state = await sim.admin('GET', 'github/state')
  assert.equal(state.check_runs.length, 1)
  const run = state.check_runs[0]
  assert.deepEqual([run.owner, run.repo, run.head_sha, run.status, run.conclusion],
    ['owner', 'repo', 'abc123', 'completed', 'failure'])
  // The report sets the status, and the close on exit sets it again.
  assert.deepEqual(state.statuses.map((s) => s.state), ['error', 'error'])
  const runJson = JSON.parse(fs.readFileSync(path.join(dir, 'test_results', 'run.json'), 'utf8'))
  assert.deepEqual(runJson.metadata, { failedTests: '1', passedTests: '2', skippedTests: '1', totalTests: '4' })
  assert.equal(runJson.duration_seconds, 1.5)
  const requests = await sim.admin('GET', 'requests')
  const auth = requests.filter((r) => r.path.startsWith('/repos/')).map((r) => r.headers.find(([k]) => k.toLowerCase() === 'authorization')?.[1])
  assert.ok(auth.length > 0 && auth.every((a) => a === 'Bearer ghs_seed_token'), JSON.stringify(auth))
})

test('the seed snippet reports a crashed run with reportFailure', async (t) => {
  const sim = await startSimulator()
  t.after(sim.stop)
  const { dir } = await runSnippet(sim, `async () => { throw new Error('GPU device lost') }`)
  const state = await sim.admin('GET', 'github/state')
  assert.equal(state.check_runs.length, 1)
  assert.equal(state.check_runs[0].conclusion, 'failure')
  const runJson = JSON.parse(fs.readFileSync(path.join(dir, 'test_results', 'run.json'), 'utf8'))
  assert.deepEqual([runJson.status, runJson.metadata.failure], ['error', 'the test run crashed: GPU device lost'])
})
