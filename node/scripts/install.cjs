// npm's install step: builds the native addon from source with the napi
// CLI (cargo) unless a binary for this platform is present and newer than
// the Rust sources. TESTRELAY_NODE_PROFILE=debug builds without --release.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const dir = path.join(__dirname, '..')

function newest(p) {
  const stat = fs.statSync(p)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))))
}

function upToDate() {
  const binaries = fs.readdirSync(dir).filter((f) => f.endsWith('.node'))
  if (binaries.length === 0) return false
  const sources = Math.max(
    newest(path.join(dir, 'src')),
    newest(path.join(dir, 'Cargo.toml')),
    newest(path.join(dir, '..', 'core', 'src')),
  )
  try {
    require(path.join(dir, 'index.js'))
  } catch {
    return false
  }
  return binaries.every((b) => fs.statSync(path.join(dir, b)).mtimeMs >= sources)
}

function hasCoreSources() {
  return fs.existsSync(path.join(dir, '..', 'core', 'src'))
}

if (hasCoreSources() ? upToDate() : true) process.exit(0)

// Installed as a link (`npm install path/to/testrelay/node`), the package's
// own dependencies are not installed: fetch the napi CLI from the lock file.
function napiCli() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [dir] })
  } catch {
    const npm = process.env.npm_execpath
    const command = npm ? [process.execPath, [npm]] : ['npm', []]
    const install = spawnSync(command[0], [...command[1], 'install', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'inherit',
    })
    if (install.status !== 0) process.exit(install.status ?? 1)
    return require.resolve('@napi-rs/cli/package.json', { paths: [dir] })
  }
}

const cliPackage = napiCli()
const cli = path.join(path.dirname(cliPackage), require(cliPackage).bin.napi)
const args = [cli, 'build', '--platform']
if (process.env.TESTRELAY_NODE_PROFILE !== 'debug') args.push('--release')
console.error(`testrelay: building the native addon from source (napi ${args.slice(1).join(' ')})`)
const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit' })
if (result.status !== 0) {
  console.error('testrelay: building the addon failed; it needs Rust (cargo) on PATH: https://rustup.rs')
  process.exit(result.status ?? 1)
}
