//! Times in seal data: UTCTime and GeneralizedTime, read tolerantly (fractions, offsets,
//! zone-less local time, swapped types; formats.md E7) and written as DER with `Z`.
//!
//! Zone-less times are taken as China Standard Time (UTC+8), the local time of every producer
//! seen in the field.

use crate::ber::{Tlv, tag};
use crate::der_out;
use crate::error::{SesError, SesErrorKind};
use eseal_asn1::QuirkKind;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The offset assumed for times written without a zone (China Standard Time).
pub const LOCAL_OFFSET_SECONDS: i32 = 8 * 3600;

/// A time field as found: its ASN.1 type, its exact text, and the instant it denotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesTime {
    tag: u8,
    text: String,
    instant: OffsetDateTime,
}

impl SesTime {
    /// Decode a UTCTime or GeneralizedTime node where the standard puts `expected` (either
    /// type accepted in either place). What departs from DER is noted on the node's log: the
    /// types swapped, UTCTime text in a GeneralizedTime (read as UTCTime: DER GeneralizedTime
    /// always has seconds, so 12 digits are a two-digit year), fractional seconds, no zone.
    pub(crate) fn decode(tlv: &Tlv<'_>, what: &str, expected: u8) -> Result<Self, SesError> {
        tlv.expect_any(
            &[
                tag::UTC_TIME,
                tag::GENERALIZED_TIME,
                tag::UTC_TIME | 0x20,
                tag::GENERALIZED_TIME | 0x20,
            ],
            what,
        )?;
        let bytes = tlv.string_bytes(what)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            SesError::at(
                SesErrorKind::BadTime,
                tlv.offset,
                format!("{what}: not text"),
            )
            .zh_context(format!("{what}：不是文本"))
        })?;
        let tag = tlv.tag & !0x20;
        if tag != expected {
            tlv.note(QuirkKind::SwappedTimeType, what);
        }
        let (body, zone) = match split_zone(&text) {
            Some((body, _)) => (body, body.len() != text.len()),
            None => (text.as_str(), true),
        };
        let (main, fraction) = match body.split_once(['.', ',']) {
            Some((m, _)) => (m, true),
            None => (body, false),
        };
        let utc_text_in_generalized = tag == tag::GENERALIZED_TIME
            && main.len() == 12
            && main.bytes().all(|b| b.is_ascii_digit());
        let instant = if tag == tag::UTC_TIME || utc_text_in_generalized {
            parse_utc_time(&text)
        } else {
            parse_generalized_time(&text)
        }
        .ok_or_else(|| {
            SesError::at(
                SesErrorKind::BadTime,
                tlv.offset,
                format!("{what}: cannot read time {text:?}"),
            )
            .zh_context(format!("{what}：无法读取时间 {text:?}"))
        })?;
        if utc_text_in_generalized {
            tlv.note(QuirkKind::GeneralizedTimeWithUtcText, what);
        }
        if fraction {
            tlv.note(QuirkKind::FractionalSeconds, what);
        }
        if !zone {
            tlv.note(QuirkKind::NoTimeZone, what);
        }
        Ok(Self { tag, text, instant })
    }

    /// A GeneralizedTime `YYYYMMDDHHMMSSZ` (v4/v5 fields), whole seconds, UTC.
    pub fn generalized(at: OffsetDateTime) -> Result<Self, SesError> {
        Self::new(tag::GENERALIZED_TIME, at)
    }

    /// A UTCTime `YYMMDDHHMMSSZ` (v1 fields); years 1950–2049 only.
    pub fn utc(at: OffsetDateTime) -> Result<Self, SesError> {
        Self::new(tag::UTC_TIME, at)
    }

    fn new(tag: u8, at: OffsetDateTime) -> Result<Self, SesError> {
        let at = at
            .to_offset(UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(at);
        let year = at.year();
        let text = if tag == tag::UTC_TIME {
            if !(1950..2050).contains(&year) {
                return Err(SesError::new(
                    SesErrorKind::Encoding,
                    "UTCTime year outside 1950-2049",
                )
                .zh_context("UTCTime 的年份须在 1950–2049 之间"));
            }
            format!(
                "{:02}{:02}{:02}{:02}{:02}{:02}Z",
                year % 100,
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        } else {
            if !(0..=9999).contains(&year) {
                return Err(
                    SesError::new(SesErrorKind::Encoding, "GeneralizedTime year")
                        .zh_context("GeneralizedTime 的年份须在 0–9999 之间"),
                );
            }
            format!(
                "{:04}{:02}{:02}{:02}{:02}{:02}Z",
                year,
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        };
        Ok(Self {
            tag,
            text,
            instant: at,
        })
    }

    /// The instant.
    pub fn instant(&self) -> OffsetDateTime {
        self.instant
    }

    /// The text exactly as encoded.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True for UTCTime, false for GeneralizedTime.
    pub fn is_utc_time(&self) -> bool {
        self.tag == tag::UTC_TIME
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, SesError> {
        der_out::tlv(self.tag, self.text.as_bytes())
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn build(
    (year, month, day): (i32, u32, u32),
    (hour, minute, second, nanos): (u32, u32, u32, u32),
    offset: UtcOffset,
) -> Option<OffsetDateTime> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    // A leap second (60) is folded onto 59.
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second.min(59)).ok()?,
        nanos,
    )
    .ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .to_offset(UtcOffset::UTC),
    )
}

/// Splits a trailing zone: `Z`, `+hhmm`, `-hhmm`, `+hh:mm`, or none (local time).
fn split_zone(s: &str) -> Option<(&str, UtcOffset)> {
    if let Some(body) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        return Some((body, UtcOffset::UTC));
    }
    if let Some(idx) = s.rfind(['+', '-']) {
        let (body, zone) = s.split_at(idx);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let z: String = zone.get(1..)?.chars().filter(|c| *c != ':').collect();
        if z.len() == 4 || z.len() == 2 {
            let h = i32::try_from(digits(z.get(..2)?)?).ok()?;
            let m = if z.len() == 4 {
                i32::try_from(digits(z.get(2..)?)?).ok()?
            } else {
                0
            };
            let off = UtcOffset::from_whole_seconds(sign * (h * 3600 + m * 60)).ok()?;
            return Some((body, off));
        }
        return None;
    }
    Some((s, UtcOffset::from_whole_seconds(LOCAL_OFFSET_SECONDS).ok()?))
}

