//! What a file is, from its bytes (issue 15 item 3): a verifier given the wrong kind of file
//! says what it is and what to do with it, instead of a parser's complaint that reads like a
//! broken signature.

/// The kinds of file a user may hand to `eseal verify` or `eseal seal …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A ZIP package with `OFD.xml` (GB/T 33190).
    Ofd,
    /// A ZIP archive that is not an OFD package.
    Zip,
    /// A PDF document.
    Pdf,
    /// Seal data (印章数据, GM/T 0031 / GB/T 38540 SESeal).
    Seal,
    /// A detached electronic signature (SES_Signature).
    Signature,
    /// A CMS / PKCS#7 or GB/T 35275 SignedData.
    Cms,
    /// An X.509 certificate (DER or PEM).
    Certificate,
    /// Nothing in it.
    Empty,
    /// None of these.
    Unknown,
}

const PKCS7_SIGNED_DATA: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,
];
const GM_SIGNED_DATA: &[u8] = &[
    0x06, 0x0A, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x06, 0x01, 0x04, 0x02, 0x02,
];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

impl FileKind {
    /// What `bytes` (the whole file, or at least its first megabyte) is.
    pub fn sniff(bytes: &[u8]) -> Self {
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&[][..], |i| bytes.get(i..).unwrap_or_default());
        if bytes.is_empty() {
            return FileKind::Empty;
        }
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            return if contains(bytes, b"OFD.xml") || contains(bytes, b"OFD.XML") {
                FileKind::Ofd
            } else {
                FileKind::Zip
            };
        }
        if start.starts_with(b"%PDF-") {
            return FileKind::Pdf;
        }
        if start.starts_with(b"-----BEGIN CERTIFICATE-----") {
            return FileKind::Certificate;
        }
        if start.starts_with(b"-----BEGIN PKCS7-----") || start.starts_with(b"-----BEGIN CMS-----")
        {
            return FileKind::Cms;
        }
        if bytes.first() != Some(&0x30) {
            return FileKind::Unknown;
        }
        let head = bytes.get(..64).unwrap_or(bytes);
        if contains(head, PKCS7_SIGNED_DATA) || contains(head, GM_SIGNED_DATA) {
            return FileKind::Cms;
        }
        if eseal_pki::Certificate::from_der(bytes).is_ok() {
            return FileKind::Certificate;
        }
        match eseal_ses::detect(bytes) {
            Ok(eseal_ses::StructureKind::Seal) => FileKind::Seal,
            Ok(eseal_ses::StructureKind::Signature) => FileKind::Signature,
            Err(_) => FileKind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_their_first_bytes() {
        assert_eq!(FileKind::sniff(b""), FileKind::Empty);
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n..."), FileKind::Pdf);
        assert_eq!(FileKind::sniff(b"PK\x03\x04....OFD.xml...."), FileKind::Ofd);
        assert_eq!(FileKind::sniff(b"PK\x03\x04....word/doc"), FileKind::Zip);
        assert_eq!(
            FileKind::sniff(b"-----BEGIN CERTIFICATE-----\nMII"),
            FileKind::Certificate
        );
        assert_eq!(FileKind::sniff(b"hello"), FileKind::Unknown);
        let mut cms = vec![0x30, 0x82, 0x01, 0x00];
        cms.extend_from_slice(PKCS7_SIGNED_DATA);
        assert_eq!(FileKind::sniff(&cms), FileKind::Cms);
    }

    /// The real files of other implementations are recognised (samples/NOTES.md).
    #[test]
    #[cfg_attr(
        eseal_skip_samples,
        ignore = "needs the real-world samples: ../shared/samples or ESEAL_SAMPLES"
    )]
    fn the_samples_are_recognised() {
        let Some(dir) = eseal_testkit::samples() else {
            return;
        };
        for (file, kind) in [
            ("UserV1.esl", FileKind::Seal),
            ("UserV4.esl", FileKind::Seal),
            ("UserV5.esl", FileKind::Seal),
            ("SignedValueV4.dat", FileKind::Signature),
            ("SignedValueV5.dat", FileKind::Signature),
            ("sign_cert.pem", FileKind::Certificate),
            ("v4signed.ofd", FileKind::Ofd),
            ("ROOT.p12", FileKind::Unknown),
        ] {
            let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
            assert_eq!(FileKind::sniff(&bytes), kind, "{file}");
        }
    }
}
