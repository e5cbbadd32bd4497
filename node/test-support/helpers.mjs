// Shared by the tests: temp dirs and the CI simulator (tests/ci-sim).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

/** The repository root (node/test-support/ is two levels down). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

const tempDirs = []
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true })
})

/** A fresh temp dir, removed when the process exits. */
export function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-node-'))
  tempDirs.push(dir)
  return dir
}

/** Options for a reporter that writes only under `dir`, with the local provider. */
export function localOptions(dir, extra = {}) {
  return {
    ciSystem: 'local',
    outputDir: path.join(dir, 'out'),
    historyPath: path.join(dir, 'history.db'),
    ...extra,
  }
}

/** The simulator binary built by `cargo build -p testrelay-ci-sim`. */
export function simulatorBinary() {
  const target = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot, process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot, 'target')
  const exe = process.platform === 'win32' ? 'testrelay-ci-sim.exe' : 'testrelay-ci-sim'
  const binary = path.join(target, 'debug', exe)
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} is missing: run \`cargo build -p testrelay-ci-sim\` first`)
  }
  return binary
}

/** Starts the simulator; resolves with `{ url, admin(method, route, body), stop() }`. */
export async function startSimulator() {
  const child = spawn(simulatorBinary(), [], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = readline.createInterface({ input: child.stdout })
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}`)))
    lines.once('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line)
      if (match) resolve(match[1])
      else reject(new Error(`unexpected first line from the simulator: ${line}`))
    })
  })
  const admin = async (method, route, body) => {
    const response = await fetch(`${url}/_sim/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`${method} /_sim/${route}: ${response.status} ${await response.text()}`)
    return response.json()
  }
  const stop = () => {
    child.kill()
    lines.close()
  }
  return { url, admin, stop }
}

/** Reporter options for the GitHub provider against the simulator (as in core/tests/github.rs). */
export function githubOptions(sim, dir, extra = {}) {
  return {
    ciSystem: 'github',
    apiUrl: sim.url,
    apiToken: 'ghs_example_token_1234',
    repository: 'octo/app',
    commitSha: 'abc123',
    outputDir: path.join(dir, 'out'),
    historyPath: path.join(dir, 'history.db'),
    retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
    ...extra,
  }
}
