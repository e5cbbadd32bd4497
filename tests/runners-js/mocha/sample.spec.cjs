// The Mocha sample suite (scripts/test-runners-js.sh).
const assert = require('node:assert/strict')

let retried = 0

describe('arithmetic', function () {
  it('adds', function () {
    console.log('hello from adds')
    assert.equal(1 + 1, 2)
  })
  it('subtracts', function () {
    assert.equal(2 - 1, 2, 'expected 2, got 1')
  })
  it.skip('divides', function () {})
  it('multiplies')
  it('retries', function () {
    this.retries(2)
    retried += 1
    assert.equal(retried, 2)
  })
})

describe('with a broken fixture', function () {
  before(function () {
    throw new Error('the fixture could not start')
  })
  it('uses the fixture', function () {})
})

describe('with a broken beforeEach', function () {
  beforeEach(function () {
    throw new Error('each broke')
  })
  it('needs a fresh state', function () {})
})
