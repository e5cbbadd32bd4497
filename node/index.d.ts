/* The package's types: the option and result shapes (types.d.ts) and the
 * API index.js exports, documented in binding.d.ts, which the napi CLI
 * generates from the Rust sources (node/src/). */

export * from './types'
export { TestReporter, History, detectEnvironment, parseJUnit, parseResults, version } from './binding'
