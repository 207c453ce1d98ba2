//! The identifiers the regulation names, checked by their standards' check characters: the
//! unified social credit code (统一社会信用代码, GB 32100-2015) of an organisation and the
//! citizen identity number (公民身份号码, GB 11643-1999) of a person. One place: the domain,
//! the PKI (names in certificates) and every interface use these.

/// The 31 characters of the unified social credit code, in value order (no I, O, S, V, Z).
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 32100-2015: 18 characters from the code set; the last is the check character
/// C18 = 31 − (Σ Ci·Wi mod 31), with 31 written as 0.
pub fn is_valid_social_credit_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let value = |b: u8| {
        USCC_CHARS
            .iter()
            .position(|c| *c == b)
            .and_then(|p| u32::try_from(p).ok())
    };
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(USCC_WEIGHTS) {
        let Some(v) = value(*b) else { return false };
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    bytes.get(17).and_then(|b| value(*b)) == Some(check)
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// GB 11643-1999: 17 digits (6 of region, 8 of a real birth date, 3 of sequence) and a check
/// character from "10X98765432" indexed by Σ ai·Wi mod 11.
pub fn is_valid_citizen_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes.iter().take(17).all(u8::is_ascii_digit) {
        return false;
    }
    let birth = id.get(6..14).unwrap_or_default();
    let (Ok(y), Ok(m), Ok(d)) = (
        birth.get(0..4).unwrap_or_default().parse::<i32>(),
        birth.get(4..6).unwrap_or_default().parse::<u8>(),
        birth.get(6..8).unwrap_or_default().parse::<u8>(),
    ) else {
        return false;
    };
    let date_ok = time::Month::try_from(m)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
        .is_some();
    if !date_ok {
        return false;
    }
    let sum: u32 = bytes
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let expected = ID_CHECK
        .get(usize::try_from(sum % 11).unwrap_or(0))
        .copied();
    bytes.get(17).map(u8::to_ascii_uppercase) == expected
}

/// Identifier newtypes: a value of one of these always holds a well-formed identifier in its
/// normal form. They are stored and sent as plain strings; a stored value that does not
/// check out makes its record unreadable (reported, never skipped).
macro_rules! identifier {
    (
        $(#[$doc:meta])* $name:ident,
        normal: $normal:expr,
        check: $check:expr,
        zh: $zh:literal,
        en: $en:literal
    ) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            schemars::JsonSchema,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The identifier in `text` (in its normal form), or why it is not one, naming
            /// `field`.
            pub fn parse(field: &'static str, text: &str) -> Result<Self, crate::DomainError> {
                let normal: fn(&str) -> String = $normal;
                let check: fn(&str) -> bool = $check;
                let t = normal(text);
                if check(&t) {
                    Ok(Self(t))
                } else {
                    Err(crate::DomainError::invalid(
                        field,
                        format!("{:?} 不是{}", text, $zh),
                        format!("{:?} is not {}", text, $en),
                    ))
                }
            }

            /// The identifier.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                self.0.as_bytes()
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            /// The refusal a JSON reader reports after the field's path; its wording is one of
            /// [`IDENTIFIER_WORDS`], so an interface can say it in Chinese.
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse("id", &s).map_err(|_| format!("{:?} is not {}", s, $en))
            }
        }

        impl $name {
            /// What a value of this type is, in (English, Chinese).
            pub const WORDS: (&'static str, &'static str) = ($en, $zh);
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

fn upper(t: &str) -> String {
    t.trim().to_ascii_uppercase()
}

identifier!(
    /// A seal's identifier (esID): 1 to 64 characters from A–Z, a–z, 0–9, `-` and `_`. This
    /// registry makes `ES` and 24 hex digits; other platforms' identifiers vary, so only the
    /// form is checked (safe in a URL, a file name, a log line).
    SealId,
    normal: |t| t.trim().to_owned(),
    check: |t| {
        (1..=64).contains(&t.len())
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    },
    zh: "有效的印章编码（1 到 64 个字母、数字、- 或 _）",
    en: "a seal identifier (1 to 64 letters, digits, - or _)"
);

identifier!(
    /// 统一社会信用代码 (GB 32100-2015), check character verified.
    Uscc,
    normal: upper,
    check: is_valid_social_credit_code,
    zh: "有效的统一社会信用代码",
    en: "a valid unified social credit code"
);

identifier!(
    /// 公民身份号码 (GB 11643-1999), birth date and check character verified.
    CitizenId,
    normal: upper,
    check: is_valid_citizen_id,
    zh: "有效的公民身份号码",
    en: "a valid citizen ID number"
);

identifier!(
    /// An SM3 digest as 64 lowercase hex digits (what records name files and documents by).
    Sm3Hex,
    normal: |t| t.trim().to_ascii_lowercase(),
    check: |t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()),
    zh: "十六进制的 SM3 摘要",
    en: "an SM3 digest in hex"
);

impl Sm3Hex {
    /// Of a digest.
    pub fn of(d: &eseal_gm::Sm3Digest) -> Self {
        Self(d.to_hex())
    }
}

/// What each identifier type is called, (English, Chinese): the English is the wording of
/// its refusal when read from JSON (`"x" is not <English>`).
pub const IDENTIFIER_WORDS: [(&str, &str); 4] =
    [SealId::WORDS, Uscc::WORDS, CitizenId::WORDS, Sm3Hex::WORDS];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_normal_and_checked_when_read() {
        let u = Uscc::parse("uscc", " 91350100m000100y43 ").unwrap();
        assert_eq!(u, "91350100M000100Y43");
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, "\"91350100M000100Y43\"");
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), u);
        assert!(serde_json::from_str::<Uscc>("\"91350100M000100Y44\"").is_err());
        let e = CitizenId::parse("holder_id", "110105194912310021").unwrap_err();
        assert!(
            e.text().zh.contains("不是有效的公民身份号码"),
            "{}",
            e.text().zh
        );
        assert!(Sm3Hex::parse("sm3", &"A".repeat(64)).is_ok());
        assert!(Sm3Hex::parse("sm3", "abc").is_err());
    }

    #[test]
    fn social_credit_codes() {
        // Published codes; check characters recomputed independently (testdata/pki/NOTES.md).
        for good in [
            "91350100M000100Y43",
            "91110000600037341L",
            "91110108551385082Q",
        ] {
            assert!(is_valid_social_credit_code(good), "{good}");
        }
        for bad in [
            "91350100M000100Y44", // wrong check character
            "91350100M000100Y4",  // 17 characters
            "91350100I000100Y43", // I is not in the code set
            "",
        ] {
            assert!(!is_valid_social_credit_code(bad), "{bad}");
        }
    }

    #[test]
    fn citizen_ids() {
        for good in [
            "11010519491231002X",
            "440524188001010014",
            "11010119900307803X",
        ] {
            assert!(is_valid_citizen_id(good), "{good}");
        }
        for bad in [
            "110105194912310021", // wrong check digit
            "11010519491331002X", // month 13
            "11010519490230002X", // 30 February
            "1101051949123100",   // short
            "A1010519491231002X", // not digits
        ] {
            assert!(!is_valid_citizen_id(bad), "{bad}");
        }
    }
}
