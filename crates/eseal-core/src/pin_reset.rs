//! PIN reset by application (R-PIN-1, Art. 18: "reset only on application"). The platform
//! never keeps a PIN nor a copy of a key that opens without one, so a forgotten PIN cannot be
//! recovered: a reset **re-keys** the seal. The holder (or the official seal's custodian)
//! applies with proof materials; a reviewer other than the applicant approves; then the
//! applicant sets the new PIN, the platform makes a new key pair, the CA certifies it, the
//! seal data is made again (same seal ID, impression and validity end), the old certificate
//! is revoked and the change is filed (备案). Signatures made with the old key keep verifying
//! for the time before the reset.

use crate::application::{Material, MaterialKind};
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long an approved reset may wait for its applicant to complete it.
pub const APPROVAL_VALIDITY: Duration = Duration::days(30);

/// A reset application's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum PinResetState {
    /// Waiting for review.
    Submitted {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
    /// Rejected with a reason (final: apply again).
    Rejected {
        /// The reviewer.
        reviewer: String,
        /// Why.
        reason: String,
    },
    /// Approved; the applicant may complete it until `until`.
    Approved {
        /// The reviewer.
        reviewer: String,
        /// Completion deadline.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        until: OffsetDateTime,
    },
    /// Done: the seal was re-keyed (final).
    Done {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
        /// The new certificate's serial.
        certificate_serial: String,
    },
}

impl PinResetState {
    /// The state's name, as stored and shown.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Submitted { .. } => "submitted",
            Self::Rejected { .. } => "rejected",
            Self::Approved { .. } => "approved",
            Self::Done { .. } => "done",
        }
    }
}

/// An application to reset a seal's PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PinReset {
    /// Identifier.
    pub id: String,
    /// The seal.
    pub seal_id: crate::SealId,
    /// Who applies (the holder, or a custodian of an official seal) and completes.
    pub applicant: String,
    /// Why (forgotten, locked …), shown to the reviewer.
    pub reason: String,
    /// Proof: an identity document and a statement (R-PIN-1).
    pub materials: Vec<Material>,
    /// State.
    pub state: PinResetState,
}

