// TESTRELAY_DIR: where the test script wants the reports and the history.
const dir = process.env.TESTRELAY_DIR
module.exports = {
  testLocationInResults: true,
  reporters: ['default', ['testrelay/jest', { ciSystem: 'local', outputDir: `${dir}/out`, historyPath: `${dir}/history.db` }]],
}
