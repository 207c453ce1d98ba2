//! Approval of official-seal use (R-USE-2, Art. 15 second; R-CUST-1): the custodian asks to
//! use the seal for named documents, a purpose, a counterparty, a number of stamps and a time
//! window; approvers of the organisation approve (as many distinct approvers as the
//! organisation's levels require) or reject; only an approved request signs, only its
//! documents, only within its window and count.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The request's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum UseRequestState {
    /// Waiting for approvals.
    Pending,
    /// Approved at every level.
    Approved,
    /// Rejected with a reason (final).
    Rejected {
        /// Who.
        approver: String,
        /// Why.
        reason: String,
    },
}

impl UseRequestState {
    /// The state's name, as stored.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected { .. } => "rejected",
        }
    }
}

/// A request to use an official seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UseRequest {
    /// Identifier.
    pub id: String,
    /// The seal.
    pub seal_id: crate::SealId,
    /// The organisation (USCC) whose approvers decide.
    pub organisation_code: crate::Uscc,
    /// The custodian asking.
    pub requester: String,
    /// SM3 (hex) of each document that may be signed.
    pub documents: Vec<String>,
    /// Purpose.
    pub purpose: String,
    /// Counterparty.
    pub counterparty: Option<String>,
    /// How many signatures (stamps) are allowed.
    pub stamps: u32,
    /// How many were made.
    pub used: u32,
    /// Window start.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub not_before: OffsetDateTime,
    /// Window end.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub not_after: OffsetDateTime,
    /// Distinct approvals needed.
    pub levels: u32,
    /// Approvals so far (approver, when).
    pub approvals: Vec<(String, String)>,
    /// State.
    pub state: UseRequestState,
}

