#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Issue 22 item 3: documents sent as bytes (`multipart/form-data`: the request's JSON as the
//! part `request`, the document as the part `document`) instead of base64 in JSON — the same
//! signature as through JSON, and hostile forms refused with the reason: an unknown part, a
//! part twice, the document given both ways, no request part, a body over the limit. And
//! answers as bytes (`Accept: application/ofd` or `application/octet-stream`): the signed
//! document or signature itself, its ledger entry named in the `ESeal-Usage` header.

use crate::common::{Backend, Service, check_problem};
use crate::http_signing::{PIN, ready_personal_seal};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BOUNDARY: &str = "eseal-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart/form-data body of `parts` (name, bytes), as a browser or curl writes it.
fn multipart(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, bytes) in parts {
        out.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if *name == "document" {
            out.extend_from_slice(
                b"; filename=\"doc.bin\"\r\nContent-Type: application/octet-stream",
            );
        } else {
            out.extend_from_slice(b"\r\nContent-Type: application/json");
        }
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// POSTs a multipart body (problem details in Chinese, the default, checked for English).
async fn post(svc: &Service, path: &str, token: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let r = svc
        .http
        .post(svc.url(path))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null);
    check_problem("POST", path, &v);
    (status, v)
}

/// `der` is an SES_Signature over `data` that is not FAILED.
fn signature_verifies(der: &[u8], data: &[u8]) {
    let (sig, _) = eseal_ses::AnySignature::decode(der).unwrap();
    let report = eseal_ses::verify_signature(
        &sig,
        eseal_ses::SignedData::Digest(eseal_gm::Sm3Digest::of(data)),
        &eseal_ses::VerifyPolicy::default(),
        &eseal_gm::provider::SoftwareVerifier,
    );
    assert_ne!(
        report.indication(),
        eseal_ses::Indication::Failed,
        "{report:?}"
    );
}

/// `ofd` holds one signature, and it is not FAILED.
fn ofd_verifies(ofd: Vec<u8>) {
    let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(ofd)).unwrap();
    let report = eseal_doc::verify_ofd(
        &mut pkg,
        &eseal_ses::VerifyPolicy::default(),
        &eseal_gm::provider::SoftwareVerifier,
    )
    .unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert_ne!(
        report.indication(),
        eseal_ses::Indication::Failed,
        "{report:?}"
    );
}

fn decode(v: &Value, field: &str) -> Vec<u8> {
    <base64ct::Base64 as base64ct::Encoding>::decode_vec(v[field].as_str().unwrap()).unwrap()
}

