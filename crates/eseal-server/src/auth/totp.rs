//! TOTP codes (RFC 6238) and the base32 text authenticator apps take secrets in.

use super::TOTP_STEP;
use hmac::{KeyInit, Mac};
use time::OffsetDateTime;

/// The TOTP code for `secret` at step `step` (RFC 6238 with HMAC-SHA1, 6 digits).
pub fn totp_code(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h.get(19).copied().unwrap_or(0) & 0x0f);
    let bin = h
        .get(offset..offset + 4)
        .map(|b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]))
        .unwrap_or(0);
    format!("{:06}", bin % 1_000_000)
}

/// The TOTP step at `at`.
pub fn totp_step(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().div_euclid(TOTP_STEP)
}

/// RFC 4648 base32 (no padding), as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = match c.to_ascii_uppercase() {
            u @ 'A'..='Z' => u32::from(u) - u32::from('A'),
            d @ '2'..='7' => u32::from(d) - u32::from('2') + 26,
            _ => return None,
        };
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The enrolment (secret, otpauth URI) of `secret` for `username`.
pub(super) fn enrolment(username: &str, secret: &[u8]) -> super::Enrolment {
    let b32 = base32(secret);
    super::Enrolment {
        username: username.to_owned(),
        otpauth_uri: format!("otpauth://totp/eseal:{username}?secret={b32}&issuer=eseal"),
        totp_secret: b32,
    }
}
