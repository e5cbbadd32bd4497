// TESTRELAY_DIR: where the test script wants the reports and the history.
import { defineConfig } from 'vitest/config'

const dir = process.env.TESTRELAY_DIR
export default defineConfig({
  test: {
    includeTaskLocation: true,
    reporters: ['default', ['testrelay/vitest', { ciSystem: 'local', outputDir: `${dir}/out`, historyPath: `${dir}/history.db` }]],
  },
})
