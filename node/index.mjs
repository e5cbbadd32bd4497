// ESM entry point: the same module as the CommonJS index.js.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const testrelay = require('./index.js')

export const { TestReporter, History, parseJUnit, parseResults, detectEnvironment, version } = testrelay
export default testrelay
