#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Revocation from the network against local servers only: the development CA's OCSP
//! responder and CRL (good, revoked, unknown), a responder that hangs, one that answers
//! garbage, the cache, and no fetch for a certificate that does not chain to an anchor.

use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::{SeededRandom, SoftwareSigner};
use eseal_pki::ca::{CaSignatureId, DevCa};
use eseal_pki::crl::RevocationReason;
use eseal_pki::name::name_from_slashes;
use eseal_pki::{
    Certificate, CertificateKind, IssueRequest, Issuer, TrustStore, issue_certificate,
};
use eseal_server::revocation::{Limits, OnlineRevocation, OnlineValidator, ca_router};
use eseal_ses::{CertificateRole, CertificateValidator, ChainVerdict, Outcome, SubIndication};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// Serve `router` on a free local port from a background runtime; returns the base URL.
fn serve(router: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, router).await.unwrap();
        });
    });
    format!("http://{addr}")
}

/// A port that accepts connections and never answers.
fn hanging() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    format!("http://{addr}/ocsp")
}

struct World {
    store: TrustStore,
    good: Vec<u8>,
    revoked: Vec<u8>,
    unknown: Vec<u8>,
    hangs: Vec<u8>,
    garbage: Vec<u8>,
    stranger: Vec<u8>,
    requests: Arc<AtomicUsize>,
}

fn world() -> World {
    let random = SeededRandom::new(b"eseal revocation tests");
    let now = OffsetDateTime::now_utc();
    let new = eseal_pki::ca::init(
        &random,
        now,
        "Revocation Test CA",
        None,
        CaSignatureId::Standard,
    )
    .unwrap();
    let root_crl = eseal_pki::ca::root_crl(
        &new.root,
        new.root_key.clone(),
        CaSignatureId::Standard,
        1,
        now,
    )
    .unwrap();
    let issuing = new.issuing.clone();
    let issuing_key = new.issuing_key.clone();
    let ca = Arc::new(Mutex::new(
        DevCa::open(
            new.issuing.clone(),
            new.issuing_key.clone(),
            new.state.clone(),
        )
        .unwrap(),
    ));
    // The CA's service, counting requests.
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let base = serve(ca_router(ca.clone()).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                next.run(req).await
            }
        },
    )));
    let garbage_url = serve(axum::Router::new().route(
        "/ocsp",
        axum::routing::post(|| async { "this is not an OCSP answer" }),
    )) + "/ocsp";
    let (ocsp, crl) = (format!("{base}/ocsp"), format!("{base}/crl"));
    let issue_here = |cn: &str, serial: u8, ocsp_url: Option<String>, crl_url: Option<String>| {
        let key = Sm2PrivateKey::generate(&random).unwrap();
        issue_certificate(
            &IssueRequest {
                subject: name_from_slashes(&format!("/C=CN/O={cn}/CN={cn}")).unwrap(),
                public_key: key.public_key(),
                kind: CertificateKind::Organisation,
                not_before: now - time::Duration::hours(1),
                not_after: now + time::Duration::days(30),
                serial: vec![0x10, serial],
                crl_distribution_point: crl_url,
                ocsp_url,
            },
            Issuer {
                certificate: Some(issuing.der()),
                signer: &SoftwareSigner::with_id(
                    issuing_key.clone(),
                    CaSignatureId::Standard.signer_id(),
                ),
            },
        )
        .unwrap()
    };
    let good = issue_here("良好公司", 1, Some(ocsp.clone()), Some(crl.clone()));
    let revoked = issue_here("撤销公司", 2, Some(ocsp.clone()), Some(crl.clone()));
    // Known to the CA (its state lists what it issued).
    {
        let mut c = ca.lock().unwrap();
        for der in [&good, &revoked] {
            let cert = Certificate::from_der(der).unwrap();
            c.state.issued.push(eseal_pki::ca::IssuedRecord {
                serial: cert.serial_hex(),
                subject: cert.subject(),
                kind: "org".into(),
                not_after: cert.not_after(),
            });
        }
        let serial = Certificate::from_der(&revoked).unwrap().serial_hex();
        c.revoke(
            &serial,
            RevocationReason::KeyCompromise,
            now - time::Duration::minutes(10),
        )
        .unwrap();
    }
    // Issued with the CA's key but not in its records, with no CRL to fall back on.
    let unknown = issue_here("未知公司", 3, Some(ocsp.clone()), None);
    let hangs = issue_here("挂起公司", 4, Some(hanging()), None);
    let garbage = issue_here("乱码公司", 5, Some(garbage_url), None);
    // A self-made chain pointing at the CA's responder: must not be fetched for.
    let stranger = {
        let key = Sm2PrivateKey::generate(&random).unwrap();
        issue_certificate(
            &IssueRequest {
                subject: name_from_slashes("/C=CN/CN=Stranger").unwrap(),
                public_key: key.public_key(),
                kind: CertificateKind::Root,
                not_before: now - time::Duration::hours(1),
                not_after: now + time::Duration::days(30),
                serial: vec![9],
                crl_distribution_point: Some(crl),
                ocsp_url: Some(ocsp),
            },
            Issuer {
                certificate: None,
                signer: &SoftwareSigner::new(key),
            },
        )
        .unwrap()
    };
    let mut store = TrustStore::new();
    store.add_anchor(new.root.clone());
    store.add_intermediate(new.issuing.clone());
    store.add_crl(root_crl);
    World {
        store,
        good,
        revoked,
        unknown,
        hangs,
        garbage,
        stranger,
        requests,
    }
}

