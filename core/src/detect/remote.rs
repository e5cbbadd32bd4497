//! URLs that CI variables carry: stripping credentials from them, and
//! recognising the code host and repository behind a clone or web URL.

use super::{CodeHostKind, RepositoryHost};

/// Query parameters whose value is a credential when the lower-cased name
/// contains one of these.
const SECRET_PARAM_PARTS: [&str; 7] = [
    "token",
    "secret",
    "passw",
    "apikey",
    "api_key",
    "access_key",
    "signature",
];

/// Query parameters that are credentials when the lower-cased name is exactly one of these.
const SECRET_PARAM_NAMES: [&str; 3] = ["key", "sig", "auth"];

/// Removes credentials from a URL so that it can be kept, printed or stored.
///
/// - `http`/`https`: the whole userinfo goes (`https://gitlab-ci-token:T@host/x`
///   and `https://T@host/x` both become `https://host/x`), since either part
///   may be the token.
/// - other schemes (`ssh://`, `git://`): only a password goes
///   (`ssh://git:pw@host/x` → `ssh://git@host/x`); the user name is needed to clone.
/// - query parameters named like credentials (`private_token`, `access_token`,
///   `key`, `sig`, ...) are dropped; the path and `#fragment` are kept.
/// - text without `scheme://` (such as scp-like `git@host:org/repo.git`, which
///   cannot hold a password) is returned trimmed and otherwise unchanged.
pub fn strip_url_credentials(url: &str) -> String {
    let url = url.trim();
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let scheme = &url[..scheme_end];
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return url.to_string();
    }
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        None => authority.to_string(),
        Some(at) => {
            let (userinfo, host) = (&authority[..at], &authority[at + 1..]);
            let is_http =
                scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
            match userinfo.split_once(':') {
                _ if is_http => host.to_string(),
                Some((user, _password)) => format!("{user}@{host}"),
                None => authority.to_string(),
            }
        }
    };
    format!("{scheme}://{authority}{}", strip_secret_params(tail))
}

/// Drops credential-like query parameters from `path?query#fragment`.
fn strip_secret_params(tail: &str) -> String {
    let (before_fragment, fragment) = match tail.find('#') {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    let Some((path, query)) = before_fragment.split_once('?') else {
        return tail.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_secret_param(pair.split('=').next().unwrap_or("")))
        .collect();
    if kept.is_empty() {
        format!("{path}{fragment}")
    } else {
        format!("{path}?{}{fragment}", kept.join("&"))
    }
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAM_NAMES.contains(&name.as_str())
        || SECRET_PARAM_PARTS.iter().any(|part| name.contains(part))
}

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
    fn strips_userinfo_from_http_urls() {
        assert_eq!(
            strip_url_credentials("https://gitlab-ci-token:glcbt-abc@gitlab.example.com/g/p.git"),
            "https://gitlab.example.com/g/p.git"
        );
        assert_eq!(
            strip_url_credentials("https://ghp_secret@github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            strip_url_credentials("ssh://git:pw@host:2222/o/r.git"),
            "ssh://git@host:2222/o/r.git"
        );
        assert_eq!(
            strip_url_credentials("ssh://git@host/o/r.git"),
            "ssh://git@host/o/r.git"
        );
        assert_eq!(
            strip_url_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }

    #[test]
    fn drops_secret_query_parameters_only() {
        assert_eq!(
            strip_url_credentials("https://h/x?private_token=abc&buildId=5#frag"),
            "https://h/x?buildId=5#frag"
        );
        assert_eq!(strip_url_credentials("https://h/x?key=abc"), "https://h/x");
        assert_eq!(
            strip_url_credentials("https://bitbucket.org/w/r/addon/pipelines/home#!/results/7"),
            "https://bitbucket.org/w/r/addon/pipelines/home#!/results/7"
        );
    }

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
