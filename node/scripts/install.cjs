// npm's install step.
//
// Installed from the registry, the native addon comes from the platform
// package npm picked among the optionalDependencies
// (@testrelay/<platform>); this step only checks that it loads.
// When none fits this platform (or optional dependencies were omitted), it
// builds the addon from the Rust sources shipped in the package: the
// binding's crate, whose Cargo.toml takes the `testrelay` crate from
// crates.io at this package's version, and its Cargo.lock. That needs Rust
// (cargo); without it the install fails with a message saying so.
//
// In a checkout of the repository (node/ beside core/), it builds the addon
// from source unless a binary for this platform is present and newer than
// the Rust sources; TESTRELAY_NODE_PROFILE=debug builds without --release.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const dir = path.join(__dirname, '..')
const pkg = require(path.join(dir, 'package.json'))

function newest(p) {
  const stat = fs.statSync(p)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))))
}

// The error loading the addon gave, or null when it loads.
function loadError() {
  try {
    require(path.join(dir, 'binding.js'))
    return null
  } catch (e) {
    return e
  }
}

function upToDate() {
  const binaries = fs.readdirSync(dir).filter((f) => f.endsWith('.node'))
  if (binaries.length === 0) return false
  const sources = Math.max(
    newest(path.join(dir, 'src')),
    newest(path.join(dir, 'Cargo.toml')),
    newest(path.join(dir, '..', 'core', 'src')),
  )
  if (loadError() !== null) return false
  return binaries.every((b) => fs.statSync(path.join(dir, b)).mtimeMs >= sources)
}

// A checkout: node/ sits beside core/ in the repository, not in node_modules.
const inCheckout =
  path.basename(path.dirname(dir)) !== 'node_modules' &&
  fs.existsSync(path.join(dir, '..', 'core', 'Cargo.toml'))

if (inCheckout ? upToDate() : loadError() === null) process.exit(0)

if (!inCheckout) {
  const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' })
  if (cargo.error || cargo.status !== 0) {
    const targets = (pkg.napi && pkg.napi.targets) || []
    console.error(
      `testrelay: no prebuilt addon loads on ${process.platform}-${process.arch}: ` +
        `the platform packages (${Object.keys(pkg.optionalDependencies || {}).join(', ') || 'none listed'}) ` +
        `cover ${targets.join(', ')}, and npm installs only the one that fits (not when optional ` +
        `dependencies are omitted). Building it from source needs Rust's cargo on PATH, which is ` +
        `missing: install Rust from https://rustup.rs and install testrelay again.`,
    )
    process.exit(1)
  }
}

// The napi CLI is a dev dependency: present in a checkout after
// `npm install`; installed here on demand otherwise (a link install of
// node/, or the source build of a registry install).
function napiCli() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [dir] })
  } catch {
    const npm = process.env.npm_execpath
    const command = npm ? [process.execPath, [npm]] : ['npm', []]
    const spec = `@napi-rs/cli@${pkg.devDependencies['@napi-rs/cli']}`
    const args = ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', spec]
    const install = spawnSync(command[0], [...command[1], ...args], {
      cwd: dir,
      stdio: 'inherit',
      shell: !npm && process.platform === 'win32',
    })
    if (install.status !== 0) process.exit(install.status ?? 1)
    return require.resolve('@napi-rs/cli/package.json', { paths: [dir] })
  }
}

const cliPackage = napiCli()
const cli = path.join(path.dirname(cliPackage), require(cliPackage).bin.napi)
const args = [cli, 'build', '--platform', '--no-js', '--dts', 'binding.d.ts']
if (process.env.TESTRELAY_NODE_PROFILE !== 'debug') args.push('--release')
// Outside a checkout, cargo's target directory is a temporary one removed
// afterwards (it grows to hundreds of MB), unless CARGO_TARGET_DIR names one.
const env = { ...process.env }
let scratch = null
if (!inCheckout && !env.CARGO_TARGET_DIR) {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-build-'))
  env.CARGO_TARGET_DIR = scratch
}
console.error(`testrelay: building the native addon from source (napi ${args.slice(1).join(' ')})`)
const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit', env })
if (scratch) fs.rmSync(scratch, { recursive: true, force: true })
if (result.status !== 0) {
  console.error(
    inCheckout
      ? 'testrelay: building the addon failed; it needs Rust (cargo) on PATH: https://rustup.rs'
      : 'testrelay: building the addon from source failed (cargo says why above); it needs a Rust ' +
          `toolchain new enough for the crate (rust-version in Cargo.toml) and crates.io for testrelay ${pkg.version}`,
  )
  process.exit(result.status ?? 1)
}
const error = loadError()
if (error !== null) {
  console.error(`testrelay: the addon built from source does not load: ${error.message}`)
  process.exit(1)
}
