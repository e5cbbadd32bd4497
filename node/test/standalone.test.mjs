// parseJUnit on a fixture a real runner wrote, and detectEnvironment with
// an injected environment.
import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'

import { detectEnvironment, parseJUnit } from '../index.mjs'
import { repoRoot } from '../test-support/helpers.mjs'

test('parseJUnit reads a pytest (xunit2) report', async () => {
  const report = await parseJUnit(path.join(repoRoot, 'tests', 'data', 'junit', 'pytest-xunit2.xml'))
  assert.deepEqual(report.counts, { total: 10, passed: 5, failed: 2, errors: 1, skipped: 2, flaky: 0 })
  assert.equal(report.cases.length, 10)
  const failed = report.cases.find((c) => c.name === 'test_fails_with_assertion')
  assert.deepEqual([failed.classname, failed.status, failed.message], ['test_sample', 'failed', 'AssertionError: sums differ\nassert (2 + 2) == 5'])
  assert.match(failed.id, /^[0-9a-f]{16}$/)
})

test('detectEnvironment reads GitHub Actions from the given variables', () => {
  const d = detectEnvironment({
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo/app',
    GITHUB_SHA: 'abc123',
    GITHUB_REF: 'refs/heads/feature/x',
    GITHUB_RUN_ID: '99',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_TOKEN: 'ghs_x',
    UNSET: undefined,
  })
  assert.deepEqual(
    [d.ci, d.provider, d.repository, d.commitSha, d.branch, d.buildId, d.buildUrl, d.tokenEnv, d.tokenPresent],
    ['github_actions', 'github', 'octo/app', 'abc123', 'feature/x', '99', 'https://github.com/octo/app/actions/runs/99', 'GITHUB_TOKEN', true],
  )
  const none = detectEnvironment({})
  assert.deepEqual([none.ci, none.provider, none.repository, none.tokenPresent], [null, 'local', null, false])
})
