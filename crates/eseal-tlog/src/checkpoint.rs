//! Checkpoints: a log's origin, size and root, signed.
//!
//! The text is the C2SP `tlog-checkpoint` body — the origin line, the size in decimal, the
//! root in standard base64, then optional extension lines, each ending in a newline — and the
//! signature follows the C2SP `signed-note` layout: a blank line, then one line per signature,
//! `— <key name> <base64(key ID ‖ signature)>`. signed-note defines no SM2 type, so eseal
//! uses its own: the key ID is the first 4 bytes of `SM3(name ‖ "\n" ‖ 0x53 ‖ public key as
//! SEC1 uncompressed)`, and the signature is SM2 with SM3 over the note text (signer ID
//! `1234567812345678`), 64 bytes `r ‖ s`.

use crate::Hash;
use base64ct::{Base64, Encoding};
use eseal_gm::provider::Sm2Signer;
use eseal_gm::{SignerId, Sm2PublicKey, Sm2Signature, Sm3Hasher};

/// The signature type byte in key IDs ('S', SM2).
const SM2_TYPE: u8 = 0x53;
/// The signature line's prefix: an em dash and a space.
const DASH: &str = "\u{2014} ";

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a well-formed note or checkpoint body.
    #[error("malformed checkpoint: {}", .0.en)]
    Malformed(Malformation),
    /// No signature line by this key.
    #[error("no signature by {0:?} with this key")]
    NotSigned(String),
    /// The signature line by this key does not verify.
    #[error("the signature by {0:?} does not verify")]
    BadSignature(String),
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
}

/// A log's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name (a schema-less URL by convention, e.g. `eseal.example.gov.cn/seals`).
    pub origin: String,
    /// How many leaves.
    pub size: u64,
    /// The root of those leaves.
    pub root: Hash,
    /// Extension lines (without their newlines), kept as given.
    pub extensions: Vec<String>,
}

/// The 4-byte ID of a verifier key.
pub fn key_id(name: &str, key: &Sm2PublicKey) -> [u8; 4] {
    let mut h = Sm3Hasher::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(&[SM2_TYPE]);
    h.update(&key.to_sec1_uncompressed());
    let d = h.finalize();
    let b = d.as_bytes();
    [b[0], b[1], b[2], b[3]]
}

/// What is wrong with a malformed checkpoint, in English and Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformation {
    /// English.
    pub en: &'static str,
    /// 中文.
    pub zh: &'static str,
}

fn malformed(en: &'static str, zh: &'static str) -> CheckpointError {
    CheckpointError::Malformed(Malformation { en, zh })
}

impl CheckpointError {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Malformed(m) => format!("检查点格式不正确：{}", m.zh),
            Self::NotSigned(name) => format!("检查点没有 {name:?} 用此公钥所作的签名"),
            Self::BadSignature(name) => format!("检查点上 {name:?} 的签名验证不通过"),
            Self::Signing(_) => "检查点签名失败".to_owned(),
        }
    }
}

impl Checkpoint {
    /// The body text (what is signed).
    pub fn body(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            Base64::encode_string(&self.root)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        out
    }