fn fraction_nanos(frac: &str) -> Option<u32> {
    if frac.is_empty() {
        return Some(0);
    }
    let d: String = frac.chars().take(9).collect();
    let v = digits(&d)?;
    Some(v * 10u32.pow(9 - u32::try_from(d.len()).ok()?))
}

/// UTCTime: `YYMMDDhhmm[ss](Z|±hhmm)`.
pub fn parse_utc_time(s: &str) -> Option<OffsetDateTime> {
    let (body, offset) = split_zone(s)?;
    if body.len() != 10 && body.len() != 12 {
        return None;
    }
    let yy = digits(body.get(0..2)?)?;
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    let sec = if body.len() == 12 {
        digits(body.get(10..12)?)?
    } else {
        0
    };
    build(
        (
            i32::try_from(year).ok()?,
            digits(body.get(2..4)?)?,
            digits(body.get(4..6)?)?,
        ),
        (digits(body.get(6..8)?)?, digits(body.get(8..10)?)?, sec, 0),
        offset,
    )
}

/// GeneralizedTime: `YYYYMMDDhh[mm[ss]][.f+](Z|±hhmm)?`; no zone means local time.
pub fn parse_generalized_time(s: &str) -> Option<OffsetDateTime> {
    let (body, offset) = split_zone(s)?;
    let (main, frac) = match body.split_once(['.', ',']) {
        Some((m, f)) => (m, f),
        None => (body, ""),
    };
    if !matches!(main.len(), 10 | 12 | 14) {
        return None;
    }
    let min = if main.len() >= 12 {
        digits(main.get(10..12)?)?
    } else {
        0
    };
    let sec = if main.len() == 14 {
        digits(main.get(12..14)?)?
    } else {
        0
    };
    build(
        (
            i32::try_from(digits(main.get(0..4)?)?).ok()?,
            digits(main.get(4..6)?)?,
            digits(main.get(6..8)?)?,
        ),
        (digits(main.get(8..10)?)?, min, sec, fraction_nanos(frac)?),
        offset,
    )
}

/// The free-text times of v1 `timeInfo` (formats.md E8): `yyyy-MM-dd HH:mm:ss` (local),
/// ISO-8601 `2020-01-25T07:31:56.377Z`, UTCTime or GeneralizedTime text.
pub fn parse_text_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if s.len() >= 19 && s.as_bytes().get(4) == Some(&b'-') {
        let date = s.get(0..10)?;
        let sep = s.as_bytes().get(10)?;
        if *sep != b' ' && *sep != b'T' {
            return None;
        }
        let rest = s.get(11..)?;
        let (clock, zone_part) = rest.split_at(8.min(rest.len()));
        let (frac_and_zone, offset) = split_zone(zone_part)?;
        let frac = frac_and_zone.strip_prefix('.').unwrap_or(frac_and_zone);
        return build(
            (
                i32::try_from(digits(date.get(0..4)?)?).ok()?,
                digits(date.get(5..7)?)?,
                digits(date.get(8..10)?)?,
            ),
            (
                digits(clock.get(0..2)?)?,
                digits(clock.get(3..5)?)?,
                digits(clock.get(6..8)?)?,
                fraction_nanos(frac)?,
            ),
            offset,
        );
    }
    parse_utc_time(s).or_else(|| parse_generalized_time(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reads_every_form_seen_in_the_field() {
        let t = datetime!(2020-10-10 07:11:20 UTC);
        assert_eq!(parse_generalized_time("20201010071120Z"), Some(t));
        assert_eq!(parse_generalized_time("20201010151120"), Some(t)); // local, +08:00
        assert_eq!(parse_generalized_time("20201010151120+0800"), Some(t));
        assert_eq!(
            parse_generalized_time("20201010071120.302Z"),
            Some(datetime!(2020-10-10 07:11:20.302 UTC))
        );
        assert_eq!(parse_utc_time("201010071120Z"), Some(t));
        assert_eq!(parse_text_time("2020-10-10 15:11:20"), Some(t));
        assert_eq!(
            parse_text_time("2020-10-10T07:11:20.377Z"),
            Some(datetime!(2020-10-10 07:11:20.377 UTC))
        );
        assert_eq!(parse_text_time("201010071120Z"), Some(t));
        assert_eq!(parse_generalized_time("20201310071120Z"), None);
        assert_eq!(parse_generalized_time("2020101007112Z"), None);
        assert_eq!(parse_text_time("yesterday"), None);
    }

    #[test]
    fn utc_time_century_rule() {
        assert_eq!(parse_utc_time("500101000000Z").unwrap().year(), 1950);
        assert_eq!(parse_utc_time("491231235959Z").unwrap().year(), 2049);
    }
}
