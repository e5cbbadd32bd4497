//! A content-addressed cache of artifact files, shared by processes.
//!
//! An entry is the file `<dir>/<first two hex digits>/<sha256>`, so a
//! name is its content's SHA-256 and two runs' identical files are one
//! entry. Entries are written to a temporary file in the cache directory,
//! checked against their hash, and renamed into place: no process ever
//! sees a partial entry, and two processes storing the same content both
//! succeed. Every hit is hashed again; an entry that does not match (a
//! disk error, a hand edit) is deleted and reported as a miss, never
//! served.
//!
//! An entry's modification time is its last use ([`Clock`] time, which
//! tests inject). [`ArtifactCache::evict`] deletes entries unused for
//! longer than the age cap, then the least recently used ones until the
//! total size is within the size cap; it runs after every store.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;

/// Where time comes from: the system clock, or a test's.
pub trait Clock: Send + Sync {
    /// Now, in Unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::time::now_unix_ms()
    }
}

/// The caps of a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachePolicy {
    /// Largest total size of the entries, bytes (default 1 GiB).
    pub max_bytes: u64,
    /// Entries unused for longer are deleted, ms (default 30 days).
    pub max_age_ms: i64,
}

impl Default for CachePolicy {
    fn default() -> Self {
        CachePolicy {
            max_bytes: 1024 * 1024 * 1024,
            max_age_ms: 30 * 24 * 3600 * 1000,
        }
    }
}

/// What [`ArtifactCache::evict`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EvictStats {
    /// Entries deleted because they were unused for too long.
    pub expired: u64,
    /// Entries deleted to get within the size cap.
    pub evicted: u64,
    /// Entries left.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// A cache directory with its policy and clock.
#[derive(Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
    policy: CachePolicy,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ArtifactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactCache")
            .field("dir", &self.dir)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Temporary files older than this are left-overs of a dead process.
const STALE_TEMP_MS: i64 = 3600 * 1000;

impl ArtifactCache {
    /// The cache in `dir` (created when missing), on the system clock.
    ///
    /// Errors: `Io` when the directory cannot be created.
    pub fn open(dir: &Path, policy: CachePolicy) -> Result<ArtifactCache> {
        Self::with_clock(dir, policy, Arc::new(SystemClock))
    }