fn online(w: &World) -> OnlineValidator {
    OnlineValidator {
        store: w.store.clone(),
        online: Arc::new(OnlineRevocation::new(Limits {
            timeout: Duration::from_secs(1),
            ..Limits::default()
        })),
        crl_urls: Vec::new(),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn check(v: &dyn CertificateValidator, cert: &[u8]) -> ChainVerdict {
    v.validate(cert, OffsetDateTime::now_utc(), CertificateRole::Signer)
}

#[test]
fn the_dev_ca_answers_good_revoked_and_unknown_and_the_source_is_named() {
    let w = world();
    let v = online(&w);
    let r = check(&v, &w.good);
    assert_eq!(r.outcome, Outcome::Passed, "{:?}", r.detail);
    assert!(
        r.detail.en.contains("source: OCSP http://127.0.0.1"),
        "{}",
        r.detail.en
    );
    assert!(r.detail.zh.contains("来源：OCSP"), "{}", r.detail.zh);
    let r = check(&v, &w.revoked);
    assert_eq!(
        (r.outcome, r.sub_indication),
        (Outcome::Failed, Some(SubIndication::Revoked))
    );
    assert!(r.detail.en.contains("keyCompromise"), "{}", r.detail.en);
    let r = check(&v, &w.unknown);
    assert_eq!(r.outcome, Outcome::Indeterminate, "{:?}", r.detail);
    assert!(r.detail.en.contains("does not know"), "{}", r.detail.en);
    // Offline, the same certificate has no revocation status: never PASSED.
    let offline = eseal_doc::PkiValidator {
        store: w.store.clone(),
    };
    assert_eq!(check(&offline, &w.good).outcome, Outcome::Indeterminate);
}

#[test]
fn the_crl_is_used_when_the_responder_gives_no_answer_and_answers_are_cached() {
    let w = world();
    // Only CRLs: a validator whose responder URLs fail would fall back; here the OCSP URL of
    // `good` works, so check the cache: the second validation makes no request.
    let v = online(&w);
    let before = w.requests.load(Ordering::SeqCst);
    assert_eq!(check(&v, &w.good).outcome, Outcome::Passed);
    let after_first = w.requests.load(Ordering::SeqCst);
    assert_eq!(after_first, before + 1);
    assert_eq!(check(&v, &w.good).outcome, Outcome::Passed);
    assert_eq!(
        w.requests.load(Ordering::SeqCst),
        after_first,
        "cached until nextUpdate"
    );
    // The CRL path: a fetcher allowed no OCSP (its URL unreachable) — the CRL answers.
    let fetcher = OnlineRevocation::new(Limits {
        timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let cert = Certificate::from_der(&w.revoked).unwrap();
    let issuer = w.store.intermediates()[0].clone();
    let crl = fetcher
        .fetch_crl(
            &cert.crl_distribution_points()[0],
            &issuer,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    assert!(crl.lookup(cert.serial_bytes()).is_some());
}

#[test]
fn a_hanging_or_garbage_responder_gives_indeterminate_with_the_reason() {
    let w = world();
    let v = online(&w);
    let start = Instant::now();
    let r = check(&v, &w.hangs);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.outcome, Outcome::Indeterminate, "{:?}", r.detail);
    assert!(
        r.detail.en.contains("no answer within 1 s"),
        "{}",
        r.detail.en
    );
    let r = check(&v, &w.garbage);
    assert_eq!(r.outcome, Outcome::Indeterminate, "{:?}", r.detail);
    assert!(r.detail.en.contains("not valid DER"), "{}", r.detail.en);
    assert!(r.detail.zh.contains("联网查询"), "{}", r.detail.zh);
}

#[test]
fn nothing_is_fetched_for_a_certificate_outside_the_trust_anchors() {
    let w = world();
    let v = online(&w);
    let before = w.requests.load(Ordering::SeqCst);
    let r = check(&v, &w.stranger);
    assert_ne!(r.outcome, Outcome::Passed);
    assert_eq!(
        w.requests.load(Ordering::SeqCst),
        before,
        "no request for an untrusted URL"
    );
}
