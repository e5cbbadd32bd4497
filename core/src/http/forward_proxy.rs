//! Plain HTTP forward proxying, for proxies that add credentials themselves
//! (Bitbucket Pipelines' Code Insights proxy).
//!
//! ureq reaches every HTTP proxy through a `CONNECT` tunnel, which such a
//! proxy cannot look into. Here every connection goes to the proxy instead
//! (the resolver answers the proxy's address for any host) and the request
//! line is rewritten from origin-form (`PUT /2.0/… HTTP/1.1`) to
//! absolute-form (`PUT http://api.bitbucket.org/2.0/… HTTP/1.1`), as RFC
//! 9112 §3.2.2 asks of a request to a proxy. The `Host` header stays the
//! target's. Connections are not pooled, so each transport carries exactly
//! one request and its first bytes are that request's line.

use std::fmt;

use ureq::config::Config as UreqConfig;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, NextTimeout, TcpConnector, Transport,
};

use crate::error::{Error, ErrorKind, Result};

/// An agent that sends every request through the forward proxy at
/// `proxy_url` (`http://host:port`), with `config`'s timeouts.
///
/// Errors: `Configuration` when `proxy_url` is not an `http://` URL with a
/// host.
pub(crate) fn agent(proxy_url: &str, config: UreqConfig) -> Result<ureq::Agent> {
    let proxy: Uri = proxy_url
        .parse()
        .ok()
        .filter(|u: &Uri| u.scheme_str() == Some("http") && u.host().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Configuration,
                format!(
                    "proxy `{}` must be an http:// URL with a host",
                    crate::url::strip_url_credentials(proxy_url)
                ),
            )
        })?;
    let connector = TcpConnector::default().chain(AbsoluteForm);
    Ok(ureq::Agent::with_parts(
        config,
        connector,
        ToProxy { proxy },
    ))
}

/// Resolves every host to the proxy's addresses.
#[derive(Debug)]
struct ToProxy {
    proxy: Uri,
}

impl Resolver for ToProxy {
    fn resolve(
        &self,
        _uri: &Uri,
        config: &UreqConfig,
        timeout: NextTimeout,
    ) -> std::result::Result<ResolvedSocketAddrs, ureq::Error> {
        DefaultResolver::default().resolve(&self.proxy, config, timeout)
    }
}

/// Wraps the proxy connection in [`AbsoluteFormTransport`].
#[derive(Debug)]
struct AbsoluteForm;

impl<In: Transport> Connector<In> for AbsoluteForm {
    type Out = AbsoluteFormTransport<In>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        let origin = origin_of(details.uri);
        Ok(chained.map(|inner| AbsoluteFormTransport {
            inner,
            origin,
            rewritten: false,
        }))
    }
}

/// `scheme://authority` of `uri` (the authority keeps a non-default port).
fn origin_of(uri: &Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map(|a| a.as_str()).unwrap_or_default()
    )
}

/// A transport whose first request line gets the target's origin before
/// its path.
struct AbsoluteFormTransport<T> {
    inner: T,
    origin: String,
    rewritten: bool,
}

impl<T> fmt::Debug for AbsoluteFormTransport<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbsoluteFormTransport")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Transport for AbsoluteFormTransport<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        if std::mem::replace(&mut self.rewritten, true) {
            return self.inner.transmit_output(amount, timeout);
        }
        let origin = self.origin.as_bytes();
        let output = self.inner.buffers().output();
        // `METHOD /path HTTP/1.1`: the target starts after the first space.
        let Some(space) = output[..amount].iter().position(|b| *b == b' ') else {
            return self.inner.transmit_output(amount, timeout);
        };
        let target = space + 1;
        if output.get(target) != Some(&b'/') || target + origin.len() > output.len() {
            return self.inner.transmit_output(amount, timeout);
        }
        // Send `METHOD <origin>`, then the rest as ureq wrote it.
        let rest = output[target..amount].to_vec();
        output[target..target + origin.len()].copy_from_slice(origin);
        self.inner.transmit_output(target + origin.len(), timeout)?;
        let output = self.inner.buffers().output();
        output[..rest.len()].copy_from_slice(&rest);
        self.inner.transmit_output(rest.len(), timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }
}
