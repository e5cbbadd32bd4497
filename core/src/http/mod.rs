//! The one HTTP layer every provider uses: a ureq agent (rustls, TLS
//! verification always on), authentication, the only retry loop, rate-limit
//! handling, `Link` pagination, error mapping and redaction.
//!
//! Retries happen only on connection errors, 408, 429, 5xx and secondary
//! rate limits (a 403 whose body or headers say "rate limit"). The wait is
//! the larger of exponential backoff with full jitter and what the server
//! asked for: `Retry-After` (seconds or an HTTP date), or the reset time
//! when the remaining quota is 0 (GitHub's `x-ratelimit-reset` /
//! `x-ratelimit-remaining`, GitLab's `RateLimit-Reset` /
//! `RateLimit-Remaining`); a secondary limit with neither waits
//! `retry.secondary_rate_limit_wait_secs` (60 s).
//!
//! Every wait ends by the deadline of the operation it serves
//! ([`with_deadline`]): a request's own time limit is cut to what is left,
//! and a retry that would wait past it (a `Retry-After: 86400`, a rate
//! limit resetting in an hour, a long backoff) is not waited for: the call
//! fails with `Timeout` at once, and the caller keeps the operation for
//! later (the outbox).
//!
//! Vendors differ in three more ways, each chosen per client: how a token
//! is sent ([`Auth`]), how lists continue on the next page ([`Pagination`]),
//! and the headers every request carries ([`HttpClient::with_header`]).
//!
//! Final statuses map to error kinds: 401 → `Authentication`, 403 →
//! `Permission` (or `RateLimited`), 404 → `NotFound`, 422 and other 4xx →
//! `InvalidArgument` carrying the vendor's message, 429 → `RateLimited`,
//! 5xx → `Connection`. No token, `Authorization` value or URL credential
//! ever appears in an error or a log line.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::{Config, RetryPolicy, Secret};
use crate::error::{Error, ErrorKind, Result};
use crate::url::strip_url_credentials;

mod forward_proxy;

/// A deadline that another thread can bring forward (a Reporter's finish
/// timeout, or its drop), shared by the operations of one run.
#[derive(Debug)]
pub struct SharedDeadline {
    base: Instant,
    /// Milliseconds after `base`; `u64::MAX` for none.
    at_ms: AtomicU64,
}

impl SharedDeadline {
    /// No deadline yet.
    pub fn new() -> Arc<SharedDeadline> {
        Arc::new(SharedDeadline {
            base: Instant::now(),
            at_ms: AtomicU64::new(u64::MAX),
        })
    }

    /// Moves the deadline to `at` when that is earlier than the current one.
    pub fn bring_forward(&self, at: Instant) {
        let ms = u64::try_from(at.saturating_duration_since(self.base).as_millis())
            .unwrap_or(u64::MAX - 1);
        self.at_ms.fetch_min(ms, Ordering::SeqCst);
    }

    fn get(&self) -> Option<Instant> {
        match self.at_ms.load(Ordering::SeqCst) {
            u64::MAX => None,
            ms => self.base.checked_add(Duration::from_millis(ms)),
        }
    }
}

/// When the requests of an operation must end: a fixed instant and, for a
/// Reporter's operations, the run's [`SharedDeadline`]; the earlier wins.
#[derive(Debug, Clone, Default)]
pub struct Deadline {
    at: Option<Instant>,
    shared: Option<Arc<SharedDeadline>>,
}

impl Deadline {
    /// Ends `within` from now (no deadline when that overflows the clock).
    pub fn within(within: Duration) -> Deadline {
        Deadline {
            at: Instant::now().checked_add(within),
            shared: None,
        }
    }

    /// Also ends when `shared` says.
    pub fn with_shared(mut self, shared: Arc<SharedDeadline>) -> Deadline {
        self.shared = Some(shared);
        self
    }