    /// Parses a body.
    pub fn parse_body(body: &str) -> Result<Self, CheckpointError> {
        let text = body
            .strip_suffix('\n')
            .ok_or_else(|| malformed("the body does not end with a newline", "正文不以换行结束"))?;
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() || origin.trim() != origin {
            return Err(malformed(
                "empty or padded origin line",
                "来源行为空或有多余空白",
            ));
        }
        let size_text = lines
            .next()
            .ok_or_else(|| malformed("no size line", "缺少大小行"))?;
        let size: u64 = size_text
            .parse()
            .ok()
            .filter(|_| size_text == "0" || !size_text.starts_with('0'))
            .filter(|_| size_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| malformed("the size is not a decimal number", "大小不是十进制数"))?;
        let root_text = lines
            .next()
            .ok_or_else(|| malformed("no root line", "缺少根哈希行"))?;
        let root = Base64::decode_vec(root_text)
            .ok()
            .and_then(|b| <Hash>::try_from(b).ok())
            .filter(|r| Base64::encode_string(r) == root_text)
            .ok_or_else(|| {
                malformed(
                    "the root is not 32 bytes of standard base64",
                    "根哈希不是 32 字节的标准 base64",
                )
            })?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(malformed("an empty extension line", "有空的扩展行"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The signed note: body, blank line, the signature line of `name`.
    pub fn sign(&self, name: &str, signer: &dyn Sm2Signer) -> Result<String, CheckpointError> {
        if name.is_empty() || name.contains([' ', '\n', '+']) {
            return Err(CheckpointError::Signing(format!(
                "{name:?} is not a key name (no spaces, newlines or '+')"
            )));
        }
        if signer.signer_id().as_str() != eseal_gm::DEFAULT_SIGNER_ID {
            return Err(CheckpointError::Signing(
                "checkpoints are signed with the default SM2 signer ID".into(),
            ));
        }
        let body = self.body();
        let sig = signer
            .sign(body.as_bytes())
            .map_err(|e| CheckpointError::Signing(e.to_string()))?;
        let mut blob = key_id(name, &signer.public_key()).to_vec();
        blob.extend_from_slice(&sig.to_raw());
        Ok(format!(
            "{body}\n{DASH}{name} {}\n",
            Base64::encode_string(&blob)
        ))
    }

    /// A signed note with one more signature line by `signer` over the same body (a log key
    /// rotation: the latest checkpoint signed by the old and the new key, which hands the log
    /// over; witnesses' cosignatures of the body stay valid). The body must parse.
    pub fn add_signature(
        note: &str,
        name: &str,
        signer: &dyn Sm2Signer,
    ) -> Result<String, CheckpointError> {
        let split = note
            .find("\n\n")
            .ok_or_else(|| malformed("no blank line before the signatures", "签名之前没有空行"))?;
        let body = Self::parse_body(&note[..=split])?;
        let signed = body.sign(name, signer)?;
        let line = signed
            .rsplit_once("\n\n")
            .map(|(_, l)| l)
            .ok_or_else(|| malformed("no signature made", "未能签名"))?;
        let mut out = note.to_owned();
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(line);
        Ok(out)
    }

    /// Opens a signed note: it must carry a valid signature by `name` with `key`; other
    /// signature lines (witnesses) are ignored.
    pub fn open(note: &str, name: &str, key: &Sm2PublicKey) -> Result<Self, CheckpointError> {
        let split = note
            .find("\n\n")
            .ok_or_else(|| malformed("no blank line before the signatures", "签名之前没有空行"))?;
        let (body, sigs) = (&note[..=split], &note[split + 2..]);
        let checkpoint = Self::parse_body(body)?;
        let sigs = sigs.strip_suffix('\n').ok_or_else(|| {
            malformed(
                "the signatures do not end with a newline",
                "签名部分不以换行结束",
            )
        })?;
        let id = key_id(name, key);
        for line in sigs.split('\n') {
            let rest = line.strip_prefix(DASH).ok_or_else(|| {
                malformed(
                    "a signature line does not start with an em dash",
                    "签名行不以破折号（—）开头",
                )
            })?;
            let (who, b64) = rest.split_once(' ').ok_or_else(|| {
                malformed("a signature line has no signature", "签名行中没有签名")
            })?;
            let blob = Base64::decode_vec(b64)
                .map_err(|_| malformed("a signature is not base64", "签名不是 base64"))?;
            if who != name || blob.len() < 4 || blob[..4] != id {
                continue;
            }
            let sig = Sm2Signature::from_raw(&blob[4..])
                .map_err(|_| CheckpointError::BadSignature(name.to_owned()))?;
            return key
                .verify(&SignerId::default(), body.as_bytes(), &sig)
                .map(|()| checkpoint)
                .map_err(|_| CheckpointError::BadSignature(name.to_owned()));
        }
        Err(CheckpointError::NotSigned(name.to_owned()))
    }
}
