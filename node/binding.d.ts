/* The option and result shapes of testrelay's Node API: the core's types
 * with camelCase keys (node/src/convert.rs is the one mapping). The napi
 * CLI puts this file at the top of the generated binding.d.ts; index.d.ts
 * exports it as the package's types. */

/** Outcome of one test case. */
export type CaseStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'flaky'
/** Status of a run. */
export type RunStatus = 'pending' | 'running' | 'passed' | 'failed' | 'error' | 'cancelled' | 'timed_out'
/** The stable error codes (`err.code`). */
export type ErrorCode =
  | 'TR_INVALID_ARGUMENT' | 'TR_CONFIGURATION' | 'TR_AUTHENTICATION' | 'TR_PERMISSION'
  | 'TR_NOT_FOUND' | 'TR_RATE_LIMITED' | 'TR_CONNECTION' | 'TR_TIMEOUT' | 'TR_IO'
  | 'TR_DATABASE' | 'TR_PARSE' | 'TR_UNSUPPORTED' | 'TR_INTERNAL'

/** `new TestReporter(options)`: the seed's names plus every configuration key. */
export interface ReporterOptions {
  /** The CI system (`auto`, `local`, `github`, ...): the configuration's `provider`. */
  ciSystem?: string
  /** Same as `ciSystem`; give one of them. */
  provider?: string
  /** Explicit run key (else derived from the CI build). */
  testRunId?: string
  /** Per-vendor settings, e.g. `{ gitlab: { apiUrl, tokenEnv } }`: where each provider's API is and where its token comes from. */
  providers?: Record<string, { apiUrl?: string; token?: string; tokenEnv?: string; authScheme?: 'bearer' | 'token'; user?: string; proxy?: string }>
  /** Token of the provider the run reports to (shorthand for its `providers` entry); never printed, logged or stored. */
  apiToken?: string
  /** `owner/name`. */
  repository?: string
  apiUrl?: string
  commitSha?: string
  branch?: string
  prNumber?: number
  outputDir?: string
  /** `null` turns the history off. */
  historyPath?: string | null
  reportFormats?: Array<'junit' | 'json' | 'html' | 'markdown'>
  junitProfile?: 'strict' | 'full'
  enablePrComments?: boolean
  enableStatusUpdates?: boolean
  enableArtifacts?: boolean
  updateIntervalSecs?: number
  retry?: { maxAttempts?: number; initialBackoffMs?: number; maxBackoffMs?: number; secondaryRateLimitWaitSecs?: number }
  timeouts?: { connectSecs?: number; readSecs?: number; requestSecs?: number; finishSecs?: number }
  runName?: string
  statusContext?: string
  commentBudgetBytes?: number
  strict?: boolean
  jobSummaryPath?: string
  workflowCommands?: boolean
  /** GitHub: tag of the prerelease whose assets hold the run's artifacts (default `testrelay-<run key>`). */
  releaseTag?: string
  /** How the token is sent: `bearer` (default) or `token` (older GitHub Enterprise Servers). */
  authScheme?: 'bearer' | 'token'
  /** Reading result files: cases with the same identity in one file are each a test (`tests`, default) or attempts of one test (`attempts`). */
  sameNameCases?: 'tests' | 'attempts'
  /** Send live progress updates while the run goes on (default `true`). */
  liveUpdates?: boolean
  /** Keep recorded metrics in the history (default `true`). */
  storeMetrics?: boolean
  /** Installs testrelay's own logger at this level (on stderr, or `logFile`). */
  logLevel?: 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
  /** File testrelay's own logger appends to. */
  logFile?: string
  // The integration guide's names (docs/configuration.md, "The guide's names"):
  /** The guide's `update_interval`: `updateIntervalSecs`. */
  updateInterval?: number
  /** The guide's `result_format`: `'all'`, a format (`'xml'` is junit), `'json,xml,html'`, or a list. */
  resultFormat?: string | string[]
  /** The guide's `artifact_dir`: `outputDir`. */
  artifactDir?: string
  /** The guide's `enable_history_tracking`: `false` is `historyPath: null`. */
  enableHistoryTracking?: boolean
  /** The guide's `track_performance_trends`: `storeMetrics`. */
  trackPerformanceTrends?: boolean
  /** The guide's `retry_attempts`: `retry.maxAttempts`. */
  retryAttempts?: number
  /** The guide's `update_on_completion_only`: `true` is `liveUpdates: false`. */
  updateOnCompletionOnly?: boolean
  /** The guide's `detailed_logging`: `true` is `logLevel: 'debug'`. */
  detailedLogging?: boolean
  /** The guide's `project`: `repository`. */
  project?: string
  /** How each run's metrics are compared with their baseline (regressions); `better` is keyed by metric name. */
  performance?: { baselineRuns?: number; minChangePct?: number; alpha?: number; defaultBranch?: string | null; better?: Record<string, 'lower' | 'higher'> }
  /** Artifact type rules tried before the built-in detection: `[{ pattern: '*.k6.json', type: 'performance_report' }]`. */
  artifactTypes?: { pattern: string; type: string }[]
}