    /// The earlier of the two instants, if any.
    fn instant(&self) -> Option<Instant> {
        let shared = self.shared.as_ref().and_then(|s| s.get());
        match (self.at, shared) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Time left; `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        self.instant()
            .map(|at| at.saturating_duration_since(Instant::now()))
    }
}

thread_local! {
    static DEADLINE: RefCell<Deadline> = RefCell::new(Deadline::default());
}

/// Runs `f` with every request it sends on this thread, and every wait
/// between attempts, ending by `deadline` (and by any deadline already set
/// around it: the earlier wins).
pub fn with_deadline<T>(deadline: Deadline, f: impl FnOnce() -> T) -> T {
    let outer = DEADLINE.with(|d| d.borrow().clone());
    let at = match (outer.at, deadline.at) {
        (Some(o), Some(i)) => Some(o.min(i)),
        (o, i) => o.or(i),
    };
    let inner = Deadline {
        at,
        shared: deadline.shared.or_else(|| outer.shared.clone()),
    };
    DEADLINE.with(|d| *d.borrow_mut() = inner);
    struct Restore(Deadline);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = std::mem::take(&mut self.0);
            DEADLINE.with(|d| *d.borrow_mut() = outer);
        }
    }
    let _restore = Restore(outer);
    f()
}

fn current_deadline() -> Deadline {
    DEADLINE.with(|d| d.borrow().clone())
}

/// Whether a `log` record of `target` must never be shown: the transport's
/// raw wire dump (`ureq_proto`, at trace level), which carries every request
/// header, credentials included, in 16-byte pieces that secret masking
/// cannot recognise. testrelay's own log lines never hold a credential; a
/// logger that shows trace records should drop these (the command line's
/// does; with env_logger: `RUST_LOG=trace,ureq_proto=off`).
pub fn is_wire_dump(target: &str) -> bool {
    target == "ureq_proto" || target.starts_with("ureq_proto::")
}

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum Auth {
    /// No credentials.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: token <token>` (older GitHub tooling).
    Token(Secret),
    /// A vendor header, e.g. `PRIVATE-TOKEN`, `JOB-TOKEN` or `Circle-Token`.
    Header(&'static str, Secret),
    /// `Authorization: Basic base64(user:secret)` (app passwords, PATs with
    /// an empty user).
    Basic(String, Secret),
}

impl Auth {
    fn header(&self) -> Option<(&'static str, String)> {
        match self {
            Auth::None => None,
            Auth::Bearer(s) => Some(("authorization", format!("Bearer {}", s.expose()))),
            Auth::Token(s) => Some(("authorization", format!("token {}", s.expose()))),
            Auth::Header(name, s) => Some((name, s.expose().to_string())),
            Auth::Basic(user, s) => Some(("authorization", format!("Basic {}", basic(user, s)))),
        }
    }

    /// Every form of the credential that could appear on the wire.
    fn secrets(&self) -> Vec<String> {
        match self {
            Auth::None => Vec::new(),
            Auth::Bearer(s) | Auth::Token(s) | Auth::Header(_, s) => vec![s.expose().to_string()],
            Auth::Basic(user, s) => vec![s.expose().to_string(), basic(user, s)],
        }
    }
}

/// `base64(user:secret)`.
fn basic(user: &str, secret: &Secret) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", secret.expose()))
}

/// How a vendor's lists continue on the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pagination {
    /// `Link: <url>; rel="next"` (GitHub).
    #[default]
    Link,
    /// `Link` when present, else the `X-Next-Page` number put into the
    /// `page` query parameter (GitLab, whose `Link` may be left out by
    /// proxies and which omits it for large lists).
    LinkOrNextPage,
    /// A JSON object `{"values": [...], "next": "<url>"}` (Bitbucket Cloud).
    NextInBody,
    /// A JSON object `{"value": [...]}` and an `x-ms-continuationtoken`
    /// header, sent back as the `continuationToken` query parameter (Azure
    /// DevOps).
    ContinuationToken,
}

impl Pagination {
    /// The items of one page answered for `url`, and the URL of the next
    /// page, if any.
    ///
    /// Errors: `Parse` when the page is not of this vendor's shape.
    pub fn page(
        self,
        url: &str,
        resp: &Response,
    ) -> Result<(Vec<serde_json::Value>, Option<String>)> {
        use serde_json::Value;
        let shape = |what: &str| {
            Error::new(
                ErrorKind::Parse,
                format!("GET {}: expected {what}", strip_url_credentials(url)),
            )
        };
        match self {
            Pagination::Link | Pagination::LinkOrNextPage => {
                let Value::Array(items) = resp.json()? else {
                    return Err(shape("a JSON array"));
                };
                let mut next = resp.header("link").and_then(next_link);
                if self == Pagination::LinkOrNextPage && next.is_none() {
                    next = resp
                        .header("x-next-page")
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(|n| with_page(url, n));
                }
                Ok((items, next))
            }
            Pagination::NextInBody => {
                let mut body = resp.json()?;
                let Some(Value::Array(items)) = body.get_mut("values").map(Value::take) else {
                    return Err(shape("an object with `values`"));
                };
                Ok((items, body["next"].as_str().map(str::to_string)))
            }
            Pagination::ContinuationToken => {
                let mut body = resp.json()?;
                let Some(Value::Array(items)) = body.get_mut("value").map(Value::take) else {
                    return Err(shape("an object with `value`"));
                };
                let next = resp
                    .header("x-ms-continuationtoken")
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| with_param(url, "continuationToken", &url_encode(t)));
                Ok((items, next))
            }
        }
    }
}

