// testrelay in TeamCity (Kotlin DSL): copy to .teamcity/settings.kts, or
// take the build step and the artifact rule into your own configuration.
//
// TeamCity reads testrelay's results from the build log: as testrelay
// takes each test, it prints TeamCity service messages (testStarted,
// testFailed, testFinished, ...), with a flow per suite and per process.
// A harness linking the library (C, C++, Node, Rust) reports each test as
// it ends, so the Tests tab fills while the build runs; `testrelay run` and
// `testrelay report` report when they read the JUnit files. Metrics become
// statistic values, the reports published artifacts, and the build status
// text gets the totals. None of this needs a token.
//
// Parameters (Build configuration > Parameters), each optional:
//   env.TEAMCITY_TOKEN  a TeamCity access token (password type), for the
//                       build comment and the `testrelay-<status>` tag.
//   env.GITHUB_TOKEN    a token that may write commit statuses and PR
//                       comments on the GitHub repository (GITLAB_TOKEN for
//                       GitLab, ...); sent only to that host's API.
// TEAMCITY_SERVER_URL below names the server for REST; testrelay also reads
// it, and the build id, from the build properties file TeamCity gives each
// build.
import jetbrains.buildServer.configs.kotlin.*
import jetbrains.buildServer.configs.kotlin.buildSteps.script
import jetbrains.buildServer.configs.kotlin.triggers.vcs

version = "2025.03"

project {
    buildType(Test)
}

object Test : BuildType({
    name = "Test"

    // testrelay's reports are published by its own service messages; this
    // rule keeps them even when the step was stopped before it finished.
    artifactRules = """
        test_results => testrelay
        .testrelay/history.db => testrelay-history
    """.trimIndent()

    // The history (.testrelay/history.db: flaky tests, trends, the
    // comparison with the previous run) from this configuration's last
    // finished build (of the same branch, else the default branch's); `?:`
    // makes it optional for the first build. The artifact rule above
    // publishes it again, compacted by the last step.
    dependencies {
        artifacts(RelativeId("Test")) {
            buildRule = lastFinished()
            artifactRules = "?:testrelay-history/history.db => .testrelay"
        }
    }

    params {
        param("env.TEAMCITY_SERVER_URL", "%teamcity.serverUrl%")
        password("env.TEAMCITY_TOKEN", "credentialsJSON:teamcity-token")
        password("env.GITHUB_TOKEN", "credentialsJSON:github-token")
    }

    vcs {
        root(DslContext.settingsRoot)
    }

    steps {
        script {
            name = "Build testrelay"
            scriptContent = "cargo install --locked --root .testrelay-tools --path third_party/testrelay/core"
        }
        script {
            name = "Test"
            // `run` runs the command, reads the JUnit files it wrote, and
            // reports; a harness linking the library (C, Node, Rust) prints
            // the same messages as each test ends.
            scriptContent = """
                .testrelay-tools/bin/testrelay run --junit 'build/test-results/**/*.xml' --output-dir test_results -- ./gradlew test
            """.trimIndent()
        }
        script {
            name = "Compact the testrelay history"
            executionMode = BuildStep.ExecutionMode.ALWAYS
            scriptContent = "if [ -f .testrelay/history.db ]; then .testrelay-tools/bin/testrelay history compact --keep-runs 30; fi"
        }
    }

    triggers {
        vcs {}
    }

    failureConditions {
        // testrelay reports a harness failure as a build problem of its own.
        nonZeroExitCode = true
    }
})