async fn binary_bodies_on(backend: Backend) {
    let (svc, seal, zhang) = ready_personal_seal(&backend).await;
    let data = "甲方以字节发送的合同正文。".as_bytes().repeat(100);
    let meta = json!({"pin": PIN, "document_name": "合同.pdf", "purpose": "签订合同"});
    let sign = format!("/api/v1/seals/{seal}/sign");
    // Detached: the signature covers the bytes of the part, as JSON base64 would.
    let body = multipart(&[
        ("request", meta.to_string().as_bytes()),
        ("document", &data),
    ]);
    let (s, v) = post(&svc, &sign, &zhang, body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["usage"]["document_sm3"],
        eseal_gm::Sm3Digest::of(&data).to_hex()
    );
    signature_verifies(&decode(&v, "signature"), &data);

    // OFD: signed with its stamp from the bytes; the ledger names the same document.
    let ofd = eseal_testkit::ofd::ofd_of(4096);
    let ofd_meta = json!({"pin": PIN, "placement": {"page": {"page": 1, "x": 100, "y": 150}}, "document_name": "合同.ofd", "purpose": "签订合同"});
    let (s, v) = post(
        &svc,
        &format!("/api/v1/seals/{seal}/sign/ofd"),
        &zhang,
        multipart(&[
            ("request", ofd_meta.to_string().as_bytes()),
            ("document", &ofd),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["usage"]["document_sm3"],
        eseal_gm::Sm3Digest::of(&ofd).to_hex()
    );
    ofd_verifies(decode(&v, "ofd"));

    // Answers as bytes: with Accept naming the document's type (or octet-stream), the signed
    // OFD / the DER signature itself, the ledger entry's ID in a header; JSON otherwise.
    let ask_bytes = async |path: &str, accept: &str, body: Vec<u8>| {
        let r = svc
            .http
            .post(svc.url(path))
            .bearer_auth(&zhang)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header("accept", accept)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let media = r.headers()["content-type"].to_str().unwrap().to_owned();
        let usage = r
            .headers()
            .get("eseal-usage")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, media, usage, r.bytes().await.unwrap().to_vec())
    };
    let ofd_form = || {
        multipart(&[
            ("request", ofd_meta.to_string().as_bytes()),
            ("document", &ofd),
        ])
    };
    let (s, media, usage, signed) = ask_bytes(
        &format!("/api/v1/seals/{seal}/sign/ofd"),
        "application/ofd",
        ofd_form(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(media, "application/ofd");
    let usage = usage.expect("the ledger entry named");
    let signed_sm3 = eseal_gm::Sm3Digest::of(&signed).to_hex();
    ofd_verifies(signed);
    let ledger = svc
        .call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(&zhang),
            None,
        )
        .await
        .1;
    let entry = ledger["usages"]
        .as_array()
        .or(ledger.as_array())
        .unwrap()
        .iter()
        .find(|u| u["id"] == usage.as_str())
        .unwrap_or_else(|| panic!("{usage} in the ledger: {ledger}"))
        .clone();
    assert_eq!(entry["state"]["state"], "signed", "{entry}");
    assert_eq!(entry["state"]["document_out_sm3"], signed_sm3.as_str());
    assert_eq!(
        entry["document_sm3"],
        eseal_gm::Sm3Digest::of(&ofd).to_hex()
    );
    // Detached, as octet-stream: the DER SES_Signature over the part's bytes.
    let (s, media, usage, der) = ask_bytes(
        &sign,
        "application/json;q=0.5, application/octet-stream",
        multipart(&[
            ("request", meta.to_string().as_bytes()),
            ("document", &data),
        ]),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(media, "application/octet-stream");
    assert!(usage.is_some());
    signature_verifies(&der, &data);
    // Anything else (*/*, another document type) keeps the JSON answer.
    for accept in ["*/*", "application/pdf", "application/ofd;q=0"] {
        let (s, media, usage, body) = ask_bytes(
            &format!("/api/v1/seals/{seal}/sign/ofd"),
            accept,
            ofd_form(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        assert!(media.starts_with("application/json"), "{accept}: {media}");
        assert!(usage.is_none(), "{accept}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert!(v["ofd"].is_string() && v["usage"]["id"].is_string(), "{v}");
    }

    // Hostile forms: each refused with what was wrong, nothing signed.
    let with_b64 = json!({"pin": PIN, "data": "AAAA", "document_name": "x", "purpose": "y"});
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            multipart(&[
                ("request", meta.to_string().as_bytes()),
                ("extra", b"x"),
                ("document", &data),
            ]),
            "未知的部分",
        ),
        (
            multipart(&[
                ("request", meta.to_string().as_bytes()),
                ("document", &data),
                ("document", &data),
            ]),
            "出现了不止一次",
        ),
        (
            multipart(&[
                ("request", with_b64.to_string().as_bytes()),
                ("document", &data),
            ]),
            "不能都给",
        ),
        (multipart(&[("document", &data)]), "缺少 request 部分"),
        (
            multipart(&[("request", b"{not json"), ("document", &data)]),
            "不是该接口要求的 JSON",
        ),
    ];
    let usages = async || {
        svc.call(
            "GET",
            &format!("/api/v1/seals/{seal}/usages"),
            Some(&zhang),
            None,
        )
        .await
        .1
    };
    let before = usages().await;
    for (body, why) in cases {
        let (s, v) = post(&svc, &sign, &zhang, body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{why}: {v}");
        assert!(
            v["detail"].as_str().unwrap_or_default().contains(why),
            "{why}: {v}"
        );
    }
    // A multipart body over the endpoint's limit: 413 from its Content-Length, before it is
    // read (over a raw connection: the server answers and closes before a client could
    // write 8 MiB, which an HTTP client reports as a broken pipe).
    let resp = crate::http_lifecycle::raw_request(
        &svc,
        &format!(
            "POST {sign} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {zhang}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            8 << 20
        ),
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("payload_too_large"), "{resp}");
    let after = usages().await;
    assert_eq!(before, after, "a refused request leaves no ledger entry");
    svc.run.abort();
}

each_backend!(
    /// Documents as multipart bytes: signed like base64 JSON; hostile forms refused.
    documents_as_bytes => binary_bodies_on,
    threads = 2
);
