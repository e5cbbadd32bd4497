// Measures TestReporter.record(): the time of one call from JavaScript
// (conversion of the case + enqueue), as the median of samples of 100
// calls. Reports go nowhere and the history is off, so the core's threads
// keep up and the queue never fills.
//
//   node node/bench/record.mjs [cases]      (default 50,000)
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { TestReporter } from '../index.mjs'

const total = Number(process.argv[2] ?? 50_000)
const batch = 100
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-bench-'))
const reporter = new TestReporter({
  ciSystem: 'local',
  outputDir: dir,
  historyPath: null,
  reportFormats: [],
})
const testCase = (i) => ({
  name: `mapAsync=read;size=${i}`,
  classname: 'webgpu:api,operation,buffers:map',
  status: i % 97 === 0 ? 'failed' : 'passed',
  durationSeconds: 0.001,
})
for (let i = 0; i < 5_000; i++) reporter.record(testCase(i)) // warm-up
const cases = Array.from({ length: total }, (_, i) => testCase(i))
const perCall = []
for (let start = 0; start < total; start += batch) {
  const t0 = process.hrtime.bigint()
  for (let i = start; i < start + batch; i++) reporter.record(cases[i])
  perCall.push(Number(process.hrtime.bigint() - t0) / batch)
}
const summary = await reporter.finish()
fs.rmSync(dir, { recursive: true, force: true })
perCall.sort((a, b) => a - b)
const median = perCall[Math.floor(perCall.length / 2)]
const mean = perCall.reduce((a, b) => a + b, 0) / perCall.length
console.log(`record(): ${median.toFixed(0)} ns median, ${mean.toFixed(0)} ns mean per call over ${total} cases ` +
  `(${summary.result.totalTests} recorded, ${summary.backpressureWaits} backpressure waits)`)