/** What `status()` returns (the guide's `get_ci_status()`). */
export interface CiStatus {
  /** The provider the run reports to (`github`, `local`, ...). */
  ciSystem: string
  /** The run key. */
  runId: string
  /** The run's status as last shown to the CI: `running` until the first report. */
  status: 'running' | 'passed' | 'failed' | 'error' | 'cancelled' | 'timed_out'
  /** True once `close()` or `finish()` ended the run. */
  closed: boolean
}

/** The seed's `reportResults` argument. */
export interface TestResults {
  totalTests: number
  passedTests: number
  failedTests: number
  skippedTests: number
  /** Seconds. */
  duration?: number
}

/** One attempt of a rerun test. */
export interface Attempt {
  status: CaseStatus
  durationSeconds?: number
  message?: string
  details?: string
  stdout?: string
  stderr?: string
}

/** A test case for `record()`: only `name` is required (status defaults to `passed`). */
export interface TestCaseInput {
  name: string
  classname?: string
  suite?: string
  file?: string
  line?: number
  status?: CaseStatus
  durationSeconds?: number
  message?: string
  details?: string
  stdout?: string
  stderr?: string
  attempts?: Attempt[]
  properties?: Record<string, string>
}

/** A recorded test case, with its stable id. */
export interface TestCase extends Required<Pick<TestCaseInput, 'name' | 'classname' | 'suite' | 'status' | 'durationSeconds'>> {
  id: string
  file: string | null
  line: number | null
  message: string | null
  details: string | null
  stdout: string | null
  stderr: string | null
  attempts: Attempt[]
  properties: Record<string, string>
}

/** A metric for `recordMetric()`. */
export interface MetricInput {
  name: string
  value: number
  unit?: string
  /** The test it belongs to (its id); none for the whole run. */
  testId?: string
}

/** A recorded metric. */
export interface Metric {
  name: string
  value: number
  unit: string
  testId: string | null
  recordedAt: string
}

/** Counts of cases by outcome. */
export interface Counts {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
  flaky: number
}

/** The seed's run result. */
export interface TestRunResult {
  testRunId: string
  status: RunStatus
  totalTests: number
  passedTests: number
  failedTests: number
  skippedTests: number
  errorTests: number
  flakyTests: number
  durationSeconds: number
  metadata: Record<string, unknown>
}

/** What `finish()` resolves with. */
export interface RunSummary {
  runName: string
  result: TestRunResult
  provider: string
  reports: string[]
  historyPath: string | null
  delivered: Array<{ operation: string; id: string | null; url: string | null }>
  notDelivered: Array<{ operation: string; kind: string; message: string; pending: boolean }>
  backpressureWaits: number
  timedOut: boolean
  /** The run's metrics against their baseline in the history; null without a history or metrics. */
  performance: PerformanceReport | null
}

/** A run's metrics compared with their baseline (docs/metrics.md, "Performance regressions"). */
export interface PerformanceReport {
  baselineBranch: string | null
  baselineRuns: number
  minChangePct: number
  alpha: number
  comparisons: Array<{
    name: string
    testId: string | null
    testName: string | null
    unit: string
    better: 'lower' | 'higher'
    baselineRuns: number
    baselineCount: number
    baseline: number | null
    count: number
    now: number
    changePct: number | null
    test: 'single_value' | 'welch' | 'mann_whitney' | null
    pValue: number | null
    verdict: 'regression' | 'improvement' | 'unchanged' | 'new'
    recent: number[]
  }>
}

/** Which runs `History.runs()` returns. */
export interface HistoryFilter {
  limit?: number
  branch?: string
  commitSha?: string
  provider?: string
  sinceMs?: number
  untilMs?: number
}

