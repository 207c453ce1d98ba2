//! A seal's lifecycle (R-VALID-1, R-RENEW-1, R-CHG-1, R-REVOKE-1, R-KEEP-1): active, renewed
//! with a new certificate, revoked (never deleted); its status at any time.

use crate::application::Material;
use crate::error::DomainError;
use crate::kind::SealKind;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Why a seal was revoked (注销, R-REVOKE-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The organisation was dissolved.
    Dissolution,
    /// The organisation merged.
    Merger,
    /// The physical seal is out of use.
    PhysicalSealOutOfUse,
    /// The seal is no longer used.
    NoLongerUsed,
    /// The key was compromised.
    KeyCompromise,
    /// The device holding the key was damaged.
    DeviceDamaged,
    /// The device was stolen or lost.
    StolenOrLost,
    /// Replaced by a new seal through a change (R-CHG-1).
    Replaced,
}

impl RevocationReason {
    /// What it means, in Chinese and in English (for reports and pages; the JSON keeps the
    /// snake_case name).
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Self::Dissolution => ("单位注销", "the organisation was dissolved"),
            Self::Merger => ("单位合并", "the organisation merged"),
            Self::PhysicalSealOutOfUse => ("实物印章停止使用", "the physical seal is out of use"),
            Self::NoLongerUsed => ("印章不再使用", "the seal is no longer used"),
            Self::KeyCompromise => ("密钥泄露", "the key was compromised"),
            Self::DeviceDamaged => ("密钥载体损坏", "the device holding the key was damaged"),
            Self::StolenOrLost => ("密钥载体被盗或遗失", "the device was stolen or lost"),
            Self::Replaced => (
                "因变更被新印章取代",
                "replaced by a new seal through a change",
            ),
        }
    }
}

/// The seal's recorded state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum SealState {
    /// In force.
    Active,
    /// Revoked at a recorded time (final).
    Revoked {
        /// Why.
        reason: RevocationReason,
        /// Effective from.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
        /// The replacing seal, for [`RevocationReason::Replaced`].
        replaced_by: Option<String>,
        /// The proof materials (a 注销 decision, a loss report …); none for a replacement,
        /// whose proof is the change application.
        #[serde(default)]
        proof: Vec<Material>,
    },
}

/// What a relying party learns about a seal at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum SealStatus {
    /// Valid at that time.
    Valid,
    /// Not yet valid.
    NotYetValid,
    /// Past its validity.
    Expired,
    /// Revoked at or before that time.
    Revoked {
        /// Why.
        reason: RevocationReason,
        /// Since when.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
}

/// A certificate a seal was bound to before a renewal or re-keying: its serial and validity.
/// Stored as `[serial, from, to]` with RFC 3339 times; a stored time that does not parse
/// makes the whole record unreadable (the store reports it as corrupt) rather than being
/// skipped, since a seal's status at a past time is answered from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "(String, String, String)",
    into = "(String, String, String)"
)]
pub struct EarlierCertificate {
    /// Its serial.
    pub serial: String,
    /// Validity start.
    pub from: OffsetDateTime,
    /// Validity end.
    pub to: OffsetDateTime,
}

impl TryFrom<(String, String, String)> for EarlierCertificate {
    type Error = String;

    fn try_from((serial, from, to): (String, String, String)) -> Result<Self, String> {
        let parse = |what: &str, t: &str| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).map_err(|e| {
                format!("earlier certificate {serial}: {what} {t:?} is not an RFC 3339 time: {e}")
            })
        };
        Ok(Self {
            from: parse("start", &from)?,
            to: parse("end", &to)?,
            serial,
        })
    }
}

impl From<EarlierCertificate> for (String, String, String) {
    fn from(c: EarlierCertificate) -> Self {
        (c.serial, rfc(c.from), rfc(c.to))
    }
}

