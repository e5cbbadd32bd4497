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

// The main entry: the API's names only, typed by index.d.ts (the shapes of
// types.d.ts, the declarations of the generated binding.d.ts).
import * as testrelay from 'testrelay'
import type { ReporterOptions, RunSummary, ResultsReport, Detection } from 'testrelay'

const reporterOptions: ReporterOptions = { ciSystem: 'local', historyPath: null }
const reporter = new testrelay.TestReporter(reporterOptions)
reporter.record({ name: 'adds', status: 'passed', durationSeconds: 0.1 })
const finished: Promise<RunSummary> = reporter.finish()
const results: Promise<ResultsReport> = testrelay.parseResults('junit.xml')
const detection: Detection = testrelay.detectEnvironment({})
const history: Promise<testrelay.History> = testrelay.History.open('history.db')
const versionText: string = testrelay.version()
// @ts-expect-error: a test case needs a name
reporter.record({ status: 'passed' })
// @ts-expect-error: the binding's internal method is not part of the API
reporter._recordFields('x')
// @ts-expect-error: nor is the generated loader's marker
testrelay.__napiBindingTarget

export { generator, fromEnv, jest, vitest, mocha, playwright, finished, results, detection, history, versionText }
