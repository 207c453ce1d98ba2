//! Filing (备案) with the police seal-management system (R-FILE-1): an outbox item with a
//! 24-hour deadline, retries with exponential backoff, a warning state before the deadline and
//! an overdue state after it, and the receipt once delivered.

use crate::error::{DomainError, Text};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The deadline after the event (Art. 14).
pub const DEADLINE: Duration = Duration::hours(24);
/// The warning starts this long before the deadline.
pub const WARNING_BEFORE: Duration = Duration::hours(4);
/// First retry delay; doubles each time up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::minutes(1);
/// Longest retry delay.
pub const MAX_BACKOFF: Duration = Duration::hours(1);

/// What is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilingEvent {
    /// A seal was made.
    Made,
    /// A seal was changed (replaced).
    Changed,
    /// A seal was renewed.
    Renewed,
    /// A seal was revoked.
    Revoked,
    /// A seal was re-keyed after a PIN reset: new key, certificate and seal data.
    Rekeyed,
}

/// Where a filing goes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FilingTarget {
    /// The police seal-management system (备案, R-FILE-1; the 24-hour deadline applies).
    #[default]
    Police,
    /// The national government-service platform (seal record push, R-INT-1).
    National,
}

/// Delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum FilingState {
    /// Not delivered yet.
    Pending {
        /// Attempts so far.
        attempts: u32,
        /// Not before.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        next_attempt: OffsetDateTime,
        /// The last error, if any (English: logs, the API's `last_error`).
        last_error: Option<String>,
        /// The same in Chinese (what the console shows; absent in filings recorded before
        /// it was kept, and then the English is shown).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_error_zh: Option<String>,
    },
    /// Delivered, with the police system's receipt.
    Delivered {
        /// Receipt number.
        receipt: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
}

/// How a filing stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// Pending, more than [`WARNING_BEFORE`] left.
    OnTime,
    /// Pending, the deadline is near.
    Warning,
    /// Pending past the deadline.
    Overdue,
    /// Delivered before the deadline.
    DeliveredOnTime,
    /// Delivered after it.
    DeliveredLate,
}

/// One filing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Filing {
    /// Identifier (also the idempotency key sent to the police system).
    pub id: String,
    /// The seal.
    pub seal_id: crate::SealId,
    /// What happened.
    pub event: FilingEvent,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub created: OffsetDateTime,
    /// Delivery state.
    pub state: FilingState,
    /// For a change: the seal the new one replaces (sent to the police system).
    #[serde(default)]
    pub replaces: Option<crate::SealId>,
    /// Where it goes (older records: the police system).
    #[serde(default)]
    pub target: FilingTarget,
}

impl Filing {
    /// A new filing, due at once.
    pub fn new(
        id: &str,
        seal_id: &crate::SealId,
        event: FilingEvent,
        created: OffsetDateTime,
    ) -> Self {
        Self {
            id: id.into(),
            seal_id: seal_id.clone(),
            event,
            created,
            state: FilingState::Pending {
                attempts: 0,
                next_attempt: created,
                last_error: None,
                last_error_zh: None,
            },
            replaces: None,
            target: FilingTarget::Police,
        }
    }

    /// The same event for the national platform: id `{id}-national`.
    pub fn for_national(&self) -> Self {
        Self {
            id: format!("{}-national", self.id),
            target: FilingTarget::National,
            ..self.clone()
        }
    }

    /// The deadline.
    pub fn deadline(&self) -> OffsetDateTime {
        self.created + DEADLINE
    }

    /// Is an attempt due at `now`?
    pub fn due(&self, now: OffsetDateTime) -> bool {
        matches!(self.state, FilingState::Pending { next_attempt, .. } if next_attempt <= now)
    }

