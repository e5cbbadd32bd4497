// jest-junit configured as some projects do: no class name, the test's own
// title as its name. Tests with the same title in different describe
// blocks then write <testcase> elements that differ in nothing.
module.exports = {
  testMatch: ['**/same-titles.test.js'],
  reporters: [
    'default',
    ['jest-junit', { outputDirectory: '.', outputName: 'same-titles.xml', classNameTemplate: '', titleTemplate: '{title}' }],
  ],
};
