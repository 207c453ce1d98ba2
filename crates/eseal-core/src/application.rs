//! Applications for a seal (R-APP-1, R-REV-1): the materials each kind needs, submission,
//! review by someone other than the applicant, and the link to the seal made from it.

use crate::error::DomainError;
use crate::kind::{BusinessSeal, OfficialKind, SealKind};
use crate::party::{Organisation, Person};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a material file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaterialKind {
    /// 营业执照 / 统一社会信用代码证书
    BusinessLicence,
    /// The agent's 身份证
    AgentId,
    /// The holder's 身份证
    HolderId,
    /// 授权委托书
    Authorisation,
    /// Proof for a change, renewal or revocation (e.g. a 注销 decision, a loss report)
    Proof,
}

impl MaterialKind {
    /// Its names: Chinese, and the wire name clients send (`business_licence`).
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            MaterialKind::BusinessLicence => ("营业执照", "business_licence"),
            MaterialKind::AgentId => ("经办人身份证", "agent_id"),
            MaterialKind::HolderId => ("持有人身份证", "holder_id"),
            MaterialKind::Authorisation => ("授权委托书", "authorisation"),
            MaterialKind::Proof => ("证明材料", "proof"),
        }
    }
}

/// A stored material: its kind and the SM3 digest the store keeps it under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Material {
    /// Kind.
    pub kind: MaterialKind,
    /// SM3 of the file.
    pub sm3: crate::Sm3Hex,
}

/// Why the application was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "purpose")]
pub enum Purpose {
    /// A new seal.
    New,
    /// A replacement for `old` (R-CHG-1): the old seal is revoked when the new one is made.
    Change {
        /// The seal replaced.
        old: crate::SealId,
    },
    /// The renewal (续期, R-RENEW-1) of `seal` in its last three months: a new certificate,
    /// the same seal. Carried out by a maker once approved.
    Renewal {
        /// The seal renewed.
        seal: crate::SealId,
    },
    /// The revocation (注销, R-REVOKE-1) of `seal` for `reason`; the application's materials
    /// are its proof. Carried out by a maker once approved.
    Revocation {
        /// The seal revoked.
        seal: crate::SealId,
        /// Why (never [`crate::RevocationReason::Replaced`]: that is a change).
        reason: crate::RevocationReason,
    },
}

impl Purpose {
    /// The existing seal the application acts on: the one a change replaces, or the one renewed
    /// or revoked; none for a new seal.
    pub fn seal(&self) -> Option<&crate::SealId> {
        match self {
            Self::New => None,
            Self::Change { old } => Some(old),
            Self::Renewal { seal } | Self::Revocation { seal, .. } => Some(seal),
        }
    }

    /// Whether a maker makes a new seal for it (new, change) rather than acting on an existing
    /// one (renewal, revocation: "carried out").
    pub fn makes_a_seal(&self) -> bool {
        matches!(self, Self::New | Self::Change { .. })
    }

    /// Its name, in Chinese and English (新刻, 变更, 续期, 注销).
    pub fn describe(&self) -> (&'static str, &'static str) {
        match self {
            Self::New => ("新刻", "new seal"),
            Self::Change { .. } => ("变更", "change"),
            Self::Renewal { .. } => ("续期", "renewal"),
            Self::Revocation { .. } => ("注销", "revocation"),
        }
    }
}

/// The application's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ApplicationState {
    /// Being prepared by the applicant.
    Draft,
    /// Waiting for review.
    Submitted {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        #[schemars(with = "String")]
        at: OffsetDateTime,
    },
    /// Rejected with a reason shown to the applicant; can be corrected and resubmitted.
    Rejected {
        /// The reviewer.
        reviewer: String,
        /// The reason.
        reason: String,
    },
    /// Approved; the seal can be made.
    Approved {
        /// The reviewer.
        reviewer: String,
    },
    /// The seal was made (final).
    Made {
        /// The seal.
        seal_id: crate::SealId,
    },
}

impl ApplicationState {
    /// The state's name, as stored and shown.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted { .. } => "submitted",
            Self::Rejected { .. } => "rejected",
            Self::Approved { .. } => "approved",
            Self::Made { .. } => "made",
        }
    }
}

