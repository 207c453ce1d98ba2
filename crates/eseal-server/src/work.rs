//! Blocking work on bounded lanes (issue 22): signing documents, opening keys, checking
//! passwords, verifying and drawing submitted files all run off the async threads, and each
//! waits for a place in its lane first — as many places as the machine has cores — so a
//! burst of requests queues instead of starting hundreds of threads that share the cores
//! badly (tokio's blocking pool alone allows 512). Two lanes, so that a flood of anonymous
//! verifications (which may also wait for the network: OCSP, CRLs) cannot hold up signing,
//! nor signing a verifier. The lanes are per process, as the cores are; every interface
//! (API, console, CLI through the services) goes through [`run`].

//!
//! The verification lane also bounds how much may wait: anonymous callers reach it, each
//! waiting request holds its document in memory, and the per-address rate does not bound a
//! flood from many addresses. Beyond [`WAITING_PER_PLACE`] waiting per place a request is
//! refused at once (`busy`, 503 with `Retry-After`) instead of joining the queue. Signing
//! is reached only by logged-in users whose batches queue their documents here, so its
//! queue is not bounded.

use crate::failure::Failure;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Which bound a piece of blocking work counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Signing, opening a key with its PIN, checking a password: short, CPU only.
    Sign,
    /// Verifying or drawing a submitted file: CPU, and possibly a wait for the network.
    Verify,
}

/// How many pieces of verification work may wait per place of the lane.
pub const WAITING_PER_PLACE: usize = 16;

/// One lane: its places, and how many wait for one (at most `max_waiting`, if bounded).
struct Bounded {
    places: Arc<Semaphore>,
    width: usize,
    waiting: AtomicUsize,
    max_waiting: Option<usize>,
}

/// Counts one waiting piece of work while it lives (also when its request is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Bounded {
    fn new(width: usize, max_waiting: Option<usize>) -> Self {
        Self {
            places: Arc::new(Semaphore::new(width)),
            width,
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    /// A place, at once if one is free; otherwise after waiting, if fewer than the bound
    /// wait already, or [`Failure::busy`]. `None` only if the semaphore were closed (it
    /// never is): the work then runs unbounded rather than not at all.
    async fn place(&self) -> Result<Option<OwnedSemaphorePermit>, Failure> {
        if let Ok(p) = self.places.clone().try_acquire_owned() {
            return Ok(Some(p));
        }
        let _waiting = match self.max_waiting {
            None => {
                self.waiting.fetch_add(1, Ordering::AcqRel);
                Waiting(&self.waiting)
            }
            Some(max) => {
                self.waiting
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                        (n < max).then_some(n + 1)
                    })
                    .map_err(|_| Failure::busy())?;
                Waiting(&self.waiting)
            }
        };
        Ok(self.places.clone().acquire_owned().await.ok())
    }

    fn busy(&self) -> usize {
        self.width.saturating_sub(self.places.available_permits())
    }
}

struct Lanes {
    sign: Bounded,
    verify: Bounded,
}

/// How many pieces of work each lane runs at once: the machine's cores.
pub fn places() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

static LANES: LazyLock<Lanes> = LazyLock::new(|| Lanes {
    sign: Bounded::new(places(), None),
    verify: Bounded::new(places(), Some(places() * WAITING_PER_PLACE)),
});

fn lane_of(lane: Lane) -> &'static Bounded {
    match lane {
        Lane::Sign => &LANES.sign,
        Lane::Verify => &LANES.verify,
    }
}

/// Runs `f` on a blocking thread once its lane has a place; the place is held until `f`
/// returns (or panics). `f`'s result; [`Failure::busy`] when the verification lane's queue
/// is full; an internal failure when `f` panicked.
pub async fn run<T, F>(lane: Lane, f: F) -> Result<T, Failure>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    run_on(lane_of(lane), f).await
}

async fn run_on<T, F>(bounded: &Bounded, f: F) -> Result<T, Failure>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let place = bounded.place().await?;
    tokio::task::spawn_blocking(move || {
        let _place = place;
        f()
    })
    .await
    .map_err(|e| Failure::internal(format!("blocking work stopped: {e}")))
}

/// How many places of `lane` are taken now (for the tests and `/metrics`).
pub fn busy(lane: Lane) -> usize {
    lane_of(lane).busy()
}

/// How many pieces of work wait for a place of `lane` now (`/metrics`).
pub fn waiting(lane: Lane) -> usize {
    lane_of(lane).waiting.load(Ordering::Acquire)
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

    /// A hostile flood of verifications: once the lane's places are taken and its queue is
    /// full, a further request is refused at once with `busy` instead of waiting (holding
    /// its document); a waiting request that goes away gives its turn back, and the lane
    /// works again as it drains.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_verification_queue_refuses_at_once_and_recovers() {
        let lane: &'static Bounded = Box::leak(Box::new(Bounded::new(1, Some(2))));
        let (release, held) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn(run_on(lane, move || held.recv().is_ok()));
        let settle = |what: &'static str, ok: Box<dyn Fn() -> bool + Send>| async move {
            for _ in 0..500 {
                if ok() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            panic!("never: {what}");
        };
        settle("the place is taken", Box::new(|| lane.busy() == 1)).await;
        let first = tokio::spawn(run_on(lane, || 1));
        let second = tokio::spawn(run_on(lane, || 2));
        settle(
            "two wait",
            Box::new(|| lane.waiting.load(Ordering::Acquire) == 2),
        )
        .await;
        let refused = tokio::time::timeout(std::time::Duration::from_secs(1), run_on(lane, || 3))
            .await
            .expect("refused at once, not queued");
        let failure = refused.unwrap_err();
        assert_eq!(
            (failure.kind, failure.code),
            (crate::failure::Kind::Busy, "busy")
        );
        // A waiting request whose client went away leaves the queue.
        second.abort();
        settle(
            "one waits",
            Box::new(|| lane.waiting.load(Ordering::Acquire) == 1),
        )
        .await;
        let third = tokio::spawn(run_on(lane, || 3));
        settle(
            "two wait again",
            Box::new(|| lane.waiting.load(Ordering::Acquire) == 2),
        )
        .await;
        release.send(()).unwrap();
        assert!(running.await.unwrap().unwrap());
        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(third.await.unwrap().unwrap(), 3);
        assert_eq!(lane.waiting.load(Ordering::Acquire), 0);
        assert_eq!(run_on(lane, || 4).await.unwrap(), 4);
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
