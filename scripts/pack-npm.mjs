#!/usr/bin/env node
// Makes the npm tarballs a release publishes, from node/ and node/npm/:
//
//   node scripts/pack-npm.mjs --out DIR [--binary TUPLE=FILE]... [--strip]
//                             [--repository URL]
//
// - DIR/testrelay-<version>.tgz: the `testrelay` package: the JS entry
//   points, the types, the install step and the binding's Rust sources (no
//   binary). Its optionalDependencies name every platform package of
//   node/npm/ at the same version, so npm installs the one that fits. For
//   the source build used when none fits, its Cargo.toml and Cargo.lock are
//   the ones `cargo package` writes for the binding's crate: `testrelay` is
//   taken from crates.io at this version instead of `../core`.
// - DIR/testrelay-<tuple>-<version>.tgz for each --binary: the platform
//   package `@testrelay/<tuple>` (node/npm/<tuple>/) with that release-built addon
//   (stripped first with --strip, by the platform's `strip`).
// --repository sets `repository` in every package.json (npm's provenance
// check compares it with the repository the workflow runs in).
// Writes nothing into the source tree but cargo's target directory.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const nodeDir = path.join(root, 'node')

function fail(message) {
  console.error(`pack-npm: ${message}`)
  process.exit(1)
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options })
  if (result.error) fail(`${command} could not run: ${result.error.message}`)
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status}`)
  return result.stdout
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`)
}

// `npm pack` of a directory into DIR; returns the tarball's path.
function npmPack(dir, out) {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], { cwd: dir }))
  return path.join(out, info.filename)
}

const args = process.argv.slice(2)
let out = null
let strip = false
let repository = null
const binaries = new Map()
for (let i = 0; i < args.length; i++) {
  const arg = args[i]
  if (arg === '--out') out = args[++i]
  else if (arg === '--strip') strip = true
  else if (arg === '--repository') repository = args[++i]
  else if (arg === '--binary') {
    const spec = args[++i] ?? ''
    const eq = spec.indexOf('=')
    if (eq <= 0) fail(`--binary wants TUPLE=FILE, got "${spec}"`)
    binaries.set(spec.slice(0, eq), path.resolve(spec.slice(eq + 1)))
  } else fail(`unknown argument "${arg}"`)
}
if (!out) fail('--out DIR is required')
out = path.resolve(out)
fs.mkdirSync(out, { recursive: true })

const main = readJson(path.join(nodeDir, 'package.json'))
const version = main.version
const platformDir = path.join(nodeDir, 'npm')
const platforms = fs
  .readdirSync(platformDir)
  .sort()
  .map((tuple) => ({ tuple, manifest: readJson(path.join(platformDir, tuple, 'package.json')) }))
for (const { tuple, manifest } of platforms) {
  if (manifest.version !== version) fail(`node/npm/${tuple}/package.json is at ${manifest.version}, node/package.json at ${version}`)
}
for (const tuple of binaries.keys()) {
  if (!platforms.some((p) => p.tuple === tuple)) fail(`no platform package node/npm/${tuple}`)
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-pack-'))
try {
  // The binding's crate as cargo publishes it (with the core crate packaged
  // beside it, so its dependency resolves without crates.io having it yet).
  run('cargo', ['package', '--locked', '--no-verify', '--allow-dirty', '-p', 'testrelay', '-p', 'testrelay-node'], {
    cwd: root,
  })
  const targetDir = JSON.parse(run('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root })).target_directory
  const crate = path.join(targetDir, 'package', `testrelay-node-${version}.crate`)
  const crateDir = path.join(scratch, 'crate')
  fs.mkdirSync(crateDir)
  run('tar', ['-xzf', crate, '-C', crateDir])
  const cratePath = path.join(crateDir, `testrelay-node-${version}`)

  // The main package: what `files` lists, then the release-only changes.
  const mainTarball = npmPack(nodeDir, scratch)
  const stage = path.join(scratch, 'main')
  fs.mkdirSync(stage)
  run('tar', ['-xzf', mainTarball, '-C', stage])
  const mainDir = path.join(stage, 'package')
  const manifest = readJson(path.join(mainDir, 'package.json'))
  manifest.optionalDependencies = Object.fromEntries(platforms.map((p) => [p.manifest.name, version]))
  manifest.scripts = { install: manifest.scripts.install }
  if (repository) manifest.repository = { type: 'git', url: repository }
  writeJson(path.join(mainDir, 'package.json'), manifest)
  // `[workspace]`: the crate is its own workspace even when the project
  // installing the package sits inside a cargo workspace.
  fs.writeFileSync(
    path.join(mainDir, 'Cargo.toml'),
    `${fs.readFileSync(path.join(cratePath, 'Cargo.toml'), 'utf8')}\n[workspace]\n`,
  )
  fs.copyFileSync(path.join(cratePath, 'Cargo.lock'), path.join(mainDir, 'Cargo.lock'))
  const made = [npmPack(mainDir, out)]

  for (const [tuple, binary] of binaries) {
    const dir = path.join(scratch, tuple)
    fs.cpSync(path.join(platformDir, tuple), dir, { recursive: true })
    const platformManifest = readJson(path.join(dir, 'package.json'))
    const file = path.join(dir, platformManifest.main)
    fs.copyFileSync(binary, file)
    if (strip) run('strip', process.platform === 'darwin' ? ['-x', file] : ['--strip-unneeded', file])
    if (repository) {
      platformManifest.repository = { type: 'git', url: repository }
      writeJson(path.join(dir, 'package.json'), platformManifest)
    }
    made.push(npmPack(dir, out))
  }
  for (const tarball of made) console.log(`${tarball}\t${fs.statSync(tarball).size}`)
} finally {
  fs.rmSync(scratch, { recursive: true, force: true })
}