/// A fully read response.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    ///
    /// Errors: `Parse` when it is not JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::Parse,
                format!("the API answered with invalid JSON: {e}"),
            )
        })
    }
}

/// What one attempt of a request came to (see `HttpClient::exchange`).
enum Attempt<T> {
    /// The answer wanted: no retry.
    Done(T),
    /// Another answer (not 2xx): retried when its status says so.
    Answered(Response),
    /// No answer (connection, timeout): retried.
    Failed(ureq::Error),
}

/// A streamed download ([`HttpClient::download`]): the answer's head and
/// how many body bytes went into the sink.
#[derive(Debug, Clone)]
pub struct Download {
    /// HTTP status (2xx).
    pub status: u16,
    /// Headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Body bytes written.
    pub bytes: u64,
}

impl Download {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response's headers, names lower-case.
fn header_list<B>(response: &ureq::http::Response<B>) -> Vec<(String, String)> {
    response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Reads a response's body, up to `limit` bytes.
fn read_response(
    mut response: ureq::http::Response<ureq::Body>,
    limit: u64,
) -> std::result::Result<Response, ureq::Error> {
    let status = response.status().as_u16();
    let headers = header_list(&response);
    let body = response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()?;
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// A body to send.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// No body.
    Empty,
    /// A JSON value (`content-type: application/json`).
    Json(&'a serde_json::Value),
    /// Raw bytes with a content type.
    Bytes(&'a [u8], &'a str),
    /// A file's content with a content type, streamed from disk (opened
    /// again for each attempt; `content-length` is the file's size). The
    /// request's time limit grows by one second per MiB, so a large upload
    /// at 1 MiB/s or faster is not cut short.
    File(&'a std::path::Path, &'a str),
}

/// Sleeps for retries; replaced in tests to record waits instead.
pub type Sleeper = fn(Duration);

/// An HTTP client bound to one API base URL and credential. Cheap to share
/// between threads (`Send + Sync`) and to clone (the agent is shared).
#[derive(Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
    base: String,
    auth: Auth,
    retry: RetryPolicy,
    request_secs: u64,
    /// Longest wait for one read of a download's body.
    read_secs: u64,
    extra_headers: Vec<(&'static str, String)>,
    pagination: Pagination,
    sleeper: Sleeper,
    /// The largest response body read, in bytes.
    max_response_bytes: u64,
}

/// The largest response body an API call reads (ureq's default, made
/// explicit): a larger one fails with `InvalidArgument`, unretried.
pub const API_RESPONSE_MAX_BYTES: u64 = 10 * 1024 * 1024;

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base", &self.base)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// The ureq settings every client shares: no status as error, the
/// timeouts of `config`, our user agent.
fn agent_config(config: &Config) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    let t = &config.timeouts;
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(t.connect_secs)))
        .timeout_recv_response(Some(Duration::from_secs(t.read_secs)))
        .timeout_global(Some(Duration::from_secs(t.request_secs)))
        .user_agent(concat!("testrelay/", env!("CARGO_PKG_VERSION")))
}

