// The Playwright Test sample suite (scripts/test-runners-js.sh): plain
// tests, and one page in Debian's Chromium with a screenshot attached.
import { expect, test } from '@playwright/test'

test.describe('arithmetic', () => {
  test('adds', () => {
    console.log('hello from adds')
    expect(1 + 1).toBe(2)
  })
  test('subtracts', () => {
    expect(2 - 1).toBe(2)
  })
  test('divides', () => {
    test.skip(true, 'division is not ready')
  })
  test.fixme('multiplies', () => {})
  test('retries', ({}, testInfo) => {
    expect(testInfo.retry).toBe(1)
  })
})

test.describe('with a broken fixture', () => {
  test.beforeAll(() => {
    throw new Error('the fixture could not start')
  })
  test('uses the fixture', () => {})
})

test.describe('with a broken beforeEach', () => {
  test.beforeEach(() => {
    throw new Error('each broke')
  })
  test('needs a fresh state', () => {})
})

test('renders a page', async ({ page }, testInfo) => {
  await page.setContent('<h1>testrelay</h1>')
  await expect(page.locator('h1')).toHaveText('testrelay')
  await testInfo.attach('screenshot', { body: await page.screenshot(), contentType: 'image/png' })
})