/// A seal record. Validity follows the bound certificate (R-VALID-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Seal {
    /// The seal ID (esID).
    pub id: crate::SealId,
    /// Kind.
    pub kind: SealKind,
    /// Name.
    pub name: String,
    /// Organisation code, when any.
    pub organisation_code: Option<crate::Uscc>,
    /// Holder, when any.
    pub holder_id: Option<crate::CitizenId>,
    /// SM3 of the impression (kept across renewals, R-RENEW-1).
    pub impression_sm3: crate::Sm3Hex,
    /// Serial of the bound certificate.
    pub certificate_serial: String,
    /// Validity start (= the certificate's).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub valid_from: OffsetDateTime,
    /// Validity end (= the certificate's).
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String")]
    pub valid_to: OffsetDateTime,
    /// State.
    pub state: SealState,
    /// Earlier certificates, oldest first, kept on renewal and re-keying.
    #[schemars(with = "Vec<(String, String, String)>")]
    pub history: Vec<EarlierCertificate>,
    /// SM3 of the seal data (the DER SES_Seal) as made; the bytes are kept by the store. A
    /// renewal makes new seal data (the certificate changes) and this follows it. `None` only
    /// in records written before seal data was stored (kept as "" there).
    #[serde(default, with = "seal_data_digest")]
    #[schemars(with = "String")]
    pub seal_data_sm3: Option<crate::Sm3Hex>,
    /// Where the signer's private key is.
    #[serde(default)]
    pub key_custody: KeyCustody,
}

/// Where a seal's signing key lives (issue 6 item 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "custody")]
pub enum KeyCustody {
    /// In the holder's device (USB key, phone): only the certificate is bound here.
    #[default]
    Device,
    /// In the platform's key store, sealed under the data key; `key_ref` names the sealed key.
    Platform {
        /// The store's reference of the sealed PKCS#8 key.
        key_ref: String,
    },
}

/// How long before certificate expiry renewal opens (R-RENEW-1: three months).
pub const RENEWAL_WINDOW: Duration = Duration::days(92);

