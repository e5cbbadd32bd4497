//! URLs safe to keep, print or store: credentials taken out. Used by
//! detection (CI variables), the HTTP layer (errors and logs) and the token
//! rule (messages).

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
}