/// An application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Application {
    /// Identifier.
    pub id: String,
    /// Who applies (the agent / 经办人, or the holder for a personal seal).
    pub applicant: String,
    /// The kind of seal.
    pub kind: SealKind,
    /// The seal's name (the organisation's name, or the person's).
    pub seal_name: String,
    /// The organisation's unified social credit code, for official and position seals.
    pub organisation_code: Option<crate::Uscc>,
    /// The holder's citizen ID number, for position and personal seals.
    pub holder_id: Option<crate::CitizenId>,
    /// New or change.
    pub purpose: Purpose,
    /// The materials.
    pub materials: Vec<Material>,
    /// State.
    pub state: ApplicationState,
    /// The organisation's registered name when the application was made (the name its
    /// official seals must carry and its certificates name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation_name: Option<String>,
    /// The holder's registered name when the application was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_name: Option<String>,
}

/// The longest seal name: an organisation's name (at most 100 characters) and a suffix.
pub const MAX_SEAL_NAME_CHARS: usize = 120;

/// What a seal name must be, by kind (R-MAKE-4, issue 14 item 7): an official seal carries
/// its organisation's registered name — the legal-name seal exactly that, a department or
/// branch seal that name followed by the department's, a business seal that name followed by
/// its kind (合同专用章 …); a position or personal seal carries exactly its holder's
/// registered name (the certificate's subject, which the seal name must equal).
pub fn check_seal_name(
    kind: &SealKind,
    seal_name: &str,
    organisation: Option<&str>,
    holder: Option<&str>,
) -> Result<(), DomainError> {
    let wrong = |zh: String, en: String| DomainError::invalid("seal_name", zh, en);
    match kind {
        SealKind::Official(official) => {
            let Some(org) = organisation else {
                return Err(wrong(
                    "单位印章须有已登记的单位".into(),
                    "an official seal needs its registered organisation".into(),
                ));
            };
            let Some(rest) = seal_name.strip_prefix(org) else {
                return Err(wrong(
                    format!("{seal_name:?} 不以单位登记名称 {org:?} 开头"),
                    format!(
                        "{seal_name:?} does not start with {org:?}, the registered name of its organisation"
                    ),
                ));
            };
            let suffix = match official {
                OfficialKind::Business(BusinessSeal::Contract) => Some("合同专用章"),
                OfficialKind::Business(BusinessSeal::Finance) => Some("财务专用章"),
                OfficialKind::Business(BusinessSeal::Invoice) => Some("发票专用章"),
                OfficialKind::Business(BusinessSeal::Inspection) => Some("审验专用章"),
                OfficialKind::Business(BusinessSeal::Customs) => Some("报关专用章"),
                _ => None,
            };
            match (official, suffix) {
                (OfficialKind::LegalName, _) if !rest.is_empty() => Err(wrong(
                    format!("单位法定名称章的印文应为 {org:?}，而不是 {seal_name:?}"),
                    format!("a legal-name seal carries exactly {org:?}, not {seal_name:?}"),
                )),
                (_, Some(suffix)) if rest != suffix => Err(wrong(
                    format!("该业务专用章应名为 {org}{suffix}，而不是 {seal_name:?}"),
                    format!("this business seal is named {org}{suffix}, not {seal_name:?}"),
                )),
                (OfficialKind::Business(BusinessSeal::Other(_)), None)
                    if rest.len() <= "专用章".len() || !rest.ends_with("专用章") =>
                {
                    Err(wrong(
                        format!("业务专用章应名为 {org} 加用途和“专用章”，而不是 {seal_name:?}"),
                        format!(
                            "a business seal is named {org} followed by its use and 专用章, not {seal_name:?}"
                        ),
                    ))
                }
                (OfficialKind::InternalDepartment | OfficialKind::Branch, _) if rest.is_empty() => {
                    Err(wrong(
                        format!("内设机构章或分支机构章应名为 {org} 加机构名称"),
                        format!(
                            "a department or branch seal is named {org} followed by the department's or branch's name"
                        ),
                    ))
                }
                _ => Ok(()),
            }
        }
        SealKind::Position(_) | SealKind::Personal => {
            let Some(person) = holder else {
                return Err(wrong(
                    "该印章须有已登记的持有人".into(),
                    "this seal needs its registered holder".into(),
                ));
            };
            if seal_name == person {
                Ok(())
            } else {
                Err(wrong(
                    format!("{seal_name:?} 与持有人登记姓名 {person:?} 不一致"),
                    format!("{seal_name:?} is not {person:?}, the registered name of its holder"),
                ))
            }
        }
    }
}

