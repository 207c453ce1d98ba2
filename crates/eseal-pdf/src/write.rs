//! Writing objects in PDF syntax (ISO 32000-1 §7.3): what an incremental update appends.

use crate::object::{Dict, Object};
use std::io::Write;

/// `o` in PDF syntax, appended to `out`. A stream is written as its dictionary only (its data
/// is the caller's).
pub fn object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Object::Real(r) => real(out, *r),
        Object::Name(n) => name(out, n),
        Object::String(s) => {
            out.push(b'<');
            for b in s {
                let _ = write!(out, "{b:02X}");
            }
            out.push(b'>');
        }
        Object::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                object(out, x);
            }
            out.push(b']');
        }
        Object::Dict(d) | Object::Stream(d, _) => dict(out, d),
        Object::Ref(r) => {
            let _ = write!(out, "{} {} R", r.number, r.generation);
        }
    }
}

/// A dictionary.
pub fn dict(out: &mut Vec<u8>, d: &Dict) {
    out.extend_from_slice(b"<<");
    for (k, v) in d {
        name(out, k);
        out.push(b' ');
        object(out, v);
    }
    out.extend_from_slice(b">>");
}

/// A real number with at most four decimals and no exponent.
pub fn real(out: &mut Vec<u8>, r: f64) {
    let r = if r.is_finite() { r } else { 0.0 };
    let text = format!("{r:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    out.extend_from_slice(if text.is_empty() || text == "-" {
        b"0"
    } else {
        text.as_bytes()
    });
}

/// A name, with `#xx` for bytes outside the regular printable range.
pub fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        let plain = b.is_ascii_graphic()
            && !matches!(
                b,
                b'#' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
            );
        if plain {
            out.push(b);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::object::Parser;

    #[test]
    fn what_is_written_reads_back() {
        let mut d = Dict::new();
        d.insert(b"A B".to_vec(), Object::String(b"(x)\\".to_vec()));
        d.insert(b"R".to_vec(), Object::Real(-0.5));
        d.insert(
            b"I".to_vec(),
            Object::Array(vec![Object::Int(1), Object::Null]),
        );
        let o = Object::Dict(d);
        let mut out = Vec::new();
        object(&mut out, &o);
        assert_eq!(Parser::new(&out, 0).object().unwrap(), o);
        let mut r = Vec::new();
        real(&mut r, 12.0);
        assert_eq!(r, b"12");
    }
}
