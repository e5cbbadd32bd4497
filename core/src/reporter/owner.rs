//! Which process owns a run, and whether it is still alive.
//!
//! Outbox entries carry their owner, so `testrelay flush` delivers (and
//! closes) the runs of processes that died, and leaves alone the runs of
//! processes still recording. On Linux liveness comes from `/proc`: the pid
//! must exist, not be a zombie, and have the same start time (pids are
//! reused). A run owned by another host counts as dead: hosts do not share
//! processes, and a history file restored from a CI cache comes from a job
//! that has ended. Without `/proc`, an owner on this host counts as alive;
//! `testrelay flush --force` overrides that.

use serde::{Deserialize, Serialize};

/// A process, identified across pid reuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// Host name (empty when unknown).
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// Process start time in clock ticks since boot (Linux), when known.
    pub start: Option<u64>,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner {
            host: host_name(),
            pid,
            start: start_time(pid),
        }
    }

    /// Whether the owner is still running (see the module docs).
    pub fn is_alive(&self) -> bool {
        if self.host != host_name() {
            return false;
        }
        if !std::path::Path::new("/proc/self/stat").exists() {
            return true;
        }
        match stat(self.pid) {
            None => false,
            Some((state, start)) => {
                state != 'Z' && state != 'X' && (self.start.is_none() || self.start == Some(start))
            }
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn start_time(pid: u32) -> Option<u64> {
    stat(pid).map(|(_, start)| start)
}

/// State character and start time (field 22) from `/proc/<pid>/stat`. The
/// command name may contain spaces and parentheses, so fields are counted
/// after its last `)`.
fn stat(pid: u32) -> Option<(char, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    // After the state (field 3), start time is field 22: 18 more fields on.
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_dead_child_is_not() {
        let me = Owner::current();
        assert!(me.is_alive());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let owner = Owner {
            start: start_time(pid).or(Some(0)),
            ..Owner {
                host: me.host.clone(),
                pid,
                start: None,
            }
        };
        child.wait().unwrap();
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(!owner.is_alive());
            // Same pid, different start time: a reused pid is not the owner.
            let reused = Owner {
                start: Some(u64::MAX),
                ..me.clone()
            };
            assert!(!reused.is_alive());
        }
        let elsewhere = Owner {
            host: format!("{}-other", me.host),
            ..me
        };
        assert!(!elsewhere.is_alive());
    }
}
