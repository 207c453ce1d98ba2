//! The seal protection PIN's policy (R-PIN-1, Art. 18): a bounded number of wrong tries,
//! a maximum age with a reminder before it and a forced change after it, reset only through
//! an approved application. The PIN itself never reaches this module: whether a PIN was right
//! is decided by whether the seal key opens with it.
//!
//! Lockout is exact under concurrency because an attempt is *reserved* before the PIN is
//! evaluated: [`PinState::reserve`] counts the attempt as failed and the caller commits that
//! (with the record's version) before trying the PIN; only a correct PIN then clears the count
//! ([`PinState::succeeded`]). Fifty concurrent wrong attempts therefore evaluate at most
//! [`MAX_FAILURES`] PINs: the others lose the version race or find the seal locked.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Consecutive wrong PINs after which the seal locks.
pub const MAX_FAILURES: u32 = 5;
/// A PIN must be changed after this long.
pub const MAX_AGE: Duration = Duration::days(90);
/// Reminders start this long before [`MAX_AGE`].
pub const REMIND_BEFORE: Duration = Duration::days(14);
/// Shortest PIN.
pub const MIN_LEN: usize = 6;

/// The PIN state of one seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PinState {
    /// When the PIN was last set.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub set_at: OffsetDateTime,
    /// Consecutive failed (or reserved, not yet cleared) attempts.
    pub failures: u32,
    /// Locked after too many wrong PINs; only a reset unlocks.
    pub locked: bool,
    /// An initial PIN set by the agency at making or reset: the holder must change it before
    /// the seal signs.
    #[serde(default)]
    pub initial: bool,
}

/// What the holder should be told about the PIN's age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PinAge {
    /// Fine.
    Current,
    /// Change it soon (within [`REMIND_BEFORE`] of the maximum age).
    ChangeSoon,
    /// Past the maximum age: it must be changed before the seal signs again.
    MustChange,
}

/// Checks a new PIN's form: at least [`MIN_LEN`] digits or characters, not all the same
/// character, not a run like 123456.
pub fn check_pin_form(pin: &str) -> Result<(), DomainError> {
    let chars: Vec<char> = pin.chars().collect();
    let bad = |zh: &str, en: &str| DomainError::invalid("pin", zh, en);
    if chars.len() < MIN_LEN {
        return Err(bad("至少 6 个字符", "at least 6 characters"));
    }
    let first = chars.first().copied();
    if chars.iter().all(|c| Some(*c) == first) {
        return Err(bad("不能是同一个字符的重复", "not one repeated character"));
    }
    let run = chars.windows(2).all(|w| (w[1] as i64) - (w[0] as i64) == 1)
        || chars.windows(2).all(|w| (w[0] as i64) - (w[1] as i64) == 1);
    if run {
        return Err(bad(
            "不能是 123456 这样的连续序列",
            "not a run such as 123456",
        ));
    }
    Ok(())
}

impl PinState {
    /// A PIN just set.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            set_at: now,
            failures: 0,
            locked: false,
            initial: false,
        }
    }

    /// An initial PIN handed to the holder, to be changed before first use.
    pub fn initial(now: OffsetDateTime) -> Self {
        Self {
            initial: true,
            ..Self::new(now)
        }
    }

    /// The PIN's age at `now`.
    pub fn age(&self, now: OffsetDateTime) -> PinAge {
        if now >= self.set_at + MAX_AGE {
            PinAge::MustChange
        } else if now >= self.set_at + MAX_AGE - REMIND_BEFORE {
            PinAge::ChangeSoon
        } else {
            PinAge::Current
        }
    }

    /// Gives back a reservation whose PIN was never judged: the key could not be opened for a
    /// reason that is not the PIN (a damaged record, another data key). A failure of the
    /// platform never counts as a wrong PIN, and never locks the seal.
    pub fn release(&mut self) {
        self.failures = self.failures.saturating_sub(1);
        if self.failures < MAX_FAILURES {
            self.locked = false;
        }
    }

    /// Reserves one attempt (counted as failed until [`Self::succeeded`]); refused when the
    /// seal is locked. Locks at the [`MAX_FAILURES`]th reservation.
    pub fn reserve(&mut self) -> Result<(), DomainError> {
        if self.locked || self.failures >= MAX_FAILURES {
            self.locked = true;
            return Err(DomainError::forbidden(
                format!("PIN 连续错误 {MAX_FAILURES} 次，印章已锁定；须申请重置"),
                format!(
                    "the seal is locked after {MAX_FAILURES} wrong PINs; a reset needs an application"
                ),
            ));
        }
        self.failures += 1;
        if self.failures >= MAX_FAILURES {
            self.locked = true;
        }
        Ok(())
    }

    /// The reserved attempt was the right PIN: the count clears (and a lock set by this very
    /// reservation is lifted: the fifth try was correct).
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.locked = false;
    }

    /// Whether signing may go ahead after a correct PIN: not past the maximum age.
    pub fn may_sign(&self, now: OffsetDateTime) -> Result<(), DomainError> {
        if self.initial {
            return Err(DomainError::forbidden(
                "初始 PIN 须由持有人修改后印章才能签章",
                "the initial PIN must be changed by the holder before the seal signs",
            ));
        }
        if self.age(now) == PinAge::MustChange {
            return Err(DomainError::forbidden(
                "PIN 已超过 90 天，须先修改",
                "the PIN is older than 90 days and must be changed first",
            ));
        }
        Ok(())
    }

    /// A new PIN set by the holder (after the old one opened the key) or by a reset.
    pub fn changed(&mut self, now: OffsetDateTime) {
        *self = Self::new(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    #[test]
    fn five_reservations_lock_and_a_correct_pin_clears() {
        let mut p = PinState::new(T);
        for _ in 0..4 {
            p.reserve().unwrap();
        }
        p.succeeded();
        assert_eq!(p.failures, 0);
        for _ in 0..5 {
            p.reserve().unwrap();
        }
        assert!(p.locked);
        assert!(p.reserve().is_err());
        assert_eq!(p.failures, 5);
    }

    #[test]
    fn age_policy() {
        let p = PinState::new(T);
        assert_eq!(p.age(T + Duration::days(10)), PinAge::Current);
        assert_eq!(p.age(T + Duration::days(80)), PinAge::ChangeSoon);
        assert_eq!(p.age(T + Duration::days(90)), PinAge::MustChange);
        assert!(p.may_sign(T + Duration::days(91)).is_err());
    }

    #[test]
    fn pin_form() {
        assert!(check_pin_form("12345").is_err());
        assert!(check_pin_form("111111").is_err());
        assert!(check_pin_form("123456").is_err());
        assert!(check_pin_form("654321").is_err());
        assert!(check_pin_form("480213").is_ok());
    }
}
