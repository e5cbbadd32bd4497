//! File helpers shared by reports, the local provider and the CLI.

use std::io::{Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Creates `dir` and its parents. Errors: `Io` naming the directory.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating directory", dir, e))
}

/// Writes a file atomically: the content goes to a temporary file in the
/// same directory, which then replaces `path`. A reader never sees half a
/// file, and a crash leaves the old content. `write` fills the file.
///
/// Errors: `Io` naming `path`, or whatever `write` returns.
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    create_dir_all(dir)?;
    let tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io("creating a temporary file in", dir, e))?;
    let mut out = std::io::BufWriter::new(tmp);
    write(&mut out)?;
    let tmp = out
        .into_inner()
        .map_err(|e| Error::io("writing", path, e.into_error()))?;
    tmp.persist(path)
        .map_err(|e| Error::io("replacing", path, e.error))?;
    Ok(())
}

/// [`write_atomic`] for content already in memory.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| {
        w.write_all(bytes)
            .map_err(|e| Error::io("writing", path, e))
    })
}

/// A file's size and SHA-256, as [`hash_file`] measured them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

/// Reads `path` once, in 64 KiB blocks, to measure and hash it: the one
/// way testrelay hashes a file (artifacts, their validation, the cache).
///
/// Errors: `NotFound` or `Io` naming the file.
pub fn hash_file(path: &Path) -> Result<FileDigest> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io("reading", path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok(FileDigest {
        size,
        sha256: hex(&hasher.finalize()),
    })
}

/// SHA-256 of bytes in memory, lower-case hex (same form as [`hash_file`]).
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// A writer that hashes (SHA-256) and counts what passes through it to
/// `inner`, and refuses to take more than `limit` bytes: the error it
/// then returns wraps an `InvalidArgument` [`Error`] saying so (see
/// [`error_of_write`]).
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
    limit: u64,
    limit_text: String,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`; `limit_text` says what the limit is in the error
    /// ("the cache's size cap").
    pub fn new(inner: W, limit: u64, limit_text: impl Into<String>) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
            limit,
            limit_text: limit_text.into(),
        }
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The inner writer, the size and the SHA-256 (lower-case hex) of
    /// everything written.
    pub fn finish(self) -> (W, FileDigest) {
        let digest = FileDigest {
            size: self.bytes,
            sha256: hex(&self.hasher.finalize()),
        };
        (self.inner, digest)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.saturating_add(buf.len() as u64) > self.limit {
            return Err(std::io::Error::other(Error::invalid(format!(
                "the content is larger than {} ({} bytes); nothing was kept",
                self.limit_text, self.limit
            ))));
        }
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The testrelay error an `io::Error` from a writer carries (a
/// [`HashingWriter`]'s limit), else `Io` naming `path`.
pub fn error_of_write(err: std::io::Error, action: &str, path: &Path) -> Error {
    match err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
        Some(inner) => Error::new(inner.kind(), inner.message().to_string()),
        None => Error::io(action, path, err),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_a_file_like_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"abc").unwrap();
        let d = hash_file(&path).unwrap();
        assert_eq!(d.size, 3);
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash_bytes(b"abc"), d.sha256);
        let err = hash_file(&dir.path().join("nope")).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::NotFound);
    }

    #[test]
    fn replaces_content_and_creates_parents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/c.txt");
        write_bytes_atomic(&path, b"one").unwrap();
        write_bytes_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }

    #[test]
    fn failed_write_keeps_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        write_bytes_atomic(&path, b"old").unwrap();
        let err = write_atomic(&path, |_| Err(Error::invalid("boom"))).unwrap_err();
        assert_eq!(err.message(), "boom");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
    }
}
