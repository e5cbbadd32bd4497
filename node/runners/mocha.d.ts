// Types of `testrelay/mocha`: `mocha --reporter testrelay/mocha [--reporter-option reporter=spec]`.
import type { ReporterOptions } from '../index'

/** Mocha's reporter options: the TestReporter keys (text values are converted) and `reporter`. */
interface MochaReporterOptions extends Omit<ReporterOptions, 'reportFormats'> {
  /** A Mocha reporter to print as well (`spec`, `dot`, a module name). */
  reporter?: string
  /** An array, or the formats separated by `+`, `;`, `|` or spaces (`junit+html`). */
  reportFormats?: ReporterOptions['reportFormats'] | string
}

/** Mocha's reporter: records each test as Mocha reports it; Mocha waits for `done`. */
declare class TestrelayMochaReporter {
  /** Throws for bad options. */
  constructor(runner: unknown, options?: { reporterOption?: MochaReporterOptions; reporterOptions?: MochaReporterOptions; parallel?: boolean })
  done(failures: number, fn: (failures: number) => void): void
}
declare namespace TestrelayMochaReporter {
  export type Options = MochaReporterOptions
}
export = TestrelayMochaReporter
