//! A user's tasks (我的待办): what waits for them, by role — counted through the same role
//! lists as the lists they lead to, each count bounded ([`CAP`]).

use super::roles::*;
use crate::auth::{Caller, Role};
use crate::failure::Result;
use crate::state::AppState;
use eseal_core::{Application, Filing, PinReset, UseRequest};

/// Most rows one count reads; more shows as "999+".
pub const CAP: i64 = 1000;

/// The task service.
pub struct Tasks<'a> {
    s: &'a AppState,
}

impl std::fmt::Debug for Tasks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tasks")
    }
}

impl AppState {
    /// The task service acting on this state.
    pub fn tasks(&self) -> Tasks<'_> {
        Tasks { s: self }
    }
}

/// What waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// Applications to review (reviewers).
    Review,
    /// Approved applications to make (makers).
    Make,
    /// The caller's own applications sent back (applicants).
    Rejected,
    /// Use requests of the caller's organisation waiting for approval (approvers).
    Approve,
    /// Approved use requests of the caller's organisation, to sign under (custodians).
    Sign,
    /// Filings not yet delivered to the police (makers, police officers).
    File,
    /// PIN reset applications to review (reviewers).
    PinReset,
}

impl TaskKind {
    /// Its name: Chinese, English.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Review => ("待审核的印章申请", "applications to review"),
            Self::Make => ("待制章或办理的申请", "approved applications to carry out"),
            Self::Rejected => ("被退回的申请", "applications sent back"),
            Self::Approve => ("待审批的用印申请", "use requests to approve"),
            Self::Sign => ("已批准的用印申请", "approved use requests"),
            Self::File => ("待向公安机关备案", "filings waiting for the police"),
            Self::PinReset => ("待审核的口令重置", "PIN resets to review"),
        }
    }

    /// The list it leads to.
    pub fn link(self) -> &'static str {
        match self {
            Self::Review => "/applications?state=submitted",
            Self::Make => "/applications?state=approved",
            Self::Rejected => "/applications?state=rejected",
            Self::Approve => "/use-requests?state=pending",
            Self::Sign => "/use-requests?state=approved",
            Self::File => "/filings?state=pending",
            Self::PinReset => "/pin-resets",
        }
    }
}

/// One task and how many wait (at most [`CAP`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    /// What.
    pub kind: TaskKind,
    /// How many.
    pub count: i64,
}

impl Tasks<'_> {
    /// What waits for `actor`, by their roles (nothing they may not see).
    pub async fn mine(&self, actor: &Caller) -> Result<Vec<Task>> {
        if crate::access::require(actor, &Role::ALL).is_err() {
            return Ok(Vec::new());
        }
        let store = self.s.store();
        let may = |roles: &[Role]| roles.iter().any(|r| actor.has(*r));
        let mut out = Vec::new();
        let mut add = |kind, count| out.push(Task { kind, count });
        if actor.has(Role::Reviewer) && may(REVIEW) {
            add(
                TaskKind::Review,
                store
                    .count_where::<Application>(&[("state", "submitted")], CAP)
                    .await?,
            );
        }
        if may(MAKE) {
            add(
                TaskKind::Make,
                store
                    .count_where::<Application>(&[("state", "approved")], CAP)
                    .await?,
            );
        }
        if may(APPLY) {
            add(
                TaskKind::Rejected,
                store
                    .count_where::<Application>(
                        &[("applicant", &actor.user), ("state", "rejected")],
                        CAP,
                    )
                    .await?,
            );
        }
        if let Some(org) = &actor.organisation_code {
            if may(APPROVE_USE) {
                add(
                    TaskKind::Approve,
                    store
                        .count_where::<UseRequest>(
                            &[("organisation_code", org), ("state", "pending")],
                            CAP,
                        )
                        .await?,
                );
            }
            if may(REQUEST_USE) {
                add(
                    TaskKind::Sign,
                    store
                        .count_where::<UseRequest>(
                            &[("organisation_code", org), ("state", "approved")],
                            CAP,
                        )
                        .await?,
                );
            }
        }
        if may(READ_FILINGS) && !actor.has(Role::Auditor) {
            add(
                TaskKind::File,
                store
                    .count_where::<Filing>(&[("state", "pending")], CAP)
                    .await?,
            );
        }
        if actor.has(Role::Reviewer) && may(READ_PIN_RESETS) {
            add(
                TaskKind::PinReset,
                store
                    .count_where::<PinReset>(&[("state", "submitted")], CAP)
                    .await?,
            );
        }
        Ok(out)
    }
}
