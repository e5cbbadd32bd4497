// Test cases for record(), valid and not, and a run of them that returns
// each call's outcome and the cases the history stored: the same run goes
// through the package's JS record() and through the native record() of
// the binding (binding.js) alone, and must give the same result.
import fs from 'node:fs'
import path from 'node:path'

const huge = 'x'.repeat(1024 * 1024)

/** The inputs, in order; `undefined` entries stand for "no argument". */
export const recordInputs = () => [
  undefined, null, 5, 'name', true, 10n, [], () => {}, Symbol('s'), {}, { name: '' }, { name: 5 },
  { name: 'x', status: 3 }, { name: 'x', line: -1 }, { name: 'x', line: 1.5 }, { name: 'x', line: 2 ** 32 }, { name: 'x', line: '3' },
  { name: 'x', durationSeconds: -1 }, { name: 'x', durationSeconds: NaN }, { name: 'x', durationSeconds: Infinity },
  { name: 'x', durationSeconds: '1' }, { name: 'x', properties: { a: 1 } }, { name: 'x', properties: 'p' }, { name: 'x', properties: [1] },
  { name: 'x', attempts: 'many' }, { name: 'x', attempts: [{ status: 'nope' }] }, { name: 'x', attempts: [{ status: 'failed', durationSeconds: 'x' }] },
  { name: 'x', status: 'exploded' }, { name: 'x', status: 'PASSED' }, { name: 'x', status: '' }, { name: 'x', classname: 1 },
  { name: 'x', suite: {} }, { name: 'x', file: true }, { name: 'x', message: 1n }, { name: 'x', details: [] }, { name: 'x', stdout: Symbol('o') },
  { name: 'x', stderr: () => 1 }, { name: new String('boxed') }, { name: '', status: 'exploded' }, { name: 5, status: 3 },
  { name: 'x', status: 'exploded', line: 1.5 }, new Date(0), new Map([['name', 'x']]),
  // A getter or Proxy trap that throws: its own exception propagates.
  { name: 'x', get status() { throw new RangeError('status getter') } },
  { get name() { throw new Error('name getter') } },
  new Proxy({}, { get() { throw new SyntaxError('trap') } }),
  (() => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy })(),
  { name: 'x', attempts: [{ status: 'failed', get message() { throw new EvalError('nested getter') } }] },
  // Recorded:
  { name: 'minimal' },
  { name: 'nulls', status: null, classname: null, suite: null, file: null, line: null, durationSeconds: null, message: null,
    details: null, stdout: null, stderr: null, attempts: null, properties: null },
  { name: 'everything', classname: 'c', suite: 's', file: 'f.js', line: 7, status: 'flaky', durationSeconds: 1.5, message: 'm',
    details: 'd', stdout: 'o', stderr: 'e', attempts: [{ status: 'failed', durationSeconds: 1, message: 'first' }, { status: 'passed' }],
    properties: { owner: 'gpu', 'odd key': 'v' } },
  { name: 'lone \uD800 surrogate \uDFFF', classname: '\uDBFF', message: '\uDC00' },
  { name: huge, stdout: huge },
  Object.assign(Object.create({ name: 'inherited', status: 'skipped' }), { line: 0 }),
  new (class Case { get name() { return 'from a getter' } get status() { return 'error' } })(),
  { name: 'edges', line: 4294967295, durationSeconds: 0 },
  { name: 'negative zero', line: -0, durationSeconds: -0 },
  { name: 'extra keys are ignored', id: 'not used', unknown: 1 },
]

const outcome = (e) => ({ error: e.constructor.name, code: e.code, message: e.message })

/**
 * Records every input with `TestReporter`; resolves with the outcomes, the
 * cases stored in the history and those of the JSON report.
 */
export async function runRecordInputs({ TestReporter, History }, dir) {
  const reporter = new TestReporter({
    ciSystem: 'local',
    testRunId: 'record-paths',
    outputDir: path.join(dir, 'out'),
    historyPath: path.join(dir, 'history.db'),
    reportFormats: ['json'],
  })
  const outcomes = []
  for (const [i, input] of recordInputs().entries()) {
    try {
      if (i === 0) reporter.record()
      else reporter.record(input)
      outcomes.push('recorded')
    } catch (e) {
      outcomes.push(outcome(e))
    }
  }
  const summary = await reporter.finish()
  try {
    reporter.record({ name: 'late' })
  } catch (e) {
    outcomes.push(outcome(e))
  }
  const history = await History.open(path.join(dir, 'history.db'))
  const cases = await history.cases(summary.result.testRunId)
  // The JSON (CTRF) report has what the history does not keep (stdout, stderr).
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'results.json'), 'utf8'))
  return { outcomes, cases, reported: report.results.tests, result: { ...summary.result, durationSeconds: 0 } }
}
