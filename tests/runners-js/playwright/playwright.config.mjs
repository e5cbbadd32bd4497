// TESTRELAY_DIR: where the test script wants the reports and the history;
// PLAYWRIGHT_OUTPUT: Playwright's own output (traces, screenshots).
import { defineConfig } from '@playwright/test'

const dir = process.env.TESTRELAY_DIR
export default defineConfig({
  testDir: '.',
  retries: 1,
  workers: 1,
  outputDir: process.env.PLAYWRIGHT_OUTPUT,
  use: {
    launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] },
    trace: 'retain-on-failure',
  },
  reporter: [['list'], ['testrelay/playwright', { ciSystem: 'local', outputDir: `${dir}/out`, historyPath: `${dir}/history.db` }]],
})
