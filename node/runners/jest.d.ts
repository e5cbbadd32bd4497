// Types of `testrelay/jest`: `reporters: ['default', ['testrelay/jest', options]]`.
import type { ReporterOptions } from '../index'

/** Jest's reporter: records each test as Jest reports it, ends the run in `onRunComplete`. */
declare class TestrelayJestReporter {
  /** `options`: Jest's reporter options, the TestReporter keys. Throws for bad options. */
  constructor(globalConfig: unknown, options?: ReporterOptions)
  onTestCaseResult(test: { path: string }, result: unknown): void
  onTestFileResult(test: { path: string }, testResult: unknown): void
  onRunComplete(): Promise<void>
  getLastError(): undefined
}
export = TestrelayJestReporter
