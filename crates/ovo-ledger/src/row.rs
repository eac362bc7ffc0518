//! Reading rows into domain types and running the repositories' statements. Instants are
//! Unix-millisecond INTEGER columns (the stored form since the first ledger); calendar dates are
//! `YYYY-MM-DD` TEXT read by sqlx's chrono support.

use std::fmt::Display;

use ovo_domain::{
    BindingId, CustomerId, Environment, Idr, Msisdn, OperatorId, PaymentId, PaymentStatus, Product,
    Reference, RefundId, RefundMode, RefundStatus, Role, TestPhone, Timestamp,
};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Arguments, Encode, Row, Type};

use crate::{LedgerError, LedgerResult};

/// A statement with its values bound, ready to run.
pub(crate) type Bound<'q> = Query<'q, Any, AnyArguments<'q>>;

/// Reads one row into a repository's type.
pub(crate) type RowReader<T> = fn(&AnyRow) -> LedgerResult<T>;

/// Typed reads of a row's columns.
pub(crate) trait RowExt {
    /// An instant stored as Unix milliseconds.
    fn instant(&self, column: &str) -> LedgerResult<Timestamp>;
    /// An instant stored as Unix milliseconds, or NULL.
    fn instant_opt(&self, column: &str) -> LedgerResult<Option<Timestamp>>;
    /// A TEXT column read through `parse`; a value it refuses is `Corrupt`.
    fn parsed<T, E: Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> LedgerResult<T>;
    /// [`RowExt::parsed`] of a column that may be NULL.
    fn parsed_opt<T, E: Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> LedgerResult<Option<T>>;
    /// An amount of rupiah.
    fn idr(&self, column: &str) -> LedgerResult<Idr>;
    /// An amount of rupiah, or NULL.
    fn idr_opt(&self, column: &str) -> LedgerResult<Option<Idr>>;
}

impl RowExt for AnyRow {
    fn instant(&self, column: &str) -> LedgerResult<Timestamp> {
        Ok(Timestamp::from_unix_millis(self.try_get(column)?))
    }

    fn instant_opt(&self, column: &str) -> LedgerResult<Option<Timestamp>> {
        Ok(self.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_unix_millis))
    }

    fn parsed<T, E: Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> LedgerResult<T> {
        let text: String = self.try_get(column)?;
        parse(&text).map_err(|e| corrupt(column, &text, e))
    }

    fn parsed_opt<T, E: Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> LedgerResult<Option<T>> {
        let text: Option<String> = self.try_get(column)?;
        text.map(|text| parse(&text).map_err(|e| corrupt(column, &text, e))).transpose()
    }

    fn idr(&self, column: &str) -> LedgerResult<Idr> {
        let rupiah: i64 = self.try_get(column)?;
        Idr::new(rupiah).map_err(|e| corrupt(column, &rupiah, e))
    }

    fn idr_opt(&self, column: &str) -> LedgerResult<Option<Idr>> {
        let rupiah: Option<i64> = self.try_get(column)?;
        rupiah.map(|v| Idr::new(v).map_err(|e| corrupt(column, &v, e))).transpose()
    }
}

/// A value as one column stores it: how each type a row holds is read.
pub(crate) trait Column: Sized {
    fn read(row: &AnyRow, column: &str) -> LedgerResult<Self>;
}

/// Reads a row into `$ty`: each field from the column of its name (through [`Column`]), or
/// `field = expr` from the expression.
macro_rules! read_row {
    ($row:expr, $ty:ident { $($field:ident $(= $value:expr)?),+ $(,)? }) => {
        Ok($ty { $($field: $crate::row::read_row!(@field $row, $field $(, $value)?)),+ })
    };
    (@field $row:expr, $field:ident) => {
        $crate::row::Column::read($row, stringify!($field))?
    };
    (@field $row:expr, $field:ident, $value:expr) => {
        $value
    };
}
pub(crate) use read_row;

/// Types stored as they are.
macro_rules! plain_columns {
    ($($ty:ty),+) => {$(
        impl Column for $ty {
            fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
                Ok(row.try_get(column)?)
            }
        }
    )+};
}
plain_columns!(i64, String, Option<i64>, Option<String>);

/// A flag, stored as INTEGER 0 or 1 on both backends.
impl Column for bool {
    fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
        Ok(row.try_get::<i64, _>(column)? != 0)
    }
}

/// Row ids, stored as INTEGER.
macro_rules! id_columns {
    ($($ty:ident),+) => {$(
        impl Column for $ty {
            fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
                Ok($ty::new(row.try_get(column)?))
            }
        }

        impl Column for Option<$ty> {
            fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
                Ok(row.try_get::<Option<i64>, _>(column)?.map($ty::new))
            }
        }
    )+};
}
id_columns!(BindingId, CustomerId, OperatorId, PaymentId, RefundId);

/// Values stored as TEXT and read back through their `parse`.
macro_rules! text_columns {
    ($($ty:ident),+) => {$(
        impl Column for $ty {
            fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
                row.parsed(column, $ty::parse)
            }
        }

        impl Column for Option<$ty> {
            fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
                row.parsed_opt(column, $ty::parse)
            }
        }
    )+};
}
text_columns!(
    Environment,
    Msisdn,
    PaymentStatus,
    Product,
    Reference,
    RefundMode,
    RefundStatus,
    Role
);

/// Types read through a [`RowExt`] method.
macro_rules! columns_through {
    ($($ty:ty => $read:ident),+) => {$(
        impl Column for $ty {
            fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
                row.$read(column)
            }
        }
    )+};
}
columns_through!(
    Timestamp => instant,
    Option<Timestamp> => instant_opt,
    Idr => idr,
    Option<Idr> => idr_opt
);

