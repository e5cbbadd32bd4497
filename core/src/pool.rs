//! A fixed pool of named worker threads fed by a crossbeam channel.
//!
//! testrelay has no async runtime: network and database work runs here, so
//! the harness thread that records results never waits on I/O. A panic in a
//! job is caught, logged and counted; the worker carries on. Dropping the
//! pool (or [`ThreadPool::join`]) lets queued jobs finish and joins every
//! thread, so no thread outlives its owner.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Sender, unbounded};

use crate::error::{Error, ErrorKind, Result};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of worker threads. `Send + Sync`: jobs may be submitted from
/// any thread.
pub struct ThreadPool {
    sender: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
    panics: Arc<AtomicUsize>,
}

impl ThreadPool {
    /// Starts `size` threads named `{name}-{i}`.
    ///
    /// Errors: `InvalidArgument` for size 0, `Internal` when the OS refuses a
    /// thread (the threads already started are joined first).
    pub fn new(name: &str, size: usize) -> Result<ThreadPool> {
        if size == 0 {
            return Err(Error::invalid("a thread pool needs at least one thread"));
        }
        let (sender, receiver) = unbounded::<Job>();
        let panics = Arc::new(AtomicUsize::new(0));
        let mut pool = ThreadPool {
            sender: Some(sender),
            workers: Vec::with_capacity(size),
            panics: panics.clone(),
        };
        for i in 0..size {
            let receiver = receiver.clone();
            let panics = panics.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    for job in receiver {
                        if let Err(payload) = catch_unwind(AssertUnwindSafe(job)) {
                            panics.fetch_add(1, Ordering::Relaxed);
                            log::error!(
                                "testrelay worker job panicked: {}",
                                panic_message(&*payload)
                            );
                        }
                    }
                });
            match spawned {
                Ok(handle) => pool.workers.push(handle),
                Err(e) => {
                    pool.join();
                    return Err(Error::new(
                        ErrorKind::Internal,
                        format!("could not start worker thread: {e}"),
                    ));
                }
            }
        }
        Ok(pool)
    }

    /// Queues `job` for the next free worker.
    ///
    /// Errors: `InvalidArgument` after [`ThreadPool::join`] has begun.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) -> Result<()> {
        match &self.sender {
            Some(s) => s
                .send(Box::new(job))
                .map_err(|_| Error::invalid("the thread pool is shut down")),
            None => Err(Error::invalid("the thread pool is shut down")),
        }
    }

    /// How many jobs have panicked so far.
    pub fn panics(&self) -> usize {
        self.panics.load(Ordering::Relaxed)
    }

    /// Number of worker threads.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// Runs every queued job to completion and joins all threads. Further
    /// `execute` calls fail. Calling it twice is harmless.
    pub fn join(&mut self) {
        self.sender = None;
        for handle in self.workers.drain(..) {
            // A worker thread only ends by its receiver closing; jobs' panics
            // are caught inside it, so join cannot observe one.
            let _ = handle.join();
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.join();
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn runs_every_job_and_joins() {
        let total = Arc::new(AtomicU64::new(0));
        let mut pool = ThreadPool::new("t", 3).unwrap();
        assert_eq!(pool.size(), 3);
        for i in 1..=1000u64 {
            let total = total.clone();
            pool.execute(move || {
                total.fetch_add(i, Ordering::Relaxed);
            })
            .unwrap();
        }
        pool.join();
        assert_eq!(total.load(Ordering::Relaxed), 500_500);
        assert_eq!(
            pool.execute(|| {}).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn a_panicking_job_does_not_kill_the_pool() {
        let done = Arc::new(AtomicU64::new(0));
        let mut pool = ThreadPool::new("p", 1).unwrap();
        pool.execute(|| panic!("job failed on purpose")).unwrap();
        let d = done.clone();
        pool.execute(move || {
            d.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        pool.join();
        assert_eq!(pool.panics(), 1);
        assert_eq!(done.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn threads_are_named() {
        let pool = ThreadPool::new("testrelay-worker", 1).unwrap();
        let (tx, rx) = crossbeam_channel::bounded(1);
        pool.execute(move || {
            tx.send(std::thread::current().name().map(String::from))
                .unwrap();
        })
        .unwrap();
        assert_eq!(rx.recv().unwrap().as_deref(), Some("testrelay-worker-0"));
        assert_eq!(
            ThreadPool::new("x", 0).err().unwrap().kind(),
            ErrorKind::InvalidArgument
        );
    }
}
