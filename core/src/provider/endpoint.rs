//! Which API URL and which token a provider gets: the one place that
//! decides where a credential may go.
//!
//! # The rule
//!
//! A credential is sent only to the API of the host that issued it.
//!
//! The base URL of a vendor is, in this order:
//! 1. its own section's `providers.<name>.api_url`;
//! 2. for the provider the run reports to (not a delegated code host): the
//!    flat `api_url` key, then `TESTRELAY_API_URL`;
//! 3. the integration guide's variable of this vendor (`TEAMCITY_URL`,
//!    `JENKINS_URL`: [`crate::config::guide::VENDOR_VARIABLES`]), unless
//!    the vendor's own CI names its API;
//! 4. the vendor's own variable, only inside the vendor's own CI
//!    (`GITHUB_API_URL` inside GitHub Actions, `CI_API_V4_URL` inside
//!    GitLab CI, ...: what detection reads for that CI);
//! 5. the vendor's public API (`https://api.github.com`, ...).
//!
//! Another CI's URL never becomes a provider's base URL. When detection
//! says the repository lives on a server of this vendor other than its
//! public one (a GitHub Enterprise or self-managed GitLab host) and nothing
//! above names that server's API, the provider is refused: the public API
//! did not issue that server's token.
//!
//! The token is, in this order: `providers.<name>.token`, the variable
//! named by `providers.<name>.token_env`; for the provider the run reports
//! to, the flat `api_token` key, then `TESTRELAY_API_TOKEN`; then the
//! vendor's conventional variables ([`ProviderSpec::token_variables`]), a
//! CI job token only inside that CI; then the guide's token variables of
//! this vendor (`AZURE_DEVOPS_TOKEN`, `JENKINS_TOKEN`, `TEAMCITY_PASSWORD`).
//!
//! The user of a Basic credential ([`user`]) is `providers.<name>.user`,
//! then the vendor's own user variables, then the guide's.
//!
//! A token never goes over plain `http://` to a host outside the loopback
//! range unless that URL is the user's explicit setting or the vendor's own
//! variable inside its own CI (a self-managed server on a private network).

use std::fmt;

use super::ProviderSpec;
use crate::config::guide::{self, VendorSetting};
use crate::config::{AuthScheme, Config, Secret};
use crate::detect::{Detection, Env};
use crate::error::{Error, ErrorKind, Result};
use crate::url::strip_url_credentials;

/// What kind of credential a token variable holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A personal, project, app or API token.
    Access,
    /// The CI job's own short-lived token (`CI_JOB_TOKEN`), which some
    /// vendors accept on only a few routes and send in their own header.
    Job,
}

/// A variable that may hold a vendor's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenVariable {
    /// The variable's name.
    pub name: &'static str,
    /// What it holds.
    pub kind: TokenKind,
    /// Read only inside the vendor's own CI (a job token elsewhere would
    /// belong to another system).
    pub only_inside_ci: bool,
}

impl TokenVariable {
    /// An access token variable, read anywhere.
    pub const fn access(name: &'static str) -> TokenVariable {
        TokenVariable {
            name,
            kind: TokenKind::Access,
            only_inside_ci: false,
        }
    }

    /// The CI's job token variable, read only inside that CI.
    pub const fn job(name: &'static str) -> TokenVariable {
        TokenVariable {
            name,
            kind: TokenKind::Job,
            only_inside_ci: true,
        }
    }
}

/// A token and where it came from. `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The token.
    pub secret: Secret,
    /// What it is.
    pub kind: TokenKind,
    /// Where it was found, for messages (`config api_token`, `env GITLAB_TOKEN`).
    pub source: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Where a base URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlOrigin {
    /// The user's own setting (configuration key or `TESTRELAY_API_URL`).
    Explicit(String),
    /// The vendor's own variable, inside its own CI.
    CiVariable(String),
    /// The vendor's public API.
    Default,
}

