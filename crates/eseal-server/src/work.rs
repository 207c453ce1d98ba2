//! Blocking work on bounded lanes (issue 22): signing documents, opening keys, checking
//! passwords, verifying and drawing submitted files all run off the async threads, and each
//! waits for a place in its lane first — as many places as the machine has cores — so a
//! burst of requests queues instead of starting hundreds of threads that share the cores
//! badly (tokio's blocking pool alone allows 512). Two lanes, so that a flood of anonymous
//! verifications (which may also wait for the network: OCSP, CRLs) cannot hold up signing,
//! nor signing a verifier. The lanes are per process, as the cores are; every interface
//! (API, console, CLI through the services) goes through [`run`].

use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// Which bound a piece of blocking work counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Signing, opening a key with its PIN, checking a password: short, CPU only.
    Sign,
    /// Verifying or drawing a submitted file: CPU, and possibly a wait for the network.
    Verify,
}

struct Lanes {
    sign: Arc<Semaphore>,
    verify: Arc<Semaphore>,
}

/// How many pieces of work each lane runs at once: the machine's cores.
pub fn places() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

static LANES: LazyLock<Lanes> = LazyLock::new(|| Lanes {
    sign: Arc::new(Semaphore::new(places())),
    verify: Arc::new(Semaphore::new(places())),
});

/// Runs `f` on a blocking thread once its lane has a place; the place is held until `f`
/// returns (or panics). What `tokio::task::spawn_blocking` answers: `f`'s result, or why it
/// did not finish.
pub async fn run<T, F>(lane: Lane, f: F) -> Result<T, tokio::task::JoinError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let lanes = &*LANES;
    let semaphore = match lane {
        Lane::Sign => &lanes.sign,
        Lane::Verify => &lanes.verify,
    };
    // The semaphores are never closed; if one were, the work would run unbounded rather
    // than not at all.
    let place = semaphore.clone().acquire_owned().await.ok();
    tokio::task::spawn_blocking(move || {
        let _place = place;
        f()
    })
    .await
}

/// How many places of `lane` are taken now (for the tests and `/metrics`).
pub fn busy(lane: Lane) -> usize {
    let lanes = &*LANES;
    let semaphore = match lane {
        Lane::Sign => &lanes.sign,
        Lane::Verify => &lanes.verify,
    };
    places().saturating_sub(semaphore.available_permits())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lane_runs_no_more_than_its_places_at_once() {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..(places() * 4) {
            let (now, most) = (now.clone(), most.clone());
            tasks.push(tokio::spawn(run(Lane::Verify, move || {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                now.fetch_sub(1, Ordering::SeqCst);
            })));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= places(), "{most} at once, {} places", places());
        assert!(most >= 1);
    }

    #[tokio::test]
    async fn a_panic_is_reported_and_gives_its_place_back() {
        // More panics than places: were a place lost with each, the last run would wait
        // for ever.
        for _ in 0..=places() {
            assert!(run(Lane::Sign, || -> u8 { panic!("boom") }).await.is_err());
        }
        let seven = tokio::time::timeout(std::time::Duration::from_secs(10), run(Lane::Sign, || 7))
            .await
            .expect("a place is free")
            .unwrap();
        assert_eq!(seven, 7);
    }
}
