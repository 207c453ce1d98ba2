//! Data key rotation (issue 21 item 4): the materials still sealed under an older data key,
//! read a page at a time, and each one's new sealed bytes written back in a batch (audited as
//! `materials.rewrap`; refused as a conflict if someone rewrapped it meanwhile).

use crate::*;

impl Batch {
    /// Replaces a material's sealed bytes (the same plaintext and SM3, sealed under the data
    /// key `new` instead of `old`).
    pub fn rewrap_material(&mut self, sm3: &str, old: u32, new: u32, blob: Vec<u8>) -> &mut Self {
        self.rewrapped
            .push((sm3.to_owned(), i64::from(old), i64::from(new), blob));
        self
    }
}

impl Store {
    /// Materials not sealed under the data key `current`: (SM3 hex, key id, sealed bytes), in
    /// SM3 order after `after`, at most `limit`.
    pub async fn materials_not_under(
        &self,
        current: u32,
        after: &str,
        limit: i64,
    ) -> Result<Vec<(String, i64, Vec<u8>)>, StoreError> {
        let rows: Vec<(String, i64, Vec<u8>)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT sm3, key_id, blob FROM materials WHERE key_id <> $1 AND sm3 > $2 ORDER BY sm3 LIMIT $3"
        )
        .bind(i64::from(current))
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await
        })?;
        Ok(rows)
    }
}
