// A WebGPU-CTS-style harness reporting through testrelay: 10,000 cases
// named like CTS queries, a few failures with files and lines, skips for
// unsupported features, a rerun that turned out flaky, per-case timings and
// a frame-time metric.
//
//   node examples/js/webgpu-reporter.mjs            # provider from the environment (auto)
//   TESTRELAY_CONFIG='{"ciSystem":"local"}' node examples/js/webgpu-reporter.mjs
//
// `runWebGpuSuite(options)` is exported for the tests; it resolves with the
// run summary.
import { fileURLToPath } from 'node:url'

import { TestReporter } from '../../node/index.mjs'

const FILES = {
  'api,operation,buffers:map': 'src/webgpu/api/operation/buffers/map.spec.ts',
  'api,operation,command_buffer:copyBufferToBuffer': 'src/webgpu/api/operation/command_buffer/copyBufferToBuffer.spec.ts',
  'api,validation,createBindGroup': 'src/webgpu/api/validation/createBindGroup.spec.ts',
  'shader,execution,expression,call,builtin,abs': 'src/webgpu/shader/execution/expression/call/builtin/abs.spec.ts',
  'web_platform,canvas,configure': 'src/webgpu/web_platform/canvas/configure.spec.ts',
}
const FORMATS = ['rgba8unorm', 'bgra8unorm', 'rgba16float', 'r32float', 'depth24plus']
const MODES = ['read', 'write']

/** The `index`-th case of the suite, deterministic. */
export function webgpuCase(index) {
  const groups = Object.keys(FILES)
  const group = groups[index % groups.length]
  const query = `webgpu:${group}`
  const variant = index % 3 === 0
    ? `mapAsync=${MODES[index % 2]};size=${4 << (index % 10)};offset=${(index % 4) * 4};batch=${index}`
    : `format="${FORMATS[index % FORMATS.length]}";case=${index}`
  const c = {
    name: `${variant}`,
    classname: query,
    suite: 'webgpu-cts',
    file: FILES[group],
    status: 'passed',
    durationSeconds: ((index * 7919) % 250) / 1000,
  }
  if (index % 997 === 0) {
    c.status = 'failed'
    c.line = 100 + (index % 400)
    c.message = `expected ${index % 7}, got ${(index % 7) + 1}`
    c.details = `Error: expected ${index % 7}, got ${(index % 7) + 1}\n    at ${FILES[group]}:${c.line}:9`
  } else if (index % 101 === 0) {
    c.status = 'skipped'
    c.message = 'feature "timestamp-query" is not supported by the adapter'
  } else if (index % 2503 === 0) {
    c.status = 'flaky'
    c.attempts = [{ status: 'failed', durationSeconds: 0.2, message: 'device lost' }, { status: 'passed', durationSeconds: 0.1 }]
  }
  return c
}

/** Reports `count` cases with `options` and resolves with the summary. */
export async function runWebGpuSuite(options, count = 10_000) {
  const reporter = new TestReporter({ runName: 'webgpu-cts', ...options })
  reporter.setProperty('adapter', 'SwiftShader (software adapter)')
  for (let i = 0; i < count; i++) reporter.record(webgpuCase(i))
  for (let frame = 0; frame < 10; frame++) {
    reporter.recordMetric({ name: 'frame_ms', value: 16 + (frame % 3) * 0.5, unit: 'ms' })
  }
  return reporter.finish()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = process.env.TESTRELAY_CONFIG ? JSON.parse(process.env.TESTRELAY_CONFIG) : {}
  const summary = await runWebGpuSuite(options)
  const r = summary.result
  console.log(`webgpu-cts: ${r.totalTests} tests, ${r.passedTests} passed, ${r.failedTests} failed, ${r.skippedTests} skipped, ${r.flakyTests} flaky`)
  for (const d of summary.delivered) console.log(`  delivered ${d.operation}${d.url ? ` (${d.url})` : ''}`)
  for (const p of summary.notDelivered) console.log(`  not delivered ${p.operation}: ${p.message}`)
  process.exitCode = r.failedTests > 0 ? 1 : 0
}
