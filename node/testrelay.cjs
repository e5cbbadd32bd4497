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
'use strict'

const binding = require('./index.js')

const proto = binding.TestReporter.prototype
if (typeof proto._recordFields === 'function') {
  const recordCase = proto.record
  const recordFields = proto._recordFields
  delete proto._recordFields

  // A method, like the native one: named `record`, not a constructor.
  const record = {
    record(testCase) {
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

module.exports = binding