/// The materials each kind needs (R-APP-1).
pub fn required_materials(kind: &SealKind) -> &'static [MaterialKind] {
    match kind {
        SealKind::Official(_) => &[
            MaterialKind::BusinessLicence,
            MaterialKind::AgentId,
            MaterialKind::Authorisation,
        ],
        SealKind::Position(_) => &[
            MaterialKind::BusinessLicence,
            MaterialKind::HolderId,
            MaterialKind::AgentId,
            MaterialKind::Authorisation,
        ],
        SealKind::Personal => &[MaterialKind::HolderId],
    }
}

impl Application {
    /// A draft, with its identifiers checked: the organisation code is a valid unified social
    /// credit code and the holder ID a valid citizen ID number where the kind needs them.
    pub fn new(
        id: &str,
        applicant: &str,
        kind: SealKind,
        seal_name: &str,
        organisation_code: Option<&str>,
        holder_id: Option<&str>,
        purpose: Purpose,
    ) -> Result<Self, DomainError> {
        let seal_name = crate::text::name("seal_name", seal_name, MAX_SEAL_NAME_CHARS)?;
        let organisation_code = match (kind.has_organisation(), organisation_code) {
            (true, Some(c)) => Some(crate::Uscc::parse("organisation_code", c)?),
            (true, None) => {
                return Err(DomainError::Invalid {
                    field: "organisation_code",
                    why: crate::Text::new(
                        "单位印章和职务印章必须填写",
                        "required for official and position seals",
                    ),
                });
            }
            (false, _) => None,
        };
        let holder_id = match (kind.has_holder(), holder_id) {
            (true, Some(h)) => Some(crate::CitizenId::parse("holder_id", h)?),
            (true, None) => {
                return Err(DomainError::Invalid {
                    field: "holder_id",
                    why: crate::Text::new(
                        "职务印章和个人印章必须填写",
                        "required for position and personal seals",
                    ),
                });
            }
            (false, _) => None,
        };
        Ok(Self {
            id: id.to_owned(),
            applicant: applicant.to_owned(),
            kind,
            seal_name,
            organisation_code,
            holder_id,
            purpose,
            materials: Vec::new(),
            state: ApplicationState::Draft,
            organisation_name: None,
            holder_name: None,
        })
    }

