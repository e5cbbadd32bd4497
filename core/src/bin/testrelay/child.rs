//! The process side of `testrelay run` and of the command line as a whole:
//! the one place of this binary with `unsafe` code (the library forbids
//! it), each block with its reason.
//!
//! - The command runs in its own process group, so a timeout kills what it
//!   started too (a test runner's workers, a shell's background jobs).
//! - On Linux it dies with testrelay: `PR_SET_PDEATHSIG` sends it SIGKILL
//!   when testrelay dies, even by `kill -9`, so no test run is orphaned.
//! - While it runs, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to testrelay
//!   (a Ctrl-C: the command is no longer in the terminal's foreground
//!   group) are passed on to its group; testrelay then reports what the
//!   command wrote, as after any other exit.
//! - SIGXFSZ is ignored (and restored to the default for the command), so
//!   a write beyond `ulimit -f` fails with an error testrelay reports
//!   instead of killing it silently.

use std::process::{Child, Command};

#[cfg(unix)]
use std::sync::atomic::{AtomicI32, Ordering};

/// The process group of the running command, 0 when none.
#[cfg(unix)]
static COMMAND_GROUP: AtomicI32 = AtomicI32::new(0);
/// A signal that came while the command was being started, to pass on once
/// its group is known.
#[cfg(unix)]
static PENDING: AtomicI32 = AtomicI32::new(0);

/// Signals passed on to the command's group while it runs.
#[cfg(unix)]
const FORWARDED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// Makes a write beyond the file-size limit fail with `EFBIG` (reported
/// like any I/O error) instead of killing the process with SIGXFSZ.
pub fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN installs no code and
    // touches no memory of ours; it cannot break any Rust invariant.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Starts `cmd` in its own process group; on Linux it is killed when this
/// process dies; signals to testrelay are passed on while it runs (see the
/// module docs). Call [`finished`] once it has exited.
pub fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
        #[cfg(target_os = "linux")]
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the closure runs in the child between fork and exec, where
        // only async-signal-safe calls are allowed: it calls signal(),
        // prctl() and getppid() (all async-signal-safe), allocates nothing
        // (`from_raw_os_error` and `last_os_error` do not allocate) and
        // takes no lock.
        unsafe {
            cmd.pre_exec(move || {
                // An ignored signal stays ignored across exec: give the
                // command the default back.
                libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
                #[cfg(target_os = "linux")]
                {
                    let sigkill = libc::SIGKILL as libc::c_ulong;
                    if libc::prctl(libc::PR_SET_PDEATHSIG, sigkill, 0, 0, 0) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                    // testrelay may have died before prctl: then no signal
                    // would come, so do not start at all.
                    if libc::getppid() != parent {
                        return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
                    }
                }
                Ok(())
            });
        }
    }
    // Handlers first, so a signal during the start is not lost (it is
    // passed on as soon as the group exists). The command gets the default
    // handling back at exec.
    #[cfg(unix)]
    for signal in FORWARDED {
        // SAFETY: `forward` is an `extern "C" fn(c_int)` that only uses
        // atomics and kill(), all async-signal-safe.
        unsafe {
            libc::signal(signal, forward as *const () as libc::sighandler_t);
        }
    }
    let child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            finished();
            return Err(e);
        }
    };
    #[cfg(unix)]
    {
        let group = child.id() as i32;
        COMMAND_GROUP.store(group, Ordering::SeqCst);
        let pending = PENDING.swap(0, Ordering::SeqCst);
        if pending != 0 {
            // SAFETY: as in `forward`.
            unsafe {
                libc::kill(-group, pending);
            }
        }
    }
    Ok(child)
}

/// Passes `signal` on to the command's process group.
#[cfg(unix)]
extern "C" fn forward(signal: libc::c_int) {
    let group = COMMAND_GROUP.load(Ordering::SeqCst);
    if group > 0 {
        // SAFETY: kill() is async-signal-safe and has no memory-safety
        // preconditions; a negative pid names the command's process group.
        unsafe {
            libc::kill(-group, signal);
        }
    } else {
        PENDING.store(signal, Ordering::SeqCst);
    }
}

/// Restores the default handling of the forwarded signals once the command
/// has exited, so a Ctrl-C while testrelay reports stops testrelay.
pub fn finished() {
    #[cfg(unix)]
    {
        COMMAND_GROUP.store(0, Ordering::SeqCst);
        for signal in FORWARDED {
            // SAFETY: restoring a signal's default disposition installs no
            // code of ours.
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
            }
        }
    }
}

/// Kills the command and everything else in its process group, and waits
/// for the command.
pub fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    // SAFETY: kill() has no memory-safety preconditions; the group is the
    // one `spawn` made, led by the child (not yet reaped, so its id is not
    // reused).
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}
