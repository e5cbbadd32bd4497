// TeamCity from Node: inside a TeamCity build (ciSystem auto), the core
// prints TeamCity service messages on the process's stdout as each case is
// recorded, escaped so that a test's name or message cannot start a
// message of its own. Run in a child process with a TeamCity agent's
// environment and nothing else.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { test } from 'node:test'

import { tempDir } from '../test-support/helpers.mjs'

const indexUrl = new URL('../index.mjs', import.meta.url).href

test('a Node harness inside TeamCity writes one service message per line, values escaped', async () => {
  const dir = tempDir()
  const props = path.join(dir, 'build.properties')
  fs.writeFileSync(props, 'teamcity.build.id=11\n')
  const script = `
    const { TestReporter } = await import(${JSON.stringify(indexUrl)})
    const r = new TestReporter({ outputDir: ${JSON.stringify(path.join(dir, 'out'))},
                                 historyPath: ${JSON.stringify(path.join(dir, 'h.db'))} })
    r.record({ suite: 'js', classname: 'k', name: "n']", status: 'failed',
               message: "m\\n##teamcity[buildStatus status='SUCCESS']" })
    r.record({ suite: 'js', classname: 'k', name: 'ok', status: 'passed', durationSeconds: 0.25 })
    await r.finish()
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, TEAMCITY_VERSION: '2025.03', TEAMCITY_BUILD_PROPERTIES_FILE: props },
    cwd: dir,
  })
  const lines = stdout.split('\n').filter((l) => l.includes('##teamcity['))
  for (const line of lines) {
    assert.ok(line.startsWith('##teamcity['), line)
    assert.equal(line.match(/##teamcity\[/g).length, 1, `one message per line: ${line}`)
  }
  const names = lines.map((l) => l.slice('##teamcity['.length).split(/[ \]]/)[0])
  assert.deepEqual(names.slice(0, 8), [
    'testSuiteStarted',
    'testStarted',
    'testFailed',
    'testFinished',
    'testStarted',
    'testFinished',
    'testSuiteFinished',
    'publishArtifacts',
  ])
  assert.equal(lines[1], "##teamcity[testStarted name='k.n|'|]' flowId='" + lines[1].split("flowId='")[1])
  assert.match(lines[2], / message='m\|n##teamcity\|\[buildStatus status=\|'SUCCESS\|'\|]' /)
  assert.match(lines[5], / duration='250' /)
  assert.equal(names.filter((n) => n === 'buildStatus').length, 1)
  assert.match(lines.at(-1), /^##teamcity\[buildStatus text='\{build.status.text\}; testrelay: 2 tests, 1 failed, 1 passed'\]$/)
})