/// A vendor's base URL and credential for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Base URL, without a trailing slash.
    pub api_url: String,
    /// Where `api_url` came from.
    pub origin: UrlOrigin,
    /// The token, when one is set.
    pub credential: Option<Credential>,
    /// How a bearer-style token is sent (GitHub: `Bearer` or `token`).
    pub auth_scheme: AuthScheme,
}

/// The endpoint of `spec`. `chosen` is true for the provider the run
/// reports to, false for a code host it delegates to: only the chosen one
/// takes the flat keys and the `TESTRELAY_*` variables.
///
/// Errors: `Configuration` when the vendor has no URL at all, when the
/// repository is on a server of this vendor that nothing names the API of,
/// or when a token would go over plain http to a host that is not the
/// user's choice.
pub fn resolve(
    spec: &ProviderSpec,
    config: &Config,
    chosen: bool,
    env: &Env,
    det: &Detection,
) -> Result<Endpoint> {
    let section = config.providers.get(spec.name);
    let var = |name: &str| env.get(name).map(str::to_string);
    let inside = spec.ci.is_some() && det.ci == spec.ci;

    let explicit = section
        .and_then(|s| s.api_url.clone())
        .map(|u| (u, format!("providers.{}.api_url", spec.name)))
        .or_else(|| {
            chosen
                .then(|| config.api_url.clone().map(|u| (u, "api_url".to_string())))
                .flatten()
        })
        .or_else(|| {
            chosen
                .then(|| var("TESTRELAY_API_URL").map(|u| (u, "env TESTRELAY_API_URL".into())))
                .flatten()
        });
    let ci_url = det.api_url.clone().filter(|_| inside);
    let explicit = explicit.or_else(|| {
        if ci_url.is_some() {
            return None;
        }
        guide::vendor_value(
            spec.name,
            |s| matches!(s, VendorSetting::ApiUrl { .. }),
            env,
        )
        .map(|(name, url)| (url, format!("env {name}")))
    });
    let (api_url, origin) = match explicit {
        Some((url, source)) => (url, UrlOrigin::Explicit(source)),
        None => match ci_url {
            Some(url) => {
                let source = det
                    .sources
                    .get("api_url")
                    .cloned()
                    .unwrap_or_else(|| "the CI's variables".into());
                (url, UrlOrigin::CiVariable(source))
            }
            None => match spec.default_api_url {
                Some(url) => {
                    refuse_other_server(spec, det)?;
                    (url.to_string(), UrlOrigin::Default)
                }
                None => (String::new(), UrlOrigin::Default),
            },
        },
    };
    let api_url = api_url.trim().trim_end_matches('/').to_string();

    let credential = token(spec, config, chosen, env, inside);
    if credential.is_some() {
        check_transport(spec, &api_url, &origin)?;
    }
    let auth_scheme = section
        .and_then(|s| s.auth_scheme)
        .or_else(|| chosen.then_some(config.auth_scheme))
        .unwrap_or_default();
    Ok(Endpoint {
        api_url,
        origin,
        credential,
        auth_scheme,
    })
}

/// The token of `spec`, in the documented order.
fn token(
    spec: &ProviderSpec,
    config: &Config,
    chosen: bool,
    env: &Env,
    inside: bool,
) -> Option<Credential> {
    let access = |secret: Secret, source: String| Credential {
        secret,
        kind: TokenKind::Access,
        source,
    };
    let section = config.providers.get(spec.name);
    if let Some(secret) = section.and_then(|s| s.token.clone()) {
        return Some(access(secret, format!("providers.{}.token", spec.name)));
    }
    if let Some(name) = section.and_then(|s| s.token_env.as_deref()) {
        if let Some(value) = env.get(name) {
            return Some(access(Secret::new(value), format!("env {name}")));
        }
    }
    if chosen {
        if let Some(secret) = &config.api_token {
            return Some(access(secret.clone(), "api_token".into()));
        }
        if let Some(value) = env.get("TESTRELAY_API_TOKEN") {
            return Some(access(Secret::new(value), "env TESTRELAY_API_TOKEN".into()));
        }
    }
    spec.token_variables
        .iter()
        .filter(|t| inside || !t.only_inside_ci)
        .find_map(|t| {
            Some(Credential {
                secret: Secret::new(env.get(t.name)?),
                kind: t.kind,
                source: format!("env {}", t.name),
            })
        })
        .or_else(|| {
            let (name, value) =
                guide::vendor_value(spec.name, |s| matches!(s, VendorSetting::Token), env)?;
            Some(access(Secret::new(value), format!("env {name}")))
        })
}