/** A run stored in the history. */
export interface StoredRun {
  id: number
  run: {
    runKey: string
    name: string
    provider: string
    repository: string | null
    commitSha: string | null
    branch: string | null
    baseBranch: string | null
    prNumber: number | null
    buildId: string | null
    buildUrl: string | null
    shardIndex: number | null
    shardTotal: number | null
    status: RunStatus
    startedAtMs: number | null
    finishedAtMs: number | null
    durationSeconds: number
    metadata: Record<string, string>
  }
  counts: Counts
}

/** `History.trends()` query. */
export interface TrendsQuery {
  metric: string
  grouping?: 'branch' | 'commit' | 'task_type' | 'test'
  timeframe?: string
  limit?: number
}

/** Trends of one group of values (or of all of them). */
export interface GroupTrend {
  group: string
  summary: { count: number; mean: number; min: number; max: number; stdDev: number; p50: number; p95: number }
  runs: number
  firstRecordedAtMs: number
  lastRecordedAtMs: number
  firstHalfMean: number | null
  secondHalfMean: number | null
  changeRatio: number | null
  direction: string
  trend: { slope: number; intercept: number; rSquared: number; pValue: number; count: number; significant: boolean } | null
  regression: Record<string, unknown> | null
}

/** What `History.trends()` resolves with. */
export interface TrendReport {
  better: 'lower' | 'higher'
  points: number
  overall: GroupTrend | null
  groups: GroupTrend[]
}

/** `History.flaky()` query. */
export interface FlakyQuery {
  window?: number
  branch?: string
}

/** A test with signs of flakiness. */
export interface FlakyTest {
  testId: string
  fullName: string
  score: number
  flips: number
  runs: number
  failures: number
  sameCommitConflicts: number
  inRunReruns: number
  reasons: string[]
}

/** `History.split()` query. */
export interface SplitQuery {
  tests: string[]
  shardIndex: number
  shardTotal: number
  byFile?: boolean
  lastRuns?: number
}

/** What `History.merge()` added. */
export interface MergeStats {
  runsAdded: number
  runsSkipped: number
  cases: number
  metrics: number
  artifacts: number
}

/** `History.artifactsFind()` query (docs/artifacts.md). */
export interface ArtifactQuery {
  runKey?: string
  /** Semantic type: `performance_report`, `coverage_report`, `test_report`, `trace`, `image`, `archive`, `log`, `binary`, `other`, or a configured one. */
  type?: string
  /** All of these labels. */
  labels?: string[]
  metadata?: Record<string, string>
  /** Indexed JSON values: the number at `path` within `[min, max]`. */
  values?: { path: string; min?: number; max?: number }[]
  /** Name glob (`*`, `?`, `[...]`). */
  name?: string
  branch?: string
  sinceMs?: number
  untilMs?: number
  limit?: number
}

/** An artifact as the history stores it. */
export interface ArtifactMetadata {
  name: string
  path: string
  runKey: string
  provider: string
  size: number
  sha256: string
  contentType: string
  semanticType: string
  labels: string[]
  metadata: Record<string, string>
  createdAt: number
  /** JSON artifacts: numeric leaves by dotted path. */
  values?: Record<string, number>
}

/** Where artifacts are cached and how providers are reached. */
export interface ArtifactRetrieval {
  cacheDir: string
  cache?: { maxBytes: number; maxAgeMs: number }
  /** The providers' endpoints and tokens: the keys `TestReporter` takes, the guide's names included. */
  config?: ReporterOptions
}

/** `History.artifactGet()` request. */
export interface ArtifactGetRequest extends ArtifactRetrieval {
  runKey: string
  names?: string[]
  parallel?: number
}

/** One artifact's outcome of `History.artifactGet()`. */
export interface ArtifactGetResult {
  name: string
  path?: string
  source?: 'local' | 'cache' | 'provider'
  error?: string
  kind?: string
}

/** A side of `History.artifactsCompare()`: a file, or a stored artifact. */
export type ArtifactSide = { path: string } | { runKey: string; name: string }

/** `History.artifactsCompare()` request. */
export interface ArtifactCompareRequest {
  a: ArtifactSide
  b: ArtifactSide
  retrieve?: ArtifactRetrieval
}

