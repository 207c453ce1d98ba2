//! Work spread over the machine's cores, for the CPU-heavy checks of a document with many
//! signatures (issue 22): scoped threads from the standard library, no pool kept.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Most threads one call uses (the calling thread included), whatever the machine: a server
/// verifying several documents at once keeps its other cores for the other requests.
pub const MAX_THREADS: usize = 4;

/// `f` over `items`, in order, on up to [`MAX_THREADS`] threads (the calling thread works too;
/// one item, or one core, runs on the calling thread alone). The items are taken one at a
/// time from a shared counter, so a slow item does not hold up a fixed share. A worker that
/// panics loses only its results: the calling thread computes those again.
pub fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(items.len());
    map_beside(items, f, threads, || ()).0
}

/// [`map`] while the calling thread first does `first` (sequential work of its own, such as
/// reading the package), then takes items too: the items start on the other threads at once.
pub fn beside<T: Sync, U: Send, S>(
    items: &[T],
    f: impl Fn(&T) -> U + Sync,
    first: impl FnOnce() -> S,
) -> (Vec<U>, S) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(items.len() + 1);
    map_beside(items, f, threads, first)
}

fn map_beside<T: Sync, U: Send, S>(
    items: &[T],
    f: impl Fn(&T) -> U + Sync,
    threads: usize,
    first: impl FnOnce() -> S,
) -> (Vec<U>, S) {
    if threads <= 1 {
        let s = first();
        return (items.iter().map(&f).collect(), s);
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut got = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return got;
            };
            got.push((i, f(item)));
        }
    };
    let mut out: Vec<Option<U>> = items.iter().map(|_| None).collect();
    let s = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let s = first();
        let mut done = work();
        for w in workers {
            if let Ok(more) = w.join() {
                done.extend(more);
            }
        }
        for (i, u) in done {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(u);
            }
        }
        s
    });
    let out = out
        .into_iter()
        .zip(items)
        .map(|(u, item)| u.unwrap_or_else(|| f(item)))
        .collect();
    (out, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_order_and_uses_more_than_one_thread() {
        let items: Vec<u64> = (0..200).collect();
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        let out = map(&items, |&i| {
            if let Ok(mut s) = seen.lock() {
                s.insert(std::thread::current().id());
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = seen.lock().map(|s| s.len()).unwrap_or(0);
        assert!(threads <= MAX_THREADS);
        if cores > 1 {
            assert!(threads > 1, "{threads} thread(s) on {cores} cores");
        }
    }

    #[test]
    fn a_panicking_worker_loses_nothing() {
        let items: Vec<u32> = (0..50).collect();
        let main = std::thread::current().id();
        // Every item panics off the calling thread; the calling thread redoes them all.
        let out = map(&items, |&i| {
            if std::thread::current().id() != main {
                panic!("worker");
            }
            i + 1
        });
        assert_eq!(out, (1..=50).collect::<Vec<_>>());
    }

    #[test]
    fn the_calling_thread_works_beside_the_items() {
        let items: Vec<u32> = (0..20).collect();
        let main = std::thread::current().id();
        let started = std::sync::atomic::AtomicBool::new(false);
        let (out, first) = beside(
            &items,
            |&i| {
                if std::thread::current().id() != main {
                    started.store(true, Ordering::SeqCst);
                }
                i * 3
            },
            || {
                // On more than one core an item starts elsewhere while this runs.
                let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
                while !started.load(Ordering::SeqCst) && std::time::Instant::now() < until {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                std::thread::current().id()
            },
        );
        assert_eq!(first, main);
        assert_eq!(out, items.iter().map(|i| i * 3).collect::<Vec<_>>());
        if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
            assert!(started.load(Ordering::SeqCst));
        }
        // No items: the calling thread still does its own work.
        let (none, s) = beside(&[] as &[u8], |&b| b, || 5);
        assert!(none.is_empty());
        assert_eq!(s, 5);
    }

    #[test]
    fn empty_and_single() {
        assert!(map(&[] as &[u8], |&b| b).is_empty());
        assert_eq!(map(&[7u8], |&b| b + 1), vec![8]);
    }
}
