// ESM entry point: the same module as the CommonJS testrelay.cjs.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./testrelay.cjs')

export const { TestReporter, History, parseJUnit, parseResults, detectEnvironment, version } = binding
export default binding
