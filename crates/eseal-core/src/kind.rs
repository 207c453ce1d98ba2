//! The seal kinds of the regulation (Art. 3, R-KIND-1..4) and what follows from each.

use serde::{Deserialize, Serialize};

/// Business seals 业务专用章.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BusinessSeal {
    /// 合同专用章
    Contract,
    /// 财务专用章
    Finance,
    /// 发票专用章
    Invoice,
    /// 审验专用章
    Inspection,
    /// 报关专用章
    Customs,
    /// Another 业务专用章, by its name.
    Other(String),
}

/// Official seals 电子公章 (R-KIND-1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfficialKind {
    /// 法定名称章
    LegalName,
    /// 内设机构章
    InternalDepartment,
    /// 分支机构章
    Branch,
    /// 业务专用章
    Business(BusinessSeal),
}

/// Position seals 电子职务章 (R-KIND-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PositionKind {
    /// 法定代表人
    LegalRepresentative,
    /// 经营者
    Operator,
    /// 主要负责人
    PrincipalOfficer,
    /// 财务负责人
    FinanceHead,
    /// 授权代表人
    AuthorisedRepresentative,
}

/// The three kinds of seal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SealKind {
    /// 电子公章
    Official(OfficialKind),
    /// 电子职务章
    Position(PositionKind),
    /// 电子私章 (R-KIND-3)
    Personal,
}

impl SealKind {
    /// The `type` of the seal data (R-KIND-4): official 1, personal 2, position 3 (the values
    /// `eseal seal make --type` writes).
    pub fn type_code(&self) -> i64 {
        match self {
            SealKind::Official(_) => 1,
            SealKind::Personal => 2,
            SealKind::Position(_) => 3,
        }
    }

    /// Must the impression match the one registered with the police (R-MAKE-3)? Official seals
    /// and the legal representative's seal.
    pub fn needs_registered_impression(&self) -> bool {
        matches!(
            self,
            SealKind::Official(_) | SealKind::Position(PositionKind::LegalRepresentative)
        )
    }

    /// The dotted name the connector contracts use (docs/connectors/police.md), e.g.
    /// `official.legal_name`, `official.business.contract`, `position.finance_head`,
    /// `personal`. An `Other` business seal is `official.business.other`.
    pub fn wire_name(&self) -> &'static str {
        match self {
            SealKind::Official(o) => match o {
                OfficialKind::LegalName => "official.legal_name",
                OfficialKind::InternalDepartment => "official.internal_department",
                OfficialKind::Branch => "official.branch",
                OfficialKind::Business(b) => match b {
                    BusinessSeal::Contract => "official.business.contract",
                    BusinessSeal::Finance => "official.business.finance",
                    BusinessSeal::Invoice => "official.business.invoice",
                    BusinessSeal::Inspection => "official.business.inspection",
                    BusinessSeal::Customs => "official.business.customs",
                    BusinessSeal::Other(_) => "official.business.other",
                },
            },
            SealKind::Position(p) => match p {
                PositionKind::LegalRepresentative => "position.legal_representative",
                PositionKind::Operator => "position.operator",
                PositionKind::PrincipalOfficer => "position.principal_officer",
                PositionKind::FinanceHead => "position.finance_head",
                PositionKind::AuthorisedRepresentative => "position.authorised_representative",
            },
            SealKind::Personal => "personal",
        }
    }

    /// Does every use need an approval (R-USE-2)? Official seals.
    pub fn use_needs_approval(&self) -> bool {
        matches!(self, SealKind::Official(_))
    }

    /// Does the seal belong to an organisation (official and position seals)?
    pub fn has_organisation(&self) -> bool {
        !matches!(self, SealKind::Personal)
    }

    /// Does the seal have a personal holder (position and personal seals)?
    pub fn has_holder(&self) -> bool {
        !matches!(self, SealKind::Official(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_rules() {
        let contract = SealKind::Official(OfficialKind::Business(BusinessSeal::Contract));
        assert_eq!(contract.type_code(), 1);
        assert!(
            contract.needs_registered_impression()
                && contract.use_needs_approval()
                && !contract.has_holder()
        );
        let legal = SealKind::Position(PositionKind::LegalRepresentative);
        assert!(
            legal.needs_registered_impression()
                && !legal.use_needs_approval()
                && legal.has_holder()
                && legal.has_organisation()
        );
        let finance = SealKind::Position(PositionKind::FinanceHead);
        assert!(!finance.needs_registered_impression());
        assert_eq!(finance.type_code(), 3);
        assert!(!SealKind::Personal.has_organisation() && SealKind::Personal.type_code() == 2);
        assert_eq!(contract.wire_name(), "official.business.contract");
        assert_eq!(finance.wire_name(), "position.finance_head");
    }
}
