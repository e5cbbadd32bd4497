//! Branch names as the history stores and filters them.

/// The branch name the history stores and compares: `name` without
/// surrounding whitespace and without a leading `refs/heads/` or
/// `refs/remotes/origin/`, so `refs/heads/main`, `refs/remotes/origin/main`
/// and `main` are one branch.
///
/// Nothing else is stripped: `heads/main` and `origin/main` are kept as they
/// are, because a branch may really be called that (Git allows a local
/// branch named `origin/main`), and other refs such as `refs/pull/7/merge`
/// or `refs/tags/v1` are not branches of the same name. Applied on every
/// write and on every branch filter.
pub fn normalize_branch(name: &str) -> String {
    let name = name.trim();
    let short = name
        .strip_prefix("refs/heads/")
        .or_else(|| name.strip_prefix("refs/remotes/origin/"))
        .unwrap_or(name);
    short.to_string()
}

/// The stored form of an optional branch: normalised, `None` when empty.
pub(super) fn stored_branch(name: Option<&str>) -> Option<String> {
    name.map(normalize_branch).filter(|b| !b.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_the_documented_prefixes() {
        assert_eq!(normalize_branch("refs/heads/main"), "main");
        assert_eq!(normalize_branch("refs/remotes/origin/main"), "main");
        assert_eq!(normalize_branch(" main\n"), "main");
        assert_eq!(normalize_branch("refs/heads/feature/x"), "feature/x");
        assert_eq!(normalize_branch("heads/main"), "heads/main");
        assert_eq!(normalize_branch("origin/main"), "origin/main");
        assert_eq!(normalize_branch("refs/pull/7/merge"), "refs/pull/7/merge");
        assert_eq!(normalize_branch("refs/tags/v1"), "refs/tags/v1");
        assert_eq!(normalize_branch("refs/heads/refs/heads/x"), "refs/heads/x");
        assert_eq!(stored_branch(Some("  ")), None);
        assert_eq!(stored_branch(None), None);
        assert_eq!(
            stored_branch(Some("refs/heads/dev")),
            Some("dev".to_string())
        );
    }
}
