// Regenerates binding.d.ts, the addon's types (a debug build into a temp
// dir), and fails when it differs from the committed file. binding.js, the
// loader, is hand-written (napi builds with --no-js).
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const dir = path.join(__dirname, '..')
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-generated-'))
const cliPackage = require.resolve('@napi-rs/cli/package.json', { paths: [dir] })
const cli = path.join(path.dirname(cliPackage), require(cliPackage).bin.napi)
const build = spawnSync(process.execPath, [cli, 'build', '--platform', '--no-js', '--dts', 'binding.d.ts', '--output-dir', out], {
  cwd: dir,
  stdio: ['ignore', 'inherit', 'inherit'],
})
if (build.status !== 0) process.exit(build.status ?? 1)
const fresh = fs.readFileSync(path.join(out, 'binding.d.ts'), 'utf8')
const committed = fs.readFileSync(path.join(dir, 'binding.d.ts'), 'utf8')
fs.rmSync(out, { recursive: true, force: true })
if (fresh !== committed) {
  console.error('testrelay: binding.d.ts differs from what the sources generate; run `npm run build:debug` in node/ and commit it')
  process.exit(1)
}
console.log('testrelay: binding.d.ts is up to date')
