// A test file that throws while jest loads it: jest runs none of its tests
// and jest-junit (without reportTestSuiteErrors) writes the suite's counts
// with no <testcase>. Run by ../../generate.sh.
const config = require('./missing-config.json');

test('reads the configuration', () => {
  expect(config.retries).toBe(3);
});