    /// The deadline state at `now`.
    pub fn deadline_state(&self, now: OffsetDateTime) -> DeadlineState {
        match &self.state {
            FilingState::Delivered { at, .. } if *at <= self.deadline() => {
                DeadlineState::DeliveredOnTime
            }
            FilingState::Delivered { .. } => DeadlineState::DeliveredLate,
            FilingState::Pending { .. } if now > self.deadline() => DeadlineState::Overdue,
            FilingState::Pending { .. } if now > self.deadline() - WARNING_BEFORE => {
                DeadlineState::Warning
            }
            FilingState::Pending { .. } => DeadlineState::OnTime,
        }
    }

    /// A failed attempt: the next one waits 1, 2, 4 … minutes, at most an hour.
    pub fn failed(&mut self, now: OffsetDateTime, error: &Text) -> Result<(), DomainError> {
        let FilingState::Pending { attempts, .. } = self.state else {
            return Err(DomainError::IllegalTransition {
                what: "filing",
                state: "delivered".into(),
                action: "recording a failed attempt",
            });
        };
        let attempts = attempts.saturating_add(1);
        let factor = 1i32 << attempts.saturating_sub(1).min(10);
        let wait = (FIRST_BACKOFF * factor).min(MAX_BACKOFF);
        self.state = FilingState::Pending {
            attempts,
            next_attempt: now + wait,
            last_error: Some(error.en.clone()),
            last_error_zh: Some(error.zh.clone()),
        };
        Ok(())
    }

    /// Delivered with the police system's receipt (delivering twice is refused: exactly once).
    pub fn delivered(&mut self, now: OffsetDateTime, receipt: &str) -> Result<(), DomainError> {
        if matches!(self.state, FilingState::Delivered { .. }) {
            return Err(DomainError::IllegalTransition {
                what: "filing",
                state: "delivered".into(),
                action: "delivering",
            });
        }
        if receipt.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "receipt",
                why: crate::Text::new("公安系统的回执为空", "the police system's receipt is empty"),
            });
        }
        self.state = FilingState::Delivered {
            receipt: receipt.to_owned(),
            at: now,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn retries_back_off_and_deadlines_are_tracked() {
        let t0 = datetime!(2026-06-01 08:00 UTC);
        let mut f = Filing::new(
            "f1",
            &crate::SealId::parse("seal_id", "s1").unwrap(),
            FilingEvent::Made,
            t0,
        );
        assert!(f.due(t0));
        assert_eq!(f.deadline_state(t0), DeadlineState::OnTime);
        f.failed(
            t0,
            &Text::new("公安系统不可达", "police system unreachable"),
        )
        .unwrap();
        assert!(!f.due(t0) && f.due(t0 + Duration::minutes(1)));
        let mut now = t0 + Duration::minutes(1);
        let mut waits = Vec::new();
        for _ in 0..9 {
            f.failed(now, &Text::new("超时", "timeout")).unwrap();
            let FilingState::Pending { next_attempt, .. } = f.state else {
                panic!()
            };
            waits.push((next_attempt - now).whole_minutes());
            now = next_attempt;
        }
        assert_eq!(waits, vec![2, 4, 8, 16, 32, 60, 60, 60, 60]);
        assert_eq!(
            f.deadline_state(t0 + Duration::hours(21)),
            DeadlineState::Warning
        );
        assert_eq!(
            f.deadline_state(t0 + Duration::hours(25)),
            DeadlineState::Overdue
        );
        f.delivered(t0 + Duration::hours(25), "GA-2026-0001")
            .unwrap();
        assert_eq!(
            f.deadline_state(t0 + Duration::hours(30)),
            DeadlineState::DeliveredLate
        );
        assert!(
            f.delivered(t0 + Duration::hours(26), "again").is_err(),
            "exactly once"
        );
        assert!(f.failed(now, &Text::new("x", "x")).is_err());
        let mut g = Filing::new(
            "f2",
            &crate::SealId::parse("seal_id", "s1").unwrap(),
            FilingEvent::Revoked,
            t0,
        );
        assert!(g.delivered(t0, " ").is_err());
        g.delivered(t0 + Duration::hours(1), "GA-2").unwrap();
        assert_eq!(
            g.deadline_state(t0 + Duration::hours(30)),
            DeadlineState::DeliveredOnTime
        );
    }
}
