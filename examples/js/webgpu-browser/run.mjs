// Runs the WebGPU test page (index.html, webgpu-tests.js) in headless
// Chromium and reports each result through testrelay as it arrives, with
// the frame_ms metric and a screenshot of the page as an artifact.
//
//   node run.mjs            # Debian's /usr/bin/chromium, local provider unless a CI is detected
//   CHROMIUM=/path/to/chrome TESTRELAY_OPTIONS='{"ciSystem":"local"}' node run.mjs
//
// It serves the page from a local HTTP server on 127.0.0.1 (WebGPU needs a
// secure context: localhost is one), drives the browser with
// playwright-core (the browser on this machine, no download), and exits 1
// when a test failed or WebGPU was unavailable: a missing adapter is the
// run's error (`reportFailure`), never a silent pass.
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { chromium } from 'playwright-core'
import { TestReporter } from 'testrelay'

const here = path.dirname(fileURLToPath(import.meta.url))
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }

/** Chromium's flags: new headless, WebGPU on SwiftShader, nothing from the network, no sandbox as root. */
export function chromiumArgs({ webgpu = true } = {}) {
  const args = ['--headless=new', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync']
  if (webgpu) args.push('--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader')
  if (process.getuid?.() === 0) args.push('--no-sandbox')
  return args
}

/** Serves index.html and webgpu-tests.js on 127.0.0.1; resolves with `{ url, close() }`. */
export function servePage() {
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://localhost').pathname.slice(1) || 'index.html'
    const type = TYPES[path.extname(name)]
    if (!['index.html', 'webgpu-tests.js'].includes(name) || !type) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(fs.readFileSync(path.join(here, name)))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://localhost:${server.address().port}/`,
      close: () => new Promise((done) => server.close(done)),
    }))
  })
}

/**
 * Runs the page once and resolves with `{ summary, adapter, adapterError,
 * results, failure }` (`failure`: the run's error, if any). `options`: the TestReporter options, plus `executablePath`
 * (default $CHROMIUM or /usr/bin/chromium), `webgpu` (false leaves out the
 * WebGPU flags, as on a machine without WebGPU) and `timeoutMs` (default
 * 120000: the whole run's deadline).
 */
export async function runWebGpuBrowser(options = {}) {
  const { executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium', webgpu = true, timeoutMs = 120_000, ...reporterOptions } = options
  const reporter = new TestReporter({ runName: 'webgpu-browser', ...reporterOptions })
  const outputDir = reporterOptions.outputDir ?? 'test_results'
  const file = path.relative(process.cwd(), path.join(here, 'webgpu-tests.js')).split(path.sep).join('/')
  const results = []
  let adapter
  let adapterError
  let done
  const finished = new Promise((resolve) => {
    done = resolve
  })
  const server = await servePage()
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-chromium-'))
  let context
  let failure
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath, headless: false, args: chromiumArgs({ webgpu }), timeout: 60_000,
    })
    const page = context.pages()[0] ?? await context.newPage()
    page.on('pageerror', (err) => done({ pageError: err.message }))
    // Each message is recorded as it arrives.
    await page.exposeFunction('testrelayReport', (message) => {
      if (message.adapter !== undefined) {
        adapter = message.adapter
        reporter.setProperty('adapter', adapter)
      }
      if (message.test) {
        const t = message.test
        reporter.record({
          name: t.name, classname: 'webgpu', suite: 'webgpu-browser', file, line: t.line,
          status: t.status, durationSeconds: Math.max(0, t.durationMs) / 1000, message: t.message,
        })
        results.push(t)
      }
      for (const m of message.metrics ?? []) reporter.recordMetric(m)
      if (message.adapterError !== undefined) {
        adapterError = message.adapterError
        done({})
      }
      if (message.done) done({})
    })
    await page.goto(server.url)
    let timer
    const outcome = await Promise.race([
      finished,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ timeout: true }), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (outcome.pageError) throw new Error(`the test page failed: ${outcome.pageError}`)
    if (outcome.timeout) throw new Error(`the test page did not finish within ${timeoutMs} ms`)
    fs.mkdirSync(outputDir, { recursive: true })
    const shot = path.join(outputDir, 'webgpu-browser.png')
    await page.screenshot({ path: shot, fullPage: true })
    reporter.attachArtifact(shot, { kind: 'screenshot', contentType: 'image/png' })
    if (adapterError !== undefined) failure = `WebGPU is unavailable: ${adapterError}`
  } catch (err) {
    failure = `the browser run failed: ${err.message}`
  } finally {
    await context?.close().catch(() => {})
    await server.close()
    fs.rmSync(profile, { recursive: true, force: true })
  }
  // The run's error: the missing adapter or what stopped the browser.
  if (failure !== undefined) await reporter.reportFailure(failure)
  return { summary: await reporter.finish(), adapter, adapterError, results, failure }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const options = process.env.TESTRELAY_OPTIONS ? JSON.parse(process.env.TESTRELAY_OPTIONS) : {}
  const { summary, adapter, results, failure } = await runWebGpuBrowser(options)
  for (const t of results) console.log(`${t.status.padEnd(7)} ${t.name}${t.message ? ` — ${t.message}` : ''}`)
  if (adapter) console.log(`adapter: ${adapter}`)
  if (failure) console.error(failure)
  const r = summary.result
  console.log(`testrelay: ${r.status}: ${r.totalTests} tests, ${r.failedTests} failed; reports: ${summary.reports.join(', ')}`)
  process.exitCode = r.status === 'passed' ? 0 : 1
}
