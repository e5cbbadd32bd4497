// Regenerates binding.js and binding.d.ts (a debug build into a temp dir) and
// fails when they differ from the committed files.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')

const dir = path.join(__dirname, '..')
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'testrelay-generated-'))
const cliPackage = require.resolve('@napi-rs/cli/package.json', { paths: [dir] })
const cli = path.join(path.dirname(cliPackage), require(cliPackage).bin.napi)
const build = spawnSync(process.execPath, [cli, 'build', '--platform', '--js', 'binding.js', '--dts', 'binding.d.ts', '--output-dir', out], {
  cwd: dir,
  stdio: ['ignore', 'inherit', 'inherit'],
})
if (build.status !== 0) process.exit(build.status ?? 1)
let stale = []
for (const file of ['binding.js', 'binding.d.ts']) {
  const fresh = fs.readFileSync(path.join(out, file), 'utf8')
  const committed = fs.readFileSync(path.join(dir, file), 'utf8')
  if (fresh !== committed) stale.push(file)
}
fs.rmSync(out, { recursive: true, force: true })
if (stale.length > 0) {
  console.error(`testrelay: ${stale.join(' and ')} differ from what the sources generate; run \`npm run build:debug\` in node/ and commit them`)
  process.exit(1)
}
console.log('testrelay: binding.js and binding.d.ts are up to date')
