// Types of `testrelay/node-test`: a node:test reporter
// (`node --test --test-reporter=testrelay/node-test --test-reporter-destination=stdout`).
// Options: the TestReporter keys as JSON in the TESTRELAY_OPTIONS environment variable.
import type { ReporterOptions } from '../index'

/** node:test's reporter: consumes the runner's events, yields one summary line at the end. */
declare function nodeTestReporter(source: AsyncIterable<{ type: string; data: any }>): AsyncGenerator<string, void, unknown>
declare namespace nodeTestReporter {
  /** The options in TESTRELAY_OPTIONS (a JSON object); throws a TypeError when it is not one. */
  function optionsFromEnvironment(env?: Record<string, string | undefined>): ReporterOptions
}
export = nodeTestReporter
