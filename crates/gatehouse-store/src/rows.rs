//! Decoding rows by position, the same for both backends. Each table module defines its column
//! list and a `read` function that takes those columns, in that order, from a [`Columns`]
//! cursor; a joined row (a session beside its user) is read by calling one reader after the
//! other on the same cursor. Reading by position also skips sqlx's by-name column lookup.
//!
//! Imports nothing from the rest of this crate.

use gatehouse_domain::ports::StoreError;
use gatehouse_domain::time::Timestamp;
use serde_json::Value;
use sqlx::types::Json;
use sqlx::Row;

/// Typed getters by column position, shared by SQLite and PostgreSQL rows.
pub(crate) trait RowExt {
    /// An integer column.
    fn int(&self, at: usize) -> Result<i64, sqlx::Error>;
    /// A nullable integer column.
    fn opt_int(&self, at: usize) -> Result<Option<i64>, sqlx::Error>;
    /// A text column.
    fn text(&self, at: usize) -> Result<String, sqlx::Error>;
    /// A nullable text column.
    fn opt_text(&self, at: usize) -> Result<Option<String>, sqlx::Error>;
    /// A boolean column.
    fn flag(&self, at: usize) -> Result<bool, sqlx::Error>;
    /// A JSON column (text on SQLite, jsonb on PostgreSQL).
    fn json(&self, at: usize) -> Result<Value, sqlx::Error>;
    /// A nullable JSON column.
    fn opt_json(&self, at: usize) -> Result<Option<Value>, sqlx::Error>;
}

macro_rules! impl_row_ext {
    ($row:ty) => {
        impl RowExt for $row {
            fn int(&self, at: usize) -> Result<i64, sqlx::Error> {
                self.try_get(at)
            }
            fn opt_int(&self, at: usize) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(at)
            }
            fn text(&self, at: usize) -> Result<String, sqlx::Error> {
                self.try_get(at)
            }
            fn opt_text(&self, at: usize) -> Result<Option<String>, sqlx::Error> {
                self.try_get(at)
            }
            fn flag(&self, at: usize) -> Result<bool, sqlx::Error> {
                self.try_get(at)
            }
            fn json(&self, at: usize) -> Result<Value, sqlx::Error> {
                self.try_get::<Json<Value>, _>(at).map(|json| json.0)
            }
            fn opt_json(&self, at: usize) -> Result<Option<Value>, sqlx::Error> {
                self.try_get::<Option<Json<Value>>, _>(at).map(|json| json.map(|json| json.0))
            }
        }
    };
}

impl_row_ext!(sqlx::sqlite::SqliteRow);
impl_row_ext!(sqlx::postgres::PgRow);

/// tokio-postgres rows, of the pipelined reads; their errors are reported as sqlx's.
impl RowExt for tokio_postgres::Row {
    fn int(&self, at: usize) -> Result<i64, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
    fn opt_int(&self, at: usize) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
    fn text(&self, at: usize) -> Result<String, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
    fn opt_text(&self, at: usize) -> Result<Option<String>, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
    fn flag(&self, at: usize) -> Result<bool, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
    fn json(&self, at: usize) -> Result<Value, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
    fn opt_json(&self, at: usize) -> Result<Option<Value>, sqlx::Error> {
        self.try_get(at).map_err(decode_error)
    }
}

fn decode_error(error: tokio_postgres::Error) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(error))
}

/// A cursor over one row: every getter takes the next column.
pub(crate) struct Columns<'r, R> {
    row: &'r R,
    next: usize,
}

impl<'r, R: RowExt> Columns<'r, R> {
    /// A cursor at the row's first column.
    pub(crate) fn new(row: &'r R) -> Self {
        Self { row, next: 0 }
    }

    /// A cursor at column `at` (to skip columns already read from an earlier row).
    pub(crate) fn at(row: &'r R, at: usize) -> Self {
        Self { row, next: at }
    }

    /// The position of the next column.
    pub(crate) fn position(&self) -> usize {
        self.next
    }