/** What `History.artifactsCompare()` resolves with. */
export interface ArtifactCompareResult {
  comparison: {
    a: { name: string; size: number; sha256: string }
    b: { name: string; size: number; sha256: string }
    identical: boolean
    details:
      | { kind: 'identical' }
      | { kind: 'json'; changes: { path: string; change: 'added' | 'removed' | 'changed'; before: unknown; after: unknown; delta: number | null; percent: number | null }[] }
      | { kind: 'text'; diff: string | null; lines: [number, number] }
      | { kind: 'image'; before: { width: number; height: number }; after: { width: number; height: number } }
      | { kind: 'binary' }
    truncated: boolean
  }
  markdown: string
}

/** A suite of a result file. */
export interface SuiteInfo {
  name: string
  timestamp: string | null
  hostname: string | null
  durationSeconds: number | null
  properties: Record<string, string>
  stdout: string | null
  stderr: string | null
}

/** What `parseJUnit()` resolves with. */
export interface JUnitReport {
  suites: SuiteInfo[]
  cases: TestCase[]
  counts: Counts
  /** Problems that did not stop the reading, each naming the file. */
  warnings: string[]
}

/** How `parseResults()` reads a file. */
export interface ReadOptions {
  /** Cases with the same identity in one file: each a test (`tests`, default) or attempts of one test, the last deciding (`attempts`). */
  sameNameCases?: 'tests' | 'attempts'
}

/** What `parseResults()` resolves with. */
export interface ResultsReport {
  format: 'junit' | 'ctrf' | 'trx' | 'nunit3' | 'nunit2' | 'xunit2' | 'go_test'
  status: RunStatus
  startedAt: string | null
  durationSeconds: number
  suites: SuiteInfo[]
  cases: TestCase[]
  counts: Counts
  /** Problems that did not stop the reading, each naming the file. */
  warnings: string[]
}

/** What `detectEnvironment()` returns. */
export interface Detection {
  ci: string | null
  provider: string
  repository: string | null
  repositoryUrl: string | null
  repositoryId: string | null
  projectId: string | null
  commitSha: string | null
  branch: string | null
  baseBranch: string | null
  prNumber: number | null
  prId: number | null
  buildId: string | null
  buildNumber: string | null
  buildUrl: string | null
  jobId: string | null
  jobName: string | null
  jobUrl: string | null
  shardIndex: number | null
  shardTotal: number | null
  apiUrl: string | null
  codeHost: { kind: string; host: string; repository: string } | null
  tokenEnv: string | null
  tokenPresent: boolean
  sources: Record<string, string>
  notes: string[]
}

/**
 * An open history file (SQLite), shared by the queries in flight; they
 * take turns.
 */
export declare class History {
  /**
   * Opens (creating when missing) the history file at `path`.
   *
   * Rejects with `TR_IO` when the file cannot be opened or created,
   * `TR_DATABASE` when it is not a testrelay history.
   */
  static open(path: string): Promise<History>
  /**
   * The runs matching `filter` (`limit`, `branch`, `commitSha`,
   * `provider`, `sinceMs`, `untilMs`), newest first, each
   * `{ id, run, counts }`.
   */
  runs(filter?: HistoryFilter): Promise<StoredRun[]>
  /**
   * The cases stored for the run `runKey`.
   *
   * Rejects with `TR_NOT_FOUND` when no run has that key.
   */
  cases(runKey: string): Promise<TestCase[]>
  /**
   * Performance trends of a metric: `{ metric, grouping?, timeframe?,
   * limit? }` (grouping `branch`|`commit`|`task_type`|`test`, timeframe
   * `1d`|`1w`|`1m`|`all`|`FROM..TO`).
   *
   * Rejects with `TR_INVALID_ARGUMENT` for a bad grouping or timeframe.
   */
  trends(query: TrendsQuery): Promise<TrendReport>
  /** Flaky tests, most flaky first: `{ window?, branch? }`. */
  flaky(query?: FlakyQuery): Promise<FlakyTest[]>
  /**
   * The tests of one shard by recorded durations: `{ tests, shardIndex,
   * shardTotal, byFile?, lastRuns? }`.
   *
   * Rejects with `TR_INVALID_ARGUMENT` for an index outside the total.
   */
  split(query: SplitQuery): Promise<string[]>
  /**
   * Merges the history file at `otherPath` into this one (runs already
   * present are skipped) and resolves with what was added.
   */
  merge(otherPath: string): Promise<MergeStats>
  /**
   * The artifacts matching `query` (`runKey`, `type`, `labels` (all
   * of), `metadata`, `values` (`[{ path, min?, max? }]`), `name` (glob),
   * `branch`, `sinceMs`, `untilMs`, `limit`), newest first.
   *
   * Rejects with `TR_INVALID_ARGUMENT` for an unknown key.
   */
  artifactsFind(query?: ArtifactQuery): Promise<ArtifactMetadata[]>
  /**
   * Fetches artifacts of a run: `{ runKey, names?, cacheDir, cache?,
   * config?, parallel? }`; each from its attached file when unchanged,
   * else the cache, else the provider's store, checked against the
   * recorded SHA-256. Resolves with one `{ name, path, source }` or
   * `{ name, error, kind }` per artifact.
   *
   * Rejects with `TR_NOT_FOUND` for an unknown run or name.
   */
  artifactGet(request: ArtifactGetRequest): Promise<ArtifactGetResult[]>
  /**
   * Compares two artifacts, each `{ path }` or `{ runKey, name }`:
   * `{ a, b, retrieve? }`. Resolves with `{ comparison, markdown }`.
   *
   * Rejects with `TR_NOT_FOUND` for what cannot be found.
   */
  artifactsCompare(request: ArtifactCompareRequest): Promise<ArtifactCompareResult>
}

