//! Multi-row `INSERT` statements for storing many rows at once.
//!
//! Executing a one-row `INSERT` per case costs more in statement overhead
//! (starting the program, opening a cursor on the table and each index,
//! resetting) than the B-tree work itself. One statement with many
//! `VALUES` rows pays that overhead once per [`ROWS`] rows; on a run of
//! 1M cases it is the largest single saving in storing it.
//!
//! A statement that writes many rows and may abort halfway makes SQLite
//! keep a statement journal (a copy of every page it touches, to undo just
//! that statement). The whole transaction is rolled back on any error
//! anyway, so the statements are `INSERT OR FAIL` (no undo of earlier rows
//! of the statement) and foreign keys are checked at commit
//! (`PRAGMA defer_foreign_keys`, which ends with the transaction) instead
//! of after each statement: a violation still fails the commit.

use rusqlite::{Statement, ToSql, Transaction};

/// Rows per statement: 100 rows of a dozen columns stay well below SQLite's
/// limit of 32,766 parameters.
const ROWS: usize = 100;

/// Inserts `items` into `into` (`"table (a, b, c)"`), `width` values per
/// row, in statements of up to [`ROWS`] rows; `bind` pushes exactly
/// `width` values for each item, in column order. The caller rolls back
/// `tx` on error: rows of a failed statement before the failing row stay
/// in it.
///
/// Errors: whatever SQLite reports (a constraint, a full disk, ...); a
/// `bind` that pushes the wrong number of values is a
/// `rusqlite::Error::InvalidParameterCount` or a bind error. A foreign key
/// violation fails the commit of `tx`.
pub(super) fn insert_rows<T>(
    tx: &Transaction<'_>,
    into: &str,
    width: usize,
    items: &[T],
    mut bind: impl FnMut(&T, &mut Row<'_, '_>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    tx.pragma_update(None, "defer_foreign_keys", true)?;
    let head = format!("INSERT OR FAIL INTO {into}");
    let full = values_sql(&head, width, ROWS);
    for chunk in items.chunks(ROWS) {
        let mut stmt = match chunk.len() {
            ROWS => tx.prepare_cached(&full)?,
            n => tx.prepare_cached(&values_sql(&head, width, n))?,
        };
        let mut row = Row {
            stmt: &mut stmt,
            next: 1,
        };
        for item in chunk {
            bind(item, &mut row)?;
        }
        let bound = row.next - 1;
        if bound != width * chunk.len() {
            return Err(rusqlite::Error::InvalidParameterCount(
                bound,
                width * chunk.len(),
            ));
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// Binds the values of the rows of one statement, in order.
pub(super) struct Row<'s, 'conn> {
    stmt: &'s mut Statement<'conn>,
    next: usize,
}

impl Row<'_, '_> {
    /// Binds the next value.
    ///
    /// Errors: a value SQLite cannot take, or more values than the
    /// statement has parameters.
    pub(super) fn push<V: ToSql>(&mut self, value: V) -> rusqlite::Result<&mut Self> {
        self.stmt.raw_bind_parameter(self.next, value)?;
        self.next += 1;
        Ok(self)
    }
}

/// `head VALUES (?, ?), (?, ?), ...` for `rows` rows of `width` values.
fn values_sql(head: &str, width: usize, rows: usize) -> String {
    let tuple = format!("({})", vec!["?"; width].join(","));
    format!("{head} VALUES {}", vec![tuple; rows].join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
            .expect("create");
        conn
    }

    #[test]
    fn stores_every_row_in_order_across_full_and_partial_statements() {
        let mut conn = table();
        let items: Vec<i64> = (0..(ROWS as i64 * 2 + 7)).collect();
        let tx = conn.transaction().expect("tx");
        insert_rows(&tx, "t (a, b)", 2, &items, |i, row| {
            row.push(i)?.push(format!("n{i}"))?;
            Ok(())
        })
        .expect("insert");
        tx.commit().expect("commit");
        let rows: Vec<(i64, i64, String)> = conn
            .prepare("SELECT id, a, b FROM t ORDER BY id")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .expect("read");
        assert_eq!(rows.len(), items.len());
        for (k, (id, a, b)) in rows.iter().enumerate() {
            assert_eq!(
                (*id, *a, b.as_str()),
                (k as i64 + 1, k as i64, &*format!("n{k}"))
            );
        }
    }

    #[test]
    fn a_row_referring_to_a_missing_row_fails_the_commit() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p(id));
             INSERT INTO p (id) VALUES (1);",
        )
        .expect("create");
        let tx = conn.transaction().expect("tx");
        insert_rows(&tx, "c (p)", 1, &[1_i64, 2], |p, row| {
            row.push(p)?;
            Ok(())
        })
        .expect("checked at commit, not per statement");
        let err = tx.commit().expect_err("row 2 refers to no parent");
        assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        let count: i64 = conn
            .query_row("SELECT count(*) FROM c", [], |r| r.get(0))
            .expect("count");
        assert_eq!(count, 0, "the failed commit stored nothing");
    }

    #[test]
    fn a_row_with_too_few_values_is_an_error_and_stores_nothing_of_that_statement() {
        let mut conn = table();
        let tx = conn.transaction().expect("tx");
        let err = insert_rows(&tx, "t (a, b)", 2, &[1_i64, 2], |i, row| {
            row.push(i)?;
            Ok(())
        })
        .expect_err("two values short");
        assert!(
            matches!(err, rusqlite::Error::InvalidParameterCount(2, 4)),
            "{err:?}"
        );
        let count: i64 = tx
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(count, 0);
    }
}
