//! Names people see (seal names, organisation and display names): one rule for all of them
//! (issue 14 item 7). A name is trimmed and NFC-normalised, so that the same name typed two
//! ways is stored one way, and refused when it holds characters that hide or reorder what a
//! reader sees — control characters (NUL, newlines, escapes), zero-width and other invisible
//! formatting characters, bidirectional overrides — or when it is longer than a name can be.

use crate::error::DomainError;
use unicode_normalization::UnicodeNormalization;

/// Characters that are invisible or change how the text around them is shown: format
/// characters (Unicode category Cf) that a name never needs, and the bidirectional controls.
fn hides_or_reorders(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                 // soft hyphen
        | '\u{034F}'               // combining grapheme joiner
        | '\u{061C}'               // Arabic letter mark
        | '\u{115F}' | '\u{1160}'  // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'  // Mongolian variation selectors and vowel separator
        | '\u{200B}'..='\u{200F}'  // zero-width space, ZWNJ, ZWJ, LRM, RLM
        | '\u{2028}'..='\u{202E}'  // line/paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'  // word joiner, invisible operators, bidi isolates
        | '\u{3164}'               // Hangul filler
        | '\u{FE00}'..='\u{FE0F}'  // variation selectors
        | '\u{FEFF}'               // zero-width no-break space (BOM)
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'  // interlinear annotations
        | '\u{E0000}'..='\u{E0FFF}' // tags, variation selectors supplement
    )
}

/// A name as stored: trimmed, NFC, at most `max_chars` characters, none of them a control
/// or invisible formatting character. The error names the field and the character.
pub fn name(field: &'static str, value: &str, max_chars: usize) -> Result<String, DomainError> {
    let invalid = |zh: String, en: String| DomainError::invalid(field, zh, en);
    // Bound the work before normalising: NFC can only be asked of a sane amount of text.
    if value.len() > max_chars.saturating_mul(4).saturating_add(64) {
        return Err(invalid(
            format!("超过 {max_chars} 个字符（{} 字节）", value.len()),
            format!("longer than {max_chars} characters ({} bytes)", value.len()),
        ));
    }
    let text: String = value.trim().nfc().collect();
    if text.is_empty() {
        return Err(invalid("不能为空".into(), "must not be empty".into()));
    }
    if let Some((i, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() || hides_or_reorders(*c))
    {
        return Err(invalid(
            format!(
                "第 {} 个字符（U+{:04X}）是控制字符或不可见的格式字符，不能出现在名称中",
                i + 1,
                u32::from(c)
            ),
            format!(
                "character {} (U+{:04X}) is a control or invisible formatting character, not part of a name",
                i + 1,
                u32::from(c)
            ),
        ));
    }
    let n = text.chars().count();
    if n > max_chars {
        return Err(invalid(
            format!("{n} 个字符，最多 {max_chars} 个"),
            format!("{n} characters, at most {max_chars}"),
        ));
    }
    Ok(text)
}

/// `text` as it may be shown on a terminal or in a log line: control characters, invisible
/// formatting and bidirectional controls are written as `\u{…}` escapes (`\n`, `\t`, `\\` for
/// the common ones), so that a value from outside (a user name, a seal name in a document)
/// cannot start a new line, recolour a terminal or reorder what is shown around it.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c == '\\' || c.is_control() || hides_or_reorders(c))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || hides_or_reorders(c) => {
                out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A time in evidence people read (verification checks, chain and revocation details):
/// RFC 3339 at Beijing time, `2026-12-08T11:02:55+08:00`. The same hour the pages and
/// reports show beside it, and still the exact instant (a `…Z` in UTC beside a Beijing
/// time in the report's header read as a time eight hours off).
pub fn beijing(t: time::OffsetDateTime) -> String {
    let t = match time::UtcOffset::from_hms(8, 0, 0) {
        Ok(o) => t.to_offset(o),
        Err(_) => t,
    };
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn evidence_times_are_beijing_time() {
        let t = time::macros::datetime!(2026-12-07 19:02:55 UTC);
        assert_eq!(beijing(t), "2026-12-08T03:02:55+08:00");
    }

    #[test]
    fn names_are_normalised_and_hidden_characters_refused() {
        // NFD "é" (e + combining acute) becomes the one NFC character.
        assert_eq!(
            name("n", " Caf\u{0065}\u{0301} ", 10).unwrap(),
            "Caf\u{00E9}"
        );
        assert_eq!(
            name("n", "威海市示例科技有限公司", 100).unwrap(),
            "威海市示例科技有限公司"
        );
        for bad in [
            "威海市\u{200B}示例", // zero-width space
            "威海市\u{202E}司公", // right-to-left override
            "威海市\u{2066}x",    // bidi isolate
            "a\u{0000}b",         // NUL
            "a\nb",               // newline
            "a\u{001B}[31mb",     // terminal escape
            "a\u{FEFF}b",         // BOM
            "a\u{E0041}b",        // tag character
        ] {
            let e = name("seal_name", bad, 100).unwrap_err().to_string();
            assert!(
                e.starts_with("seal_name:") && e.contains("U+"),
                "{bad:?}: {e}"
            );
        }
        assert!(name("n", "   ", 10).is_err());
        assert!(name("n", &"字".repeat(11), 10).is_err());
        assert!(name("n", &"x".repeat(900_000), 10).is_err());
    }

    #[test]
    fn printable_escapes_what_would_forge_a_line() {
        assert_eq!(printable("威海 ok"), "威海 ok");
        assert_eq!(
            printable("x\n{\"seq\":1}\u{1b}[2J\u{202e}"),
            "x\\n{\"seq\":1}\\u{001b}[2J\\u{202e}"
        );
        assert_eq!(printable("a\\nb"), "a\\\\nb");
    }
}