impl UseRequest {
    /// A pending request, its fields checked.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: &str,
        seal_id: &crate::SealId,
        organisation_code: &crate::Uscc,
        requester: &str,
        documents: Vec<String>,
        purpose: &str,
        counterparty: Option<&str>,
        stamps: u32,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        levels: u32,
    ) -> Result<Self, DomainError> {
        let invalid = |field: &'static str, zh: &str, en: &str| DomainError::invalid(field, zh, en);
        if documents.is_empty()
            || documents
                .iter()
                .any(|d| crate::Sm3Hex::parse("documents", d).is_err())
        {
            return Err(invalid(
                "documents",
                "须给出待签文件的一个或多个 SM3 摘要（十六进制）",
                "one or more SM3 digests (hex) of the documents to sign",
            ));
        }
        if purpose.trim().is_empty() {
            return Err(invalid("purpose", "必须填写", "required"));
        }
        if stamps == 0 {
            return Err(invalid("stamps", "至少 1 次", "at least 1"));
        }
        if not_after <= not_before {
            return Err(invalid(
                "not_after",
                "结束时间须晚于开始时间",
                "the window must end after it starts",
            ));
        }
        Ok(Self {
            id: id.to_owned(),
            seal_id: seal_id.clone(),
            organisation_code: organisation_code.clone(),
            requester: requester.to_owned(),
            documents: documents.iter().map(|d| d.to_ascii_lowercase()).collect(),
            purpose: purpose.trim().to_owned(),
            counterparty: counterparty.map(str::to_owned),
            stamps,
            used: 0,
            not_before,
            not_after,
            levels: levels.max(1),
            approvals: Vec::new(),
            state: UseRequestState::Pending,
        })
    }

    fn illegal(&self, action: &'static str) -> DomainError {
        DomainError::IllegalTransition {
            what: "use request",
            state: self.state.name().into(),
            action,
        }
    }

    /// One approval; the request is approved when `levels` distinct approvers (none of them
    /// the requester) have approved.
    pub fn approve(&mut self, approver: &str, at: &str) -> Result<(), DomainError> {
        if self.state != UseRequestState::Pending {
            return Err(self.illegal("approving"));
        }
        if approver == self.requester {
            return Err(DomainError::forbidden(
                "提出申请的印章保管人不能批准自己的申请",
                "the custodian who asked may not approve their own request",
            ));
        }
        if self.approvals.iter().any(|(a, _)| a == approver) {
            return Err(DomainError::forbidden(
                "每一级审批须由不同的审批人进行",
                "each level needs a different approver",
            ));
        }
        self.approvals.push((approver.to_owned(), at.to_owned()));
        if self.approvals.len() as u32 >= self.levels {
            self.state = UseRequestState::Approved;
        }
        Ok(())
    }

    /// Reject with a reason.
    pub fn reject(&mut self, approver: &str, reason: &str) -> Result<(), DomainError> {
        if self.state != UseRequestState::Pending {
            return Err(self.illegal("rejecting"));
        }
        if reason.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "reason",
                why: crate::Text::new("驳回须说明理由", "a rejection needs a reason"),
            });
        }
        self.state = UseRequestState::Rejected {
            approver: approver.to_owned(),
            reason: reason.trim().to_owned(),
        };
        Ok(())
    }

    /// Uses one stamp for `document` (SM3 hex) at `now`: refused unless approved, inside the
    /// window, within the count and for one of the approved documents.
    pub fn consume(&mut self, document: &str, now: OffsetDateTime) -> Result<(), DomainError> {
        if self.state != UseRequestState::Approved {
            return Err(DomainError::forbidden(
                format!(
                    "用印申请 {} 处于“{}”状态，尚未批准",
                    self.id,
                    crate::error::word_zh(self.state.name())
                ),
                format!(
                    "use request {} is {}, not approved",
                    self.id,
                    self.state.name()
                ),
            ));
        }
        if now < self.not_before || now > self.not_after {
            return Err(DomainError::forbidden(
                format!("用印申请 {} 只在批准的时间段内有效", self.id),
                format!(
                    "use request {} is valid only in its approved time window",
                    self.id
                ),
            ));
        }
        if self.used >= self.stamps {
            return Err(DomainError::forbidden(
                format!(
                    "用印申请 {} 批准的 {} 次用印已全部用完",
                    self.id, self.stamps
                ),
                format!(
                    "use request {} allowed {} stamp(s), all used",
                    self.id, self.stamps
                ),
            ));
        }
        if !self.documents.contains(&document.to_ascii_lowercase()) {
            return Err(DomainError::forbidden(
                format!("该文件不在用印申请 {} 批准的文件之中", self.id),
                format!("the document is not one use request {} approved", self.id),
            ));
        }
        self.used += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2026-06-01 09:00 UTC);

    fn request(levels: u32) -> UseRequest {
        UseRequest::new(
            "R1",
            &crate::SealId::parse("seal_id", "ES1").unwrap(),
            &crate::Uscc::parse("uscc", "91350100M000100Y43").unwrap(),
            "custodian",
            vec!["ab".repeat(32)],
            "签订采购合同",
            Some("乙方"),
            2,
            T,
            T + Duration::days(1),
            levels,
        )
        .unwrap()
    }

    #[test]
    fn two_levels_then_within_window_count_and_documents() {
        let mut r = request(2);
        assert!(r.consume(&"ab".repeat(32), T).is_err(), "pending");
        assert!(r.approve("custodian", "t").is_err(), "own request");
        r.approve("a1", "t").unwrap();
        assert!(r.approve("a1", "t").is_err(), "same approver twice");
        assert_eq!(r.state, UseRequestState::Pending);
        r.approve("a2", "t").unwrap();
        assert_eq!(r.state, UseRequestState::Approved);
        assert!(r.consume(&"cd".repeat(32), T).is_err(), "wrong document");
        assert!(
            r.consume(&"ab".repeat(32), T - Duration::minutes(1))
                .is_err(),
            "before"
        );
        assert!(
            r.consume(&"ab".repeat(32), T + Duration::days(2)).is_err(),
            "after"
        );
        r.consume(&"ab".repeat(32), T).unwrap();
        r.consume(&"AB".repeat(32), T).unwrap();
        assert!(r.consume(&"ab".repeat(32), T).is_err(), "count");
    }

    #[test]
    fn rejected_is_final() {
        let mut r = request(1);
        assert!(r.reject("a1", " ").is_err());
        r.reject("a1", "合同未经法务审核").unwrap();
        assert!(r.approve("a2", "t").is_err());
        assert!(r.consume(&"ab".repeat(32), T).is_err());
    }
}
