//! URLs that CI variables carry: recognising the code host and repository
//! behind a clone or web URL (credentials are stripped by
//! [`crate::url::strip_url_credentials`]).

use super::{CodeHostKind, RepositoryHost};

/// The lower-cased host and the path of a clone or web URL: `scheme://[user@]host[:port]/path`
/// or scp-like `[user@]host:path`. `None` for anything else.
pub(super) fn host_and_path(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    if let Some(i) = url.find("://") {
        let rest = &url[i + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let host = host_port.split(':').next().unwrap_or(host_port);
        let path = tail.split(['?', '#']).next().unwrap_or("");
        return (!host.is_empty()).then(|| (host.to_ascii_lowercase(), path.to_string()));
    }
    let (left, path) = url.split_once(':')?;
    if left.is_empty() || left.contains('/') || path.starts_with("//") {
        return None;
    }
    let host = left.rsplit('@').next().unwrap_or(left);
    (!host.is_empty()).then(|| (host.to_ascii_lowercase(), path.to_string()))
}

/// The code host a well-known host name belongs to.
fn kind_of_host(host: &str) -> Option<CodeHostKind> {
    match host {
        "github.com" | "www.github.com" => Some(CodeHostKind::Github),
        "gitlab.com" | "www.gitlab.com" => Some(CodeHostKind::Gitlab),
        "bitbucket.org" | "www.bitbucket.org" => Some(CodeHostKind::Bitbucket),
        "dev.azure.com" | "ssh.dev.azure.com" => Some(CodeHostKind::Azure),
        h if h.ends_with(".visualstudio.com") => Some(CodeHostKind::Azure),
        _ => None,
    }
}

/// The path segments of a URL path, without a trailing `.git`.
fn segments(path: &str) -> Vec<&str> {
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// The repository a code host's clone or web URL path names.
///
/// GitHub and Bitbucket: `owner/name` (the first two segments, so PR and
/// commit URLs work too). GitLab: the full namespace path up to `/-/`.
/// Azure Repos: `organization/project/repository`.
fn repository_of(kind: CodeHostKind, host: &str, path: &str) -> Option<String> {
    let segs = segments(path);
    let repo = match kind {
        CodeHostKind::Github | CodeHostKind::Bitbucket => {
            if segs.len() < 2 {
                return None;
            }
            format!("{}/{}", segs[0], segs[1])
        }
        CodeHostKind::Gitlab => {
            let end = segs.iter().position(|s| *s == "-").unwrap_or(segs.len());
            if end < 2 {
                return None;
            }
            segs[..end].join("/")
        }
        CodeHostKind::Azure => azure_repository(host, &segs)?,
    };
    Some(repo)
}

/// `organization/project/repository` from an Azure Repos URL path.
fn azure_repository(host: &str, segs: &[&str]) -> Option<String> {
    if host == "ssh.dev.azure.com" {
        // v3/{organization}/{project}/{repository}
        return match segs {
            ["v3", org, project, repo, ..] => Some(format!("{org}/{project}/{repo}")),
            _ => None,
        };
    }
    let git = segs.iter().position(|s| *s == "_git")?;
    let repo = segs.get(git + 1)?;
    let (org, project) = if let Some(org) = host.strip_suffix(".visualstudio.com") {
        // {org}.visualstudio.com/[DefaultCollection/]{project}/_git/{repo}
        (org, *segs.get(git.checked_sub(1)?)?)
    } else {
        // dev.azure.com/{org}/{project}/_git/{repo}
        if git < 2 {
            return None;
        }
        (segs[0], segs[git - 1])
    };
    Some(format!("{org}/{project}/{repo}"))
}

/// The code host and repository behind a clone or web URL. The host name
/// decides the kind for github.com, gitlab.com, bitbucket.org and Azure
/// DevOps; for other (self-hosted) hosts `hint` says what the CI reported.
pub(super) fn code_host_from_url(url: &str, hint: Option<CodeHostKind>) -> Option<RepositoryHost> {
    let (host, path) = host_and_path(url)?;
    let kind = kind_of_host(&host).or(hint)?;
    let repository = repository_of(kind, &host, &path)?;
    Some(RepositoryHost {
        kind,
        host,
        repository,
    })
}

/// The repository path of a clone URL whose host is not recognised: the
/// whole path without `.git` (`https://git.example.com/team/app.git` → `team/app`).
pub(super) fn repository_from_clone_url(url: &str) -> Option<String> {
    let (_, path) = host_and_path(url)?;
    let segs = segments(&path);
    (!segs.is_empty()).then(|| segs.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_code_hosts() {
        let h = code_host_from_url("git@github.com:octo/app.git", None).unwrap();
        assert_eq!(
            (h.kind, h.host.as_str(), h.repository.as_str()),
            (CodeHostKind::Github, "github.com", "octo/app")
        );
        let h = code_host_from_url("https://gitlab.com/g/sub/p/-/merge_requests/4", None).unwrap();
        assert_eq!(h.repository, "g/sub/p");
        let h = code_host_from_url("https://org@dev.azure.com/org/proj/_git/repo", None).unwrap();
        assert_eq!(
            (h.kind, h.repository.as_str()),
            (CodeHostKind::Azure, "org/proj/repo")
        );
        let h = code_host_from_url("git@ssh.dev.azure.com:v3/org/proj/repo", None).unwrap();
        assert_eq!(h.repository, "org/proj/repo");
        let h = code_host_from_url(
            "https://org.visualstudio.com/DefaultCollection/proj/_git/repo",
            None,
        )
        .unwrap();
        assert_eq!(h.repository, "org/proj/repo");
        assert_eq!(
            code_host_from_url("https://git.example.com/a/b.git", None),
            None
        );
        let h = code_host_from_url(
            "https://git.example.com/a/b.git",
            Some(CodeHostKind::Gitlab),
        )
        .unwrap();
        assert_eq!(
            (h.host.as_str(), h.repository.as_str()),
            ("git.example.com", "a/b")
        );
        assert_eq!(
            repository_from_clone_url("https://git.example.com/team/app.git").as_deref(),
            Some("team/app")
        );
        assert_eq!(code_host_from_url("not a url", None), None);
    }
}