/** A reporting session (one test run) with the seed's API. */
export declare class TestReporter {
  /**
   * Checks the options (`ciSystem`, `testRunId`, `apiToken`,
   * `repository` and every configuration key in camelCase). The run
   * starts at the first record or finish.
   *
   * Throws a `TypeError` when `options` is not an object or a value has
   * the wrong type, an `Error` coded `TR_CONFIGURATION` for an unknown
   * key or a bad value.
   */
  constructor(options?: ReporterOptions)
  /**
   * The run key (`testRunId`, or the one derived from the CI build);
   * starts the run.
   */
  get runKey(): string
  /**
   * Records one test case. Synchronous and cheap: it only enqueues (the
   * id, history and CI work happen on the core's threads).
   *
   * Throws a `TypeError` for a non-object, a missing or empty `name`, a
   * value of the wrong type or a negative or non-finite
   * `durationSeconds`; `TR_INVALID_ARGUMENT` for an unknown status or
   * after the run finished.
   */
  record(testCase: TestCaseInput): void
  /**
   * Records a metric (`{ name, value, unit?, testId? }`).
   *
   * Throws a `TypeError` for a wrong type or a missing `name` or `value`; `TR_INVALID_ARGUMENT` for a
   * non-finite value or after the run finished.
   */
  recordMetric(metric: MetricInput): void
  /**
   * Attaches a file to upload when the run finishes, with optional
   * string labels. The file is hashed now, on the calling thread.
   *
   * Throws `TR_NOT_FOUND`/`TR_IO` when the file cannot be read,
   * `TR_INVALID_ARGUMENT` after the run finished, a `TypeError` for
   * labels that are not an object of strings.
   */
  attachArtifact(path: string, labels?: Record<string, string>): void
  /**
   * Sets a run property (shown in reports, kept in the history).
   *
   * Throws `TR_INVALID_ARGUMENT` after the run finished.
   */
  setProperty(key: string, value: string): void
  /**
   * Registers a lifecycle callback: `runStarted` (`{ runKey }`),
   * `caseRecorded` (the case), `metricRecorded` (the metric),
   * `deliveryFailed` (`{ operation, code, message }`), `runFinished`
   * (the run summary). Callbacks run on the JS thread, after the event
   * (the core's threads queue them); one that throws is reported on
   * stderr and does not stop the run. They do not keep the process alive.
   *
   * A `runStarted` callback registered after the run started is called
   * once, at once. Throws `TR_INVALID_ARGUMENT` for an unknown event; a
   * `TypeError` when `callback` is not a function.
   */
  on(event: 'runStarted' | 'caseRecorded' | 'metricRecorded' | 'deliveryFailed' | 'runFinished', callback: (payload: any) => void): void
  /**
   * Ends the run: drains the queue, writes the history and the reports,
   * delivers to the CI, and resolves with the run summary. Waits at most
   * `timeoutMs` (default: the `timeouts.finishSecs` option); what is not
   * delivered by then is listed as pending. A second call resolves with
   * the same summary. Resolved from the binding's own thread; rejected
   * with the error that kept the run from starting (`TR_DATABASE`, ...),
   * or, with `strict`, the first reporting problem.
   */
  finish(timeoutMs?: number): Promise<RunSummary>
  /**
   * The seed's call: reports the harness's tally and shows it in the CI
   * (the run, the commit status, the PR comment), without ending the
   * run: it may be called again, and each call updates the same CI run
   * and comment; `close()` (or the process's exit) ends it.
   * Cases recorded with `record()` must add up to the tally (`passedTests`
   * counts flaky cases, `failedTests` counts errors). Without recorded
   * cases the tally is delivered as run properties (`totalTests`,
   * `passedTests`, `failedTests`, `skippedTests`) with the duration, and a
   * tally with failures marks the run `error`. Resolves `true` when the
   * CI acknowledged every operation, `false` when one failed or did not
   * end in time (unsupported capabilities do not count).
   *
   * Throws a `TypeError` for a wrong type. Rejects with a `TypeError` for
   * a negative or non-finite duration, `TR_INVALID_ARGUMENT` for counts
   * that do not add up or
   * disagree with the recorded cases, or after the run was closed; or with
   * the error that kept the run from starting.
   */
  reportResults(results: TestResults): Promise<boolean>
  /**
   * The seed's call for a run that could not complete: adds `message`
   * to the run's `failure` property (one line per call, after what was
   * reported before), marks the run `error` and shows it in the CI like
   * `reportResults`, without ending the run. Resolves like
   * `reportResults`.
   *
   * Rejects with `TR_INVALID_ARGUMENT` after the run was closed, or with
   * the error that kept the run from starting.
   */
  reportFailure(message: string): Promise<boolean>
  /**
   * Ends the run as `finish()` does (reports, history, the final CI
   * update, status and comment) and resolves `true` when the CI
   * acknowledged every operation, `false` when one failed or is still
   * pending in the outbox. Waits at most `timeoutMs` (default: the
   * `timeouts.finishSecs` option). Closing again resolves the same way
   * and posts nothing. Runs by itself when the process exits without it
   * (`beforeExit`, else `exit`, within the same time limit).
   *
   * Throws a `TypeError` for a bad `timeoutMs`; rejects with the error
   * that kept the run from starting or, with `strict`, the first
   * reporting problem.
   */
  close(timeoutMs?: number): Promise<boolean>
  /**
   * What the guide's `get_ci_status()` returned: `{ ciSystem, runId,
   * status, closed }`: the provider the run reports to, the run key,
   * the run's status as last shown to the CI (`running` until the first
   * report, then `passed`, `failed`, `error`, ...) and whether it is
   * closed. Starts the run.
   *
   * Throws the error that kept the run from starting.
   */
  status(): CiStatus
}

