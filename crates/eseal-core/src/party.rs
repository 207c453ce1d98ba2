//! The parties a seal belongs to: organisations (单位, identified by the unified social credit
//! code 统一社会信用代码) and people (identified by the citizen ID number 公民身份号码).
//! Constructors validate; a value of these types always carries a well-formed identifier.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// The longest name accepted, in characters (the longest registered names are well under it).
const MAX_NAME_CHARS: usize = 100;

fn check_name(field: &'static str, name: &str) -> Result<String, DomainError> {
    crate::text::name(field, name, MAX_NAME_CHARS)
}

/// An organisation that holds seals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Organisation {
    /// 统一社会信用代码, 18 characters, check character verified.
    pub uscc: crate::Uscc,
    /// The registered name, which official seals must carry.
    pub name: String,
    /// The legal representative's citizen ID number, if known.
    pub legal_representative: Option<crate::CitizenId>,
    /// How many distinct approvers an official-seal use needs (its internal rule, R-CUST-1).
    #[serde(default = "one")]
    pub approval_levels: u32,
}

fn one() -> u32 {
    1
}

impl Organisation {
    /// A validated organisation. The code is upper-cased before it is checked.
    pub fn new(
        uscc: &str,
        name: &str,
        legal_representative: Option<&str>,
    ) -> Result<Self, DomainError> {
        let uscc = crate::Uscc::parse("uscc", uscc)?;
        let legal_representative = legal_representative
            .map(|id| crate::CitizenId::parse("legal_representative", id))
            .transpose()?;
        Ok(Self {
            uscc,
            name: check_name("name", name)?,
            legal_representative,
            approval_levels: 1,
        })
    }
}

/// A person: a holder of a personal or position seal, an agent, or a user of the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Person {
    /// 公民身份号码, 18 characters, check character verified.
    pub citizen_id: crate::CitizenId,
    /// Name as on the ID card.
    pub name: String,
}

impl Person {
    /// A validated person.
    pub fn new(citizen_id: &str, name: &str) -> Result<Self, DomainError> {
        Ok(Self {
            citizen_id: crate::CitizenId::parse("citizen_id", citizen_id)?,
            name: check_name("name", name)?,
        })
    }

    /// The ID number with all but the first 6 and last 4 characters hidden, for logs and
    /// screens that do not need the full number (R-SEC-1).
    pub fn masked_id(&self) -> String {
        let chars: Vec<char> = self.citizen_id.chars().collect();
        chars
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i < 6 || i + 4 >= chars.len() {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Check characters computed with the GB 32100-2015 / GB 11643-1999 algorithms
    // (crate::ids tests hold the same vectors).
    const USCC: &str = "91350100M000100Y43";
    const ID: &str = "11010519491231002X";

    #[test]
    fn organisation_validates() {
        let o = Organisation::new(&USCC.to_lowercase(), " 某某科技有限公司 ", Some(ID)).unwrap();
        assert_eq!(o.uscc, USCC);
        assert_eq!(o.name, "某某科技有限公司");
        assert!(Organisation::new("91350100M000100Y44", "x", None).is_err());
        assert!(Organisation::new(USCC, "  ", None).is_err());
        assert!(Organisation::new(USCC, &"名".repeat(101), None).is_err());
        assert!(Organisation::new(USCC, "a\u{0}b", None).is_err());
        assert!(Organisation::new(USCC, "x", Some("110105194912310021")).is_err());
    }

    #[test]
    fn person_validates_and_masks() {
        let p = Person::new(&ID.to_lowercase(), "张三").unwrap();
        assert_eq!(p.citizen_id, ID);
        assert_eq!(p.masked_id(), "110105********002X");
        assert!(Person::new("110105194912310021", "张三").is_err());
    }
}
