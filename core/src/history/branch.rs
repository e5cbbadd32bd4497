//! Branch names as the history stores and filters them: in the form of
//! [`normalize_branch`], on every write and every filter.

pub(super) use crate::model::normalize_branch;

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
