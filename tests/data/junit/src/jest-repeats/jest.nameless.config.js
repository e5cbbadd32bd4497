// jest-junit with empty class-name and title templates: every <testcase>
// has classname="" and name="". reportTestSuiteErrors writes the file that
// fails to load as a case with an <error>.
module.exports = {
  reporters: [
    'default',
    [
      'jest-junit',
      {
        outputDirectory: '.',
        outputName: 'nameless.xml',
        classNameTemplate: '',
        titleTemplate: '',
        reportTestSuiteErrors: 'true',
      },
    ],
  ],
};
