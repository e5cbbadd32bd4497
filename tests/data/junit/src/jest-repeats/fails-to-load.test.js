// A test file that throws while jest loads it, so none of its tests run.
// Without reportTestSuiteErrors jest-junit leaves it out of the report;
// with it (jest.nameless.config.js) jest-junit writes two cases of the same
// name for it, an <error> and a <failure>. Run by ../../generate.sh.
const config = require('./missing-config.json');

test('reads the configuration', () => {
  expect(config.retries).toBe(3);
});
