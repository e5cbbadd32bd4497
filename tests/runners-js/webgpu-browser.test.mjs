// The WebGPU browser example (examples/js/webgpu-browser/, copied next to
// this file by scripts/test-runners-js.sh) in Debian's Chromium: what
// happened on this machine is asserted, never skipped. With the WebGPU
// flags, SwiftShader's adapter runs the four tests (one fails on purpose)
// and the metric and the screenshot are recorded; if the browser had no
// adapter even so, the run must carry the adapter error, and the test
// says so. Without the flags, the missing adapter must be the run's error.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'

import { History } from 'testrelay'

import { runWebGpuBrowser } from './webgpu-browser/run.mjs'

function options(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-webgpu-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return { dir, ciSystem: 'local', outputDir: path.join(dir, 'out'), historyPath: path.join(dir, 'history.db') }
}

async function storedRun(dir) {
  const history = await History.open(path.join(dir, 'history.db'))
  const runs = await history.runs()
  assert.equal(runs.length, 1)
  return { history, run: runs[0] }
}

test('the WebGPU page in Chromium reports each result, frame_ms and a screenshot', async (t) => {
  const { dir, ...opts } = options(t)
  const { summary, adapter, adapterError, results } = await runWebGpuBrowser(opts)
  if (adapterError !== undefined) {
    // No adapter on this machine even with the flags: it must be the run's error.
    t.diagnostic(`WebGPU unavailable in this browser: ${adapterError}`)
    assert.equal(summary.result.status, 'error')
    assert.match(summary.result.metadata.failure, /^WebGPU is unavailable: /)
    assert.deepEqual(results, [])
    assert.fail(`WebGPU was unavailable with --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader: ${adapterError}`)
  }
  t.diagnostic(`adapter: ${adapter}`)
  assert.match(adapter, /swiftshader/i)
  assert.deepEqual(results.map((r) => [r.name, r.status]), [
    ['compute shader adds two buffers', 'passed'],
    ['texture copy keeps every texel', 'passed'],
    ['draws 30 frames and shows the last one', 'passed'],
    ['fails on purpose: doubling is not tripling', 'failed'],
  ])
  assert.equal(results[3].message, 'products: expected [3,6,9,12], got [2,4,6,8]')
  const source = fs.readFileSync(new URL('./webgpu-browser/webgpu-tests.js', import.meta.url), 'utf8').split('\n')
  for (const r of results) assert.match(source[r.line - 1], new RegExp(`^test\\('${r.name.replace(/[()]/g, '\\$&')}'`))
  const r = summary.result
  assert.deepEqual([r.status, r.totalTests, r.passedTests, r.failedTests], ['failed', 4, 3, 1])
  assert.deepEqual(summary.notDelivered, [])
  assert.ok(fs.statSync(path.join(opts.outputDir, 'artifacts', 'webgpu-browser.png')).size > 0)
  assert.equal(r.metadata.adapter, adapter)
  const { history, run } = await storedRun(dir)
  assert.deepEqual([run.run.name, run.run.status, run.counts.total, run.counts.failed], ['webgpu-browser', 'failed', 4, 1])
  const trends = await history.trends({ metric: 'frame_ms' })
  assert.equal(trends.points, 1)
  assert.ok(trends.overall.summary.min > 0)
})

test('without the WebGPU flags the missing adapter is the run error', async (t) => {
  const { dir, ...opts } = options(t)
  const { summary, adapterError, results, failure } = await runWebGpuBrowser({ ...opts, webgpu: false })
  assert.equal(adapterError, 'navigator.gpu.requestAdapter() returned null: no WebGPU adapter is available')
  assert.equal(failure, `WebGPU is unavailable: ${adapterError}`)
  assert.deepEqual(results, [])
  assert.equal(summary.result.status, 'error')
  assert.equal(summary.result.metadata.failure, failure)
  const written = JSON.parse(fs.readFileSync(path.join(opts.outputDir, 'run.json'), 'utf8'))
  assert.deepEqual([written.status, written.metadata.failure], ['error', failure])
  const { run } = await storedRun(dir)
  assert.deepEqual([run.run.status, run.counts.total], ['error', 0])
})