impl HttpClient {
    /// A client for `base_url` with the timeouts and retry policy of
    /// `config`. Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`.
    ///
    /// Errors: `Configuration` when the URL is not http(s).
    pub fn new(base_url: &str, auth: Auth, config: &Config) -> Result<HttpClient> {
        let base = base_url.trim_end_matches('/').to_string();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Error::new(
                ErrorKind::Configuration,
                format!(
                    "API URL `{}` must start with https:// or http://",
                    strip_url_credentials(&base)
                ),
            ));
        }
        let agent = agent_config(config)
            .proxy(ureq::Proxy::try_from_env())
            .build()
            .into();
        Ok(HttpClient::with_agent(agent, base, auth, config))
    }

    /// A client for `base_url` (`http://`) that sends every request, without
    /// credentials, to the forward proxy at `proxy_url`, which adds its own
    /// (see [`forward_proxy`]).
    ///
    /// Errors: `Configuration` when either URL is not `http://`.
    pub fn through_forward_proxy(
        base_url: &str,
        proxy_url: &str,
        config: &Config,
    ) -> Result<HttpClient> {
        let base = base_url.trim_end_matches('/').to_string();
        if !base.starts_with("http://") {
            return Err(Error::new(
                ErrorKind::Configuration,
                format!(
                    "API URL `{}` must start with http:// to go through a forward proxy",
                    strip_url_credentials(&base)
                ),
            ));
        }
        let ureq_config = agent_config(config)
            .proxy(None)
            // One request a connection: its first line is rewritten.
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .build();
        let agent = forward_proxy::agent(proxy_url, ureq_config)?;
        Ok(HttpClient::with_agent(agent, base, Auth::None, config))
    }

    fn with_agent(agent: ureq::Agent, base: String, auth: Auth, config: &Config) -> HttpClient {
        HttpClient {
            agent,
            base,
            auth,
            retry: config.retry.clone(),
            request_secs: config.timeouts.request_secs,
            read_secs: config.timeouts.read_secs,
            extra_headers: Vec::new(),
            pagination: Pagination::Link,
            sleeper: std::thread::sleep,
            max_response_bytes: API_RESPONSE_MAX_BYTES,
        }
    }

    /// Adds a header sent with every request (e.g. an API version).
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> HttpClient {
        self.extra_headers.push((name, value.into()));
        self
    }

    /// A copy of this client with header `name` set to `value` instead of
    /// what it had (e.g. another `accept` for a download).
    pub fn with_header_replaced(&self, name: &'static str, value: impl Into<String>) -> HttpClient {
        let mut client = self.clone();
        client
            .extra_headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        client.extra_headers.push((name, value.into()));
        client
    }

    /// A copy of this client that sends no credential (a download from a
    /// host the token must not reach).
    pub fn without_auth(&self) -> HttpClient {
        HttpClient {
            auth: Auth::None,
            ..self.clone()
        }
    }

    /// The same client reading response bodies of up to `bytes` (default
    /// [`API_RESPONSE_MAX_BYTES`]), for downloads.
    pub fn with_response_limit(&self, bytes: u64) -> HttpClient {
        HttpClient {
            max_response_bytes: bytes,
            ..self.clone()
        }
    }

    /// Sets how lists continue on the next page (default: `Link`).
    pub fn with_pagination(mut self, pagination: Pagination) -> HttpClient {
        self.pagination = pagination;
        self
    }

    /// Replaces how retry waits happen (tests record them instead).
    pub fn with_sleeper(mut self, sleeper: Sleeper) -> HttpClient {
        self.sleeper = sleeper;
        self
    }

    /// The base URL, without credentials.
    pub fn base_url(&self) -> String {
        strip_url_credentials(&self.base)
    }

    /// Sends `method path` (a path below the base URL, or an absolute URL),
    /// retrying as the module docs say, and returns a 2xx response.
    ///
    /// Errors: the kinds in the module docs, with the vendor's message.
    pub fn send(&self, method: &str, path: &str, body: Body<'_>) -> Result<Response> {
        self.exchange(method, path, body, |url, left| {
            match self.once(method, url, body, left) {
                Ok(resp) if (200..300).contains(&resp.status) => Attempt::Done(resp),
                Ok(resp) => Attempt::Answered(resp),
                Err(e) => Attempt::Failed(e),
            }
        })
    }

    /// GETs `path` (below the base URL, or an absolute URL) with the same
    /// credential, retries and deadline as [`send`](Self::send), and
    /// streams the body of the 2xx answer into `sink` as it arrives, so
    /// memory stays bounded whatever its size. Only an answer that has not
    /// started is retried: once bytes went into `sink`, a connection that
    /// breaks is an error (the caller discards what `sink` got). Each read
    /// waits at most `timeouts.read_secs`, and the whole download ends by
    /// the operation's deadline ([`with_deadline`]) when one is set.
    ///
    /// Errors: as [`send`](Self::send); `Connection` (or `Timeout`) when
    /// the body breaks off, saying after how many bytes; `sink`'s error
    /// (its kind and message) when it refuses bytes.
    pub fn download(&self, path: &str, sink: &mut dyn std::io::Write) -> Result<Download> {
        let mut sink = Some(sink);
        self.exchange("GET", path, Body::Empty, |url, left| {
            match self.start("GET", url, Body::Empty, left, true) {
                Ok(resp) if resp.status().is_success() => match sink.take() {
                    Some(sink) => Attempt::Done(self.stream(url, resp, sink)),
                    None => Attempt::Done(Err(Error::new(
                        ErrorKind::Internal,
                        "the download was answered twice",
                    ))),
                },
                Ok(resp) => match read_response(resp, API_RESPONSE_MAX_BYTES) {
                    Ok(resp) => Attempt::Answered(resp),
                    Err(e) => Attempt::Failed(e),
                },
                Err(e) => Attempt::Failed(e),
            }
        })?
    }

    /// Copies a 2xx answer's body into `sink`.
    fn stream(
        &self,
        url: &str,
        mut resp: ureq::http::Response<ureq::Body>,
        sink: &mut dyn std::io::Write,
    ) -> Result<Download> {
        let what = format!("GET {}", self.redact(&strip_url_credentials(url)));
        let status = resp.status().as_u16();
        let headers = header_list(&resp);
        let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
        let mut buf = vec![0u8; 64 * 1024];
        let mut bytes: u64 = 0;
        loop {
            let n = match std::io::Read::read(&mut reader, &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let kind = if e.kind() == std::io::ErrorKind::TimedOut {
                        ErrorKind::Timeout
                    } else {
                        ErrorKind::Connection
                    };
                    return Err(Error::new(
                        kind,
                        format!(
                            "{what}: the download broke off after {bytes} bytes: {}",
                            self.redact(&e.to_string())
                        ),
                    ));
                }
            };
            sink.write_all(&buf[..n]).map_err(|e| {
                match e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
                    // The sink's own refusal (a size cap): its kind and words.
                    Some(inner) => Error::new(inner.kind(), format!("{what}: {}", inner.message())),
                    None => Error::new(
                        ErrorKind::Io,
                        format!("{what}: writing what was downloaded failed: {e}"),
                    ),
                }
            })?;
            bytes += n as u64;
        }
        sink.flush()
            .map_err(|e| Error::new(ErrorKind::Io, format!("{what}: {e}")))?;
        Ok(Download {
            status,
            headers,
            bytes,
        })
    }

    /// The retry loop every request goes through: `attempt` sends once to
    /// the URL with the time left; its answer decides what happens next.
    fn exchange<T>(
        &self,
        method: &str,
        path: &str,
        body: Body<'_>,
        mut attempt_once: impl FnMut(&str, Option<Duration>) -> Attempt<T>,
    ) -> Result<T> {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let what = format!("{method} {}", self.redact(&strip_url_credentials(&url)));
        if let Body::File(file, _) = body {
            // A file that cannot be read is not a connection problem: say so
            // now instead of retrying.
            std::fs::File::open(file)
                .map_err(|e| Error::io("opening the file to send", file, e))?;
        }
        let deadline = current_deadline();
        let expired = |why: &str| {
            Error::new(
                ErrorKind::Timeout,
                format!("{what}: {why} past the operation's deadline; it is kept for later"),
            )
        };
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.max_attempts;
            let left = deadline.remaining();
            if left == Some(Duration::ZERO) {
                return Err(expired("not sent: the time was up"));
            }
            let wait = match attempt_once(&url, left) {
                Attempt::Done(value) => return Ok(value),
                Attempt::Answered(resp) => match retry_wait(&resp, &self.retry) {
                    Some(server_wait) if !last => server_wait,
                    _ => return Err(self.status_error(&what, &resp)),
                },
                Attempt::Failed(ureq::Error::BodyExceedsLimit(limit)) => {
                    // Asking again brings the same body: say so now.
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        format!("{what}: the response is larger than the {limit} bytes read here"),
                    ));
                }
                Attempt::Failed(_) if !last => Duration::ZERO,
                Attempt::Failed(e) => {
                    return Err(Error::new(
                        ErrorKind::Connection,
                        format!(
                            "{what}: {} (after {attempt} attempts)",
                            self.redact(&e.to_string())
                        ),
                    ));
                }
            };
            let backoff = full_jitter(&self.retry, attempt);
            let pause = wait.max(backoff);
            if deadline.remaining().is_some_and(|left| pause >= left) {
                return Err(expired(&format!(
                    "the retry would wait {pause:?} (attempt {attempt}),"
                )));
            }
            log::info!("testrelay: {what} will be retried in {pause:?} (attempt {attempt})");
            self.pause(pause, &deadline)
                .map_err(|()| expired("the wait before the retry went"))?;
        }
    }

    /// Waits `pause`, in slices when a shared deadline may be brought
    /// forward meanwhile. Errors when the deadline comes first.
    fn pause(&self, pause: Duration, deadline: &Deadline) -> std::result::Result<(), ()> {
        if deadline.shared.is_none() {
            (self.sleeper)(pause);
            return Ok(());
        }
        const SLICE: Duration = Duration::from_millis(100);
        let end = Instant::now() + pause;
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(());
            }
            let rest = end - now;
            if deadline.remaining().is_some_and(|left| left <= rest) {
                return Err(());
            }
            (self.sleeper)(rest.min(SLICE));
        }
    }

    /// GETs `path` and every following page (as the client's
    /// [`Pagination`] says), returning the items of all pages (each page
    /// must be a JSON array).
    ///
    /// Errors: as [`HttpClient::send`]; `Parse` for a page that is not an array.
    pub fn get_all_pages(&self, path: &str) -> Result<Vec<serde_json::Value>> {
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(page) = next.take() {
            let resp = self.send("GET", &page, Body::Empty)?;
            let (page_items, following) = self
                .pagination
                .page(&page, &resp)
                .map_err(|e| Error::new(e.kind(), self.redact(e.message())))?;
            items.extend(page_items);
            next = following;
        }
        Ok(items)
    }

    /// One attempt, its body read (up to the client's response limit);
    /// `left` caps its time (the operation's deadline).
    fn once(
        &self,
        method: &str,
        url: &str,
        body: Body<'_>,
        left: Option<Duration>,
    ) -> std::result::Result<Response, ureq::Error> {
        let response = self.start(method, url, body, left, false)?;
        read_response(response, self.max_response_bytes)
    }

    /// One attempt up to the response's head; its body is still to read.
    /// `left` caps its time (the operation's deadline). A `download` has
    /// no time limit of its own but that deadline, and each read waits at
    /// most `timeouts.read_secs`.
    fn start(
        &self,
        method: &str,
        url: &str,
        body: Body<'_>,
        left: Option<Duration>,
        download: bool,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let cap = |limit: Duration| left.map_or(limit, |l| l.min(limit));
        let default_limit = cap(Duration::from_secs(self.request_secs));
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        if let Some((name, value)) = self.auth.header() {
            builder = builder.header(name, value);
        }
        for (name, value) in &self.extra_headers {
            builder = builder.header(*name, value.as_str());
        }
        let limited = |req: ureq::http::Request<Vec<u8>>| {
            self.agent
                .configure_request(req)
                .timeout_global(Some(default_limit))
                .build()
        };
        let response = match body {
            Body::Empty if download => {
                let req = builder.body(()).map_err(ureq::Error::from)?;
                let req = self
                    .agent
                    .configure_request(req)
                    .timeout_global(left)
                    .timeout_per_read(Some(Duration::from_secs(self.read_secs)))
                    .build();
                self.agent.run(req)?
            }
            Body::Empty => {
                let req = builder.body(()).map_err(ureq::Error::from)?;
                let req = self
                    .agent
                    .configure_request(req)
                    .timeout_global(Some(default_limit))
                    .build();
                self.agent.run(req)?
            }
            Body::Json(value) => {
                let bytes = serde_json::to_vec(value).unwrap_or_default();
                let req = builder
                    .header("content-type", "application/json")
                    .body(bytes)
                    .map_err(ureq::Error::from)?;
                self.agent.run(limited(req))?
            }
            Body::Bytes(bytes, content_type) => {
                let req = builder
                    .header("content-type", content_type)
                    .body(bytes.to_vec())
                    .map_err(ureq::Error::from)?;
                self.agent.run(limited(req))?
            }
            Body::File(path, content_type) => {
                let file = std::fs::File::open(path)?;
                let mib = file.metadata()?.len() / (1024 * 1024);
                let req = builder
                    .header("content-type", content_type)
                    .body(file)
                    .map_err(ureq::Error::from)?;
                let limit = cap(Duration::from_secs(self.request_secs.saturating_add(mib)));
                let req = self
                    .agent
                    .configure_request(req)
                    .timeout_global(Some(limit))
                    .build();
                self.agent.run(req)?
            }
        };
        Ok(response)
    }

    fn status_error(&self, what: &str, resp: &Response) -> Error {
        let vendor = vendor_message(resp);
        let kind = match resp.status {
            401 => ErrorKind::Authentication,
            403 if is_rate_limited(resp) => ErrorKind::RateLimited,
            403 => ErrorKind::Permission,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            408 => ErrorKind::Timeout,
            s if s >= 500 => ErrorKind::Connection,
            _ => ErrorKind::InvalidArgument,
        };
        let hint = match kind {
            ErrorKind::Authentication => "; check the API token",
            ErrorKind::Permission => "; the token lacks a permission this call needs",
            ErrorKind::RateLimited => "; the rate limit did not reset within the retries",
            _ => "",
        };
        Error::new(
            kind,
            self.redact(&format!("{what}: HTTP {} {vendor}{hint}", resp.status)),
        )
    }

    /// Removes the credential from `text`.
    fn redact(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in self.auth.secrets() {
            if !secret.is_empty() {
                text = text.replace(&secret, "***");
            }
        }
        text
    }
}

