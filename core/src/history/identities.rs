//! Resolving cases to their rows in `tests` (one row per test identity:
//! stable id, name, classname, suite, file), adding the identities not
//! stored yet.
//!
//! A run with many cases compared with the stored identities loads them all
//! in one sequential scan into a map keyed by a 128-bit hash of the
//! identity, instead of one index lookup per case; a small run looks each
//! case up. Both happen inside the write transaction that stores the cases,
//! so the map is never older than the file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::{OptionalExtension, Transaction, params};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::bulk::insert_rows;
use crate::model::TestCase;

/// The row id of a test identity in `tests` (`file` may be `NULL`).
const FIND_TEST: &str = "SELECT id FROM tests WHERE test_key = ?1 AND test_id = ?2 \
     AND name = ?3 AND classname = ?4 AND suite = ?5 AND file IS ?6";

/// New identities get ids of their own (see [`test_refs`]).
const ADD_TESTS: &str = "tests (id, test_key, test_id, name, classname, suite, file)";

/// Batches of at least this many cases hash their identities on two
/// threads.
const PARALLEL_MIN: usize = 10_000;

/// Load every stored identity when the run has at least one case per this
/// many stored identities.
const SCAN_RATIO: i64 = 8;

/// `tests.test_key` of a test id: the 64-bit XXH3 hash of its UTF-8 bytes
/// (a published, stable hash, so keys written by one build are found by
/// the next), as a signed SQLite integer.
pub(super) fn test_key(test_id: &str) -> i64 {
    i64::from_ne_bytes(xxh3_64(test_id.as_bytes()).to_ne_bytes())
}

/// Stored identities by [`Identity::key`].
type KnownTests = HashMap<u128, i64, BuildHasherDefault<KeyHasher>>;

/// Every identity of a history, kept by its [`History`](super::History)
/// from one batch of cases to the next, so that a reporter appending a
/// run batch by batch looks nothing up once the first batch is stored.
/// It is used only while it is provably complete: no other connection has
/// committed since (`PRAGMA data_version`) and `max(tests.id)` is the one it
/// recorded; otherwise it is rebuilt or dropped.
#[derive(Default)]
pub(super) struct IdentityCache {
    known: KnownTests,
    max_id: i64,
    data_version: i64,
}

impl std::fmt::Debug for IdentityCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityCache")
            .field("identities", &self.known.len())
            .field("max_id", &self.max_id)
            .field("data_version", &self.data_version)
            .finish()
    }
}

/// Hashes a key that is a hash already: keeps its low 64 bits.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }
}

/// The identity of a case as stored.
struct Identity<'a> {
    test_id: &'a str,
    name: &'a str,
    classname: &'a str,
    suite: &'a str,
    file: Option<&'a str>,
}

impl Identity<'_> {
    /// The 128-bit XXH3 hash of the fields, each followed by its length so
    /// that no two identities hash the same bytes: a collision among the
    /// identities of one history is not a practical possibility. `buffer`
    /// is scratch space, reused across calls (one hash of one buffer is
    /// several times faster than a streaming hash of ten small pieces).
    fn key(&self, buffer: &mut Vec<u8>) -> u128 {
        buffer.clear();
        for field in [
            Some(self.test_id),
            Some(self.name),
            Some(self.classname),
            Some(self.suite),
            self.file,
        ] {
            match field {
                Some(text) => {
                    buffer.extend_from_slice(text.as_bytes());
                    buffer.extend_from_slice(&(text.len() as u64).to_le_bytes());
                }
                None => buffer.extend_from_slice(&u64::MAX.to_le_bytes()),
            }
        }
        xxh3_128(buffer)
    }
}

