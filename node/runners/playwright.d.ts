// Types of `testrelay/playwright`: `reporter: [['list'], ['testrelay/playwright', options]]`.
import type { ReporterOptions } from '../index'

/** Playwright Test's reporter: records each test after its last attempt, attaches its attachments, ends the run in `onEnd`. */
declare class TestrelayPlaywrightReporter {
  /** `options`: the TestReporter keys. Throws for bad options. */
  constructor(options?: ReporterOptions)
  printsToStdio(): boolean
  onTestEnd(test: unknown, result: unknown): void
  onError(error: unknown): void
  onEnd(): Promise<void>
}
export = TestrelayPlaywrightReporter
