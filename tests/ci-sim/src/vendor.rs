//! What an emulated CI vendor provides to the simulator, and what the
//! simulator gives it.
//!
//! The simulator owns the sockets, the record of requests, fault injection
//! and the shared admin routes (`/_sim/faults`, `/_sim/requests`,
//! `/_sim/shutdown`). A vendor owns a set of paths and everything behind
//! them: its data, its authentication, its rate limit, the headers it adds to
//! every response and its own admin routes under `/_sim/<name>/`. Adding a
//! vendor means one module implementing [`Vendor`] and one line in
//! `crate::vendors`.
//!
//! For every request that is not an admin request the simulator, in order:
//! records it; fires the first matching fault; finds the first registered
//! vendor whose [`Vendor::owns`] accepts the path (else answers 404 itself);
//! calls [`Vendor::handle`] (unless a fault answered, or the body was over
//! the limit); and passes the reply, whoever made it, through the owning
//! vendor's [`Vendor::decorate`] (a `Status` fault's own headers are applied
//! after that, so they win).

use std::any::Any;
use std::fmt::Debug;

use serde_json::Value;

use crate::record::RecordedRequest;
use crate::wire::Reply;

/// Which of the simulator's addresses a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// The main address ([`crate::Simulator::url`]).
    Api,
    /// The second address ([`crate::Simulator::uploads_url`]), which GitHub
    /// uses for release-asset uploads.
    Uploads,
    /// Either address, as a forward proxy: the request line named an
    /// absolute URL ([`RecordedRequest::proxy_target`]), as requests to
    /// Bitbucket Pipelines' Code Insights proxy do.
    ForwardProxy,
}

/// The request's surroundings: the simulator's base URLs and the address it
/// came through.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming<'a> {
    /// Base URL of the main address, `http://127.0.0.1:PORT`.
    pub api_url: &'a str,
    /// Base URL of the second address.
    pub uploads_url: &'a str,
    /// The address the request came through.
    pub via: Via,
}

/// One emulated vendor. Every method runs under the simulator's state lock,
/// so a vendor needs no locking of its own.
pub(crate) trait Vendor: Any + Send + Debug {
    /// Its name in admin routes: `/_sim/<name>/...` (`"github"`).
    fn name(&self) -> &'static str;

    /// Whether the vendor answers requests to `path` (still
    /// percent-encoded, no query) arriving through `via`.
    fn owns(&self, path: &str, via: Via) -> bool;

    /// Answers one request to a path it owns. The request is already
    /// recorded; faults are already applied.
    fn handle(&mut self, req: &RecordedRequest, incoming: &Incoming<'_>) -> Reply;

    /// Adds the headers the vendor sends on every response (rate limits,
    /// request ids) to `reply`, which may come from [`Vendor::handle`], a
    /// fault or the simulator's own body-size check. `request_number` counts
    /// the non-admin requests answered so far, this one included.
    fn decorate(&self, reply: &mut Reply, request_number: u64);

    /// A JSON snapshot of everything it holds, served by
    /// `GET /_sim/<name>/state`.
    fn state_json(&self) -> Value;

    /// Answers the admin request `method /_sim/<name>/<route>` (`route` has
    /// no leading slash); `None` when there is no such route.
    fn admin(&mut self, method: &str, route: &str, body: &[u8]) -> Option<Reply>;

    /// For typed access from [`crate::Simulator`] (snapshots, settings).
    fn as_any_mut(&mut self) -> &mut dyn Any;
}
