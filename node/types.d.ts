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