    /// The same, on `clock`.
    ///
    /// Errors: `Io` when the directory cannot be created.
    pub fn with_clock(
        dir: &Path,
        policy: CachePolicy,
        clock: Arc<dyn Clock>,
    ) -> Result<ArtifactCache> {
        fsutil::create_dir_all(dir)?;
        Ok(ArtifactCache {
            dir: dir.to_path_buf(),
            policy,
            clock,
        })
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the entry for `sha256` lives (whether or not it is there).
    ///
    /// Errors: `InvalidArgument` when `sha256` is not 64 hex digits.
    pub fn entry_path(&self, sha256: &str) -> Result<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(format!(
                "{sha256:?} is not a SHA-256 (64 hex digits)"
            )));
        }
        let sha = sha256.to_ascii_lowercase();
        Ok(self.dir.join(&sha[..2]).join(sha))
    }

    /// The entry for `sha256`, verified, with its last use set to now;
    /// `None` when there is none or it was corrupt (then it is deleted).
    ///
    /// Errors: `InvalidArgument` for a bad hash; `Io`.
    pub fn get(&self, sha256: &str) -> Result<Option<PathBuf>> {
        let path = self.entry_path(sha256)?;
        let digest = match fsutil::hash_file(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if !digest.sha256.eq_ignore_ascii_case(sha256) {
            log::warn!(
                "testrelay: cache entry {} was corrupt (sha256 {}); deleted",
                path.display(),
                digest.sha256
            );
            remove_if_present(&path)?;
            return Ok(None);
        }
        self.touch(&path);
        Ok(Some(path))
    }

    /// Stores `bytes`, which must hash to `sha256`, and returns the entry.
    /// Evicts afterwards.
    ///
    /// Errors: `InvalidArgument` when the bytes do not match the hash
    /// (nothing is stored); `Io`.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<PathBuf> {
        self.put_with(sha256, |sink| {
            sink.write_all(bytes)
                .map_err(|e| fsutil::error_of_write(e, "writing into the cache", &self.dir))
        })
    }

    /// Stores a copy of the file at `src` (whose hash must be `sha256`),
    /// read in blocks.
    ///
    /// Errors: as [`put`](Self::put); `NotFound`/`Io` for `src`.
    pub fn put_file(&self, sha256: &str, src: &Path) -> Result<PathBuf> {
        let mut file = std::fs::File::open(src).map_err(|e| Error::io("opening", src, e))?;
        self.put_with(sha256, |sink| {
            std::io::copy(&mut file, sink)
                .map(|_| ())
                .map_err(|e| fsutil::error_of_write(e, "copying", src))
        })
    }

    /// Stores what `fill` writes (a download streamed as it arrives), which
    /// must hash to `sha256`, and returns the entry. The content goes to a
    /// temporary file beside the entry, hashed as it is written; only when
    /// `fill` succeeded and the hash matches is it renamed into place. On
    /// any error the temporary file is deleted: nothing partial or wrong
    /// is ever visible in the cache. More than the size cap is refused
    /// while it is written. Evicts afterwards.
    ///
    /// Errors: `fill`'s error; `InvalidArgument` when the content does not
    /// hash to `sha256` (the message gives both hashes and the size) or
    /// is larger than the size cap; `Io`.
    pub fn put_with(
        &self,
        sha256: &str,
        fill: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<PathBuf> {
        let path = self.entry_path(sha256)?;
        // The temporary file is a dot file in the entry's directory, so
        // the rename stays on one file system and eviction skips it.
        let parent = path.parent().unwrap_or(&self.dir);
        fsutil::create_dir_all(parent)?;
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempfile_in(parent)
            .map_err(|e| Error::io("creating a temporary file in", parent, e))?;
        let tmp_path = tmp.path().to_path_buf();
        let mut writer = fsutil::HashingWriter::new(
            std::io::BufWriter::with_capacity(64 * 1024, tmp),
            self.policy.max_bytes,
            "the cache's size cap",
        );
        fill(&mut writer)?;
        let (buffered, digest) = writer.finish();
        let tmp = buffered
            .into_inner()
            .map_err(|e| Error::io("writing", &tmp_path, e.into_error()))?;
        if !digest.sha256.eq_ignore_ascii_case(sha256) {
            return Err(Error::invalid(format!(
                "the content ({} bytes) has sha256 {}, expected {sha256}; nothing was cached",
                digest.size, digest.sha256
            )));
        }
        tmp.as_file()
            .sync_all()
            .map_err(|e| Error::io("writing", &tmp_path, e))?;
        tmp.persist(&path)
            .map_err(|e| Error::io("renaming into", &path, e.error))?;
        self.touch(&path);
        self.evict()?;
        Ok(path)
    }

    /// Deletes entries unused for longer than the age cap, then the least
    /// recently used until the total is within the size cap; also
    /// temporary files a dead process left (older than an hour).
    ///
    /// Errors: `Io` when the directory cannot be listed.
    pub fn evict(&self) -> Result<EvictStats> {
        let now = self.clock.now_ms();
        let mut entries: Vec<(i64, u64, PathBuf)> = Vec::new();
        let mut stats = EvictStats::default();
        for sub in read_dir(&self.dir)? {
            if !sub.is_dir() {
                continue;
            }
            for path in read_dir(&sub)? {
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue; // deleted meanwhile by another process
                };
                let used = meta.modified().map(unix_ms).unwrap_or(0);
                let is_temp = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(".tmp-"));
                if is_temp {
                    if now - used > STALE_TEMP_MS {
                        remove_if_present(&path)?;
                    }
                } else if now - used > self.policy.max_age_ms {
                    remove_if_present(&path)?;
                    stats.expired += 1;
                } else {
                    entries.push((used, meta.len(), path));
                }
            }
        }
        // Newest use first; drop from the end.
        entries.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.2.cmp(&b.2)));
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        while total > self.policy.max_bytes {
            let Some((_, size, path)) = entries.pop() else {
                break;
            };
            remove_if_present(&path)?;
            total -= size;
            stats.evicted += 1;
        }
        stats.entries = entries.len() as u64;
        stats.bytes = total;
        Ok(stats)
    }

    /// Sets the entry's last use to now (best effort: a read-only cache
    /// still serves).
    fn touch(&self, path: &Path) {
        let now = self.clock.now_ms().max(0) as u64;
        let time = UNIX_EPOCH + Duration::from_millis(now);
        if let Ok(file) = std::fs::File::options().append(true).open(path) {
            let _ = file.set_modified(time);
        }
    }
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::io("listing", dir, e)),
    }
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io("deleting", path, e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    struct TestClock(AtomicI64);
    impl Clock for TestClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn cache(dir: &Path, max_bytes: u64, max_age_ms: i64) -> (ArtifactCache, Arc<TestClock>) {
        let clock = Arc::new(TestClock(AtomicI64::new(1_000_000_000_000)));
        let c = ArtifactCache::with_clock(
            dir,
            CachePolicy {
                max_bytes,
                max_age_ms,
            },
            clock.clone(),
        )
        .unwrap();
        (c, clock)
    }

    #[test]
    fn least_recently_used_goes_first_when_over_the_size_cap() {
        let dir = tempfile::tempdir().unwrap();
        let (c, clock) = cache(dir.path(), 10, i64::MAX / 2);
        let (a, b, d) = (b"aaaa".as_slice(), b"bbbb".as_slice(), b"dddd".as_slice());
        let (ha, hb, hd) = (
            fsutil::hash_bytes(a),
            fsutil::hash_bytes(b),
            fsutil::hash_bytes(d),
        );
        c.put(&ha, a).unwrap();
        clock.0.fetch_add(1_000, Ordering::SeqCst);
        c.put(&hb, b).unwrap();
        clock.0.fetch_add(1_000, Ordering::SeqCst);
        // Using `a` makes `b` the least recently used.
        assert!(c.get(&ha).unwrap().is_some());
        clock.0.fetch_add(1_000, Ordering::SeqCst);
        c.put(&hd, d).unwrap();
        assert!(c.get(&hb).unwrap().is_none());
        assert!(c.get(&ha).unwrap().is_some());
        assert!(c.get(&hd).unwrap().is_some());
    }

    #[test]
    fn unused_entries_expire() {
        let dir = tempfile::tempdir().unwrap();
        let (c, clock) = cache(dir.path(), 1 << 20, 60_000);
        let h = fsutil::hash_bytes(b"x");
        c.put(&h, b"x").unwrap();
        clock.0.fetch_add(59_000, Ordering::SeqCst);
        assert_eq!(c.evict().unwrap().expired, 0);
        clock.0.fetch_add(2_000, Ordering::SeqCst);
        let stats = c.evict().unwrap();
        assert_eq!((stats.expired, stats.entries), (1, 0));
        assert!(c.get(&h).unwrap().is_none());
    }

    #[test]
    fn a_failed_or_oversized_stream_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = cache(dir.path(), 8, i64::MAX / 2);
        let h = fsutil::hash_bytes(b"12345");
        let err = c
            .put_with(&h, |w| {
                w.write_all(b"12").unwrap();
                Err(Error::new(ErrorKind::Connection, "cut"))
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection);
        let big = fsutil::hash_bytes(b"123456789");
        let err = c
            .put_with(&big, |w| {
                w.write_all(b"123456789")
                    .map_err(|e| fsutil::error_of_write(e, "writing", dir.path()))
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(err.message().contains("size cap"), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let stored = c.put_with(&h, |w| {
            w.write_all(b"12345").unwrap();
            Ok(())
        });
        assert!(stored.is_ok());
    }

    #[test]
    fn a_corrupt_entry_is_deleted_not_served_and_wrong_content_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = cache(dir.path(), 1 << 20, i64::MAX / 2);
        let h = fsutil::hash_bytes(b"good");
        let path = c.put(&h, b"good").unwrap();
        std::fs::write(&path, b"evil").unwrap();
        assert!(c.get(&h).unwrap().is_none());
        assert!(!path.exists());
        let err = c.put(&h, b"other").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(!path.exists());
        assert!(c.get("not-a-hash").is_err());
    }
}
