// Artifacts through the binding: attach on the local provider, then find,
// compare and get on History (Promises resolved from the core's pool).
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'

import { History, TestReporter } from '../index.mjs'
import { localOptions, tempDir } from '../test-support/helpers.mjs'

test('find, compare and get artifacts', async () => {
  const dir = tempDir()
  const a = path.join(dir, 'bench-a.json')
  const b = path.join(dir, 'bench-b.json')
  fs.writeFileSync(a, JSON.stringify({ metrics: { p95_ms: 40, throughput: 200 } }))
  fs.writeFileSync(b, JSON.stringify({ metrics: { p95_ms: 30, throughput: 250 } }))
  const options = localOptions(dir, { testRunId: 'node-artifacts', reportFormats: ['json'] })
  const reporter = new TestReporter(options)
  reporter.record({ name: 't', classname: 'c', status: 'passed', durationSeconds: 0.1 })
  reporter.attachArtifact(a, { tool: 'k6' })
  reporter.attachArtifact(b)
  await reporter.finish()
  const history = await History.open(options.historyPath)

  const found = await history.artifactsFind({ type: 'performance_report', metadata: { tool: 'k6' } })
  assert.deepEqual(found.map((f) => [f.name, f.runKey, f.semanticType]), [['bench-a.json', 'node-artifacts', 'performance_report']])
  // Dotted paths of the content index keep their own spelling.
  assert.deepEqual(found[0].values, { 'metrics.p95_ms': 40, 'metrics.throughput': 200 })
  const byValue = await history.artifactsFind({ values: [{ path: 'metrics.throughput', min: 240 }] })
  assert.deepEqual(byValue.map((f) => f.name), ['bench-b.json'])
  // A malformed query throws at once, like the other queries' arguments.
  assert.throws(() => history.artifactsFind({ colour: 'red' }), { code: 'TR_INVALID_ARGUMENT', message: /colour/ })

  const { comparison, markdown } = await history.artifactsCompare({
    a: { runKey: 'node-artifacts', name: 'bench-a.json' },
    b: { path: b },
  })
  assert.equal(comparison.identical, false)
  assert.deepEqual(comparison.details.changes.map((c) => [c.path, c.delta, c.percent]),
    [['metrics.p95_ms', -10, -25], ['metrics.throughput', 50, 25]])
  assert.match(markdown, /\| `metrics\.throughput` \| changed \| `200` \| `250` \| 50 \| \+25% \|/)

  // Gone from where it was attached: the local provider's stored copy,
  // then the cache.
  fs.rmSync(a)
  const request = { runKey: 'node-artifacts', names: ['bench-a.json'], cacheDir: path.join(dir, 'cache'), config: { provider: 'local', outputDir: options.outputDir } }
  const [first] = await history.artifactGet(request)
  assert.equal(first.source, 'provider')
  assert.deepEqual(JSON.parse(fs.readFileSync(first.path, 'utf8')).metrics.throughput, 200)
  const [second] = await history.artifactGet(request)
  assert.equal(second.source, 'cache')
  await assert.rejects(history.artifactGet({ ...request, names: ['nope'] }), { code: 'TR_NOT_FOUND' })

  // The request's config takes the keys TestReporter takes, the guide's
  // names included: here the provider and its output directory under the
  // guide's names, with a cache of its own so the provider is asked.
  const guided = {
    runKey: 'node-artifacts',
    names: ['bench-a.json'],
    cacheDir: path.join(dir, 'cache-guided'),
    config: { ciSystem: 'local', artifactDir: options.outputDir, retryAttempts: 2, apiToken: undefined },
  }
  const [third] = await history.artifactGet(guided)
  assert.equal(third.source, 'provider', JSON.stringify(third))
  // ... and refuses what TestReporter refuses.
  await assert.rejects(async () => history.artifactGet({ ...guided, config: { ciSystem: 'local', provider: 'local' } }),
    { code: 'TR_CONFIGURATION' })
  await assert.rejects(async () => history.artifactGet({ ...guided, config: { ciSystem: 'local', colour: 'red' } }),
    { message: /colour/ })
  const compared = await history.artifactsCompare({
    a: { runKey: 'node-artifacts', name: 'bench-a.json' },
    b: { path: b },
    retrieve: { cacheDir: path.join(dir, 'cache-compare'), config: { ciSystem: 'local', artifactDir: options.outputDir } },
  })
  assert.equal(compared.comparison.identical, false)
})
