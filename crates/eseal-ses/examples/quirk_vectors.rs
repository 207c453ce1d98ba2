#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a generator run by hand
//! Makes the encoder-quirk test vectors of `testdata/ses/quirks/` (see its NOTES.md):
//!
//! ```sh
//! cargo run -p eseal-ses --example quirk_vectors -- testdata/ses/quirks
//! ```
//!
//! Each vector is a seal or signature made by eseal, then re-encoded with one quirk that real
//! encoders produce and, where the quirk lies in signed bytes, signed again over the bytes as
//! re-encoded — exactly what a sloppy encoder does. The keys come from a fixed seed and the
//! certificates chain to `trust/root.der`, whose CRL (`trust/root.crl`) runs to 2046.

use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_gm::{SignerId, Sm2PrivateKey, Sm3Digest};
use eseal_pki::{CertificateKind, IssueRequest, Issuer, issue_certificate};
use eseal_ses::ber::Tlv;
use eseal_ses::{AnySeal, AnySignature, SealRequest, SignRequest, Version};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);
const SIGNING: OffsetDateTime = datetime!(2026-03-01 08:00 UTC);
const END: OffsetDateTime = datetime!(2046-01-01 00:00 UTC);
/// The data every signature vector signs, except `sig-datahash-dropped-zero`.
const DATA: &[u8] = b"eseal encoder-quirk test vector\n";

/// A DER tree that can be edited and written back with recomputed lengths.
#[derive(Clone, Debug)]
enum Node {
    Prim(u8, Vec<u8>),
    Cons(u8, Vec<Node>),
}

impl Node {
    fn parse(bytes: &[u8]) -> Node {
        let (t, _) = Tlv::read(bytes, 0).unwrap();
        Self::from_tlv(&t)
    }

    fn from_tlv(t: &Tlv<'_>) -> Node {
        if t.constructed() {
            Node::Cons(
                t.tag,
                t.children().unwrap().iter().map(Self::from_tlv).collect(),
            )
        } else {
            Node::Prim(t.tag, t.value.to_vec())
        }
    }

