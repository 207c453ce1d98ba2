//! Key ceremonies (issue 21 item 4): a key file — the backup key, or the data key — split
//! m-of-n among named custodians by Shamir's scheme over GF(256) (the `blahaj` crate), each
//! share a short text to print and keep in a sealed envelope; any m of them give the key
//! file back, byte for byte, and fewer give nothing (a refusal that says how many are
//! needed, never a wrong key).
//!
//! A share's text names the key (kind and SM3 fingerprint), its number, the threshold and
//! its custodian, carries the share bytes in hex groups, and ends with a check code over all
//! of it, so a mistyped or damaged share is named as such before any combining.

use crate::failure::{Failure, Kind};
use eseal_core::Text;
use zeroize::Zeroizing;

/// The first line of every share.
const FIRST: &str = "eseal key share v1 / 密钥份额";

/// What a key file is, from its text.
pub fn kind_of(secret: &str) -> &'static str {
    if secret.starts_with("eseal-backup-key:") {
        "backup-key"
    } else {
        "data-key"
    }
}

/// A key's public fingerprint: 16 hex digits of the SM3 of its file's text.
pub fn fingerprint(secret: &str) -> String {
    let d = eseal_gm::Sm3Digest::of(secret.trim().as_bytes()).to_hex();
    d[..16].to_owned()
}

/// One share, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// `backup-key` or `data-key`.
    pub kind: String,
    /// The key's fingerprint.
    pub key: String,
    /// This share's number (1-based).
    pub number: u8,
    /// How many were made.
    pub of: u8,
    /// How many are needed.
    pub threshold: u8,
    /// Who holds it.
    pub custodian: String,
    /// When it was made (RFC 3339).
    pub made: String,
    data: Zeroizing<Vec<u8>>,
}

fn invalid(zh: String, en: String) -> Failure {
    Failure::new(Kind::Invalid, "key_share_invalid", Text::new(zh, en))
}

fn check_code(s: &Share) -> String {
    let mut h = eseal_gm::Sm3Hasher::new();
    for part in [
        s.kind.as_str(),
        s.key.as_str(),
        &s.number.to_string(),
        &s.of.to_string(),
        &s.threshold.to_string(),
        s.custodian.as_str(),
        s.made.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    h.update(&s.data);
    h.finalize().to_hex()[..8].to_owned()
}

impl Share {
    /// The share as printed.
    pub fn to_text(&self) -> Zeroizing<String> {
        let hex = hex::encode(self.data.as_slice());
        let groups: Vec<&str> = hex
            .as_bytes()
            .chunks(8)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        let lines: Vec<String> = groups.chunks(6).map(|g| g.join(" ")).collect();
        Zeroizing::new(format!(
            "{FIRST}\nkind: {}\nkey: {}\nshare: {} of {}, threshold {}\ncustodian: {}\nmade: {}\ndata:\n{}\ncheck: {}\n",
            self.kind,
            self.key,
            self.number,
            self.of,
            self.threshold,
            self.custodian,
            self.made,
            lines.join("\n"),
            check_code(self)
        ))
    }

    /// Reads a share's text (`from` names it in messages).
    pub fn from_text(text: &str, from: &str) -> Result<Self, Failure> {
        let bad = |zh: &str, en: &str| {
            invalid(
                format!("{from} 不是有效的密钥份额：{zh}"),
                format!("{from} is not a valid key share: {en}"),
            )
        };
        let mut lines = text.lines().map(str::trim);
        if lines.next() != Some(FIRST) {
            return Err(bad("首行不对", "its first line is wrong"));
        }
        let mut field = |name: &str| -> Result<String, Failure> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(": "))
                .map(str::to_owned)
                .ok_or_else(|| bad(&format!("缺少 {name}"), &format!("no {name} line")))
        };
        let kind = field("kind")?;
        let key = field("key")?;
        let share = field("share")?;
        let custodian = field("custodian")?;
        let made = field("made")?;
        let (number, rest) = share
            .split_once(" of ")
            .ok_or_else(|| bad("份额编号行不对", "the share line is wrong"))?;
        let (of, threshold) = rest
            .split_once(", threshold ")
            .ok_or_else(|| bad("份额编号行不对", "the share line is wrong"))?;
        let num = |s: &str| s.trim().parse::<u8>().ok();
        let (Some(number), Some(of), Some(threshold)) = (num(number), num(of), num(threshold))
        else {
            return Err(bad("份额编号不是数字", "the share numbers are not numbers"));
        };
        if lines.next() != Some("data:") {
            return Err(bad("缺少 data", "no data line"));
        }
        let mut hex_text = String::new();
        let mut check = None;
        for l in lines {
            if let Some(c) = l.strip_prefix("check: ") {
                check = Some(c.trim().to_owned());
                break;
            }
            hex_text.extend(l.chars().filter(|c| !c.is_whitespace()));
        }
        let data = Zeroizing::new(
            hex::decode(&hex_text).map_err(|_| bad("数据不是十六进制", "its data is not hex"))?,
        );
        let s = Share {
            kind,
            key,
            number,
            of,
            threshold,
            custodian,
            made,
            data,
        };
        if check.as_deref() != Some(check_code(&s).as_str()) {
            return Err(bad(
                "校验码不符（抄录有误或已损坏）",
                "its check code does not match (mistyped or damaged)",
            ));
        }
        Ok(s)
    }
}

