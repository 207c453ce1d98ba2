//! PEM blocks (RFC 7468) with the `base64ct` decoder.

use crate::error::PkiError;
use base64ct::{Base64, Encoding};

/// `bytes` as one DER object (it starts with a SEQUENCE tag), or else the decoded bodies of
/// every `label` block of the PEM text it holds (possibly none). Non-UTF-8 that is not DER
/// is an error naming `what`.
pub fn der_or_blocks(bytes: &[u8], label: &str, what: &str) -> Result<Vec<Vec<u8>>, PkiError> {
    if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes.to_vec()]);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| PkiError::Pem(format!("{what} is neither DER nor PEM text")))?;
    blocks(text, label)
}

/// The decoded bodies of every `label` block in `text`, in order.
pub fn blocks(text: &str, label: &str) -> Result<Vec<Vec<u8>>, PkiError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = rest.get(start + begin.len()..).unwrap_or_default();
        let stop = after
            .find(&end)
            .ok_or_else(|| PkiError::Pem(format!("{label} block without END line")))?;
        let body: String = after
            .get(..stop)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(
            Base64::decode_vec(&body)
                .map_err(|e| PkiError::Pem(format!("{label}: bad base64: {e}")))?,
        );
        rest = after.get(stop + end.len()..).unwrap_or_default();
    }
    Ok(out)
}

/// A PEM block with 64-character lines.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