    fn encode(&self) -> Vec<u8> {
        let (tag, content) = match self {
            Node::Prim(tag, v) => (*tag, v.clone()),
            Node::Cons(tag, children) => (*tag, children.iter().flat_map(Node::encode).collect()),
        };
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else if n < 0x100 {
            out.extend([0x81, n as u8]);
        } else if n < 0x10000 {
            out.extend([0x82, (n >> 8) as u8, n as u8]);
        } else {
            out.extend([0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
        }
        out.extend(content);
        out
    }

    fn at(&mut self, path: &[usize]) -> &mut Node {
        let mut n = self;
        for i in path {
            n = match n {
                Node::Cons(_, c) => &mut c[*i],
                Node::Prim(..) => panic!("path {path:?} runs into a primitive"),
            };
        }
        n
    }
}

struct Keys {
    root: Vec<u8>,
    root_key: Sm2PrivateKey,
    maker: (Sm2PrivateKey, Vec<u8>),
    signer: (Sm2PrivateKey, Vec<u8>),
}

fn keys() -> Keys {
    let random = SeededRandom::new(b"eseal testdata/ses/quirks");
    let root_key = Sm2PrivateKey::generate(&random).unwrap();
    let root_signer = SoftwareSigner::new(root_key.clone());
    let root = issue_certificate(
        &IssueRequest {
            subject: "CN=eseal Quirk Vector Root,O=eseal test,C=CN"
                .parse()
                .unwrap(),
            crl_distribution_point: None,
            ocsp_url: None,
            public_key: root_key.public_key(),
            kind: CertificateKind::Root,
            not_before: T0,
            not_after: END,
            serial: vec![1],
        },
        Issuer {
            certificate: None,
            signer: &root_signer,
        },
    )
    .unwrap();
    let mut serial = 1u8;
    let mut party = |subject: &str, kind| {
        serial += 1;
        let key = Sm2PrivateKey::generate(&random).unwrap();
        let cert = issue_certificate(
            &IssueRequest {
                subject: subject.parse().unwrap(),
                crl_distribution_point: None,
                ocsp_url: None,
                public_key: key.public_key(),
                kind,
                not_before: T0,
                not_after: END,
                serial: vec![serial],
            },
            Issuer {
                certificate: Some(&root),
                signer: &root_signer,
            },
        )
        .unwrap();
        (key, cert)
    };
    let maker = party(
        "CN=Quirk Vector Maker,O=eseal test,C=CN",
        CertificateKind::Maker,
    );
    let signer = party(
        "CN=威海市测试有限公司,O=威海市测试有限公司,C=CN",
        CertificateKind::Organisation,
    );
    Keys {
        root,
        root_key,
        maker,
        signer,
    }
}

fn seal(k: &Keys, version: Version, n: u32) -> Vec<u8> {
    let r = SealRequest {
        version,
        vid: "eseal-quirks".into(),
        es_id: format!("3710000000{n:04}"),
        seal_type: 1,
        name: "威海市测试有限公司".into(),
        signer_certs: vec![k.signer.1.clone()],
        list_digests: false,
        picture_type: "PNG".into(),
        picture: b"\x89PNG\r\n\x1a\nquirk vector picture".to_vec(),
        width_mm: 40,
        height_mm: 40,
        create_date: T0,
        valid_start: T0,
        valid_end: END,
        ext_datas: None,
    };
    let s = eseal_ses::make_seal(&r, &k.maker.1, &SoftwareSigner::new(k.maker.0.clone())).unwrap();
    s.raw().to_vec()
}

fn signature(k: &Keys, seal: &[u8], data: &[u8], n: u32) -> Vec<u8> {
    let (seal, _) = AnySeal::decode(seal).unwrap();
    eseal_ses::prepare_signature(
        &seal,
        &k.signer.1,
        &SignRequest {
            data_hash: Sm3Digest::of(data),
            signing_time: SIGNING,
            property_info: format!("contract-{n}.txt"),
        },
    )
    .unwrap()
    .sign(&SoftwareSigner::new(k.signer.0.clone()))
    .unwrap()
    .raw()
    .to_vec()
}

/// The path of the maker's signature value in a seal of this layout.
fn seal_value_path(version: Version) -> &'static [usize] {
    if version == Version::V1 {
        &[1, 2]
    } else {
        &[3]
    }
}

/// Sign the seal in `tree` again over its signed bytes as they now are.
fn resign_seal(k: &Keys, tree: &mut Node, version: Version) {
    let bytes = tree.encode();
    let (s, _) = AnySeal::decode(&bytes).unwrap();
    let signed = s.view().unwrap().maker_signed_bytes.to_vec();
    let value = k
        .maker
        .0
        .sign(&SignerId::default(), &signed)
        .unwrap()
        .to_der();
    *tree.at(seal_value_path(version)) = Node::Prim(0x03, [vec![0], value].concat());
}

/// Sign the TBS_Sign of the signature in `tree` again over its bytes as they now are.
fn resign_signature(k: &Keys, tree: &mut Node) {
    let bytes = tree.encode();
    let (s, _) = AnySignature::decode(&bytes).unwrap();
    let tbs = s.view().to_be_signed.to_vec();
    let value = k
        .signer
        .0
        .sign(&SignerId::default(), &tbs)
        .unwrap()
        .to_der();
    *tree.at(&[3]) = Node::Prim(0x03, [vec![0], value].concat());
}

/// The DER signature value held in a BIT STRING node (unused-bits octet 0).
fn value_of(n: &Node) -> Vec<u8> {
    match n {
        Node::Prim(0x03, v) => v[1..].to_vec(),
        other => panic!("not a BIT STRING: {other:?}"),
    }
}

/// Make items until `keep` accepts the signature value found at `path`.
fn until(
    mut make: impl FnMut(u32) -> Vec<u8>,
    path: &[usize],
    keep: impl Fn(&[u8]) -> bool,
) -> Node {
    for n in 0..100_000 {
        let mut tree = Node::parse(&make(n));
        if keep(&value_of(tree.at(path))) {
            return tree;
        }
    }
    panic!("no signature value of the wanted shape")
}

/// Write the BIT STRING at `path` with the unused-bits count set to the number of trailing
/// zero bits of its last byte (what some encoders write), dropping `drop` final zero bytes.
fn trailing_zero_bits(tree: &mut Node, path: &[usize], drop: usize) {
    let mut v = value_of(tree.at(path));
    for _ in 0..drop {
        assert_eq!(v.pop(), Some(0));
    }
    let count = v.last().map_or(0, |b| b.trailing_zeros().min(7) as u8);
    *tree.at(path) = Node::Prim(0x03, [vec![count], v].concat());
}

/// DER SM2Signature with r (`which` = 0) or s (1) written without its leading 0x00.
fn strip_sign_byte(tree: &mut Node, path: &[usize], which: usize) {
    let mut sig = Node::parse(&value_of(tree.at(path)));
    if let Node::Prim(_, v) = sig.at(&[which]) {
        assert_eq!(v.remove(0), 0);
    }
    *tree.at(path) = Node::Prim(0x03, [vec![0], sig.encode()].concat());
}

fn integer_high_bit(v: &[u8], which: usize) -> bool {
    let sig = Node::parse(v);
    match sig {
        Node::Cons(_, c) => matches!(&c[which], Node::Prim(_, x) if x.len() == 33),
        Node::Prim(..) => false,
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
    println!("{name}: {} bytes", bytes.len());
}

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "testdata/ses/quirks".into()),
    );
    std::fs::create_dir_all(dir.join("trust")).unwrap();
    let k = keys();
    let root = eseal_pki::Certificate::from_der(&k.root).unwrap();
    let crl = eseal_pki::crl::build_crl(
        &root,
        &SoftwareSigner::new(k.root_key.clone()),
        1,
        T0,
        END,
        &[],
    )
    .unwrap();
    write(&dir, "trust/root.der", &k.root);
    write(&dir, "trust/root.crl", crl.der());
    write(&dir, "data.txt", DATA);

    // Seals: the maker's signature value (outside the signed bytes).
    let mut t = until(
        |n| seal(&k, Version::V4, n),
        &[3],
        |v| v.last().is_some_and(|b| b & 1 == 0),
    );
    trailing_zero_bits(&mut t, &[3], 0);
    write(&dir, "seal-bitstring-unused-bits.esl", &t.encode());

    let mut t = until(
        |n| seal(&k, Version::V4, n),
        &[3],
        |v| integer_high_bit(v, 0),
    );
    strip_sign_byte(&mut t, &[3], 0);
    write(&dir, "seal-negative-r.esl", &t.encode());

    let mut t = until(|n| seal(&k, Version::V4, n), &[3], |v| v.last() == Some(&0));
    trailing_zero_bits(&mut t, &[3], 1);
    write(&dir, "seal-dropped-zero.esl", &t.encode());

    // Seals: quirks inside SES_SealInfo, signed again by the maker.
    let mut t = Node::parse(&seal(&k, Version::V4, 0));
    *t.at(&[0, 2, 4]) = Node::Prim(0x18, b"260101000000Z".to_vec()); // createDate: UTCTime text
    *t.at(&[0, 2, 5]) = Node::Prim(0x18, b"20260101080000.5".to_vec()); // validStart: fraction, no zone
    resign_seal(&k, &mut t, Version::V4);
    write(&dir, "seal-times.esl", &t.encode());

    let mut t = Node::parse(&seal(&k, Version::V4, 0));
    *t.at(&[0, 2, 0]) = Node::Prim(0x02, vec![0, 1]); // type 1 as 00 01
    resign_seal(&k, &mut t, Version::V4);
    write(&dir, "seal-non-minimal-integer.esl", &t.encode());

    let mut t = Node::parse(&seal(&k, Version::V1, 0));
    *t.at(&[0, 0, 1]) = Node::Prim(0x02, vec![4]); // header version 4 over the v1 layout
    resign_seal(&k, &mut t, Version::V1);
    write(&dir, "seal-v1-header-v4.esl", &t.encode());

    let mut t = Node::parse(&seal(&k, Version::V1, 0));
    let (gbk, _, _) = encoding_rs::GB18030.encode("威海市测试有限公司");
    *t.at(&[0, 2, 1]) = Node::Prim(0x0C, [gbk.to_vec(), vec![0, 0]].concat()); // GBK + NULs
    resign_seal(&k, &mut t, Version::V1);
    write(&dir, "seal-v1-gb18030-name.esl", &t.encode());

    // Signatures: the signer's signature value.
    let base = seal(&k, Version::V4, 0);
    let mut t = until(
        |n| signature(&k, &base, DATA, n),
        &[3],
        |v| v.last().is_some_and(|b| b & 1 == 0),
    );
    trailing_zero_bits(&mut t, &[3], 0);
    write(&dir, "sig-bitstring-unused-bits.dat", &t.encode());

    let mut t = until(
        |n| signature(&k, &base, DATA, n),
        &[3],
        |v| integer_high_bit(v, 1),
    );
    strip_sign_byte(&mut t, &[3], 1);
    write(&dir, "sig-negative-s.dat", &t.encode());

    let mut t = until(
        |n| signature(&k, &base, DATA, n),
        &[3],
        |v| v.last() == Some(&0),
    );
    trailing_zero_bits(&mut t, &[3], 1);
    write(&dir, "sig-dropped-zero.dat", &t.encode());

    // Signatures: quirks inside TBS_Sign, signed again by the signer.
    let mut t = Node::parse(&signature(&k, &base, DATA, 0));
    *t.at(&[0, 0]) = Node::Prim(0x02, vec![0, 4]); // TBS_Sign.version 4 as 00 04
    *t.at(&[0, 2]) = Node::Prim(0x18, b"260301080000Z".to_vec()); // timeInfo: UTCTime text
    resign_signature(&k, &mut t);
    write(&dir, "sig-tbs-quirks.dat", &t.encode());

    // dataHash whose final zero byte the encoder dropped: data whose SM3 ends in 00.
    let data = (0u32..)
        .map(|n| format!("eseal encoder-quirk test vector {n}\n").into_bytes())
        .find(|d| Sm3Digest::of(d).as_bytes().last() == Some(&0))
        .unwrap();
    let mut t = Node::parse(&signature(&k, &base, &data, 0));
    trailing_zero_bits(&mut t, &[0, 3], 1);
    resign_signature(&k, &mut t);
    write(&dir, "sig-datahash-dropped-zero.data", &data);
    write(&dir, "sig-datahash-dropped-zero.dat", &t.encode());
}
