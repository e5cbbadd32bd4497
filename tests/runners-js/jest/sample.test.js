// The Jest sample suite (scripts/test-runners-js.sh).
jest.retryTimes(2)

let retried = 0

describe('arithmetic', () => {
  test('adds', () => {
    console.log('hello from adds')
    expect(1 + 1).toBe(2)
  })
  test('subtracts', () => {
    expect(2 - 1).toBe(2)
  })
  test.skip('divides', () => {})
  test.todo('multiplies')
  test('retries', () => {
    retried += 1
    expect(retried).toBe(2)
  })
})

describe('with a broken fixture', () => {
  beforeAll(() => {
    throw new Error('the fixture could not start')
  })
  test('uses the fixture', () => {})
})

describe('with a broken beforeEach', () => {
  beforeEach(() => {
    throw new Error('each broke')
  })
  test('needs a fresh state', () => {})
})
