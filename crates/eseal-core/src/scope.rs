//! The authorised scope of a position seal (R-USE-3, Art. 15): the organisation says which
//! document types and business categories its holder may sign, up to which amount. A use
//! outside it is refused.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// What a position seal's holder may sign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PositionScope {
    /// The seal.
    pub seal_id: crate::SealId,
    /// Allowed document types (e.g. 合同, 报销单); at least one.
    pub document_types: Vec<String>,
    /// Allowed business categories (e.g. 采购, 财务); empty: any.
    pub business_categories: Vec<String>,
    /// Highest amount (in yuan) a signed document may carry; none: no limit.
    pub amount_limit: Option<u64>,
    /// Who set it (a custodian of the organisation).
    pub set_by: String,
}

/// What a use claims about the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UseClaim {
    /// Document type.
    pub document_type: Option<String>,
    /// Business category.
    pub business_category: Option<String>,
    /// Amount in yuan.
    pub amount: Option<u64>,
}

impl PositionScope {
    /// A scope, checked: at least one document type, no empty names.
    pub fn new(
        seal_id: &crate::SealId,
        document_types: Vec<String>,
        business_categories: Vec<String>,
        amount_limit: Option<u64>,
        set_by: &str,
    ) -> Result<Self, DomainError> {
        let clean = |v: Vec<String>, field: &'static str| -> Result<Vec<String>, DomainError> {
            v.into_iter()
                .map(|s| {
                    let t = s.trim().to_owned();
                    if t.is_empty() {
                        Err(DomainError::Invalid {
                            field,
                            why: crate::Text::new("名称为空", "an empty name"),
                        })
                    } else {
                        Ok(t)
                    }
                })
                .collect()
        };
        let document_types = clean(document_types, "document_types")?;
        if document_types.is_empty() {
            return Err(DomainError::Invalid {
                field: "document_types",
                why: crate::Text::new("至少一种文件类型", "at least one document type"),
            });
        }
        Ok(Self {
            seal_id: seal_id.clone(),
            document_types,
            business_categories: clean(business_categories, "business_categories")?,
            amount_limit,
            set_by: set_by.to_owned(),
        })
    }

    /// Whether a use with this claim is inside the scope.
    pub fn check(&self, claim: &UseClaim) -> Result<(), DomainError> {
        let out = |zh: String, en: String| {
            DomainError::forbidden(
                format!("超出授权范围：{zh}"),
                format!("outside the authorised scope: {en}"),
            )
        };
        match &claim.document_type {
            Some(t) if self.document_types.iter().any(|d| d == t.trim()) => {}
            Some(t) => {
                return Err(out(
                    format!("文件类型 {t:?} 未获授权"),
                    format!("document type {t:?} is not authorised"),
                ));
            }
            None => {
                return Err(out(
                    "须填写文件类型".into(),
                    "the document type is required".into(),
                ));
            }
        }
        if !self.business_categories.is_empty() {
            match &claim.business_category {
                Some(c) if self.business_categories.iter().any(|b| b == c.trim()) => {}
                Some(c) => {
                    return Err(out(
                        format!("业务类别 {c:?} 未获授权"),
                        format!("business category {c:?} is not authorised"),
                    ));
                }
                None => {
                    return Err(out(
                        "须填写业务类别".into(),
                        "the business category is required".into(),
                    ));
                }
            }
        }
        if let Some(limit) = self.amount_limit {
            match claim.amount {
                Some(a) if a <= limit => {}
                Some(a) => {
                    return Err(out(
                        format!("金额 {a} 超过限额 {limit}"),
                        format!("amount {a} exceeds the limit {limit}"),
                    ));
                }
                None => return Err(out("须填写金额".into(), "the amount is required".into())),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_checks_type_category_and_amount() {
        let s = PositionScope::new(
            &crate::SealId::parse("seal_id", "ES1").unwrap(),
            vec!["报销单".into(), "合同".into()],
            vec!["财务".into()],
            Some(50_000),
            "keeper",
        )
        .unwrap();
        let claim = |t: &str, c: &str, a: u64| UseClaim {
            document_type: Some(t.into()),
            business_category: Some(c.into()),
            amount: Some(a),
        };
        assert!(s.check(&claim("报销单", "财务", 50_000)).is_ok());
        assert!(s.check(&claim("授权书", "财务", 1)).is_err());
        assert!(s.check(&claim("合同", "采购", 1)).is_err());
        assert!(s.check(&claim("合同", "财务", 50_001)).is_err());
        assert!(s.check(&UseClaim::default()).is_err());
        assert!(
            PositionScope::new(
                &crate::SealId::parse("seal_id", "ES1").unwrap(),
                vec![],
                vec![],
                None,
                "k"
            )
            .is_err()
        );
        assert!(
            PositionScope::new(
                &crate::SealId::parse("seal_id", "ES1").unwrap(),
                vec![" ".into()],
                vec![],
                None,
                "k"
            )
            .is_err()
        );
    }
}