/// The `tests` row of each of `cases`, in order, adding the identities not
/// stored yet (with ids following the largest stored id, in statements of
/// many rows). Cases with an empty id use their computed id
/// ([`TestCase::compute_id`]). Must run inside the transaction that stores
/// the cases. `cache` is the history's [`IdentityCache`]: used when still
/// complete, and left complete after this batch whenever every identity was
/// known (the caller keeps it only if the transaction commits).
pub(super) fn test_refs(
    tx: &Transaction<'_>,
    cases: &[TestCase],
    cache: &mut Option<IdentityCache>,
) -> rusqlite::Result<Vec<i64>> {
    let stored: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM tests", [], |row| {
        row.get(0)
    })?;
    let data_version: i64 = tx.query_row("PRAGMA data_version", [], |row| row.get(0))?;
    let cached = cache
        .take()
        .filter(|c| c.max_id == stored && c.data_version == data_version);
    // Every identity known so far: all stored ones when cached or after a
    // scan, otherwise those looked up or added by this batch.
    let complete = cached.is_some() || (cases.len() as i64).saturating_mul(SCAN_RATIO) >= stored;
    let (known, keyed) = keyed_while(cases, || match (cached, complete) {
        (Some(cache), _) => Ok(cache.known),
        (None, true) => load_all(tx),
        (None, false) => Ok(KnownTests::default()),
    });
    let mut known = known?;
    let mut find = tx.prepare_cached(FIND_TEST)?;
    let mut new_rows: Vec<(i64, Cow<'_, str>, &TestCase)> = Vec::new();
    let mut refs = Vec::with_capacity(cases.len());
    for (case, (test_id, key)) in cases.iter().zip(keyed) {
        let id = match known.get(&key) {
            Some(id) => *id,
            None => {
                let stored_id = match complete {
                    true => None,
                    false => find
                        .query_row(
                            params![
                                test_key(&test_id),
                                test_id,
                                case.name,
                                case.classname,
                                case.suite,
                                case.file
                            ],
                            |row| row.get(0),
                        )
                        .optional()?,
                };
                let id = stored_id.unwrap_or(stored + new_rows.len() as i64 + 1);
                if stored_id.is_none() {
                    new_rows.push((id, test_id, case));
                }
                known.insert(key, id);
                id
            }
        };
        refs.push(id);
    }
    insert_rows(tx, ADD_TESTS, 7, &new_rows, |(id, test_id, case), row| {
        row.push(id)?
            .push(test_key(test_id))?
            .push(test_id)?
            .push(&case.name)?
            .push(&case.classname)?
            .push(&case.suite)?
            .push(&case.file)?;
        Ok(())
    })?;
    if complete {
        *cache = Some(IdentityCache {
            known,
            max_id: stored + new_rows.len() as i64,
            data_version,
        });
    }
    Ok(refs)
}

/// [`keyed`] for every case, in order, while `meanwhile` runs on this
/// thread; a large batch has its first half hashed on a helper thread.
fn keyed_while<'c, T>(
    cases: &'c [TestCase],
    meanwhile: impl FnOnce() -> T,
) -> (T, Vec<(Cow<'c, str>, u128)>) {
    let split = if cases.len() >= PARALLEL_MIN {
        cases.len() / 2
    } else {
        0
    };
    let (first, rest) = cases.split_at(split);
    std::thread::scope(|scope| {
        let helper = (!first.is_empty()).then(|| scope.spawn(|| keyed(first)));
        let result = meanwhile();
        let mut keys = keyed(rest);
        if let Some(helper) = helper {
            let mut all = helper
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            all.append(&mut keys);
            keys = all;
        }
        (result, keys)
    })
}

/// Each case's test id (computed when the case has none) and identity key.
fn keyed(cases: &[TestCase]) -> Vec<(Cow<'_, str>, u128)> {
    let mut buffer = Vec::new();
    cases
        .iter()
        .map(|case| {
            let test_id: Cow<'_, str> = match case.id.is_empty() {
                true => Cow::Owned(TestCase::compute_id(
                    &case.suite,
                    &case.classname,
                    &case.name,
                    case.file.as_deref(),
                )),
                false => Cow::Borrowed(&case.id),
            };
            let key = Identity {
                test_id: &test_id,
                name: &case.name,
                classname: &case.classname,
                suite: &case.suite,
                file: case.file.as_deref(),
            }
            .key(&mut buffer);
            (test_id, key)
        })
        .collect()
}

/// Every stored identity by its key.
fn load_all(tx: &Transaction<'_>) -> rusqlite::Result<KnownTests> {
    let mut stmt =
        tx.prepare_cached("SELECT id, test_id, name, classname, suite, file FROM tests")?;
    let mut rows = stmt.query([])?;
    let mut map = KnownTests::default();
    let mut buffer = Vec::new();
    while let Some(row) = rows.next()? {
        let identity = Identity {
            test_id: row.get_ref(1)?.as_str()?,
            name: row.get_ref(2)?.as_str()?,
            classname: row.get_ref(3)?.as_str()?,
            suite: row.get_ref(4)?.as_str()?,
            file: row.get_ref(5)?.as_str_or_null()?,
        };
        map.insert(identity.key(&mut buffer), row.get(0)?);
    }
    Ok(map)
}
