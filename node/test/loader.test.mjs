// binding.js, the addon's loader: where it looks, in which order, and what
// it says when nothing fits. Each case copies the loader into a temporary
// package directory laid out as npm would install it.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

import { tempDir } from '../test-support/helpers.mjs'

const require = createRequire(import.meta.url)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const { platformTuple } = require('../platform.js')
const { version } = require('../package.json')
const tuple = platformTuple()
const builtAddon = path.join(packageDir, `testrelay.${tuple}.node`)

// A project with node_modules/testrelay holding the loader (no addon), and
// node_modules/@testrelay/<tuple> when `platformVersion` is given.
function project(platformVersion) {
  const root = tempDir()
  const pkg = path.join(root, 'node_modules', 'testrelay')
  fs.mkdirSync(pkg, { recursive: true })
  for (const file of ['binding.js', 'platform.js', 'package.json']) {
    fs.copyFileSync(path.join(packageDir, file), path.join(pkg, file))
  }
  if (platformVersion !== undefined) {
    const platform = path.join(root, 'node_modules', '@testrelay', tuple)
    fs.mkdirSync(platform, { recursive: true })
    const main = `testrelay.${tuple}.node`
    fs.writeFileSync(path.join(platform, 'package.json'), JSON.stringify({ name: `@testrelay/${tuple}`, version: platformVersion, main }))
    fs.copyFileSync(builtAddon, path.join(platform, main))
  }
  return pkg
}

// Loads PKG/binding.js in a new process; returns its version() or the error.
function load(pkg) {
  const script = `try { process.stdout.write(JSON.stringify({ version: require(${JSON.stringify(path.join(pkg, 'binding.js'))}).version() })) }
    catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message })) }`
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(run.status, 0, run.stderr)
  return JSON.parse(run.stdout)
}

test('the platform tuple is napi-rs\'s name of the platform', () => {
  assert.equal(platformTuple('linux', 'x64', () => 'gnu'), 'linux-x64-gnu')
  assert.equal(platformTuple('linux', 'arm64', () => 'musl'), 'linux-arm64-musl')
  assert.equal(platformTuple('linux', 'arm', () => 'gnu'), 'linux-arm-gnueabihf')
  assert.equal(platformTuple('darwin', 'arm64'), 'darwin-arm64')
  assert.equal(platformTuple('win32', 'x64'), 'win32-x64-msvc')
  assert.equal(platformTuple('freebsd', 'x64'), 'freebsd-x64')
  // Every platform package's directory is named by its tuple, and its name is @testrelay/<tuple>.
  for (const dir of fs.readdirSync(path.join(packageDir, 'npm'))) {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'npm', dir, 'package.json'), 'utf8'))
    assert.equal(manifest.name, `@testrelay/${dir}`)
    assert.equal(manifest.main, `testrelay.${dir}.node`)
    assert.equal(manifest.version, version)
  }
})

test('with no addon beside it and no platform package, loading says what it tried and what to do', () => {
  const result = load(project())
  assert.equal(result.code, 'TESTRELAY_NO_ADDON')
  assert.match(result.message, new RegExp(`no native addon for ${tuple}`))
  assert.match(result.message, new RegExp(`@testrelay/${tuple}: not installed`))
  assert.match(result.message, /rustup\.rs/)
})

test('the platform package @testrelay/<tuple> is loaded when its version is the package\'s', () => {
  assert.deepEqual(load(project(version)), { version })
})

test('a platform package of another version is refused with both versions named', () => {
  const result = load(project('0.0.1-other'))
  assert.match(result.message, new RegExp(`@testrelay/${tuple} is at 0\\.0\\.1-other, testrelay at ${version.replace(/\./g, '\\.')}`))
})

test('an addon beside the loader wins over the platform package', () => {
  const pkg = project('0.0.1-other')
  fs.copyFileSync(builtAddon, path.join(pkg, `testrelay.${tuple}.node`))
  assert.deepEqual(load(pkg), { version })
})