impl PinReset {
    /// A submitted application: it needs an identity document (the holder's or the agent's ID)
    /// and a proof material (the signed statement), and a reason.
    pub fn submit(
        id: &str,
        seal_id: &crate::SealId,
        applicant: &str,
        reason: &str,
        materials: Vec<Material>,
        at: OffsetDateTime,
    ) -> Result<Self, DomainError> {
        if reason.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "reason",
                why: crate::Text::new("请说明重置 PIN 的原因", "say why the PIN must be reset"),
            });
        }
        let has = |k: MaterialKind| materials.iter().any(|m| m.kind == k);
        if !(has(MaterialKind::HolderId) || has(MaterialKind::AgentId)) || !has(MaterialKind::Proof)
        {
            return Err(DomainError::forbidden(
                "PIN 重置须提供身份证件（持有人或经办人身份证件）和证明材料（签字的声明）",
                "a PIN reset needs an identity document (holder_id or agent_id) and a proof material (the signed statement)",
            ));
        }
        Ok(Self {
            id: id.to_owned(),
            seal_id: seal_id.clone(),
            applicant: applicant.to_owned(),
            reason: reason.trim().to_owned(),
            materials,
            state: PinResetState::Submitted { at },
        })
    }

    fn illegal(&self, action: &'static str) -> DomainError {
        DomainError::IllegalTransition {
            what: "PIN reset",
            state: self.state.name().to_owned(),
            action,
        }
    }

    fn check_reviewer(&self, reviewer: &str) -> Result<(), DomainError> {
        if !matches!(self.state, PinResetState::Submitted { .. }) {
            return Err(self.illegal("reviewing"));
        }
        if reviewer == self.applicant {
            return Err(DomainError::forbidden(
                "申请人不能审核自己的 PIN 重置申请",
                "the applicant may not review their own PIN reset",
            ));
        }
        Ok(())
    }

    /// Approve (a reviewer other than the applicant).
    pub fn approve(&mut self, reviewer: &str, at: OffsetDateTime) -> Result<(), DomainError> {
        self.check_reviewer(reviewer)?;
        self.state = PinResetState::Approved {
            reviewer: reviewer.to_owned(),
            until: at + APPROVAL_VALIDITY,
        };
        Ok(())
    }

    /// Reject with a reason.
    pub fn reject(&mut self, reviewer: &str, reason: &str) -> Result<(), DomainError> {
        self.check_reviewer(reviewer)?;
        if reason.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "reason",
                why: crate::Text::new("驳回须说明理由", "a rejection needs a reason"),
            });
        }
        self.state = PinResetState::Rejected {
            reviewer: reviewer.to_owned(),
            reason: reason.trim().to_owned(),
        };
        Ok(())
    }

    /// Whether `who` may complete it now (approved, by the applicant, before the deadline).
    pub fn may_complete(&self, who: &str, at: OffsetDateTime) -> Result<(), DomainError> {
        match &self.state {
            PinResetState::Approved { until, .. } if at <= *until => {}
            PinResetState::Approved { .. } => {
                return Err(DomainError::forbidden(
                    "批准已超过 30 天失效，请重新申请",
                    "the approval has lapsed (30 days): apply again",
                ));
            }
            _ => return Err(self.illegal("completing")),
        }
        if who != self.applicant {
            return Err(DomainError::forbidden(
                "只有申请人本人可以完成 PIN 重置",
                "only the applicant completes a PIN reset",
            ));
        }
        Ok(())
    }

    /// Completed: the seal now has a new key under the new PIN.
    pub fn done(
        &mut self,
        who: &str,
        certificate_serial: &str,
        at: OffsetDateTime,
    ) -> Result<(), DomainError> {
        self.may_complete(who, at)?;
        self.state = PinResetState::Done {
            at,
            certificate_serial: certificate_serial.to_owned(),
        };
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T: OffsetDateTime = datetime!(2026-06-01 09:00 UTC);

    fn m(kind: MaterialKind) -> Material {
        Material {
            kind,
            sm3: crate::Sm3Hex::parse("sm3", &"ab".repeat(32)).unwrap(),
        }
    }

    fn reset() -> PinReset {
        PinReset::submit(
            "R1",
            &crate::SealId::parse("seal_id", "s1").unwrap(),
            "zhang",
            "忘记口令",
            vec![m(MaterialKind::HolderId), m(MaterialKind::Proof)],
            T,
        )
        .unwrap()
    }

    #[test]
    fn needs_identity_and_proof() {
        for mats in [
            vec![m(MaterialKind::HolderId)],
            vec![m(MaterialKind::Proof)],
            vec![],
        ] {
            let e = PinReset::submit(
                "R1",
                &crate::SealId::parse("seal_id", "s1").unwrap(),
                "zhang",
                "忘记口令",
                mats,
                T,
            )
            .unwrap_err();
            assert!(e.to_string().contains("identity document"), "{e}");
        }
        let e = PinReset::submit(
            "R1",
            &crate::SealId::parse("seal_id", "s1").unwrap(),
            "zhang",
            " ",
            vec![],
            T,
        )
        .unwrap_err();
        assert!(e.to_string().contains("reason"), "{e}");
        // A material's digest is checked where it is read: a bad one never reaches submit.
        assert!(serde_json::from_str::<Material>(r#"{"kind":"proof","sm3":"zz"}"#).is_err());
        let e = crate::Sm3Hex::parse("materials", "zz").unwrap_err();
        assert!(e.to_string().contains("SM3"), "{e}");
    }

    #[test]
    fn reviewed_by_another_then_completed_by_the_applicant_in_time() {
        let mut r = reset();
        assert!(r.may_complete("zhang", T).is_err(), "not approved yet");
        assert!(r.approve("zhang", T).is_err(), "own application");
        r.approve("reviewer1", T).unwrap();
        assert!(r.approve("reviewer2", T).is_err(), "reviewed once");
        assert!(r.may_complete("li", T).is_err(), "someone else");
        assert!(
            r.may_complete("zhang", T + APPROVAL_VALIDITY + Duration::seconds(1))
                .unwrap_err()
                .to_string()
                .contains("lapsed")
        );
        r.done("zhang", "0A", T + Duration::hours(1)).unwrap();
        assert_eq!(r.state.name(), "done");
        assert!(r.done("zhang", "0B", T).is_err(), "done once");
    }

    #[test]
    fn rejection_needs_a_reason_and_is_final() {
        let mut r = reset();
        assert!(r.reject("reviewer1", "").is_err());
        r.reject("reviewer1", "身份证明不清晰").unwrap();
        assert!(r.approve("reviewer1", T).is_err());
        assert!(r.may_complete("zhang", T).is_err());
    }
}
