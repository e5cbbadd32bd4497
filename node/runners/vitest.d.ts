// Types of `testrelay/vitest`: `reporters: ['default', ['testrelay/vitest', options]]`.
import type { ReporterOptions } from '../index'

/** Vitest's reporter: records each test as Vitest reports it, ends the run in `onTestRunEnd`. */
declare class TestrelayVitestReporter {
  /** `options`: the TestReporter keys. Throws for bad options. */
  constructor(options?: ReporterOptions)
  onUserConsoleLog(log: unknown): void
  onTestCaseResult(test: unknown): void
  onTestSuiteResult(suite: unknown): void
  onTestModuleEnd(module: unknown): void
  onTestRunEnd(modules: ReadonlyArray<unknown>, unhandledErrors?: ReadonlyArray<unknown>): Promise<void>
}
export = TestrelayVitestReporter