/// Percent-encodes `s` for a path segment or a query value (everything but
/// letters, digits, `-`, `_`, `.` and `~`).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with its `page` query parameter set to `page`.
fn with_page(url: &str, page: &str) -> String {
    with_param(url, "page", page)
}

/// `url` with the query parameter `name` set to `value` (already encoded).
fn with_param(url: &str, name: &str, value: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let prefix = format!("{name}=");
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with(&prefix))
        .map(str::to_string)
        .collect();
    params.push(format!("{name}={value}"));
    format!("{path}?{}", params.join("&"))
}

/// The remaining quota and its reset time, from GitHub's or GitLab's headers.
fn rate_limit(resp: &Response) -> (Option<&str>, Option<&str>) {
    let remaining = resp
        .header("x-ratelimit-remaining")
        .or_else(|| resp.header("ratelimit-remaining"));
    let reset = resp
        .header("x-ratelimit-reset")
        .or_else(|| resp.header("ratelimit-reset"));
    (remaining.map(str::trim), reset)
}

/// The vendor's error text: `message` (Bitbucket: `error.message`; GitLab
/// also: `error`) plus `errors[].message`, or the body.
fn vendor_message(resp: &Response) -> String {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&resp.body) else {
        let text = String::from_utf8_lossy(&resp.body);
        return text.chars().take(300).collect();
    };
    let mut msg = json["message"]
        .as_str()
        .or_else(|| json["error"]["message"].as_str())
        .or_else(|| json["error"].as_str())
        .unwrap_or("")
        .to_string();
    if let Some(errors) = json["errors"].as_array() {
        let details: Vec<String> = errors
            .iter()
            .map(|e| match e {
                serde_json::Value::String(s) => s.clone(),
                other => other["message"]
                    .as_str()
                    .map(String::from)
                    .unwrap_or_else(|| other.to_string()),
            })
            .collect();
        if !details.is_empty() {
            msg.push_str(&format!(" ({})", details.join("; ")));
        }
    }
    msg
}

