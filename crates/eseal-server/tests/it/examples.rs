//! Issue 15 item 1: every request example the API documents (`/api/docs`, the OpenAPI
//! document) is sent to the service, in the order a registry's life needs them, with its
//! `{{…}}` placeholders filled in, and gets the documented status. The examples are read from
//! the endpoint table itself, so a documented example that stops working fails here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common;

use common::{Backend, PASSWORD, Service, start};
use eseal_server::api::{ENDPOINTS, Endpoint};
use eseal_server::app::DEMO_USCC;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use time::macros::datetime;

const HOLDER_ID: &str = "11010519491231002X";
const INITIAL: &str = "480213";
const PIN: &str = "739164";
const NEW_PIN: &str = "582047";

fn b64(b: &[u8]) -> String {
    <base64ct::Base64 as base64ct::Encoding>::encode_string(b)
}

fn endpoint(method: &str, path: &str) -> &'static Endpoint {
    ENDPOINTS
        .iter()
        .find(|e| e.method == method && e.path == path)
        .unwrap_or_else(|| panic!("{method} {path} is not in the table"))
}

/// The documented example of `method path`, its placeholders filled from `values`.
fn example(method: &str, path: &str, values: &BTreeMap<&str, String>) -> Value {
    let mut text = endpoint(method, path)
        .body
        .unwrap_or_else(|| panic!("{method} {path} documents no example"))
        .to_owned();
    for (k, v) in values {
        text = text.replace(&format!("{{{{{k}}}}}"), v);
    }
    assert!(
        !text.contains("{{"),
        "{method} {path}: unfilled placeholder in {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

struct Walk<'a> {
    svc: &'a Service,
    values: BTreeMap<&'static str, String>,
    sent: BTreeSet<(&'static str, &'static str)>,
}

impl Walk<'_> {
    /// Sends the example of `method path` to `concrete` as `token`; asserts the documented
    /// status; returns the answer.
    async fn send(
        &mut self,
        method: &'static str,
        path: &'static str,
        concrete: &str,
        token: &str,
    ) -> Value {
        let ep = endpoint(method, path);
        let body = example(method, path, &self.values);
        let (s, v) = self
            .svc
            .call(method, concrete, Some(token), Some(body))
            .await;
        assert_eq!(
            s.as_u16(),
            ep.status,
            "{method} {path} with its documented example: {v}"
        );
        self.sent.insert((method, path));
        v
    }

    /// A call the walk needs that has no example (no body).
    async fn call(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Value {
        let (s, v) = self.svc.call(method, path, Some(token), body).await;
        assert!(s.is_success(), "{method} {path}: {s} {v}");
        v
    }
}

/// The staff and the organisation's people of the walk, logged in.
struct People {
    applicant: String,
    reviewer: String,
    maker: String,
    secadmin: String,
    keeper: String,
    approver: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_example_gets_its_documented_status() {
    let t0 = datetime!(2026-03-02 09:00 UTC);
    let svc = start(&Backend::Sqlite, t0).await;
    let admin = svc.admin().await;
    let mut w = Walk {
        svc: &svc,
        values: BTreeMap::new(),
        sent: BTreeSet::new(),
    };
    let data = b"contract text".to_vec();
    let ofd = eseal_testkit::ofd::ofd_of(1024);
    for (k, v) in [
        ("password", PASSWORD.to_owned()),
        ("initial_pin", INITIAL.to_owned()),
        ("pin", INITIAL.to_owned()),
        ("new_pin", PIN.to_owned()),
        ("data", b64(&data)),
        ("data_sm3", eseal_gm::Sm3Digest::of(&data).to_hex()),
        ("ofd", b64(&ofd)),
        (
            "pdf",
            b64(include_bytes!("../../../../testdata/pdf/chromium.pdf")),
        ),
        ("tomorrow", "2026-03-03T09:00:00Z".to_owned()),
    ] {
        w.values.insert(k, v);
    }

    let p = people(&mut w, &admin).await;
    trust_list(&mut w, &p, t0).await;
    let official = official_seal(&mut w, &p).await;
    custodian_use(&mut w, &p, &official).await;
    let (personal, zhang) = personal_seal(&mut w, &p, &admin).await;
    archive(&mut w, &p, &personal, &zhang).await;
    position_scope(&mut w, &p).await;
    device_key(&mut w, &p, t0, &zhang).await;
    renewal_and_revocation(&mut w, &official, &personal).await;
    // Every example the table documents was sent (the raw upload is not JSON).
    let documented: BTreeSet<(&str, &str)> = ENDPOINTS
        .iter()
        .filter(|e| e.body.is_some_and(|b| b != "raw"))
        .map(|e| (e.method, e.path))
        .collect();
    assert_eq!(documented, w.sent);
    svc.run.abort();
}

/// People and organisations: the staff, the organisation's custodian and approver, a system account and its token.
async fn people(w: &mut Walk<'_>, admin: &str) -> People {
    let svc = w.svc;
    // People and organisations.
    w.send(
        "PUT",
        "/api/v1/organisations/{uscc}",
        &format!("/api/v1/organisations/{DEMO_USCC}"),
        admin,
    )
    .await;
    w.send(
        "PUT",
        "/api/v1/people/{citizen_id}",
        &format!("/api/v1/people/{HOLDER_ID}"),
        admin,
    )
    .await;
    w.send("POST", "/api/v1/users", "/api/v1/users", admin)
        .await;
    let totp = svc.totp("reviewer1").await;
    w.values.insert("totp", totp);
    let reviewer = w
        .send("POST", "/api/v1/login", "/api/v1/login", admin)
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let applicant = svc.user(admin, "applicant1", &["applicant"]).await;
    let maker = svc.user(admin, "maker1", &["maker"]).await;
    let secadmin = svc.user(admin, "secadmin", &["security_admin"]).await;
    let org_user = |name: &'static str, role: &'static str| {
        let admin = admin.to_owned();
        let svc = &svc;
        async move {
            let (s, v) = svc
                .call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": name, "display_name": name, "roles": [role], "password": PASSWORD, "organisation_code": DEMO_USCC})))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            svc.login(name, PASSWORD).await
        }
    };
    // A user with an initial password set by the administrator: nothing but the password
    // change until it is changed (the documented example), then the API opens.
    let (s, v) = svc
        .call("POST", "/api/v1/users", Some(admin), Some(json!({"username": "newcomer", "display_name": "新同事", "roles": ["reviewer"], "password": PASSWORD, "temporary_password": true})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let newcomer = svc.login("newcomer", PASSWORD).await;
    let (s, v) = svc
        .call("GET", "/api/v1/applications", Some(&newcomer), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v.to_string().contains("password_change_required"), "{v}");
    let me = w.call("GET", "/api/v1/me", &newcomer, None).await;
    assert_eq!(me["must_change_password"], true, "{me}");
    w.values
        .insert("new_password", "Newcomer-Chosen-2026".to_owned());
    let changed = w
        .send(
            "POST",
            "/api/v1/me/password",
            "/api/v1/me/password",
            &newcomer,
        )
        .await;
    // The newcomer's own authenticator replaces the one the administrator saw: until a
    // code from it is entered, the API stays closed.
    let secret =
        eseal_server::auth::base32_decode(changed["totp"]["totp_secret"].as_str().unwrap())
            .unwrap();
    let (s, v) = svc
        .call("GET", "/api/v1/applications", Some(&newcomer), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    w.values.insert(
        "new_totp",
        eseal_server::auth::totp_code(
            &secret,
            eseal_server::auth::totp_step(eseal_gm::provider::Clock::now(svc.clock.as_ref())),
        ),
    );
    w.send("POST", "/api/v1/me/totp", "/api/v1/me/totp", &newcomer)
        .await;
    let me = w.call("GET", "/api/v1/me", &newcomer, None).await;
    assert_eq!(me["must_change_password"], false, "{me}");
    w.call("GET", "/api/v1/applications", &newcomer, None).await;
    let keeper = org_user("keeper", "custodian").await;
    let approver = org_user("approver1", "approver").await;
    let (s, _) = svc
        .call("POST", "/api/v1/users", Some(admin), Some(json!({"username": "police-gateway", "display_name": "公安网关", "roles": ["police_officer"], "system": true})))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    w.send("POST", "/api/v1/tokens", "/api/v1/tokens", &secadmin)
        .await;

    People {
        applicant,
        reviewer,
        maker,
        secadmin,
        keeper,
        approver,
    }
}

/// Another CA on the trust list, and off it again.
async fn trust_list(w: &mut Walk<'_>, p: &People, t0: time::OffsetDateTime) {
    let People { secadmin, .. } = p;
    // Another CA on the trust list, and off it again.
    let other = eseal_pki::ca::init(
        &eseal_gm::provider::OsRandom,
        t0,
        "Elsewhere CA",
        None,
        eseal_pki::ca::CaSignatureId::Standard,
    )
    .unwrap();
    w.values
        .insert("ca_pem", other.root.to_pem().replace('\n', "\\n"));
    let anchor = w
        .send("POST", "/api/v1/trust-list", "/api/v1/trust-list", secadmin)
        .await;
    w.send(
        "POST",
        "/api/v1/trust-list/{id}/remove",
        &format!(
            "/api/v1/trust-list/{}/remove",
            anchor["id"].as_str().unwrap()
        ),
        secadmin,
    )
    .await;
}

/// The official contract seal: apply, a material, rejected, corrected, made. Returns the seal.
async fn official_seal(w: &mut Walk<'_>, p: &People) -> String {
    let svc = w.svc;
    let People {
        applicant,
        reviewer,
        maker,
        ..
    } = p;
    // The official contract seal: apply, a material, rejected, corrected, made.
    let app = w
        .send(
            "POST",
            "/api/v1/applications",
            "/api/v1/applications",
            applicant,
        )
        .await;
    let app = app["id"].as_str().unwrap().to_owned();
    let licence = svc.upload(applicant, b"licence".to_vec()).await;
    w.values.insert("licence_sm3", licence);
    w.send(
        "POST",
        "/api/v1/applications/{id}/materials",
        &format!("/api/v1/applications/{app}/materials"),
        applicant,
    )
    .await;
    for kind in ["agent_id", "authorisation"] {
        let sm3 = svc.upload(applicant, kind.as_bytes().to_vec()).await;
        w.call(
            "POST",
            &format!("/api/v1/applications/{app}/materials"),
            applicant,
            Some(json!({"kind": kind, "sm3": sm3})),
        )
        .await;
    }
    w.call(
        "POST",
        &format!("/api/v1/applications/{app}/submit"),
        applicant,
        None,
    )
    .await;
    w.send(
        "POST",
        "/api/v1/applications/{id}/reject",
        &format!("/api/v1/applications/{app}/reject"),
        reviewer,
    )
    .await;
    w.call(
        "POST",
        &format!("/api/v1/applications/{app}/submit"),
        applicant,
        None,
    )
    .await;
    w.call(
        "POST",
        &format!("/api/v1/applications/{app}/approve"),
        reviewer,
        None,
    )
    .await;
    let made = w
        .send(
            "POST",
            "/api/v1/applications/{id}/make",
            &format!("/api/v1/applications/{app}/make"),
            maker,
        )
        .await;

    made["seal"]["id"].as_str().unwrap().to_owned()
}

/// The custodian changes the initial PIN, asks to use the seal; an approver refuses.
async fn custodian_use(w: &mut Walk<'_>, p: &People, official: &str) {
    let People {
        keeper, approver, ..
    } = p;
    // The custodian changes the initial PIN, asks to use the seal; an approver refuses.
    w.send(
        "POST",
        "/api/v1/seals/{id}/pin",
        &format!("/api/v1/seals/{official}/pin"),
        keeper,
    )
    .await;
    let request = w
        .send(
            "POST",
            "/api/v1/seals/{id}/use-requests",
            &format!("/api/v1/seals/{official}/use-requests"),
            keeper,
        )
        .await;
    let request = request["id"].as_str().unwrap().to_owned();
    w.send(
        "POST",
        "/api/v1/use-requests/{id}/reject",
        &format!("/api/v1/use-requests/{request}/reject"),
        approver,
    )
    .await;
}

/// A personal seal, platform key: PIN, signing in every form, a signing session, the verification of what was signed, a PIN reset refused then completed. Returns the seal and its holder's session.
async fn personal_seal(w: &mut Walk<'_>, p: &People, admin: &str) -> (String, String) {
    let svc = w.svc;
    let People {
        applicant,
        reviewer,
        maker,
        ..
    } = p;
    // A personal seal, platform key: PIN, signing in every form, a signing session, the
    // verification of what was signed, a PIN reset refused then completed.
    let zhang = {
        let (s, v) = svc
            .call("POST", "/api/v1/users", Some(admin), Some(json!({"username": "zhang", "display_name": "张三丰", "roles": ["holder"], "password": PASSWORD, "citizen_id": HOLDER_ID})))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        svc.login("zhang", PASSWORD).await
    };
    let personal = make_personal(w, applicant, reviewer, maker, None).await;
    w.values.insert("pin", INITIAL.to_owned());
    w.send(
        "POST",
        "/api/v1/seals/{id}/pin",
        &format!("/api/v1/seals/{personal}/pin"),
        &zhang,
    )
    .await;
    w.values.insert("pin", PIN.to_owned());
    w.send(
        "POST",
        "/api/v1/seals/{id}/sign",
        &format!("/api/v1/seals/{personal}/sign"),
        &zhang,
    )
    .await;
    let signed = w
        .send(
            "POST",
            "/api/v1/seals/{id}/sign/ofd",
            &format!("/api/v1/seals/{personal}/sign/ofd"),
            &zhang,
        )
        .await;
    w.values
        .insert("signed_ofd", signed["ofd"].as_str().unwrap().to_owned());
    let verified = w
        .send("POST", "/api/v1/verify", "/api/v1/verify", &zhang)
        .await;
    assert_eq!(verified["indication"], "PASSED", "{verified}");
    // A PDF signed with the same seal, verified online: PASSED, and known to the registry.
    let signed = w
        .send(
            "POST",
            "/api/v1/seals/{id}/sign/pdf",
            &format!("/api/v1/seals/{personal}/sign/pdf"),
            &zhang,
        )
        .await;
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/verify",
            None,
            Some(json!({"pdf": signed["pdf"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["indication"], "PASSED", "{v}");
    let registry = &v["signatures"][0]["registry"];
    assert_eq!(registry["made_here"], true, "{v}");
    assert!(
        registry["ledger"].is_object(),
        "the usage ledger has the PDF's signature: {v}"
    );
    (personal, zhang)
}

/// The archive package of the signed OFD, renewed.
async fn archive(w: &mut Walk<'_>, p: &People, personal: &str, zhang: &str) {
    let svc = w.svc;
    let People { reviewer, .. } = p;
    // The archive package of that OFD (a ZIP, not JSON: fetched again for its bytes), renewed.
    w.send("POST", "/api/v1/archives", "/api/v1/archives", zhang)
        .await;
    let package = svc
        .http
        .post(svc.url("/api/v1/archives"))
        .json(&example("POST", "/api/v1/archives", &w.values))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    w.values.insert("archive", b64(&package));
    w.send(
        "POST",
        "/api/v1/archives/renew",
        "/api/v1/archives/renew",
        zhang,
    )
    .await;
    w.send(
        "POST",
        "/api/v1/seals/{id}/sign/batch",
        &format!("/api/v1/seals/{personal}/sign/batch"),
        zhang,
    )
    .await;
    w.send(
        "POST",
        "/api/v1/seals/{id}/unlock",
        &format!("/api/v1/seals/{personal}/unlock"),
        zhang,
    )
    .await;
    let id_card = svc.upload(zhang, b"id card".to_vec()).await;
    let statement = svc.upload(zhang, b"statement".to_vec()).await;
    w.values.insert("id_card_sm3", id_card);
    w.values.insert("statement_sm3", statement);
    let reset = w
        .send(
            "POST",
            "/api/v1/seals/{id}/pin-resets",
            &format!("/api/v1/seals/{personal}/pin-resets"),
            zhang,
        )
        .await;
    let reset = reset["id"].as_str().unwrap().to_owned();
    w.send(
        "POST",
        "/api/v1/pin-resets/{id}/reject",
        &format!("/api/v1/pin-resets/{reset}/reject"),
        reviewer,
    )
    .await;
    let again = w
        .send(
            "POST",
            "/api/v1/seals/{id}/pin-resets",
            &format!("/api/v1/seals/{personal}/pin-resets"),
            zhang,
        )
        .await;
    let again = again["id"].as_str().unwrap().to_owned();
    w.call(
        "POST",
        &format!("/api/v1/pin-resets/{again}/approve"),
        reviewer,
        None,
    )
    .await;
    w.values.insert("new_pin", NEW_PIN.to_owned());
    w.send(
        "POST",
        "/api/v1/pin-resets/{id}/complete",
        &format!("/api/v1/pin-resets/{again}/complete"),
        zhang,
    )
    .await;
}

/// A position seal's scope, set by the organisation's custodian.
async fn position_scope(w: &mut Walk<'_>, p: &People) {
    let People {
        applicant,
        reviewer,
        maker,
        keeper,
        ..
    } = p;
    // A position seal's scope, set by the organisation's custodian.
    let position = make_personal(w, applicant, reviewer, maker, Some("finance_head")).await;
    w.send(
        "PUT",
        "/api/v1/seals/{id}/scope",
        &format!("/api/v1/seals/{position}/scope"),
        keeper,
    )
    .await;
}

/// A personal seal whose key stays in the holder's device: prepare, the device signs, finish.
async fn device_key(w: &mut Walk<'_>, p: &People, t0: time::OffsetDateTime, zhang: &str) {
    let svc = w.svc;
    let People {
        applicant,
        reviewer,
        maker,
        ..
    } = p;
    // A personal seal whose key stays in the holder's device: prepare, the device signs,
    // finish.
    let random = eseal_gm::provider::SeededRandom::new(b"examples device");
    let device_key = eseal_gm::Sm2PrivateKey::generate(&random).unwrap();
    let cert = common::device_certificate(&svc.run.state, "/C=CN/CN=张三丰", &device_key, t0);
    let device = make_device(w, applicant, reviewer, maker, &cert.to_pem()).await;
    let prepared = w
        .send(
            "POST",
            "/api/v1/seals/{id}/sign/prepare",
            &format!("/api/v1/seals/{device}/sign/prepare"),
            zhang,
        )
        .await;
    let tbs = <base64ct::Base64 as base64ct::Encoding>::decode_vec(
        prepared["to_be_signed"].as_str().unwrap(),
    )
    .unwrap();
    let sig = device_key
        .sign(&eseal_gm::SignerId::default(), &tbs)
        .unwrap()
        .to_der();
    w.values.insert("device_signature", b64(&sig));
    let usage = prepared["usage"]["id"].as_str().unwrap().to_owned();
    w.send(
        "POST",
        "/api/v1/usages/{id}/finish",
        &format!("/api/v1/usages/{usage}/finish"),
        zhang,
    )
    .await;
}

/// Ten months on: the official seal is renewed in its last three months, then revoked on
/// the organisation's application (carried out by the maker); the personal seal is revoked
/// by the maker directly, with proof.
async fn renewal_and_revocation(w: &mut Walk<'_>, official: &str, personal: &str) {
    let svc = w.svc;
    svc.clock.advance(time::Duration::days(300));
    let maker = svc.login("maker1", PASSWORD).await;
    let applicant = svc.login("applicant1", PASSWORD).await;
    let reviewer = svc.login("reviewer1", PASSWORD).await;
    w.send(
        "POST",
        "/api/v1/seals/{id}/renew",
        &format!("/api/v1/seals/{official}/renew"),
        &maker,
    )
    .await;
    let body = json!({"kind": {"official": {"business": "contract"}}, "seal_name": "威海市示例科技有限公司合同专用章", "organisation_code": DEMO_USCC, "purpose": {"purpose": "revocation", "seal": official, "reason": "dissolution"}});
    let kinds = ["business_licence", "agent_id", "authorisation", "proof"];
    let app = approved(w, &applicant, &reviewer, body, &kinds).await;
    w.send(
        "POST",
        "/api/v1/applications/{id}/carry-out",
        &format!("/api/v1/applications/{app}/carry-out"),
        &maker,
    )
    .await;
    let proof = svc.upload(&maker, b"loss report".to_vec()).await;
    w.values.insert("proof_sm3", proof);
    w.send(
        "POST",
        "/api/v1/seals/{id}/revoke",
        &format!("/api/v1/seals/{personal}/revoke"),
        &maker,
    )
    .await;
}

/// A personal seal (or, with `position`, a position seal of the demo organisation) for
/// 张三丰, made with a platform key under the initial PIN.
async fn make_personal(
    w: &Walk<'_>,
    applicant: &str,
    reviewer: &str,
    maker: &str,
    position: Option<&str>,
) -> String {
    let body = match position {
        Some(p) => {
            json!({"kind": {"position": p}, "seal_name": "张三丰", "organisation_code": DEMO_USCC, "holder_id": HOLDER_ID})
        }
        None => json!({"kind": "personal", "seal_name": "张三丰", "holder_id": HOLDER_ID}),
    };
    let kinds: &[&str] = match position {
        Some(_) => &["business_licence", "holder_id", "agent_id", "authorisation"],
        None => &["holder_id"],
    };
    let id = approved(w, applicant, reviewer, body, kinds).await;
    let made = w
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/make"),
            maker,
            Some(json!({"key": "platform", "pin": INITIAL, "impression": b64(impression())})),
        )
        .await;
    made["seal"]["id"].as_str().unwrap().to_owned()
}

/// A personal seal whose key is the device's (`cert`).
async fn make_device(
    w: &Walk<'_>,
    applicant: &str,
    reviewer: &str,
    maker: &str,
    cert: &str,
) -> String {
    let body = json!({"kind": "personal", "seal_name": "张三丰", "holder_id": HOLDER_ID});
    let id = approved(w, applicant, reviewer, body, &["holder_id"]).await;
    let made = w
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/make"),
            maker,
            Some(json!({"key": "device", "certificate": cert, "impression": b64(impression())})),
        )
        .await;
    made["seal"]["id"].as_str().unwrap().to_owned()
}

fn impression() -> &'static [u8] {
    include_bytes!("../../../../testdata/image/square.png")
}

/// An application `body` with materials of `kinds`, submitted and approved.
async fn approved(
    w: &Walk<'_>,
    applicant: &str,
    reviewer: &str,
    body: Value,
    kinds: &[&str],
) -> String {
    let app = w
        .call("POST", "/api/v1/applications", applicant, Some(body))
        .await;
    let id = app["id"].as_str().unwrap().to_owned();
    for k in kinds {
        let sm3 = w.svc.upload(applicant, k.as_bytes().to_vec()).await;
        w.call(
            "POST",
            &format!("/api/v1/applications/{id}/materials"),
            applicant,
            Some(json!({"kind": k, "sm3": sm3})),
        )
        .await;
    }
    w.call(
        "POST",
        &format!("/api/v1/applications/{id}/submit"),
        applicant,
        None,
    )
    .await;
    w.call(
        "POST",
        &format!("/api/v1/applications/{id}/approve"),
        reviewer,
        None,
    )
    .await;
    id
}

/// The OpenAPI document is valid OpenAPI 3.1 (checked by the `openapi-spec-validator` of
/// PyPI), and its request and response bodies have real schemas, generated from the types.
#[test]
#[cfg_attr(
    eseal_skip_openapi_validator,
    ignore = "needs openapi-spec-validator (pip install openapi-spec-validator)"
)]
fn the_openapi_document_is_valid_openapi_3_1() {
    let doc = eseal_server::api::openapi();
    let sign = &doc["paths"]["/api/v1/seals/{id}/sign/ofd"]["post"];
    let request = &sign["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(request, "#/components/schemas/SignOfdBody");
    let schemas = &doc["components"]["schemas"];
    assert!(
        schemas["PlacementBody"]["oneOf"].is_array(),
        "{}",
        schemas["PlacementBody"]
    );
    assert_eq!(
        sign["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/SignedOfd"
    );
    if !eseal_testkit::openapi_validator() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json,sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
