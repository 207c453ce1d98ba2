//! Lists read a page at a time: after a cursor (the last key of the page before), in key
//! order, filtered by indexed columns.

use crate::*;

impl Store {
    /// Records of a kind in id order after `after` (`""`: from the start), at most `limit`:
    /// a whole table a page at a time.
    pub async fn page_all<R: Record>(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<Versioned<R>>, StoreError> {
        let sql = format!(
            "SELECT id, version, doc FROM {} WHERE id > $1 ORDER BY id LIMIT $2",
            R::TABLE
        );
        let rows: Vec<(String, i64, String)> =
            on_pool!(self, |p| sqlx::query_as(AssertSqlSafe(sql.as_str()))
                .bind(after)
                .bind(limit)
                .fetch_all(p)
                .await)?;
        parse_rows(&rows)
    }

    /// One page of the records whose indexed `column` equals `value`, in key order, starting
    /// after the key `after` (the previous page's last key); at most `limit`.
    pub async fn find_page<R: Record>(
        &self,
        column: &'static str,
        value: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<Versioned<R>>, StoreError> {
        self.find_page_where::<R>(&[(column, value)], after, limit)
            .await
    }

    /// One page of the records whose indexed columns equal every `(column, value)` of `filters`
    /// (at least one), in key order, after the key `after`; at most `limit`. The column names
    /// are the program's (`&'static str`), the values bound.
    pub async fn find_page_where<R: Record>(
        &self,
        filters: &[(&'static str, &str)],
        after: &str,
        limit: i64,
    ) -> Result<Vec<Versioned<R>>, StoreError> {
        let mut conditions = String::new();
        for (i, (column, _)) in filters.iter().enumerate() {
            conditions.push_str(&format!("{column} = ${} AND ", i + 1));
        }
        let n = filters.len();
        let sql = format!(
            "SELECT id, version, doc FROM {} WHERE {conditions}id > ${} ORDER BY id LIMIT ${}",
            R::TABLE,
            n + 1,
            n + 2
        );
        let rows: Vec<(String, i64, String)> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            for (_, value) in filters {
                q = q.bind(*value);
            }
            q.bind(after).bind(limit).fetch_all(p).await
        })?;
        parse_rows(&rows)
    }
}