/// The user that `provider`'s token goes with over HTTP Basic:
/// `providers.<provider>.user`, then the first of `own` (the vendor's own
/// user variables) that is set, then the guide's user variable of this
/// vendor. Empty values count as unset.
pub fn user(provider: &str, config: &Config, env: &Env, own: &[&str]) -> Option<String> {
    let set = |v: &str| {
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_string())
    };
    config
        .providers
        .get(provider)
        .and_then(|s| s.user.as_deref())
        .and_then(set)
        .or_else(|| own.iter().find_map(|name| env.get(name).and_then(set)))
        .or_else(|| {
            guide::vendor_value(provider, |s| matches!(s, VendorSetting::User), env)
                .map(|(_, user)| user)
        })
}

/// Refuses the public API when the repository is on another server of the
/// same vendor (its token was not issued by the public service).
fn refuse_other_server(spec: &ProviderSpec, det: &Detection) -> Result<()> {
    let Some(found) = &det.code_host else {
        return Ok(());
    };
    if Some(found.kind) != spec.code_host
        || found.host.eq_ignore_ascii_case(found.kind.default_host())
    {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Configuration,
        format!(
            "the repository is on {}, not {}: set providers.{}.api_url to that server's API \
             (testrelay sends a token only to the server that issued it)",
            found.host,
            found.kind.default_host(),
            spec.name
        ),
    ))
}

/// Refuses to send a token over plain http to a non-loopback host that the
/// user did not name and that is not the vendor's own variable in its CI.
fn check_transport(spec: &ProviderSpec, url: &str, origin: &UrlOrigin) -> Result<()> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Ok(());
    };
    if matches!(origin, UrlOrigin::Explicit(_) | UrlOrigin::CiVariable(_)) || is_loopback(rest) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Configuration,
        format!(
            "refusing to send the {} token over plain http to {}: set providers.{}.api_url \
             explicitly to use such a server",
            spec.name,
            strip_url_credentials(url),
            spec.name
        ),
    ))
}

/// Whether the authority at the start of `rest` (after `http://`) is a
/// loopback host.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_goes_over_plain_http_to_a_host_nobody_chose() {
        let spec = crate::provider::Registry::with_builtins()
            .spec("gitlab")
            .unwrap()
            .clone();
        let err =
            check_transport(&spec, "http://gitlab.lan/api/v4", &UrlOrigin::Default).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration);
        assert!(err.message().contains("plain http"), "{err}");
        for origin in [
            UrlOrigin::Explicit("api_url".into()),
            UrlOrigin::CiVariable("env CI_API_V4_URL".into()),
        ] {
            assert!(check_transport(&spec, "http://gitlab.lan/api/v4", &origin).is_ok());
        }
        assert!(check_transport(&spec, "http://127.0.0.1:8/api", &UrlOrigin::Default).is_ok());
        assert!(check_transport(&spec, "https://gitlab.lan/api", &UrlOrigin::Default).is_ok());
    }

    #[test]
    fn loopback_hosts() {
        for yes in [
            "127.0.0.1:8080/api",
            "localhost/x",
            "[::1]:9/",
            "127.3.4.5",
            "u:p@127.0.0.1/",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in [
            "jenkins.internal/",
            "10.0.0.1/",
            "127.0.0.1.evil.example/",
            "localhost.evil.example",
        ] {
            assert!(!is_loopback(no), "{no}");
        }
    }
}
