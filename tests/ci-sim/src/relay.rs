//! The socket clients connect to, relaying bytes to the internal tiny_http
//! server, so that a connection can really be cut.
//!
//! tiny_http owns its sockets and can only answer a request: when a request
//! is dropped unanswered it sends a 500, and a kept-alive connection stays
//! open. To emulate a dropped connection, clients talk to this relay instead;
//! each client connection gets one connection to tiny_http, and a handler
//! asks the relay (by the address tiny_http saw, i.e. the relay's own end of
//! that connection) to close the client's socket without a response.
//!
//! One thread relays every connection with non-blocking sockets, so the
//! number of threads stays fixed however many clients connect. It serves
//! several listening sockets (the API address and GitHub's separate uploads
//! address) and tells handlers which one a request came through.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// Bytes buffered per direction before the relay stops reading that side.
const BUFFER_CAP: usize = 1 << 20;
/// Idle passes at the short sleep before the relay sleeps longer.
const BUSY_PASSES: u32 = 200;
/// Quiet passes after a stop request before the relay exits, so that an
/// answer just written by a handler still reaches its client.
const STOP_QUIET_PASSES: u32 = 3;
const SHORT_SLEEP: Duration = Duration::from_millis(1);
const LONG_SLEEP: Duration = Duration::from_millis(5);

/// A request to cut the client connection behind `upstream_local`.
struct Cut {
    upstream_local: SocketAddr,
    done: Sender<()>,
    /// Deliver what tiny_http already wrote, then end the connection.
    deliver_first: bool,
}

/// Shared between the relay thread and the request handlers.
#[derive(Default)]
pub(crate) struct RelayControl {
    cuts: Mutex<Vec<Cut>>,
    stop: AtomicBool,
    /// Which listener (index) each open relayed connection came through,
    /// keyed by the relay's end of its connection to tiny_http.
    origins: Mutex<HashMap<SocketAddr, usize>>,
}

impl RelayControl {
    /// Closes the client connection whose relayed request tiny_http saw
    /// coming from `seen_from`, and waits (up to a second) until it is closed.
    pub fn cut(&self, seen_from: SocketAddr) {
        // The relay acknowledges every cut within one pass; time out only
        // if it has stopped.
        self.queue_cut(seen_from, false, Duration::from_secs(1));
    }

    /// Ends the client connection behind `seen_from` once the bytes
    /// tiny_http already wrote on it (flushed before this call) reached the
    /// client: the client sees them, then the end of the connection (a
    /// response cut short).
    pub fn close_after_delivery(&self, seen_from: SocketAddr) {
        self.queue_cut(seen_from, true, Duration::from_secs(5));
    }