    /// Skips `count` columns.
    pub(crate) fn skip(&mut self, count: usize) {
        self.next += count;
    }

    /// Whether the next column (an integer one, such as an id) is NULL; does not move on.
    pub(crate) fn next_is_null(&self) -> Result<bool, sqlx::Error> {
        Ok(self.row.opt_int(self.next)?.is_none())
    }

    fn take(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }

    /// The next column, an integer.
    pub(crate) fn int(&mut self) -> Result<i64, sqlx::Error> {
        let at = self.take();
        self.row.int(at)
    }

    /// The next column, a nullable integer.
    pub(crate) fn opt_int(&mut self) -> Result<Option<i64>, sqlx::Error> {
        let at = self.take();
        self.row.opt_int(at)
    }

    /// The next column, a count that cannot be negative.
    pub(crate) fn count(&mut self) -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(self.int()?).unwrap_or_default())
    }

    /// The next column, text.
    pub(crate) fn text(&mut self) -> Result<String, sqlx::Error> {
        let at = self.take();
        self.row.text(at)
    }

    /// The next column, nullable text.
    pub(crate) fn opt_text(&mut self) -> Result<Option<String>, sqlx::Error> {
        let at = self.take();
        self.row.opt_text(at)
    }

    /// The next column, a boolean.
    pub(crate) fn flag(&mut self) -> Result<bool, sqlx::Error> {
        let at = self.take();
        self.row.flag(at)
    }

    /// The next column, JSON.
    pub(crate) fn json(&mut self) -> Result<Value, sqlx::Error> {
        let at = self.take();
        self.row.json(at)
    }

    /// The next column, nullable JSON.
    pub(crate) fn opt_json(&mut self) -> Result<Option<Value>, sqlx::Error> {
        let at = self.take();
        self.row.opt_json(at)
    }

    /// The next column, a timestamp (milliseconds since the epoch).
    pub(crate) fn time(&mut self) -> Result<Timestamp, sqlx::Error> {
        self.int().map(Timestamp::from_millis)
    }

    /// The next column, a nullable timestamp.
    pub(crate) fn opt_time(&mut self) -> Result<Option<Timestamp>, sqlx::Error> {
        Ok(self.opt_int()?.map(Timestamp::from_millis))
    }
}

/// A decoding failure as a [`StoreError`] (a schema and code that disagree: a bug, never the
/// client's fault).
pub(crate) fn decoded<T>(result: Result<T, sqlx::Error>) -> Result<T, StoreError> {
    result.map_err(|error| StoreError::Other(format!("decoding a row: {error}")))
}

/// Folds the rows of a one-to-many `LEFT JOIN` into one value per parent, so a page of parents
/// and all their children come back in one round trip. `key` tells which parent a row belongs
/// to (a parent's rows must be adjacent); `parent` reads the parent from its first row;
/// `child` reads the columns after the parent's (`None` where the join found nothing) and
/// `add` attaches it.
pub(crate) fn fold_children<R: RowExt, K: PartialEq, P, C>(
    rows: &[R],
    key: impl Fn(&R) -> Result<K, sqlx::Error>,
    parent: impl Fn(&mut Columns<'_, R>) -> Result<P, sqlx::Error>,
    child: impl Fn(&mut Columns<'_, R>) -> Result<Option<C>, sqlx::Error>,
    add: impl Fn(&mut P, C),
) -> Result<Vec<P>, StoreError> {
    let mut out: Vec<P> = Vec::new();
    let mut last: Option<K> = None;
    let mut children_at = 0;
    for row in rows {
        let this = decoded(key(row))?;
        let mut columns = if last.as_ref() == Some(&this) {
            Columns::at(row, children_at)
        } else {
            let mut columns = Columns::new(row);
            out.push(decoded(parent(&mut columns))?);
            children_at = columns.position();
            last = Some(this);
            columns
        };
        if let (Some(found), Some(parent)) = (decoded(child(&mut columns))?, out.last_mut()) {
            add(parent, found);
        }
    }
    Ok(out)
}
