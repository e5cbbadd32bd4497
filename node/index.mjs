// ESM entry point: the same module as the CommonJS index.js.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const binding = require('./index.js')

export const { TestReporter, History, parseJUnit, detectEnvironment, version } = binding
export default binding
