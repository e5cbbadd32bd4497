// Loads the native addon (internal: index.js is the package's API; the
// addon's exports are typed in binding.d.ts, which the napi CLI generates).
//
// Hand-written rather than napi-rs's generated loader: that one takes the
// platform packages' names as `<napi.packageName>-<tuple>`, so they could
// not be `@testrelay/<tuple>`, and it spends 800 lines on targets this
// package does not build. This one looks, in order, for:
//  1. `testrelay.<tuple>.node` beside this file: a checkout's build, or the
//     install step's source build when no platform package fits;
//  2. the platform package `@testrelay/<tuple>` npm installed among the
//     optionalDependencies, which must be this package's version.
// When neither loads it throws one error naming what it tried and why each
// failed.
'use strict'
const path = require('node:path')

const { platformTuple } = require('./platform.js')

const { version } = require('./package.json')

function load() {
  const tuple = platformTuple()
  const tried = []
  const local = path.join(__dirname, `testrelay.${tuple}.node`)
  try {
    return require(local)
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e
    tried.push(`./testrelay.${tuple}.node: not present`)
  }
  const name = `@testrelay/${tuple}`
  let found
  try {
    found = require(`${name}/package.json`).version
  } catch {
    tried.push(`${name}: not installed`)
  }
  if (found !== undefined) {
    if (found !== version) {
      throw new Error(
        `testrelay: ${name} is at ${found}, testrelay at ${version}; install the same version of both ` +
          `(npm install testrelay@${version})`,
      )
    }
    return require(name)
  }
  const error = new Error(
    `testrelay: no native addon for ${tuple} (${tried.join('; ')}). ` +
      `npm installs ${name} with testrelay where a prebuilt one exists (not with --omit=optional or ` +
      `--no-optional); elsewhere testrelay's install step builds the addon, which needs Rust's cargo: ` +
      `reinstall testrelay after installing Rust from https://rustup.rs`,
  )
  error.code = 'TESTRELAY_NO_ADDON'
  throw error
}

module.exports = load()
