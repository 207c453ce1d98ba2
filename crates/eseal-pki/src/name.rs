//! Names in Chinese certificates: building a Name from `/C=CN/O=…/CN=…`, reading the
//! organisation and person names, the unified social credit code (统一社会信用代码,
//! GB 32100-2015) and the citizen ID number (公民身份号码, GB 11643-1999), and deciding
//! whether a seal name matches the certificate subject (R-MAKE-4).

use crate::error::PkiError;
use der::asn1::{Any, ObjectIdentifier, SetOfVec};
use der::{Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// Attribute types by their short names.
const ATTRIBUTES: [(&str, &str); 10] = [
    ("C", "2.5.4.6"),
    ("ST", "2.5.4.8"),
    ("L", "2.5.4.7"),
    ("O", "2.5.4.10"),
    ("OU", "2.5.4.11"),
    ("CN", "2.5.4.3"),
    ("SERIALNUMBER", "2.5.4.5"),
    ("EMAIL", "1.2.840.113549.1.9.1"),
    ("STREET", "2.5.4.9"),
    ("ORGANIZATIONIDENTIFIER", "2.5.4.97"),
];

fn attribute_oid(key: &str) -> Option<ObjectIdentifier> {
    let upper = key.to_ascii_uppercase();
    if let Some((_, oid)) = ATTRIBUTES.iter().find(|(k, _)| *k == upper) {
        return ObjectIdentifier::new(oid).ok();
    }
    if upper == "EMAILADDRESS" {
        return ObjectIdentifier::new("1.2.840.113549.1.9.1").ok();
    }
    ObjectIdentifier::new(key).ok()
}

/// Build a Name from the OpenSSL form `/C=CN/O=威海市某某公司/CN=张三` (RDNs in order, `\/`
/// escapes a slash). Country and serial number are PrintableString, e-mail IA5String,
/// everything else UTF8String.
pub fn name_from_slashes(text: &str) -> Result<Name, PkiError> {
    let bad = |why: &str| PkiError::BadName(text.to_owned(), why.to_owned());
    let body = text
        .strip_prefix('/')
        .ok_or_else(|| bad("must start with '/'"))?;
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push(chars.next().ok_or_else(|| bad("trailing backslash"))?),
            '/' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    let mut rdns = RdnSequence::default();
    for part in parts.iter().filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| bad("each part must be KEY=value"))?;
        let oid =
            attribute_oid(key.trim()).ok_or_else(|| bad(&format!("unknown attribute {key}")))?;
        let value = value.trim();
        if value.is_empty() {
            return Err(bad(&format!("{key} is empty")));
        }
        let tag = match oid.to_string().as_str() {
            "2.5.4.6" | "2.5.4.5" => {
                if !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
                {
                    return Err(bad(&format!("{key} must be a PrintableString")));
                }
                Tag::PrintableString
            }
            "1.2.840.113549.1.9.1" => Tag::Ia5String,
            _ => Tag::Utf8String,
        };
        if oid.to_string() == "2.5.4.6" && value.len() != 2 {
            return Err(bad("C must be a two-letter country code"));
        }
        let any = Any::new(tag, value.as_bytes()).map_err(|e| bad(&e.to_string()))?;
        let mut set = SetOfVec::new();
        set.insert(AttributeTypeAndValue { oid, value: any })
            .map_err(|e| bad(&e.to_string()))?;
        rdns.push(RelativeDistinguishedName::from(set));
    }
    if rdns.is_empty() {
        return Err(bad("no attributes"));
    }
    let der = der::Encode::to_der(&rdns).map_err(|e| bad(&e.to_string()))?;
    <Name as der::Decode>::from_der(&der).map_err(|e| bad(&e.to_string()))
}

/// The values of one attribute type in a Name, decoded as text.
pub fn attribute_values(name: &Name, oid: &str) -> Vec<String> {
    name.iter()
        .filter(|atv| atv.oid.to_string() == oid)
        .filter_map(|atv| {
            let v = atv.value.value();
            match atv.value.tag() {
                Tag::BmpString => Some(eseal_asn1::bmp_text(v)),
                _ => std::str::from_utf8(v).ok().map(str::to_owned),
            }
        })
        .collect()
}

/// What a Chinese certificate subject says about its holder.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SubjectInfo {
    /// Organisation name (O), if any.
    pub organisation: Option<String>,
    /// Common name (CN), if any.
    pub common_name: Option<String>,
    /// A valid unified social credit code found in the subject.
    pub social_credit_code: Option<String>,
    /// A valid citizen ID number found in the subject.
    pub citizen_id: Option<String>,
}