    /// Ties the application to its registered parties (issue 14 item 7): the organisation
    /// whose code it names and the holder whose citizen ID it names must be the ones given,
    /// and the seal name must be theirs ([`check_seal_name`]). Their names are kept with the
    /// application; the certificate is made out to them.
    pub fn name_parties(
        &mut self,
        organisation: Option<&Organisation>,
        holder: Option<&Person>,
    ) -> Result<(), DomainError> {
        let not_registered = |field: &'static str, zh: &str, en: &str| {
            DomainError::invalid(
                field,
                format!("{zh}尚未在制章机构登记，请先登记"),
                format!("{en} is not registered with the agency; register it first"),
            )
        };
        let org = match (&self.organisation_code, organisation) {
            (Some(code), Some(o)) if o.uscc == *code => Some(o.name.clone()),
            (Some(code), _) => {
                return Err(not_registered(
                    "organisation_code",
                    &format!("单位 {code} "),
                    &format!("organisation {code}"),
                ));
            }
            (None, _) => None,
        };
        let person = match (&self.holder_id, holder) {
            (Some(id), Some(p)) if p.citizen_id == *id => Some(p.name.clone()),
            (Some(_), _) => return Err(not_registered("holder_id", "持有人", "the holder")),
            (None, _) => None,
        };
        check_seal_name(
            &self.kind,
            &self.seal_name,
            org.as_deref(),
            person.as_deref(),
        )?;
        self.organisation_name = org;
        self.holder_name = person;
        Ok(())
    }

    fn illegal(&self, action: &'static str) -> DomainError {
        DomainError::IllegalTransition {
            what: "application",
            state: self.state.name().to_owned(),
            action,
        }
    }

    /// Attach a material (draft or rejected applications only).
    pub fn add_material(&mut self, m: Material) -> Result<(), DomainError> {
        if !matches!(
            self.state,
            ApplicationState::Draft | ApplicationState::Rejected { .. }
        ) {
            return Err(self.illegal("adding a material"));
        }
        self.materials.push(m);
        Ok(())
    }

    /// The materials it needs: those of its kind (R-APP-1), and for a revocation the proof
    /// (a 注销 decision, a loss report …).
    pub fn needed_materials(&self) -> Vec<MaterialKind> {
        let revocation = matches!(self.purpose, Purpose::Revocation { .. });
        required_materials(&self.kind)
            .iter()
            .copied()
            .chain(revocation.then_some(MaterialKind::Proof))
            .collect()
    }

    /// Submit (or resubmit after a rejection): every required material must be there.
    pub fn submit(&mut self, at: OffsetDateTime) -> Result<(), DomainError> {
        if !matches!(
            self.state,
            ApplicationState::Draft | ApplicationState::Rejected { .. }
        ) {
            return Err(self.illegal("submitting"));
        }
        let missing: Vec<MaterialKind> = self
            .needed_materials()
            .into_iter()
            .filter(|k| !self.materials.iter().any(|m| m.kind == *k))
            .collect();
        if !missing.is_empty() {
            let zh: Vec<&str> = missing.iter().map(|k| k.names().0).collect();
            let en: Vec<&str> = missing.iter().map(|k| k.names().1).collect();
            return Err(DomainError::forbidden(
                format!("缺少材料：{}", zh.join("、")),
                format!("materials missing: {}", en.join(", ")),
            ));
        }
        self.state = ApplicationState::Submitted { at };
        Ok(())
    }

    fn check_reviewer(&self, reviewer: &str) -> Result<(), DomainError> {
        if !matches!(self.state, ApplicationState::Submitted { .. }) {
            return Err(self.illegal("reviewing"));
        }
        if reviewer == self.applicant {
            return Err(DomainError::forbidden(
                "申请人不能审核自己的申请",
                "the applicant may not review their own application",
            ));
        }
        Ok(())
    }

    /// Reject with a reason (shown to the applicant).
    pub fn reject(&mut self, reviewer: &str, reason: &str) -> Result<(), DomainError> {
        self.check_reviewer(reviewer)?;
        if reason.trim().is_empty() {
            return Err(DomainError::Invalid {
                field: "reason",
                why: crate::Text::new("驳回须说明理由", "a rejection needs a reason"),
            });
        }
        self.state = ApplicationState::Rejected {
            reviewer: reviewer.to_owned(),
            reason: reason.trim().to_owned(),
        };
        Ok(())
    }

    /// Approve.
    pub fn approve(&mut self, reviewer: &str) -> Result<(), DomainError> {
        self.check_reviewer(reviewer)?;
        self.state = ApplicationState::Approved {
            reviewer: reviewer.to_owned(),
        };
        Ok(())
    }

    /// Record that the seal was made from this application (for a renewal or revocation: that
    /// it was carried out on its seal).
    pub fn made(&mut self, seal_id: &crate::SealId) -> Result<(), DomainError> {
        if !matches!(self.state, ApplicationState::Approved { .. }) {
            return Err(self.illegal("making the seal"));
        }
        self.state = ApplicationState::Made {
            seal_id: seal_id.clone(),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::{OfficialKind, PositionKind};
    use time::macros::datetime;

    const USCC: &str = "91350100M000100Y43";
    const ID: &str = "11010519491231002X";

    fn material(kind: MaterialKind) -> Material {
        Material {
            kind,
            sm3: crate::Sm3Hex::parse("sm3", &"ab".repeat(32)).unwrap(),
        }
    }

    fn official() -> Application {
        Application::new(
            "a1",
            "agent",
            SealKind::Official(OfficialKind::LegalName),
            "威海市示例科技有限公司",
            Some(USCC),
            None,
            Purpose::New,
        )
        .unwrap()
    }

    #[test]
    fn a_revocation_needs_its_proof_and_names_its_seal() {
        let seal = crate::SealId::parse("seal_id", "s1").unwrap();
        let mut a = official();
        a.purpose = Purpose::Revocation {
            seal: seal.clone(),
            reason: crate::RevocationReason::Dissolution,
        };
        assert_eq!(a.purpose.seal(), Some(&seal));
        assert!(!a.purpose.makes_a_seal());
        for k in [
            MaterialKind::BusinessLicence,
            MaterialKind::AgentId,
            MaterialKind::Authorisation,
        ] {
            a.add_material(material(k)).unwrap();
        }
        let t = datetime!(2026-06-01 09:00 UTC);
        let err = a.submit(t).unwrap_err();
        assert!(err.text().zh.contains("证明材料"), "{}", err.text().zh);
        a.add_material(material(MaterialKind::Proof)).unwrap();
        a.submit(t).unwrap();
        // A renewal needs what a new seal of its kind needs, no more.
        let mut r = official();
        r.purpose = Purpose::Renewal { seal: seal.clone() };
        assert_eq!(r.needed_materials(), required_materials(&r.kind));
        // The wire form: the purpose tagged, the seal and the reason named.
        let json = serde_json::to_value(&a.purpose).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"purpose": "revocation", "seal": "s1", "reason": "dissolution"})
        );
        assert_eq!(serde_json::from_value::<Purpose>(json).unwrap(), a.purpose);
        assert_eq!(Purpose::New.seal(), None);
    }

    #[test]
    fn apply_reject_reapply_approve_make() {
        let mut a = official();
        let t = datetime!(2026-06-01 09:00 UTC);
        let err = a.submit(t).unwrap_err();
        assert!(err.to_string().contains("business_licence"), "{err}");
        assert!(err.text().zh.contains("营业执照"), "{}", err.text().zh);
        for k in [MaterialKind::BusinessLicence, MaterialKind::AgentId] {
            a.add_material(material(k)).unwrap();
        }
        assert!(a.submit(t).is_err(), "authorisation letter missing");
        a.add_material(material(MaterialKind::Authorisation))
            .unwrap();
        a.submit(t).unwrap();
        assert!(matches!(
            a.add_material(material(MaterialKind::Proof)),
            Err(DomainError::IllegalTransition { .. })
        ));
        assert!(
            matches!(a.approve("agent"), Err(DomainError::Forbidden(_))),
            "no self-review"
        );
        assert!(
            a.reject("reviewer", " ").is_err(),
            "a rejection needs a reason"
        );
        a.reject("reviewer", "营业执照不清晰").unwrap();
        assert!(matches!(
            a.made(&crate::SealId::parse("seal_id", "s1").unwrap()),
            Err(DomainError::IllegalTransition { .. })
        ));
        a.add_material(material(MaterialKind::BusinessLicence))
            .unwrap();
        a.submit(t).unwrap();
        a.approve("reviewer").unwrap();
        a.made(&crate::SealId::parse("seal_id", "s1").unwrap())
            .unwrap();
        assert_eq!(
            a.state,
            ApplicationState::Made {
                seal_id: crate::SealId::parse("seal_id", "s1").unwrap()
            }
        );
        assert!(a.approve("reviewer").is_err(), "final");
    }

    #[test]
    fn identifiers_are_validated_by_kind() {
        let bad = Application::new(
            "a",
            "x",
            SealKind::Official(OfficialKind::Branch),
            "某公司",
            Some("91350100M000100Y44"),
            None,
            Purpose::New,
        );
        assert!(matches!(
            bad,
            Err(DomainError::Invalid {
                field: "organisation_code",
                ..
            })
        ));
        let missing = Application::new(
            "a",
            "x",
            SealKind::Position(PositionKind::FinanceHead),
            "张三",
            Some(USCC),
            None,
            Purpose::New,
        );
        assert!(matches!(
            missing,
            Err(DomainError::Invalid {
                field: "holder_id",
                ..
            })
        ));
        let personal = Application::new(
            "a",
            "x",
            SealKind::Personal,
            "张三",
            None,
            Some(ID),
            Purpose::New,
        )
        .unwrap();
        assert_eq!(
            required_materials(&personal.kind),
            &[MaterialKind::HolderId]
        );
        assert!(
            Application::new(
                "a",
                "x",
                SealKind::Personal,
                "",
                None,
                Some(ID),
                Purpose::New
            )
            .is_err()
        );
        // A lower-case check character is stored upper-case (the same person).
        let lower = Application::new(
            "a",
            "x",
            SealKind::Personal,
            "张三",
            None,
            Some(&ID.to_ascii_lowercase()),
            Purpose::New,
        )
        .unwrap();
        assert_eq!(lower.holder_id.as_deref(), Some(ID));
    }

    /// Issue 14 item 7: the review made 北京某某有限公司合同专用章 and 中华人民共和国公安部 for the
    /// organisation registered as 威海市示例科技有限公司.
    #[test]
    fn seal_names_belong_to_their_registered_party() {
        use crate::kind::BusinessSeal as B;
        let org = Organisation::new(USCC, "威海市示例科技有限公司", None).unwrap();
        let person = Person::new(ID, "张三").unwrap();
        let app = |kind: SealKind, name: &str| {
            let holder = kind.has_holder().then_some(ID);
            let code = kind.has_organisation().then_some(USCC);
            Application::new("a", "x", kind, name, code, holder, Purpose::New).and_then(|mut a| {
                a.name_parties(Some(&org), Some(&person))?;
                Ok(a)
            })
        };
        let contract = SealKind::Official(OfficialKind::Business(B::Contract));
        for (kind, name) in [
            (contract.clone(), "北京某某有限公司合同专用章"),
            (contract.clone(), "威海市示例科技有限公司财务专用章"),
            (contract.clone(), "威海市示例科技有限公司"),
            (
                SealKind::Official(OfficialKind::LegalName),
                "中华人民共和国公安部",
            ),
            (
                SealKind::Official(OfficialKind::LegalName),
                "威海市示例科技有限公司合同专用章",
            ),
            (
                SealKind::Official(OfficialKind::Branch),
                "威海市示例科技有限公司",
            ),
            (
                SealKind::Official(OfficialKind::Business(B::Other("x".into()))),
                "威海市示例科技有限公司专用章",
            ),
            (SealKind::Personal, "李四"),
            (SealKind::Personal, "张三之印"),
            (SealKind::Position(PositionKind::FinanceHead), "张三丰"),
            (contract.clone(), "威海市示例科技有限公司\u{200B}合同专用章"),
        ] {
            let e = app(kind.clone(), name).unwrap_err();
            assert!(
                matches!(
                    e,
                    DomainError::Invalid {
                        field: "seal_name",
                        ..
                    }
                ),
                "{kind:?} {name}: {e}"
            );
        }
        for (kind, name) in [
            (contract.clone(), "威海市示例科技有限公司合同专用章"),
            (
                SealKind::Official(OfficialKind::LegalName),
                "威海市示例科技有限公司",
            ),
            (
                SealKind::Official(OfficialKind::Branch),
                "威海市示例科技有限公司环翠分公司",
            ),
            (
                SealKind::Official(OfficialKind::Business(B::Other("人事".into()))),
                "威海市示例科技有限公司人事专用章",
            ),
            (SealKind::Personal, "张三"),
            (
                SealKind::Position(PositionKind::LegalRepresentative),
                "张三",
            ),
        ] {
            let a = app(kind.clone(), name).unwrap_or_else(|e| panic!("{kind:?} {name}: {e}"));
            assert_eq!(a.seal_name, name);
        }
        // The registered parties must be the application's.
        let mut a = Application::new(
            "a",
            "x",
            contract,
            "威海市示例科技有限公司合同专用章",
            Some(USCC),
            None,
            Purpose::New,
        )
        .unwrap();
        assert!(a.name_parties(None, None).is_err());
        let other =
            Organisation::new("91110000600037341L", "威海市示例科技有限公司", None).unwrap();
        assert!(a.name_parties(Some(&other), None).is_err());
        a.name_parties(Some(&org), None).unwrap();
        assert_eq!(
            a.organisation_name.as_deref(),
            Some("威海市示例科技有限公司")
        );
    }
}
