//! What the console keeps for a short while between two pages — a verification report to
//! download, a document being placed and signed — in memory, bounded three ways: how long
//! (after that it is gone), how many in all and per user (the oldest go first), and how many
//! bytes in all. Nothing here is a record: losing it (a restart) only means uploading again.

use std::collections::VecDeque;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

struct Item<T> {
    id: String,
    owner: Option<String>,
    made: OffsetDateTime,
    bytes: usize,
    value: T,
}

/// A bounded, short-lived keep of `T`s by random id.
pub struct Shelf<T> {
    items: Mutex<VecDeque<Item<T>>>,
    keep: Duration,
    max_items: usize,
    max_per_owner: usize,
    max_bytes: usize,
}

impl<T> std::fmt::Debug for Shelf<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shelf")
    }
}

impl<T: Clone> Shelf<T> {
    /// A shelf keeping each thing `keep`, at most `max_items` (`max_per_owner` of one
    /// owner) and `max_bytes` together.
    pub const fn new(
        keep: Duration,
        max_items: usize,
        max_per_owner: usize,
        max_bytes: usize,
    ) -> Shelf<T> {
        Shelf {
            items: Mutex::new(VecDeque::new()),
            keep,
            max_items,
            max_per_owner,
            max_bytes,
        }
    }

    /// Puts `value` (of about `bytes` bytes) on the shelf under a new random id, making room
    /// by dropping what expired, then the owner's oldest, then the oldest of all; `None` when
    /// it is larger than the whole shelf or no id could be drawn.
    pub fn put(
        &self,
        random: &dyn eseal_gm::provider::SecureRandom,
        owner: Option<&str>,
        now: OffsetDateTime,
        bytes: usize,
        value: T,
    ) -> Option<String> {
        if bytes > self.max_bytes {
            return None;
        }
        let mut b = [0u8; 16];
        random.fill(&mut b).ok()?;
        let id = hex::encode(b);
        let mut items = self.items.lock().ok()?;
        items.retain(|i| now - i.made < self.keep);
        if owner.is_some() {
            while items.iter().filter(|i| i.owner.as_deref() == owner).count() >= self.max_per_owner
            {
                let first = items.iter().position(|i| i.owner.as_deref() == owner)?;
                items.remove(first);
            }
        }
        while items.len() >= self.max_items
            || items.iter().map(|i| i.bytes).sum::<usize>() + bytes > self.max_bytes
        {
            items.pop_front()?;
        }
        items.push_back(Item {
            id: id.clone(),
            owner: owner.map(str::to_owned),
            made: now,
            bytes,
            value,
        });
        Some(id)
    }

    /// The thing kept under `id` for `owner` (anyone's when it was put with no owner), if it
    /// has not expired.
    pub fn get(&self, id: &str, owner: Option<&str>, now: OffsetDateTime) -> Option<T> {
        self.with(id, owner, now, |v| v.clone())
    }

    /// Runs `f` on the thing kept under `id` for `owner`, under the shelf's lock (so two
    /// requests never both see the same state).
    pub fn with<R>(
        &self,
        id: &str,
        owner: Option<&str>,
        now: OffsetDateTime,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        let mut items = self.items.lock().ok()?;
        let item = items.iter_mut().find(|i| {
            i.id == id
                && (i.owner.is_none() || i.owner.as_deref() == owner)
                && now - i.made < self.keep
        })?;
        Some(f(&mut item.value))
    }

    /// The newest thing kept for `owner` that `pred` chooses, if it has not expired.
    pub fn find(
        &self,
        owner: &str,
        now: OffsetDateTime,
        pred: impl Fn(&T) -> bool,
    ) -> Option<(String, T)> {
        let items = self.items.lock().ok()?;
        items
            .iter()
            .rev()
            .find(|i| {
                i.owner.as_deref() == Some(owner) && now - i.made < self.keep && pred(&i.value)
            })
            .map(|i| (i.id.clone(), i.value.clone()))
    }

    /// Takes the thing kept under `id` for `owner` off the shelf, if it has not expired.
    pub fn take(&self, id: &str, owner: Option<&str>, now: OffsetDateTime) -> Option<T> {
        let mut items = self.items.lock().ok()?;
        let at = items.iter().position(|i| {
            i.id == id
                && (i.owner.is_none() || i.owner.as_deref() == owner)
                && now - i.made < self.keep
        })?;
        items.remove(at).map(|i| i.value)
    }

    /// Replaces the size the thing under `id` counts for (after it grew).
    pub fn resize(&self, id: &str, bytes: usize) {
        if let Ok(mut items) = self.items.lock()
            && let Some(i) = items.iter_mut().find(|i| i.id == id)
        {
            i.bytes = bytes;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2026-07-01 02:00 UTC);

    #[test]
    fn keeps_for_a_while_for_its_owner_within_bounds() {
        let shelf: Shelf<u32> = Shelf::new(Duration::minutes(30), 3, 2, 100);
        let r = eseal_gm::provider::OsRandom;
        let a = shelf.put(&r, Some("ann"), T, 10, 1).unwrap();
        assert_eq!(shelf.get(&a, Some("ann"), T), Some(1));
        assert_eq!(shelf.get(&a, Some("bob"), T), None, "another user's");
        assert_eq!(shelf.get(&a, None, T), None, "nobody's");
        assert_eq!(shelf.get(&a, Some("ann"), T + Duration::minutes(31)), None);
        // The owner's third pushes out her first.
        let b = shelf.put(&r, Some("ann"), T, 10, 2).unwrap();
        let c = shelf.put(&r, Some("ann"), T, 10, 3).unwrap();
        assert_eq!(shelf.get(&a, Some("ann"), T), None);
        assert!(shelf.get(&b, Some("ann"), T).is_some() && shelf.get(&c, Some("ann"), T).is_some());
        // Bytes: a thing larger than the shelf is refused; a large one pushes out the oldest.
        assert!(shelf.put(&r, None, T, 101, 9).is_none());
        let d = shelf.put(&r, None, T, 85, 4).unwrap();
        assert_eq!(shelf.get(&b, Some("ann"), T), None);
        assert_eq!(shelf.get(&d, Some("anyone"), T), Some(4), "public");
    }
}
