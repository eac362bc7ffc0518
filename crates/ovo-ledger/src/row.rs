//! Reading rows into domain types. Instants are Unix-millisecond INTEGER columns (the stored
//! form since the first ledger); calendar dates are `YYYY-MM-DD` TEXT read by sqlx's chrono support.

use ovo_domain::Timestamp;
use sqlx::sqlite::SqliteRow;
use sqlx::{Encode, Row, Sqlite, SqliteConnection, Type};

use crate::LedgerResult;

/// Typed reads of a row's instant columns.
pub(crate) trait RowExt {
    /// An instant stored as Unix milliseconds.
    fn instant(&self, column: &str) -> LedgerResult<Timestamp>;
    /// An instant stored as Unix milliseconds, or NULL.
    fn instant_opt(&self, column: &str) -> LedgerResult<Option<Timestamp>>;
}

impl RowExt for SqliteRow {
    fn instant(&self, column: &str) -> LedgerResult<Timestamp> {
        Ok(Timestamp::from_unix_millis(self.try_get(column)?))
    }

    fn instant_opt(&self, column: &str) -> LedgerResult<Option<Timestamp>> {
        Ok(self.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_unix_millis))
    }
}

/// The row `sql` (one `?`, bound to `key`) finds, if any, read by `from_row`.
pub(crate) async fn find_by<'q, T, K>(
    conn: &mut SqliteConnection,
    sql: &'q str,
    key: K,
    from_row: fn(&SqliteRow) -> LedgerResult<T>,
) -> LedgerResult<Option<T>>
where
    K: Encode<'q, Sqlite> + Type<Sqlite> + Send + 'q,
{
    let row = sqlx::query(sql).bind(key).fetch_optional(&mut *conn).await?;
    row.as_ref().map(from_row).transpose()
}