/// A count that is never negative.
impl Column for u32 {
    fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
        let count: i64 = row.try_get(column)?;
        u32::try_from(count).map_err(|e| corrupt(column, &count, e))
    }
}

/// A provider's test-mode number, by its key.
impl Column for Option<TestPhone> {
    fn read(row: &AnyRow, column: &str) -> LedgerResult<Self> {
        row.parsed_opt(column, |key| TestPhone::parse_key(key).ok_or("not a test phone"))
    }
}

pub(crate) fn corrupt(column: &str, value: &dyn std::fmt::Debug, e: impl Display) -> LedgerError {
    LedgerError::Corrupt(format!("{column} {value:?}: {e}"))
}

/// Every row `query` returns, read by `from_row`.
pub(crate) async fn fetch_all<T>(
    conn: &mut AnyConnection,
    query: Bound<'_>,
    from_row: RowReader<T>,
) -> LedgerResult<Vec<T>> {
    query.fetch_all(&mut *conn).await?.iter().map(from_row).collect()
}

/// The row `query` returns, if any, read by `from_row`.
pub(crate) async fn fetch_optional<T>(
    conn: &mut AnyConnection,
    query: Bound<'_>,
    from_row: RowReader<T>,
) -> LedgerResult<Option<T>> {
    query.fetch_optional(&mut *conn).await?.as_ref().map(from_row).transpose()
}

/// The row `sql` (one `$1`, bound to `key`) finds, if any, read by `from_row`.
pub(crate) async fn find_by<'q, T, K>(
    conn: &mut AnyConnection,
    sql: &'q str,
    key: K,
    from_row: RowReader<T>,
) -> LedgerResult<Option<T>>
where
    K: Encode<'q, Any> + Type<Any> + Send + 'q,
{
    fetch_optional(conn, sqlx::query(sql).bind(key), from_row).await
}

/// Runs a write.
pub(crate) async fn execute(conn: &mut AnyConnection, query: Bound<'_>) -> LedgerResult<()> {
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Runs a write and says how many rows it changed.
pub(crate) async fn affected(conn: &mut AnyConnection, query: Bound<'_>) -> LedgerResult<u64> {
    Ok(query.execute(&mut *conn).await?.rows_affected())
}

/// Runs a guarded write that must change exactly one row: `NotFound { what }` when its guard
/// matched none.
pub(crate) async fn change_one(
    conn: &mut AnyConnection,
    query: Bound<'_>,
    what: &'static str,
) -> LedgerResult<()> {
    match affected(conn, query).await? {
        1 => Ok(()),
        _ => Err(LedgerError::NotFound { what }),
    }
}

/// A statement built piece by piece, its values numbered `$1`, `$2`, … as both backends read
/// them (sqlx's `QueryBuilder` writes `?`, which PostgreSQL does not take).
#[derive(Default)]
pub(crate) struct SqlBuilder<'q> {
    sql: String,
    args: AnyArguments<'q>,
}

impl<'q> SqlBuilder<'q> {
    pub(crate) fn new(sql: impl Into<String>) -> Self {
        SqlBuilder { sql: sql.into(), args: AnyArguments::default() }
    }

    pub(crate) fn push(&mut self, sql: impl AsRef<str>) -> &mut Self {
        self.sql.push_str(sql.as_ref());
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub(crate) fn push_bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        // Encoding into the Any buffer only records the value; it does not fail.
        let _ = self.args.add(value);
        self.sql.push('$');
        self.sql.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `(v, v, …)`: one placeholder for each value.
    pub(crate) fn push_list<T, I>(&mut self, values: I) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
        I: IntoIterator<Item = T>,
    {
        self.sql.push('(');
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.push_bind(value);
        }
        self.sql.push(')');
        self
    }

    /// The statement with its values, ready to run.
    pub(crate) fn build(&mut self) -> Bound<'_> {
        sqlx::query_with(&self.sql, std::mem::take(&mut self.args))
    }

    /// Runs a `SELECT COUNT(*) …` statement.
    pub(crate) async fn count(&mut self, conn: &mut AnyConnection) -> LedgerResult<u64> {
        let row = self.build().fetch_one(&mut *conn).await?;
        let count: i64 = row.try_get(0)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

/// Appends `clause` and its value when there is one.
pub(crate) fn push_and<'a, T>(q: &mut SqlBuilder<'a>, clause: &str, value: Option<T>)
where
    T: 'a + Encode<'a, Any> + Type<Any>,
{
    if let Some(value) = value {
        q.push(clause).push_bind(value);
    }
}

/// Ends a keyset-paged list, newest first: the rows strictly before `after` (the previous
/// page's last `(at_column, id)`), at most `limit`.
pub(crate) fn push_page(
    q: &mut SqlBuilder<'_>,
    at_column: &str,
    after: Option<(Timestamp, i64)>,
    limit: u32,
) {
    if let Some((at, id)) = after {
        q.push(format!(" AND ({at_column}, id) < ("))
            .push_bind(at.unix_millis())
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    q.push(format!(" ORDER BY {at_column} DESC, id DESC LIMIT ")).push_bind(i64::from(limit));
}

/// A timeline entry of a payment or a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub at: Timestamp,
    pub kind: String,
    /// JSON text.
    pub detail: String,
}

/// The timeline entries whose `owner` column (`payment_id` or `refund_id`) is `id`, oldest first.
pub(crate) async fn timeline_of(
    conn: &mut AnyConnection,
    owner: &'static str,
    id: i64,
) -> LedgerResult<Vec<TimelineEvent>> {
    let sql =
        format!("SELECT at, kind, detail FROM timeline_events WHERE {owner} = $1 ORDER BY at, id");
    fetch_all(conn, sqlx::query(&sql).bind(id), |row| {
        read_row!(row, TimelineEvent { at, kind, detail })
    })
    .await
}
