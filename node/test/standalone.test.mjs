// parseJUnit and parseResults on fixtures real runners wrote, and
// detectEnvironment with an injected environment.
import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'

import { detectEnvironment, parseJUnit, parseResults } from '../index.mjs'
import { repoRoot } from '../test-support/helpers.mjs'

test('parseJUnit reads a pytest (xunit2) report', async () => {
  const report = await parseJUnit(path.join(repoRoot, 'tests', 'data', 'junit', 'pytest-xunit2.xml'))
  assert.deepEqual(report.counts, { total: 10, passed: 5, failed: 2, errors: 1, skipped: 2, flaky: 0 })
  assert.equal(report.cases.length, 10)
  const failed = report.cases.find((c) => c.name === 'test_fails_with_assertion')
  assert.deepEqual([failed.classname, failed.status, failed.message], ['test_sample', 'failed', 'AssertionError: sums differ\nassert (2 + 2) == 5'])
  assert.match(failed.id, /^[0-9a-f]{16}$/)
})

const data = (...parts) => path.join(repoRoot, 'tests', 'data', ...parts)

test('parseResults reads every format, recognized from the content', async () => {
  const expected = [
    [['test-reporter', 'dotnet-trx.trx'], 'trx', { total: 11, passed: 5, failed: 5, errors: 0, skipped: 1, flaky: 0 }],
    [['test-reporter', 'dotnet-nunit.xml'], 'nunit3', { total: 9, passed: 3, failed: 3, errors: 2, skipped: 1, flaky: 0 }],
    [['nunit-plugin', 'NUnit-correct.xml'], 'nunit2', { total: 28, passed: 18, failed: 1, errors: 4, skipped: 5, flaky: 0 }],
    [['xunit', 'efcore-microbenchmarks.xml'], 'xunit2', { total: 65, passed: 61, failed: 2, errors: 0, skipped: 2, flaky: 0 }],
    [['go', 'go-test.json'], 'go_test', { total: 22, passed: 12, failed: 4, errors: 4, skipped: 2, flaky: 0 }],
    [['junit', 'testng-junitxml.xml'], 'junit', { total: 8, passed: 2, failed: 3, errors: 0, skipped: 3, flaky: 0 }],
  ]
  for (const [parts, format, counts] of expected) {
    const report = await parseResults(data(...parts))
    assert.equal(report.format, format, parts.join('/'))
    assert.deepEqual(report.counts, counts, parts.join('/'))
    assert.equal(report.status, 'failed')
    assert.equal(report.cases.length, counts.total)
  }
  const go = await parseResults(data('go', 'go-test.json'))
  const broken = go.cases.find((c) => c.name === '(package)' && c.suite === 'example.com/gosample/broken')
  assert.deepEqual([broken.status, broken.message], ['error', 'the package failed to build'])
  const trx = await parseResults(data('test-reporter', 'dotnet-trx.trx'))
  assert.equal(trx.startedAt, '2021-04-20T06:31:31.986Z')
  assert.equal(trx.durationSeconds, 1.116)
})

test('parseResults reads same-named cases as attempts when asked', async () => {
  const file = data('junit', 'testng-junitxml.xml')
  const report = await parseResults(file, { sameNameCases: 'attempts' })
  assert.deepEqual(report.counts, { total: 6, passed: 1, failed: 3, errors: 0, skipped: 2, flaky: 0 })
  const retried = report.cases.find((c) => c.name === 'failsEvenWhenRetried')
  assert.deepEqual([retried.status, retried.attempts.map((a) => a.status)], ['failed', ['skipped']])
  assert.deepEqual((await parseResults(file, null)).counts.total, 8)
  await assert.rejects(parseResults(file, { sameNameCase: 'attempts' }), { code: 'TR_INVALID_ARGUMENT', message: /sameNameCase/ })
  await assert.rejects(parseResults(file, { sameNameCases: 'twice' }), { code: 'TR_INVALID_ARGUMENT', message: /twice/ })
  assert.throws(() => parseResults(file, { sameNameCases: 5 }), { name: 'TypeError', code: 'TR_INVALID_ARGUMENT' })
  await assert.rejects(parseResults(data('junit', 'synthetic', 'truncated.xml')), { code: 'TR_PARSE', message: /line 7, column 1/ })
})

test('parseJUnit reports nameless cases by their order, with a warning', async () => {
  const report = await parseJUnit(data('junit', 'jest-nameless.xml'))
  assert.equal(report.counts.total, 7)
  assert.deepEqual(report.cases.slice(0, 2).map((c) => c.name), ['(unnamed #1)', '(unnamed #2)'])
  assert.equal(report.warnings.length, 1)
  assert.match(report.warnings[0], /has 5 test cases without a name/)
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