/// Read the organisation, person name and identifiers from a subject. Codes are looked for in
/// SERIALNUMBER, organizationIdentifier, OU and CN, as tokens that pass their check digits.
pub fn subject_info(name: &Name) -> SubjectInfo {
    let mut info = SubjectInfo {
        organisation: attribute_values(name, "2.5.4.10").into_iter().next(),
        common_name: attribute_values(name, "2.5.4.3").into_iter().next(),
        ..Default::default()
    };
    for oid in ["2.5.4.5", "2.5.4.97", "2.5.4.11", "2.5.4.3"] {
        for value in attribute_values(name, oid) {
            for token in value.split(|c: char| !c.is_ascii_alphanumeric()) {
                // Prefixed forms such as "N91370000..." or "ID:370...": try the last 18 chars.
                let candidate = token.get(token.len().saturating_sub(18)..).unwrap_or(token);
                if info.social_credit_code.is_none() && is_valid_social_credit_code(candidate) {
                    info.social_credit_code = Some(candidate.to_owned());
                } else if info.citizen_id.is_none() && is_valid_citizen_id(candidate) {
                    info.citizen_id = Some(candidate.to_owned());
                }
            }
        }
    }
    info
}

pub use eseal_core::ids::{is_valid_citizen_id, is_valid_social_credit_code};

/// Business-seal suffixes that may follow the organisation name in an official seal's name.
pub const SEAL_SUFFIXES: [&str; 12] = [
    "合同专用章",
    "财务专用章",
    "发票专用章",
    "审验专用章",
    "报关专用章",
    "业务专用章",
    "人事专用章",
    "党委",
    "公章",
    "行政章",
    "法定名称章",
    "专用章",
];

/// How a seal name relates to a certificate subject.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum NameMatch {
    /// The seal name is the subject's organisation (O) or common name (CN).
    Exact,
    /// The organisation name followed by a business-seal suffix (e.g. 合同专用章).
    WithSuffix(String),
    /// No match; the names compared.
    Mismatch {
        /// The seal name as normalised.
        seal_name: String,
        /// The subject names it was compared with.
        subject_names: Vec<String>,
    },
}

/// Full-width ASCII to half-width, spaces removed, full-width brackets unified: the forms
/// in which the same registered name reaches a certificate and a seal.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Does the seal name match the certificate subject (R-MAKE-4)?
pub fn seal_name_matches(seal_name: &str, subject: &Name) -> NameMatch {
    let info = subject_info(subject);
    let seal = normalise(seal_name);
    let names: Vec<String> = [info.organisation.clone(), info.common_name.clone()]
        .into_iter()
        .flatten()
        .map(|n| normalise(&n))
        .collect();
    if names.contains(&seal) {
        return NameMatch::Exact;
    }
    if let Some(org) = info
        .organisation
        .as_deref()
        .map(normalise)
        .or_else(|| info.common_name.as_deref().map(normalise))
        && let Some(rest) = seal.strip_prefix(&org)
        && SEAL_SUFFIXES.contains(&rest)
    {
        return NameMatch::WithSuffix(rest.to_owned());
    }
    NameMatch::Mismatch {
        seal_name: seal,
        subject_names: names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_slashes_and_matching() {
        let name = name_from_slashes(
            "/C=CN/O=威海市示例科技有限公司/OU=91350100M000100Y43/CN=威海市示例科技有限公司",
        )
        .unwrap();
        let info = subject_info(&name);
        assert_eq!(info.organisation.as_deref(), Some("威海市示例科技有限公司"));
        assert_eq!(
            info.social_credit_code.as_deref(),
            Some("91350100M000100Y43")
        );
        assert_eq!(
            seal_name_matches("威海市示例科技有限公司", &name),
            NameMatch::Exact
        );
        assert_eq!(
            seal_name_matches("威海市示例科技有限公司 ", &name),
            NameMatch::Exact
        );
        assert_eq!(
            seal_name_matches("威海市示例科技有限公司合同专用章", &name),
            NameMatch::WithSuffix("合同专用章".into())
        );
        assert!(matches!(
            seal_name_matches("威海市另一家公司", &name),
            NameMatch::Mismatch { .. }
        ));
        assert!(matches!(
            seal_name_matches("威海市示例科技有限公司随便章", &name),
            NameMatch::Mismatch { .. }
        ));
        let person = name_from_slashes("/C=CN/CN=张三/SERIALNUMBER=11010519491231002X").unwrap();
        assert_eq!(
            subject_info(&person).citizen_id.as_deref(),
            Some("11010519491231002X")
        );
        assert_eq!(seal_name_matches("张三", &person), NameMatch::Exact);
        assert!(name_from_slashes("C=CN").is_err());
        assert!(name_from_slashes("/C=China").is_err());
        assert!(name_from_slashes("/XX=1").is_err());
        assert!(name_from_slashes("/CN=").is_err());
        assert_eq!(
            name_from_slashes("/O=a\\/b/CN=x").unwrap().to_string(),
            "CN=x,O=a/b"
        );
    }
}