fn rfc(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Seal {
    fn illegal(&self, action: &'static str) -> DomainError {
        let state = match self.state {
            SealState::Active => "active",
            SealState::Revoked { .. } => "revoked",
        };
        DomainError::IllegalTransition {
            what: "seal",
            state: state.into(),
            action,
        }
    }

    /// Status at `at`: revoked from the recorded time on, else by the validity window.
    pub fn status_at(&self, at: OffsetDateTime) -> SealStatus {
        if let SealState::Revoked {
            reason, at: when, ..
        } = self.state
            && when <= at
        {
            return SealStatus::Revoked { reason, at: when };
        }
        // The seal was valid under its current certificate or any earlier one (renewal keeps
        // the seal and changes the certificate, R-RENEW-1).
        let earlier = self.history.iter().map(|c| (c.from, c.to));
        let mut first = self.valid_from;
        for (from, to) in std::iter::once((self.valid_from, self.valid_to)).chain(earlier) {
            if from <= at && at <= to {
                return SealStatus::Valid;
            }
            first = first.min(from);
        }
        if at < first {
            SealStatus::NotYetValid
        } else {
            SealStatus::Expired
        }
    }

    /// Renew: only while active, within the three months before expiry (not after it), with a
    /// new certificate whose validity continues the seal's; the impression stays.
    pub fn renew(
        &mut self,
        now: OffsetDateTime,
        serial: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if self.state != SealState::Active {
            return Err(self.illegal("renewing"));
        }
        if now < self.valid_to - RENEWAL_WINDOW {
            let opens = crate::text::beijing(self.valid_to - RENEWAL_WINDOW);
            return Err(DomainError::forbidden(
                format!("到期前三个月（{opens}）起方可续期"),
                format!("renewal opens three months before expiry ({opens})"),
            ));
        }
        if now > self.valid_to {
            return Err(DomainError::forbidden(
                "印章已过期，请申请新印章",
                "the seal has expired: apply for a new seal",
            ));
        }
        if to <= self.valid_to || from > now || from >= to {
            return Err(DomainError::Invalid {
                field: "certificate",
                why: crate::Text::new(
                    "新证书须当前有效，且到期时间晚于现有证书",
                    "the new certificate must be valid now and end after the current one",
                ),
            });
        }
        self.bind_certificate(serial, from, to);
        Ok(())
    }

    /// The old certificate to the history, the new one bound.
    fn bind_certificate(&mut self, serial: &str, from: OffsetDateTime, to: OffsetDateTime) {
        self.history.push(EarlierCertificate {
            serial: self.certificate_serial.clone(),
            from: self.valid_from,
            to: self.valid_to,
        });
        self.certificate_serial = serial.to_owned();
        self.valid_from = from;
        self.valid_to = to;
    }

    /// Re-key after an approved PIN reset (R-PIN-1): a new certificate for a new key, at any
    /// time while the seal is active and unexpired (unlike renewal, no window). The old
    /// certificate goes to the history.
    pub fn rekey(
        &mut self,
        now: OffsetDateTime,
        serial: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(), DomainError> {
        if self.state != SealState::Active {
            return Err(self.illegal("re-keying"));
        }
        if now > self.valid_to {
            return Err(DomainError::forbidden(
                "印章已过期，请申请新印章",
                "the seal has expired: apply for a new seal",
            ));
        }
        if from > now || to <= now {
            return Err(DomainError::Invalid {
                field: "certificate",
                why: crate::Text::new("新证书须当前有效", "the new certificate must be valid now"),
            });
        }
        self.bind_certificate(serial, from, to);
        Ok(())
    }

    /// Revoke with a reason at a recorded time (final; R-REVOKE-1). `replaced_by` is required
    /// exactly for [`RevocationReason::Replaced`]; every other reason needs at least one proof
    /// material.
    pub fn revoke(
        &mut self,
        reason: RevocationReason,
        at: OffsetDateTime,
        replaced_by: Option<&str>,
        proof: &[Material],
    ) -> Result<(), DomainError> {
        if self.state != SealState::Active {
            return Err(self.illegal("revoking"));
        }
        if (reason == RevocationReason::Replaced) != replaced_by.is_some() {
            return Err(DomainError::Invalid {
                field: "replaced_by",
                why: crate::Text::new(
                    "仅当撤销原因为“被替换”时填写替换它的印章",
                    "give the replacing seal exactly when the reason is `replaced`",
                ),
            });
        }
        if reason != RevocationReason::Replaced && proof.is_empty() {
            return Err(DomainError::Invalid {
                field: "proof",
                why: crate::Text::new(
                    "撤销须提供证明材料（如注销决定或遗失声明）",
                    "a revocation needs proof materials (e.g. the 注销 decision or loss report)",
                ),
            });
        }
        self.state = SealState::Revoked {
            reason,
            at,
            replaced_by: replaced_by.map(str::to_owned),
            proof: proof.to_vec(),
        };
        Ok(())
    }
}

/// The seal data's digest as stored: a digest, or "" in records older than stored seal data.
mod seal_data_digest {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<crate::Sm3Hex>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_ref().map_or("", |d| d.as_str()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<crate::Sm3Hex>, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(None);
        }
        crate::Sm3Hex::parse("seal_data_sm3", &text)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::OfficialKind;
    use time::macros::datetime;

    #[test]
    fn earlier_certificates_are_stored_as_before_and_a_bad_time_is_an_error() {
        let c = EarlierCertificate {
            serial: "01".into(),
            from: datetime!(2025-01-01 00:00 UTC),
            to: datetime!(2026-01-01 00:00 UTC),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"["01","2025-01-01T00:00:00Z","2026-01-01T00:00:00Z"]"#
        );
        assert_eq!(
            serde_json::from_str::<EarlierCertificate>(&json).unwrap(),
            c
        );
        let bad = serde_json::from_str::<EarlierCertificate>(
            r#"["01","yesterday","2026-01-01T00:00:00Z"]"#,
        )
        .unwrap_err();
        assert!(bad.to_string().contains("\"yesterday\""), "{bad}");
    }

    fn proof() -> Vec<Material> {
        vec![Material {
            kind: crate::application::MaterialKind::Proof,
            sm3: crate::Sm3Hex::parse("sm3", &"ef".repeat(32)).unwrap(),
        }]
    }

    fn seal() -> Seal {
        Seal {
            id: crate::SealId::parse("id", "s1").unwrap(),
            kind: SealKind::Official(OfficialKind::LegalName),
            name: "威海市示例科技有限公司".into(),
            organisation_code: Some(crate::Uscc::parse("uscc", "91350100M000100Y43").unwrap()),
            holder_id: None,
            impression_sm3: crate::Sm3Hex::parse("sm3", &"00".repeat(32)).unwrap(),
            certificate_serial: "01".into(),
            valid_from: datetime!(2026-01-01 00:00 UTC),
            valid_to: datetime!(2027-01-01 00:00 UTC),
            state: SealState::Active,
            history: Vec::new(),
            seal_data_sm3: None,
            key_custody: Default::default(),
        }
    }

    #[test]
    fn status_over_time() {
        let mut s = seal();
        assert_eq!(
            s.status_at(datetime!(2025-12-31 00:00 UTC)),
            SealStatus::NotYetValid
        );
        assert_eq!(
            s.status_at(datetime!(2026-06-01 00:00 UTC)),
            SealStatus::Valid
        );
        assert_eq!(
            s.status_at(datetime!(2027-02-01 00:00 UTC)),
            SealStatus::Expired
        );
        let t = datetime!(2026-07-01 12:00 UTC);
        assert!(
            s.revoke(RevocationReason::StolenOrLost, t, None, &[])
                .is_err()
        );
        s.revoke(RevocationReason::StolenOrLost, t, None, &proof())
            .unwrap();
        // Before the revocation time it was valid: signatures made then still stand.
        assert_eq!(
            s.status_at(datetime!(2026-06-30 00:00 UTC)),
            SealStatus::Valid
        );
        assert_eq!(
            s.status_at(t),
            SealStatus::Revoked {
                reason: RevocationReason::StolenOrLost,
                at: t
            }
        );
        assert!(matches!(
            s.revoke(RevocationReason::KeyCompromise, t, None, &proof()),
            Err(DomainError::IllegalTransition { .. })
        ));
        assert!(
            s.renew(
                datetime!(2026-12-01 00:00 UTC),
                "02",
                datetime!(2026-11-30 00:00 UTC),
                datetime!(2028-01-01 00:00 UTC)
            )
            .is_err()
        );
    }

    #[test]
    fn renewal_only_in_the_last_three_months() {
        let mut s = seal();
        let (from, to) = (
            datetime!(2026-10-01 00:00 UTC),
            datetime!(2028-01-01 00:00 UTC),
        );
        let early = s
            .renew(datetime!(2026-09-01 00:00 UTC), "02", from, to)
            .unwrap_err();
        assert!(early.to_string().contains("three months"), "{early}");
        assert!(
            s.renew(datetime!(2027-01-02 00:00 UTC), "02", from, to)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
        assert!(
            s.renew(
                datetime!(2026-11-01 00:00 UTC),
                "02",
                from,
                datetime!(2026-12-01 00:00 UTC)
            )
            .is_err(),
            "must extend"
        );
        s.renew(datetime!(2026-11-01 00:00 UTC), "02", from, to)
            .unwrap();
        assert_eq!(
            (s.certificate_serial.as_str(), s.valid_to, s.history.len()),
            ("02", to, 1)
        );
        assert_eq!(s.impression_sm3, "00".repeat(32), "the impression stays");
        // Status before the renewal is answered from the earlier certificate.
        let old_from = s.history[0].from;
        assert_eq!(s.status_at(old_from), SealStatus::Valid);
        assert_eq!(
            s.status_at(old_from - Duration::seconds(1)),
            SealStatus::NotYetValid
        );
        assert_eq!(s.status_at(to + Duration::seconds(1)), SealStatus::Expired);
    }

    #[test]
    fn replacement_names_the_new_seal() {
        let mut s = seal();
        let t = datetime!(2026-05-01 00:00 UTC);
        assert!(s.revoke(RevocationReason::Replaced, t, None, &[]).is_err());
        assert!(
            s.revoke(RevocationReason::NoLongerUsed, t, Some("s2"), &proof())
                .is_err()
        );
        s.revoke(RevocationReason::Replaced, t, Some("s2"), &[])
            .unwrap();
        assert!(
            matches!(s.state, SealState::Revoked { replaced_by: Some(ref n), .. } if n == "s2")
        );
    }
}