/// Splits `secret` (a key file's text) into `custodians.len()` shares, any `threshold` of
/// which give it back.
pub fn split(
    secret: &str,
    threshold: u8,
    custodians: &[String],
    made: &str,
) -> Result<Vec<Share>, Failure> {
    let n = custodians.len();
    if threshold < 2 || usize::from(threshold) > n || n > 255 {
        return Err(invalid(
            format!("门限须至少为 2 且不超过保管人数（{n}）"),
            format!("the threshold must be at least 2 and at most the number of custodians ({n})"),
        ));
    }
    let secret = secret.trim();
    let dealer = blahaj::Sharks(threshold).dealer(secret.as_bytes());
    Ok(dealer
        .take(n)
        .zip(custodians)
        .enumerate()
        .map(|(i, (share, who))| Share {
            kind: kind_of(secret).into(),
            key: fingerprint(secret),
            number: u8::try_from(i + 1).unwrap_or(u8::MAX),
            of: u8::try_from(n).unwrap_or(u8::MAX),
            threshold,
            custodian: eseal_core::text::printable(who).into_owned(),
            made: made.to_owned(),
            data: Zeroizing::new(Vec::from(&share)),
        })
        .collect())
}

/// Joins shares back into the key file's text: all of one split, distinct, at least its
/// threshold; the result must have the fingerprint the shares name.
pub fn join(shares: &[Share]) -> Result<Zeroizing<String>, Failure> {
    let Some(first) = shares.first() else {
        return Err(invalid("没有给出份额".into(), "no shares given".into()));
    };
    if let Some(other) = shares
        .iter()
        .find(|s| s.key != first.key || s.threshold != first.threshold || s.of != first.of)
    {
        return Err(invalid(
            format!(
                "份额不属于同一次拆分：{}（{}）与 {}（{}）",
                first.custodian, first.key, other.custodian, other.key
            ),
            format!(
                "the shares are not of one split: {}'s ({}) and {}'s ({})",
                first.custodian, first.key, other.custodian, other.key
            ),
        ));
    }
    let mut numbers: Vec<u8> = shares.iter().map(|s| s.number).collect();
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.len() < usize::from(first.threshold) {
        return Err(invalid(
            format!(
                "份额不够：需要 {} 份（共 {} 份中的任意 {} 份），给出的不同份额只有 {} 份",
                first.threshold,
                first.of,
                first.threshold,
                numbers.len()
            ),
            format!(
                "too few shares: {} of the {} are needed, {} distinct given",
                first.threshold,
                first.of,
                numbers.len()
            ),
        ));
    }
    let parts: Vec<blahaj::Share> = shares
        .iter()
        .filter_map(|s| blahaj::Share::try_from(s.data.as_slice()).ok())
        .collect();
    let secret = blahaj::Sharks(first.threshold)
        .recover(parts.iter())
        .map_err(|e| invalid(format!("无法合成：{e}"), format!("cannot be combined: {e}")))?;
    let secret = Zeroizing::new(String::from_utf8(secret).map_err(|_| {
        invalid(
            "合成的结果不是密钥文件".into(),
            "the result is not a key file".into(),
        )
    })?);
    if fingerprint(&secret) != first.key {
        return Err(invalid(
            "合成的密钥与份额记载的指纹不符：有份额被改动".into(),
            "the combined key does not have the fingerprint the shares name: a share was changed"
                .into(),
        ));
    }
    Ok(Zeroizing::new(format!("{}\n", secret.as_str())))
}

/// Audits a ceremony in `store` (object: the key's kind and fingerprint; outcome: what was
/// done and the custodians named).
pub async fn record(
    store: &eseal_store::Store,
    kind: &str,
    key: &str,
    outcome: &str,
    now: time::OffsetDateTime,
) -> Result<(), Failure> {
    store
        .commit(
            eseal_store::Batch::new().event(
                eseal_store::audit::Event::KeyCeremony,
                &format!("{kind}/{key}"),
                outcome,
            ),
            now,
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        ["张三", "李四", "王五", "赵六", "钱七"][..n]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn any_three_of_five_and_no_fewer() {
        let key = "eseal-backup-key:1:000102030405060708090a0b0c0d0e0f";
        let shares = split(key, 3, &names(5), "2026-12-06T00:00:00Z").unwrap();
        let texts: Vec<_> = shares.iter().map(|s| s.to_text()).collect();
        let read: Vec<Share> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Share::from_text(t, &format!("share {i}")).unwrap())
            .collect();
        assert_eq!(read[1].custodian, "李四");
        for a in 0..5 {
            for b in a + 1..5 {
                for c in b + 1..5 {
                    let got = join(&[read[a].clone(), read[b].clone(), read[c].clone()]).unwrap();
                    assert_eq!(got.trim(), key);
                }
                let e = join(&[read[a].clone(), read[b].clone()]).unwrap_err();
                assert!(e.detail.zh.contains("需要 3 份"), "{}", e.detail.zh);
                // The same share twice is still two.
                assert!(join(&[read[a].clone(), read[b].clone(), read[b].clone()]).is_err());
            }
        }
        // A mistyped share is named before combining.
        let typo = texts[0].replacen("data:\n", "data:\n0", 1);
        let e = Share::from_text(&typo, "张三的份额").unwrap_err();
        assert!(e.detail.zh.contains("张三的份额"), "{}", e.detail.zh);
        // Shares of two splits do not mix.
        let other = split(key, 3, &names(5), "2026-12-07T00:00:00Z").unwrap();
        let mixed = join(&[read[0].clone(), read[1].clone(), other[2].clone()]);
        assert!(mixed.is_err());
        assert!(split(key, 1, &names(3), "t").is_err());
        assert!(split(key, 4, &names(3), "t").is_err());
    }
}
