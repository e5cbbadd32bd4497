//! Retrieving artifacts: from the attached file, the cache, and the
//! GitHub simulator's release assets; a corrupt cache entry is fetched
//! again; a provider without a store says `Unsupported`; a batch keeps
//! per-item results; several processes fill one cache at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use testrelay::artifact::ArtifactMetadata;
use testrelay::artifact::cache::{ArtifactCache, CachePolicy};
use testrelay::artifact::retrieve::{Retriever, Source};
use testrelay::detect::Env;
use testrelay::history::History;
use testrelay::{CaseStatus, Config, ErrorKind, Reporter, Secret, TestCase};
use testrelay_ci_sim::{Fault, Simulator};

mod history_support;

const TOKEN: &str = "ghs_artifact_retrieval_token_77";

fn github_config(sim: &Simulator, dir: &Path) -> Config {
    Config {
        provider: "github".into(),
        api_url: Some(sim.url()),
        api_token: Some(Secret::new(TOKEN)),
        repository: Some("octo/app".into()),
        commit_sha: Some("abc123".into()),
        output_dir: dir.join("out"),
        history_path: Some(dir.join("history.db")),
        test_run_id: Some("run-7".into()),
        enable_pr_comments: false,
        ..Config::default()
    }
}

/// Reports run-7 to the simulator with two JSON files attached, then
/// deletes the attached files: only GitHub has them now.
fn reported(sim: &Simulator, dir: &Path) -> Config {
    let config = github_config(sim, dir);
    let reporter = Reporter::builder(config.clone())
        .env(Env::new())
        .start()
        .unwrap();
    reporter
        .record(TestCase::new("s", "c", "t", CaseStatus::Passed))
        .unwrap();
    for (name, tp) in [("perf.json", 100), ("perf-2.json", 200)] {
        let path = dir.join(name);
        std::fs::write(&path, format!(r#"{{"throughput": {tp}}}"#)).unwrap();
        reporter.attach_artifact(&path, BTreeMap::new()).unwrap();
    }
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    std::fs::remove_file(dir.join("perf.json")).unwrap();
    std::fs::remove_file(dir.join("perf-2.json")).unwrap();
    config
}

fn downloads(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.contains("/releases/assets/") && r.method == "GET")
        .count()
}

#[test]
fn provider_then_cache_then_refetch_of_a_corrupt_entry() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = reported(&sim, dir.path());
    let history = History::open(&dir.path().join("history.db")).unwrap();
    let perf = history.run_artifacts("run-7").unwrap()[0].clone();
    assert_eq!(perf.name, "perf.json");
    let cache = ArtifactCache::open(&dir.path().join("cache"), CachePolicy::default()).unwrap();
    let retriever = Retriever::with_env(cache.clone(), config, Env::new());

    let got = retriever.retrieve(&history, &perf).unwrap();
    assert_eq!(got.source, Source::Provider);
    assert_eq!(std::fs::read(&got.path).unwrap(), br#"{"throughput": 100}"#);
    assert_eq!(downloads(&sim), 1);
    let asset_get = sim
        .requests()
        .into_iter()
        .rfind(|r| r.path.contains("/releases/assets/"))
        .unwrap();
    assert_eq!(asset_get.header("accept"), Some("application/octet-stream"));

    let again = retriever.retrieve(&history, &perf).unwrap();
    assert_eq!((again.source, downloads(&sim)), (Source::Cache, 1));

    // A corrupt entry is never served: it is fetched again.
    std::fs::write(&again.path, br#"{"throughput": 999}"#).unwrap();
    let refetched = retriever.retrieve(&history, &perf).unwrap();
    assert_eq!((refetched.source, downloads(&sim)), (Source::Provider, 2));
    assert_eq!(
        std::fs::read(&refetched.path).unwrap(),
        br#"{"throughput": 100}"#
    );

    // The attached file, when it is back unchanged, comes first.
    std::fs::write(&perf.path, br#"{"throughput": 100}"#).unwrap();
    assert_eq!(
        retriever.retrieve(&history, &perf).unwrap().source,
        Source::Local
    );
    // Changed, it is not used.
    std::fs::write(&perf.path, br#"{"throughput": 101}"#).unwrap();
    assert_eq!(
        retriever.retrieve(&history, &perf).unwrap().source,
        Source::Cache
    );
}

/// Every file under `dir`, temporary ones included.
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_in(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_download_cut_short_or_of_other_content_leaves_nothing_in_the_cache() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = reported(&sim, dir.path());
    let history = History::open(&dir.path().join("history.db")).unwrap();
    let perf = history.run_artifacts("run-7").unwrap()[0].clone();
    let cache_dir = dir.path().join("cache");
    let cache = ArtifactCache::open(&cache_dir, CachePolicy::default()).unwrap();
    let retriever = Retriever::with_env(cache, config, Env::new());
    let assets = "/repos/octo/app/releases/assets/";

    // The answer announces all 19 bytes, 5 arrive, the connection ends.
    sim.inject(Fault::truncate(5).method("GET").path_prefix(assets));
    let err = retriever.retrieve(&history, &perf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    let message = err.message();
    assert!(message.contains("broke off after"), "{message}");
    assert!(message.contains("nothing was cached"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
    assert_eq!(files_in(&cache_dir), Vec::<std::path::PathBuf>::new());
    assert_eq!(downloads(&sim), 1, "a body that began is not asked again");

    // Other content than recorded: refused with both hashes, not cached.
    sim.inject(
        Fault::status(200, r#"{"throughput": 666}"#, &[])
            .method("GET")
            .path_prefix(assets),
    );
    let err = retriever.retrieve(&history, &perf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    let message = err.message();
    assert!(message.contains(&perf.sha256), "{message}");
    assert!(
        message.contains(&testrelay::fsutil::hash_bytes(br#"{"throughput": 666}"#)),
        "{message}"
    );
    assert!(message.contains("nothing was cached"), "{message}");
    assert_eq!(files_in(&cache_dir), Vec::<std::path::PathBuf>::new());

    // The right content becomes the one entry, named by its hash.
    let got = retriever.retrieve(&history, &perf).unwrap();
    assert_eq!(got.source, Source::Provider);
    assert_eq!(files_in(&cache_dir), std::slice::from_ref(&got.path));
    assert!(got.path.ends_with(&perf.sha256));
    assert_eq!(std::fs::read(&got.path).unwrap(), br#"{"throughput": 100}"#);
}

#[test]
fn a_batch_has_a_result_per_item() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = reported(&sim, dir.path());
    let mut history = History::open(&dir.path().join("history.db")).unwrap();
    // A run on a provider with no artifact store, whose file is gone.
    let mut travis = history_support::record("travis-1", "main", 5_000);
    travis.provider = "travis".into();
    history.begin_run(&travis).unwrap();
    let gone = dir.path().join("gone.log");
    std::fs::write(&gone, "x").unwrap();
    let meta = ArtifactMetadata::from_file(&gone, BTreeMap::new(), &[]).unwrap();
    history.record_artifact("travis-1", &meta).unwrap();
    std::fs::remove_file(&gone).unwrap();

    let mut wanted = history.run_artifacts("run-7").unwrap();
    wanted.extend(history.run_artifacts("travis-1").unwrap());
    let cache = ArtifactCache::open(&dir.path().join("cache"), CachePolicy::default()).unwrap();
    let retriever = Retriever::with_env(cache, config, Env::new());
    let results = retriever.retrieve_batch(&history, &wanted, 3).unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().source, Source::Provider);
    assert_eq!(
        std::fs::read(&results[1].as_ref().unwrap().path).unwrap(),
        br#"{"throughput": 200}"#
    );
    let err = results[2].as_ref().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.message().contains("gone.log is missing"), "{err}");
    assert!(
        err.message()
            .contains("travis provider has no artifact store"),
        "{err}"
    );
    assert!(!err.message().contains(TOKEN));
}

#[test]
fn processes_fill_one_cache_at_once() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    reported(&sim, dir.path());
    let config = serde_json::json!({
        "provider": "github",
        "providers": {"github": {"api_url": sim.url(), "token": TOKEN}},
        "repository": "octo/app",
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let children: Vec<_> = (0..4)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_testrelay"))
                .current_dir(dir.path())
                .args([
                    "artifacts",
                    "get",
                    "--run",
                    "run-7",
                    "--config",
                    "config.json",
                    "--history",
                    "history.db",
                    "--cache-dir",
                    "cache",
                    "--output",
                    &format!("got-{i}"),
                    "--json",
                ])
                .env("CI", "false")
                .env_remove("GITHUB_ACTIONS")
                .output()
                .unwrap()
        })
        .collect();
    for out in &children {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // `output()` runs them one after another; these run at once.
    let spawned: Vec<_> = (0..4)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_testrelay"))
                .current_dir(dir.path())
                .args([
                    "artifacts",
                    "get",
                    "--run",
                    "run-7",
                    "--config",
                    "config.json",
                    "--history",
                    "history.db",
                    "--cache-dir",
                    "shared",
                    "--output",
                    &format!("at-once-{i}"),
                    "--json",
                ])
                .env("CI", "false")
                .env_remove("GITHUB_ACTIONS")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in spawned {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for i in 0..4 {
        for (name, body) in [
            ("perf.json", r#"{"throughput": 100}"#),
            ("perf-2.json", r#"{"throughput": 200}"#),
        ] {
            let got = dir.path().join(format!("at-once-{i}")).join(name);
            assert_eq!(std::fs::read_to_string(got).unwrap(), body);
        }
    }
    // The shared cache holds exactly the two entries, each verified, and
    // no temporary file.
    let cache = ArtifactCache::open(&dir.path().join("shared"), CachePolicy::default()).unwrap();
    let stats = cache.evict().unwrap();
    assert_eq!((stats.entries, stats.bytes), (2, 38));
    let mut files = Vec::new();
    for sub in std::fs::read_dir(dir.path().join("shared")).unwrap() {
        for f in std::fs::read_dir(sub.unwrap().path()).unwrap() {
            files.push(f.unwrap().file_name().into_string().unwrap());
        }
    }
    assert!(files.iter().all(|f| f.len() == 64), "{files:?}");
}

#[test]
fn an_artifact_over_ten_megabytes_comes_back_and_a_smaller_limit_is_said_at_once() {
    // 12 MiB: over the 10 MiB an API response may have, within what a
    // release-asset download reads.
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = github_config(&sim, dir.path());
    let big = dir.path().join("trace.bin");
    let bytes: Vec<u8> = (0..12u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&big, &bytes).unwrap();
    let reporter = Reporter::builder(config.clone())
        .env(Env::new())
        .start()
        .unwrap();
    reporter
        .record(TestCase::new("s", "c", "t", CaseStatus::Passed))
        .unwrap();
    reporter.attach_artifact(&big, BTreeMap::new()).unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        summary.not_delivered.is_empty(),
        "{:?}",
        summary.not_delivered
    );
    std::fs::remove_file(&big).unwrap();

    let history = History::open(&dir.path().join("history.db")).unwrap();
    let trace = history.run_artifacts("run-7").unwrap()[0].clone();
    let cache = ArtifactCache::open(&dir.path().join("cache"), CachePolicy::default()).unwrap();
    let got = Retriever::with_env(cache, config.clone(), Env::new())
        .retrieve(&history, &trace)
        .unwrap();
    assert_eq!(got.source, Source::Provider);
    assert!(std::fs::read(&got.path).unwrap() == bytes);

    // The same asset through a client reading at most 1 KiB: one request,
    // a clear error, no retry.
    let asset = sim
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET" && r.path.contains("/releases/assets/"))
        .unwrap();
    let before = downloads(&sim);
    let err = testrelay::http::HttpClient::new(
        &sim.url(),
        testrelay::http::Auth::Bearer(Secret::new(TOKEN)),
        &config,
    )
    .unwrap()
    .with_header_replaced("accept", "application/octet-stream")
    .with_response_limit(1024)
    .send("GET", &asset.path, testrelay::http::Body::Empty)
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(
        err.message().contains("larger than the 1024 bytes"),
        "{err}"
    );
    assert_eq!(downloads(&sim), before + 1);
}

/// Reports run `key` to `provider` with one attached file, deletes the
/// file, and fetches it back from the provider's store.
fn round_trip(
    config: Config,
    env: Env,
    dir: &Path,
    key: &str,
) -> Result<Vec<u8>, testrelay::Error> {
    let file = dir.join("gpu trace.json");
    // Content of its own per run: the same bytes would come from the cache.
    std::fs::write(&file, format!(r#"{{"frames": 60, "run": "{key}"}}"#)).unwrap();
    let config = Config {
        test_run_id: Some(key.into()),
        ..config
    };
    let reporter = Reporter::builder(config.clone())
        .env(env.clone())
        .start()
        .unwrap();
    reporter
        .record(TestCase::new("s", "c", "t", CaseStatus::Passed))
        .unwrap();
    reporter.attach_artifact(&file, BTreeMap::new()).unwrap();
    let summary = reporter.finish(Duration::from_secs(60)).unwrap();
    assert!(
        !summary
            .not_delivered
            .iter()
            .any(|n| n.operation.contains("artifact")),
        "{:?}",
        summary.not_delivered
    );
    std::fs::remove_file(&file).unwrap();
    let history = History::open(&dir.join("history.db")).unwrap();
    let artifact = history.run_artifacts(key).unwrap()[0].clone();
    let cache = ArtifactCache::open(&dir.join("cache"), CachePolicy::default()).unwrap();
    let got = Retriever::with_env(cache, config, env).retrieve(&history, &artifact)?;
    assert_eq!(got.source, Source::Provider);
    Ok(std::fs::read(&got.path).unwrap())
}

/// `base` reporting to `provider` at `api_url`, with a token.
fn on(base: &Config, provider: &str, api_url: String) -> Config {
    let mut config = Config {
        provider: provider.into(),
        ..base.clone()
    };
    config.providers.insert(
        provider.into(),
        testrelay::ProviderSettings {
            api_url: Some(api_url),
            token: Some(Secret::new(format!("{provider}-retrieval-token-1"))),
            ..Default::default()
        },
    );
    config
}

#[test]
fn gitlab_packages_bitbucket_downloads_and_azure_attachments_are_read_back() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = Config {
        repository: Some("group/app".into()),
        commit_sha: Some("0123456789abcdef0123456789abcdef01234567".into()),
        output_dir: dir.path().join("out"),
        history_path: Some(dir.path().join("history.db")),
        enable_pr_comments: false,
        ..Config::default()
    };
    let gitlab = on(&base, "gitlab", format!("{}/api/v4", sim.url()));
    assert_eq!(
        round_trip(gitlab, Env::new(), dir.path(), "gl-run").unwrap(),
        br#"{"frames": 60, "run": "gl-run"}"#
    );
    assert!(sim.requests().iter().any(|r| {
        r.method == "GET"
            && r.path
                .ends_with("/packages/generic/testrelay/gl-run/gpu-trace.json")
    }));

    let bitbucket = on(&base, "bitbucket", format!("{}/2.0", sim.url()));
    assert_eq!(
        round_trip(bitbucket, Env::new(), dir.path(), "bb-run").unwrap(),
        br#"{"frames": 60, "run": "bb-run"}"#
    );
    assert!(sim.requests().iter().any(|r| {
        r.method == "GET"
            && r.path
                .ends_with("/downloads/testrelay-bb-run-gpu-trace.json")
    }));

    let azure = Config {
        repository: Some("proj/6a3f2c1e-0000-4000-8000-00000000abcd".into()),
        ..on(&base, "azure", format!("{}/org", sim.url()))
    };
    let pipeline = Env::new()
        .with_var("TF_BUILD", "True")
        .with_var("BUILD_BUILDID", "42");
    assert_eq!(
        round_trip(azure, pipeline, dir.path(), "az-run").unwrap(),
        br#"{"frames": 60, "run": "az-run"}"#
    );
    let get = sim
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET" && r.path.contains("/attachments/"))
        .unwrap();
    assert_eq!(get.header("accept"), Some("application/octet-stream"));
}

/// Reports run `key` under a CI whose job stores artifacts itself, with
/// one attached file; `store` then puts that file where the job would
/// (`archiveArtifacts`, `store_artifacts`, the TeamCity agent), given its
/// name and content. The attached file is deleted and fetched back from
/// outside the CI (an empty environment).
fn stored_by_the_job(
    config: Config,
    env: Env,
    dir: &Path,
    key: &str,
    store: impl FnOnce(&str, &[u8]),
) -> Result<Vec<u8>, testrelay::Error> {
    let file = dir.join("gpu-trace.json");
    let content = format!(r#"{{"frames": 60, "run": "{key}"}}"#);
    std::fs::write(&file, &content).unwrap();
    let config = Config {
        test_run_id: Some(key.into()),
        enable_pr_comments: false,
        enable_status_updates: false,
        ..config
    };
    let reporter = Reporter::builder(config.clone()).env(env).start().unwrap();
    reporter
        .record(TestCase::new("s", "c", "t", CaseStatus::Passed))
        .unwrap();
    reporter.attach_artifact(&file, BTreeMap::new()).unwrap();
    reporter.finish(Duration::from_secs(60)).unwrap();
    store("gpu-trace.json", content.as_bytes());
    std::fs::remove_file(&file).unwrap();
    let history = History::open(&dir.join("history.db")).unwrap();
    let artifact = history.run_artifacts(key).unwrap()[0].clone();
    let cache = ArtifactCache::open(&dir.join("cache"), CachePolicy::default()).unwrap();
    let got = Retriever::with_env(cache, config, Env::new()).retrieve(&history, &artifact)?;
    assert_eq!(got.source, Source::Provider);
    Ok(std::fs::read(&got.path).unwrap())
}

#[test]
fn jenkins_circleci_and_teamcity_job_stores_are_read_back() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = Config {
        repository: Some("octo/app".into()),
        output_dir: dir.path().join("out"),
        history_path: Some(dir.path().join("history.db")),
        ..Config::default()
    };

    // Jenkins: `archiveArtifacts` keeps the file at its path in the
    // workspace; it is found by name in the build's api/json.
    let (user, token) = ("ci-bot", "11jenkins-retrieval-token");
    sim.set_jenkins(Some((user, token)), false, false);
    let build = "/job/app/17/";
    sim.seed_jenkins_build(build, testrelay_ci_sim::JenkinsBuild::default());
    let mut jenkins = on(&base, "jenkins", sim.url());
    jenkins.providers.get_mut("jenkins").unwrap().token =
        Some(Secret::new(format!("{user}:{token}")));
    let agent = Env::new()
        .with_var("JENKINS_URL", format!("{}/", sim.url()))
        .with_var("BUILD_ID", "17")
        .with_var("BUILD_NUMBER", "17")
        .with_var("JOB_NAME", "app")
        .with_var("BUILD_URL", format!("{}{build}", sim.url()));
    let got = stored_by_the_job(jenkins, agent, dir.path(), "jk-run", |name, bytes| {
        sim.seed_jenkins_artifact(build, &format!("out/perf/{name}"), bytes);
    })
    .unwrap();
    assert_eq!(got, br#"{"frames": 60, "run": "jk-run"}"#);
    let get = sim
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET" && r.path.contains("/artifact/"))
        .unwrap();
    assert_eq!(get.path, "/job/app/17/artifact/out/perf/gpu-trace.json");
    let basic = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"))
    };
    assert_eq!(
        get.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );

    // CircleCI: the item of the job's artifact list, at its `url`.
    let circle = on(&base, "circleci", format!("{}/api/v2", sim.url()));
    let job = Env::new()
        .with_var("CIRCLECI", "true")
        .with_var("CIRCLE_PROJECT_USERNAME", "octo")
        .with_var("CIRCLE_PROJECT_REPONAME", "app")
        .with_var("CIRCLE_BUILD_NUM", "88");
    let got = stored_by_the_job(circle, job, dir.path(), "cc-run", |name, bytes| {
        sim.seed_circleci_job(
            "gh/octo/app",
            88,
            testrelay_ci_sim::CircleciJob {
                status: "success".into(),
                ..Default::default()
            },
        );
        sim.seed_circleci_artifact("gh/octo/app", 88, "report.html", b"<html/>")
            .unwrap();
        sim.seed_circleci_artifact("gh/octo/app", 88, &format!("perf/{name}"), bytes)
            .unwrap();
    })
    .unwrap();
    assert_eq!(got, br#"{"frames": 60, "run": "cc-run"}"#);
    let get = sim
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET" && r.path.starts_with("/circle-artifacts/"))
        .unwrap();
    assert_eq!(
        get.path,
        "/circle-artifacts/gh/octo/app/88/0/perf/gpu-trace.json"
    );
    assert_eq!(
        get.header("circle-token"),
        Some("circleci-retrieval-token-1")
    );

    // TeamCity: what `publishArtifacts '<file> => testrelay'` had the
    // agent upload, through the REST API.
    let teamcity = on(&base, "teamcity", format!("{}/app/rest", sim.url()));
    let props = "/agent/temp/build.properties";
    let agent = Env::new()
        .with_var("TEAMCITY_VERSION", "2025.03")
        .with_var("BUILD_NUMBER", "108")
        .with_var("TEAMCITY_BUILD_PROPERTIES_FILE", props)
        .with_file(
            props,
            format!("teamcity.build.id=42\nteamcity.serverUrl={}\n", sim.url()),
        );
    let got = stored_by_the_job(teamcity, agent, dir.path(), "tc-run", |name, bytes| {
        sim.seed_teamcity_artifact_content(42, &format!("testrelay/{name}"), bytes);
    })
    .unwrap();
    assert_eq!(got, br#"{"frames": 60, "run": "tc-run"}"#);
    let get = sim
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET" && r.path.contains("/artifacts/content/"))
        .unwrap();
    assert_eq!(
        get.path,
        "/app/rest/builds/id:42/artifacts/content/testrelay/gpu-trace.json"
    );
    assert_eq!(
        get.header("authorization"),
        Some("Bearer teamcity-retrieval-token-1")
    );
}

#[test]
fn travis_has_no_artifact_store_and_says_so() {
    let sim = Simulator::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = Config {
        repository: Some("octo/app".into()),
        output_dir: dir.path().join("out"),
        history_path: Some(dir.path().join("history.db")),
        ..Config::default()
    };
    let travis = on(&base, "travis", sim.url());
    let job = Env::new()
        .with_var("TRAVIS", "true")
        .with_var("TRAVIS_BUILD_ID", "9")
        .with_var("TRAVIS_JOB_ID", "10");
    let err = stored_by_the_job(travis, job, dir.path(), "tr-run", |_, _| {}).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.message().contains("travis"), "{err}");
}
