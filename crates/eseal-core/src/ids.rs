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

#[cfg(test)]
mod tests {
    use super::*;

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