fn is_rate_limited(resp: &Response) -> bool {
    rate_limit(resp).0 == Some("0")
        || resp.header("retry-after").is_some()
        || String::from_utf8_lossy(&resp.body)
            .to_ascii_lowercase()
            .contains("rate limit")
}

/// How long the server asks us to wait before retrying `resp`, or `None`
/// when the status is not retryable.
fn retry_wait(resp: &Response, policy: &RetryPolicy) -> Option<Duration> {
    let retryable = matches!(resp.status, 408 | 429)
        || resp.status >= 500
        || (resp.status == 403 && is_rate_limited(resp));
    if !retryable {
        return None;
    }
    if let Some(after) = resp.header("retry-after").and_then(parse_retry_after) {
        return Some(after);
    }
    if let (Some("0"), Some(reset)) = rate_limit(resp) {
        if let Ok(reset) = reset.trim().parse::<u64>() {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
        }
    }
    if resp.status == 403 || (resp.status == 429 && is_rate_limited(resp)) {
        return Some(Duration::from_secs(policy.secondary_rate_limit_wait_secs));
    }
    Some(Duration::ZERO)
}

/// `Retry-After` as seconds or an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let parts: Vec<&str> = value.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])?
        + 1;
    let stamp = format!("{}-{month:02}-{:0>2}T{}Z", parts[3], parts[1], parts[4]);
    let at = crate::time::parse_timestamp(&stamp)?;
    let now = crate::time::now_unix_ms();
    Some(Duration::from_millis(at.saturating_sub(now).max(0) as u64))
}

