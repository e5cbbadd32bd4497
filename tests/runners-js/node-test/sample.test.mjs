// The node:test sample suite (scripts/test-runners-js.sh): node:test has
// no retries, so no retried test here.
import assert from 'node:assert/strict'
import { before, beforeEach, describe, it } from 'node:test'

describe('arithmetic', () => {
  it('adds', () => {
    console.log('hello from adds')
    assert.equal(1 + 1, 2)
  })
  it('subtracts', () => {
    assert.equal(2 - 1, 2, 'expected 2, got 1')
  })
  it('divides', { skip: 'division is not ready' }, () => {})
  it.todo('multiplies')
})

describe('with a broken fixture', () => {
  before(() => {
    throw new Error('the fixture could not start')
  })
  it('uses the fixture', () => {})
})

describe('with a broken beforeEach', () => {
  beforeEach(() => {
    throw new Error('each broke')
  })
  it('needs a fresh state', () => {})
})