/**
 * Detects the CI system, code host, repository, commit, branch, pull
 * request and shard from `env` (an object of strings), or from
 * `process.env` when it is omitted. Never fails on the variables' content.
 *
 * Throws a `TypeError` when `env` is not an object of strings.
 */
export declare function detectEnvironment(env?: Record<string, string | undefined>): Detection

/**
 * Reads the JUnit XML file at `path` on the binding's threads and resolves
 * with `{ suites, cases, counts, warnings }` (every `<testcase>` a case
 * with its own stable id). For any format, see `parseResults`.
 *
 * Rejects with `TR_NOT_FOUND`/`TR_IO` when the file cannot be read,
 * `TR_PARSE` (with line and column) when it is not JUnit XML.
 */
export declare function parseJUnit(path: string): Promise<JUnitReport>

/**
 * Reads the result file at `path` in whichever format it is in (JUnit XML,
 * TRX, NUnit 3 or 2, xUnit.net v2, `go test -json`, CTRF; recognized from
 * the content) on the binding's threads and resolves with `{ format,
 * status, startedAt, durationSeconds, suites, cases, counts, warnings }`.
 * `options`: `{ sameNameCases: 'tests' | 'attempts' }`.
 *
 * Rejects with `TR_NOT_FOUND`/`TR_IO` when the file cannot be read,
 * `TR_PARSE` (with line and column) when it is malformed or in no format
 * testrelay reads, `TR_INVALID_ARGUMENT` for an unknown option or value;
 * throws a `TypeError` for a value of the wrong type.
 */
export declare function parseResults(path: string, options?: ReadOptions): Promise<ResultsReport>

/** The version of the testrelay library, e.g. "0.1.0". */
export declare function version(): string