    /// Queues a cut of the connection behind `seen_from` and waits up to
    /// `wait` for the relay to carry it out.
    fn queue_cut(&self, seen_from: SocketAddr, deliver_first: bool, wait: Duration) {
        let (done, closed) = mpsc::channel();
        self.cuts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Cut {
                upstream_local: seen_from,
                done,
                deliver_first,
            });
        let _ = closed.recv_timeout(wait);
    }

    /// Tells the relay to finish: it delivers what is already buffered, then
    /// closes every connection and exits.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// The index of the listener through which the connection tiny_http saw
    /// coming from `seen_from` was accepted (0 when unknown).
    pub fn listener_of(&self, seen_from: SocketAddr) -> usize {
        self.origins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&seen_from)
            .copied()
            .unwrap_or(0)
    }

    fn set_origin(&self, upstream_local: SocketAddr, listener: Option<usize>) {
        let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
        match listener {
            Some(index) => origins.insert(upstream_local, index),
            None => origins.remove(&upstream_local),
        };
    }

    fn take_cuts(&self) -> Vec<Cut> {
        std::mem::take(&mut *self.cuts.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// One client connection and its connection to tiny_http.
struct Pair {
    client: TcpStream,
    upstream: TcpStream,
    upstream_local: SocketAddr,
    to_upstream: Vec<u8>,
    to_client: Vec<u8>,
    client_eof: bool,
    upstream_eof: bool,
    upstream_write_closed: bool,
    client_write_closed: bool,
    broken: bool,
    /// Set by [`RelayControl::close_after_delivery`]: told when closed.
    closing: Option<Sender<()>>,
}

/// Moves bytes from `from` into `buf`; returns whether anything happened.
fn fill(
    from: &mut TcpStream,
    buf: &mut Vec<u8>,
    eof: &mut bool,
    broken: &mut bool,
    scratch: &mut [u8],
) -> bool {
    if *eof || *broken || buf.len() >= BUFFER_CAP {
        return false;
    }
    match from.read(scratch) {
        Ok(0) => {
            *eof = true;
            true
        }
        Ok(n) => {
            buf.extend_from_slice(&scratch[..n]);
            true
        }
        Err(e) if would_block(&e) => false,
        Err(_) => {
            *broken = true;
            true
        }
    }
}

/// Moves bytes from `buf` to `to`; returns whether anything happened.
fn drain(to: &mut TcpStream, buf: &mut Vec<u8>, broken: &mut bool) -> bool {
    if buf.is_empty() || *broken {
        return false;
    }
    match to.write(buf) {
        Ok(0) => {
            *broken = true;
            true
        }
        Ok(n) => {
            buf.drain(..n);
            true
        }
        Err(e) if would_block(&e) => false,
        Err(_) => {
            *broken = true;
            true
        }
    }
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

impl Pair {
    fn open(client: TcpStream, upstream_addr: SocketAddr) -> io::Result<Pair> {
        let upstream = TcpStream::connect(upstream_addr)?;
        for s in [&client, &upstream] {
            s.set_nonblocking(true)?;
            s.set_nodelay(true)?;
        }
        Ok(Pair {
            upstream_local: upstream.local_addr()?,
            client,
            upstream,
            to_upstream: Vec::new(),
            to_client: Vec::new(),
            client_eof: false,
            upstream_eof: false,
            upstream_write_closed: false,
            client_write_closed: false,
            broken: false,
            closing: None,
        })
    }

    /// One pass in both directions; returns whether anything happened.
    fn pump(&mut self, scratch: &mut [u8]) -> bool {
        let mut progress = false;
        progress |= fill(
            &mut self.client,
            &mut self.to_upstream,
            &mut self.client_eof,
            &mut self.broken,
            scratch,
        );
        progress |= drain(&mut self.upstream, &mut self.to_upstream, &mut self.broken);
        progress |= fill(
            &mut self.upstream,
            &mut self.to_client,
            &mut self.upstream_eof,
            &mut self.broken,
            scratch,
        );
        progress |= drain(&mut self.client, &mut self.to_client, &mut self.broken);
        if self.client_eof && self.to_upstream.is_empty() && !self.upstream_write_closed {
            let _ = self.upstream.shutdown(Shutdown::Write);
            self.upstream_write_closed = true;
            progress = true;
        }
        if self.upstream_eof && self.to_client.is_empty() && !self.client_write_closed {
            let _ = self.client.shutdown(Shutdown::Write);
            self.client_write_closed = true;
            progress = true;
        }
        progress
    }

    fn finished(&self) -> bool {
        self.broken || (self.client_write_closed && self.upstream_write_closed)
    }

    /// Closes both sockets at once, discarding anything buffered.
    fn cut(self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

/// Runs the relay of `listeners` (by index, see
/// [`RelayControl::listener_of`]) on its own thread until
/// [`RelayControl::stop`].
///
/// # Errors
/// When a listener cannot be made non-blocking or the thread cannot start.
pub(crate) fn spawn(
    listeners: Vec<TcpListener>,
    upstream: SocketAddr,
    control: Arc<RelayControl>,
) -> io::Result<thread::JoinHandle<()>> {
    for listener in &listeners {
        listener.set_nonblocking(true)?;
    }
    thread::Builder::new()
        .name("ci-sim-relay".to_owned())
        .spawn(move || run(&listeners, upstream, &control))
}

/// Accepts every waiting client; returns whether there was any.
fn accept_new(
    listeners: &[TcpListener],
    upstream: SocketAddr,
    control: &RelayControl,
    pairs: &mut Vec<Pair>,
) -> bool {
    let mut accepted = false;
    for (index, listener) in listeners.iter().enumerate() {
        // Stops at WouldBlock, and on any other accept error until next pass.
        while let Ok((client, _)) = listener.accept() {
            accepted = true;
            // A connection tiny_http cannot take is closed at once; the
            // client sees a connection error.
            if let Ok(pair) = Pair::open(client, upstream) {
                control.set_origin(pair.upstream_local, Some(index));
                pairs.push(pair);
            }
        }
    }
    accepted
}

fn run(listeners: &[TcpListener], upstream: SocketAddr, control: &RelayControl) {
    let mut pairs: Vec<Pair> = Vec::new();
    let mut scratch = vec![0u8; 64 * 1024];
    let mut idle_passes = 0u32;
    loop {
        let stopping = control.stop.load(Ordering::SeqCst);
        let mut progress = false;
        if !stopping {
            progress |= accept_new(listeners, upstream, control, &mut pairs);
        }
        for cut in control.take_cuts() {
            match pairs
                .iter()
                .position(|p| p.upstream_local == cut.upstream_local)
            {
                Some(i) if cut.deliver_first => pairs[i].closing = Some(cut.done),
                Some(i) => {
                    let pair = pairs.swap_remove(i);
                    control.set_origin(pair.upstream_local, None);
                    pair.cut();
                    let _ = cut.done.send(());
                }
                None => {
                    let _ = cut.done.send(());
                }
            }
        }
        let mut delivered = Vec::new();
        for (i, pair) in pairs.iter_mut().enumerate() {
            let moved = pair.pump(&mut scratch);
            progress |= moved;
            // Nothing more came from tiny_http and all of it went out.
            if pair.closing.is_some() && !moved && pair.to_client.is_empty() {
                delivered.push(i);
            }
        }
        for i in delivered.into_iter().rev() {
            let mut pair = pairs.swap_remove(i);
            control.set_origin(pair.upstream_local, None);
            let done = pair.closing.take();
            pair.cut();
            if let Some(done) = done {
                let _ = done.send(());
            }
            progress = true;
        }
        pairs.retain(|p| {
            let done = p.finished();
            if done {
                control.set_origin(p.upstream_local, None);
            }
            !done
        });
        if stopping && !progress && idle_passes >= STOP_QUIET_PASSES {
            break;
        }
        if progress {
            idle_passes = 0;
        } else {
            idle_passes = idle_passes.saturating_add(1);
            thread::sleep(if idle_passes < BUSY_PASSES {
                SHORT_SLEEP
            } else {
                LONG_SLEEP
            });
        }
    }
    for pair in pairs {
        pair.cut();
    }
    for cut in control.take_cuts() {
        let _ = cut.done.send(());
    }
}
