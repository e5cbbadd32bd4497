// CommonJS entry point (package.json `main`): the generated index.js with
// `TestReporter.prototype.record` written in JavaScript.
//
// record() is the hot path. Reading a dozen properties of the test case in
// Rust costs a napi_get_named_property each (the key string is created
// and internalized on every call); read here, V8's inline caches make the
// reads nearly free, and the values go positionally to the native
// `_recordFields`, which checks them exactly as the native record() does,
// in the same order. (All of them are read before any is checked, so a
// getter or Proxy sees every read even after a bad field; one that throws
// throws its own exception, as with the native record().) Anything but an
// object goes to the native record() for its error. `_recordFields` is
// taken off the prototype, so the API is what index.d.ts documents; a
// binary without it (built before it existed) keeps the native record().
//
// A reporter whose run started and was never closed is closed when the
// process is about to exit: on `beforeExit` with close() (the event loop
// waits for it), else on `exit` with the blocking _closeSync(). Both end
// within the finish timeout (`timeouts.finishSecs`). Neither listener keeps
// the process alive.
'use strict'

const binding = require('./index.js')

const proto = binding.TestReporter.prototype
// Reporters whose run may be open: added by every call that starts the
// run, removed by close()/finish().
const open = new Set()
const fastRecord = typeof proto._recordFields === 'function'
if (fastRecord) {
  const recordCase = proto.record
  const recordFields = proto._recordFields
  delete proto._recordFields

  // A method, like the native one: named `record`, not a constructor.
  const record = {
    record(testCase) {
      open.add(this)
      if (typeof testCase !== 'object' || testCase === null) {
        return recordCase.call(this, testCase)
      }
      return recordFields.call(
        this,
        testCase.name,
        testCase.status,
        testCase.durationSeconds,
        testCase.line,
        testCase.attempts,
        testCase.properties,
        testCase.classname,
        testCase.suite,
        testCase.file,
        testCase.message,
        testCase.details,
        testCase.stdout,
        testCase.stderr,
      )
    },
  }.record
  Object.defineProperty(proto, 'record', {
    value: record,
    writable: true,
    enumerable: true,
    configurable: true,
  })
}

const isOpen = proto._isOpen
const closeSync = proto._closeSync
delete proto._isOpen
delete proto._closeSync

function track(name, { ends = false } = {}) {
  const native = proto[name]
  const wrapped = {
    [name](...args) {
      if (ends) open.delete(this)
      else open.add(this)
      return native.apply(this, args)
    },
  }[name]
  Object.defineProperty(proto, name, { value: wrapped, writable: true, enumerable: true, configurable: true })
}
if (!fastRecord) track('record')
for (const name of ['recordMetric', 'attachArtifact', 'setProperty', 'reportResults', 'reportFailure', 'status']) {
  track(name)
}
track('close', { ends: true })
track('finish', { ends: true })
const runKey = Object.getOwnPropertyDescriptor(proto, 'runKey')
Object.defineProperty(proto, 'runKey', {
  ...runKey,
  get() {
    open.add(this)
    return runKey.get.call(this)
  },
})

// `this` of a method may be anything a caller passed (`record.call(x)`):
// only real, open reporters are closed, and nothing here throws.
function stillOpen(reporter) {
  try {
    return isOpen.call(reporter)
  } catch {
    return false
  }
}
process.on('beforeExit', () => {
  for (const reporter of open) {
    open.delete(reporter)
    if (stillOpen(reporter)) reporter.close().catch(() => {})
  }
})
process.on('exit', () => {
  for (const reporter of open) {
    open.delete(reporter)
    if (stillOpen(reporter)) closeSync.call(reporter)
  }
})

module.exports = binding
