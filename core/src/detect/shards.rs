//! Which variables carry a CI's built-in parallelism (the shard index and
//! total): one table, read by detection and by test splitting.

use super::CiSystem;

/// A CI's pair of shard variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardVariables {
    /// The CI that sets them.
    pub ci: CiSystem,
    /// A variable that must also be set, where the pair's names are not
    /// unique to this CI.
    pub marker: Option<&'static str>,
    /// The variable holding this job's index.
    pub index: &'static str,
    /// The variable holding the number of jobs.
    pub total: &'static str,
    /// Whether the index counts from 1.
    pub one_based: bool,
}

/// The CIs with built-in parallelism, in the order splitting tries them.
pub const SHARD_VARIABLES: &[ShardVariables] = &[
    // CI_NODE_* is also Knapsack's generic 0-based convention, so require GITLAB_CI.
    ShardVariables {
        ci: CiSystem::GitlabCi,
        marker: Some("GITLAB_CI"),
        index: "CI_NODE_INDEX",
        total: "CI_NODE_TOTAL",
        one_based: true,
    },
    ShardVariables {
        ci: CiSystem::Circleci,
        marker: None,
        index: "CIRCLE_NODE_INDEX",
        total: "CIRCLE_NODE_TOTAL",
        one_based: false,
    },
    ShardVariables {
        ci: CiSystem::Buildkite,
        marker: None,
        index: "BUILDKITE_PARALLEL_JOB",
        total: "BUILDKITE_PARALLEL_JOB_COUNT",
        one_based: false,
    },
    ShardVariables {
        ci: CiSystem::AzurePipelines,
        marker: None,
        index: "SYSTEM_JOBPOSITIONINPHASE",
        total: "SYSTEM_TOTALJOBSINPHASE",
        one_based: true,
    },
    // Semaphore documents SEMAPHORE_JOB_INDEX as running from 1 to SEMAPHORE_JOB_COUNT.
    ShardVariables {
        ci: CiSystem::Semaphore,
        marker: None,
        index: "SEMAPHORE_JOB_INDEX",
        total: "SEMAPHORE_JOB_COUNT",
        one_based: true,
    },
    ShardVariables {
        ci: CiSystem::BitbucketPipelines,
        marker: None,
        index: "BITBUCKET_PARALLEL_STEP",
        total: "BITBUCKET_PARALLEL_STEP_COUNT",
        one_based: false,
    },
];

/// The shard variables of `ci`, if it has built-in parallelism.
pub fn shard_variables(ci: CiSystem) -> Option<&'static ShardVariables> {
    SHARD_VARIABLES.iter().find(|v| v.ci == ci)
}