/// Exponential backoff with full jitter: a random wait in
/// `[0, min(max, initial · 2^(attempt-1))]`.
fn full_jitter(policy: &RetryPolicy, attempt: u32) -> Duration {
    let cap = policy
        .initial_backoff_ms
        .saturating_mul(1u64 << (attempt.saturating_sub(1)).min(20))
        .min(policy.max_backoff_ms);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let random =
        u64::from(nanos ^ std::process::id().rotate_left(13)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Duration::from_millis(if cap == 0 { 0 } else { random % (cap + 1) })
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next() {
        let link = r#"<https://api.x/r?page=2>; rel="next", <https://api.x/r?page=5>; rel="last""#;
        assert_eq!(next_link(link).as_deref(), Some("https://api.x/r?page=2"));
        assert_eq!(next_link(r#"<https://api.x/r?page=1>; rel="prev""#), None);
    }

    #[test]
    fn next_page_number_replaces_the_page_parameter() {
        assert_eq!(
            with_page("/projects/1/notes?per_page=100&page=1", "2"),
            "/projects/1/notes?per_page=100&page=2"
        );
        assert_eq!(
            with_page("/projects/1/notes", "3"),
            "/projects/1/notes?page=3"
        );
    }

    fn response(headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn each_vendor_continues_its_lists_its_own_way() {
        let github = response(
            &[("link", r#"<https://api.x/r?page=2>; rel="next""#)],
            "[1,2]",
        );
        assert_eq!(
            Pagination::Link.page("/r", &github).unwrap(),
            (
                vec![1.into(), 2.into()],
                Some("https://api.x/r?page=2".into())
            )
        );
        let gitlab = response(&[("x-next-page", "3"), ("x-page", "2")], "[3]");
        assert_eq!(
            Pagination::LinkOrNextPage
                .page("/notes?per_page=100&page=2", &gitlab)
                .unwrap()
                .1
                .as_deref(),
            Some("/notes?per_page=100&page=3")
        );
        let last = response(&[("x-next-page", "")], "[]");
        assert_eq!(
            Pagination::LinkOrNextPage.page("/n", &last).unwrap().1,
            None
        );
        let bitbucket = response(
            &[],
            r#"{"values":[{"id":1}],"next":"https://api.bitbucket.org/2.0/x?page=2"}"#,
        );
        let (items, next) = Pagination::NextInBody.page("/x", &bitbucket).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            next.as_deref(),
            Some("https://api.bitbucket.org/2.0/x?page=2")
        );
        let azure = response(
            &[("x-ms-continuationtoken", "a b/c")],
            r#"{"value":[{"id":1},{"id":2}],"count":2}"#,
        );
        let (items, next) = Pagination::ContinuationToken
            .page("/threads?api-version=7.1", &azure)
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(
            next.as_deref(),
            Some("/threads?api-version=7.1&continuationToken=a%20b%2Fc")
        );
        let wrong = Pagination::NextInBody.page("/x", &github).unwrap_err();
        assert_eq!(wrong.kind(), ErrorKind::Parse);
    }

    #[test]
    fn gitlab_rate_limit_headers_are_read() {
        let resp = Response {
            status: 429,
            headers: vec![
                ("ratelimit-remaining".into(), "0".into()),
                ("ratelimit-reset".into(), "1".into()),
            ],
            body: Vec::new(),
        };
        assert!(is_rate_limited(&resp));
        assert_eq!(
            retry_wait(&resp, &RetryPolicy::default()),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn basic_credentials_are_redacted_in_both_forms() {
        let client = HttpClient::new(
            "https://api.example",
            Auth::Basic("me".into(), Secret::new("s3cr3t")),
            &Config::default(),
        )
        .unwrap();
        let encoded = basic("me", &Secret::new("s3cr3t"));
        assert_eq!(encoded, "bWU6czNjcjN0");
        let text = client.redact(&format!("x s3cr3t y {encoded} z"));
        assert_eq!(text, "x *** y *** z");
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        let later = crate::time::format_rfc3339(crate::time::now_unix_ms() + 3_600_000);
        let (date, time) = later.split_once('T').unwrap();
        let (y, rest) = date.split_once('-').unwrap();
        let (m, d) = rest.split_once('-').unwrap();
        let mon = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][m.parse::<usize>().unwrap() - 1];
        let http_date = format!("Mon, {d} {mon} {y} {} GMT", &time[..8]);
        let wait = parse_retry_after(&http_date).unwrap();
        assert!(
            wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
            "{wait:?}"
        );
    }

    #[test]
    fn jitter_stays_within_the_cap() {
        let policy = RetryPolicy {
            initial_backoff_ms: 100,
            max_backoff_ms: 1000,
            ..RetryPolicy::default()
        };
        for attempt in 1..30 {
            let cap = (100u64 << (attempt - 1).min(20)).min(1000);
            assert!(full_jitter(&policy, attempt) <= Duration::from_millis(cap));
        }
    }
}
