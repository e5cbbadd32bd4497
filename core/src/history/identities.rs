//! Resolving cases to their rows in `tests` (one row per test identity:
//! stable id, name, classname, suite, file), adding the identities not
//! stored yet.
//!
//! A run with many cases compared with the stored identities loads them all
//! in one sequential scan into a map keyed by a 128-bit hash of the
//! identity, instead of one index lookup per case; a small run looks each
//! case up. Both happen inside the write transaction that stores the cases,
//! so the map is never older than the file.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

use rusqlite::{OptionalExtension, Transaction, params};

use crate::model::TestCase;

/// The row id of a test identity in `tests` (`file` may be `NULL`).
const FIND_TEST: &str = "SELECT id FROM tests WHERE test_id = ?1 AND name = ?2 \
     AND classname = ?3 AND suite = ?4 AND file IS ?5";

const ADD_TEST: &str =
    "INSERT INTO tests (test_id, name, classname, suite, file) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Load every stored identity when the run has at least one case per this
/// many stored identities.
const SCAN_RATIO: i64 = 8;

/// Stored identities by [`Identity::key`].
type KnownTests = HashMap<u128, i64, BuildHasherDefault<KeyHasher>>;

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
    /// 128 bits of two differently seeded SipHashes: a collision among the
    /// identities of one history is not a practical possibility.
    fn key(&self) -> u128 {
        let half = |seed: u8| {
            let mut hasher = DefaultHasher::new();
            seed.hash(&mut hasher);
            (
                self.test_id,
                self.name,
                self.classname,
                self.suite,
                self.file,
            )
                .hash(&mut hasher);
            hasher.finish()
        };
        (u128::from(half(1)) << 64) | u128::from(half(2))
    }
}

/// The `tests` row of each of `cases`, in order, adding the identities not
/// stored yet. Cases with an empty id use their computed id
/// ([`TestCase::compute_id`]). Must run inside the transaction that stores
/// the cases.
pub(super) fn test_refs(tx: &Transaction<'_>, cases: &[TestCase]) -> rusqlite::Result<Vec<i64>> {
    let stored: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM tests", [], |row| {
        row.get(0)
    })?;
    let mut known = if (cases.len() as i64).saturating_mul(SCAN_RATIO) >= stored {
        Some(load_all(tx)?)
    } else {
        None
    };
    let mut find = tx.prepare_cached(FIND_TEST)?;
    let mut add = tx.prepare_cached(ADD_TEST)?;
    let mut refs = Vec::with_capacity(cases.len());
    for case in cases {
        let computed;
        let test_id = if case.id.is_empty() {
            computed = TestCase::compute_id(
                &case.suite,
                &case.classname,
                &case.name,
                case.file.as_deref(),
            );
            computed.as_str()
        } else {
            case.id.as_str()
        };
        let identity = Identity {
            test_id,
            name: &case.name,
            classname: &case.classname,
            suite: &case.suite,
            file: case.file.as_deref(),
        };
        let values = params![test_id, case.name, case.classname, case.suite, case.file];
        let found = match &known {
            Some(map) => map.get(&identity.key()).copied(),
            None => find.query_row(values, |row| row.get(0)).optional()?,
        };
        let id = match found {
            Some(id) => id,
            None => {
                add.execute(values)?;
                let id = tx.last_insert_rowid();
                if let Some(map) = &mut known {
                    map.insert(identity.key(), id);
                }
                id
            }
        };
        refs.push(id);
    }
    Ok(refs)
}

/// Every stored identity by its key.
fn load_all(tx: &Transaction<'_>) -> rusqlite::Result<KnownTests> {
    let mut stmt =
        tx.prepare_cached("SELECT id, test_id, name, classname, suite, file FROM tests")?;
    let mut rows = stmt.query([])?;
    let mut map = KnownTests::default();
    while let Some(row) = rows.next()? {
        let identity = Identity {
            test_id: row.get_ref(1)?.as_str()?,
            name: row.get_ref(2)?.as_str()?,
            classname: row.get_ref(3)?.as_str()?,
            suite: row.get_ref(4)?.as_str()?,
            file: row.get_ref(5)?.as_str_or_null()?,
        };
        map.insert(identity.key(), row.get(0)?);
    }
    Ok(map)
}
