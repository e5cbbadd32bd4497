// Type-checked by scripts/test-runners-js.sh (tsc): every subpath of the
// testrelay package resolves to its declarations, which accept the
// TestReporter options and reject a wrong one.
import NodeTestReporter = require('testrelay/node-test')
import JestReporter = require('testrelay/jest')
import VitestReporter = require('testrelay/vitest')
import MochaReporter = require('testrelay/mocha')
import PlaywrightReporter = require('testrelay/playwright')

const options = { ciSystem: 'local', outputDir: 'out', historyPath: null, reportFormats: ['junit' as const] }

const generator: AsyncGenerator<string, void, unknown> = NodeTestReporter((async function* () {})())
const fromEnv: { ciSystem?: string } = NodeTestReporter.optionsFromEnvironment({ TESTRELAY_OPTIONS: '{}' })
const jest: { onRunComplete(): Promise<void> } = new JestReporter({}, options)
const vitest: { onTestRunEnd(m: unknown[]): Promise<void> } = new VitestReporter(options)
const mochaOptions: MochaReporter.Options = { ...options, reporter: 'spec', reportFormats: 'junit+html' }
const mocha: { done(f: number, fn: (f: number) => void): void } = new MochaReporter({}, { reporterOption: mochaOptions })
const playwright: { printsToStdio(): boolean } = new PlaywrightReporter(options)
// @ts-expect-error: `prNumber` is a number
new PlaywrightReporter({ prNumber: 'seven' })

export { generator, fromEnv, jest, vitest, mocha, playwright }
