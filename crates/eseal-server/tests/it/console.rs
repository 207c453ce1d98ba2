//! The web console in a real browser: headless Chromium driven through chromedriver
//! (Debian's `chromium` and `chromium-driver`, which `.ci/run` installs). Without them the
//! test says so and skips; under `CI` it fails. Every page visited is kept as a screenshot
//! under `target/console-screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use crate::common::{Backend, Service, start};
use eseal_server::console::CSP;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use time::macros::datetime;

const T0: time::OffsetDateTime = datetime!(2026-07-01 02:00 UTC);

/// A scanned material (a real PNG, so the reviewer's page shows it).
const SCAN: &[u8] = include_bytes!("../../../../testdata/image/square.png");

struct Browser {
    client: Client,
    driver: Child,
    shots: PathBuf,
    /// Passwords changed at a first login (user → the new one).
    changed: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A headless Chromium in Chinese, or `None` (a printed skip; a failure under CI).
async fn browser() -> Option<Browser> {
    if !(have("chromedriver") && have("chromium")) {
        if std::env::var_os("CI").is_some() {
            panic!(
                "chromium and chromedriver are required under CI (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "SKIPPED: chromium or chromedriver not found (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=zh-CN"],
            "prefs": {"intl.accept_languages": "zh-CN,zh"}
        }
    }))
    .unwrap();
    let mut last = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../target/console-screenshots");
                std::fs::create_dir_all(&shots).unwrap();
                return Some(Browser {
                    client,
                    driver,
                    shots,
                    changed: Default::default(),
                });
            }
            Err(e) => {
                last = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("chromedriver did not answer: {last:?}");
}

impl Browser {
    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    /// Clicks the element `css` selects.
    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Clicks the element `css` selects and waits until the browser has loaded the page the
    /// click led to (a mark left on the old page is gone), so what is read next is the new
    /// page even when it says the same words as the old one.
    async fn submit(&self, css: &str) {
        self.client
            .execute("window.__esealOld = true; return null;", vec![])
            .await
            .unwrap();
        self.click(css).await;
        for _ in 0..300 {
            if let Ok(v) = self
                .client
                .execute(
                    "return window.__esealOld !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await
                && v == json!(true)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the click on {css} did not lead to a new page");
    }

    /// Follows the link with this text.
    async fn link(&self, text: &str) {
        self.client
            .find(Locator::LinkText(text))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Types `text` into the field with this id.
    async fn fill(&self, id: &str, text: &str) {
        self.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    /// Replaces what the field `id` holds with `text`.
    async fn refill(&self, id: &str, text: &str) {
        let e = self.client.find(Locator::Id(id)).await.unwrap();
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Waits until the page (the one a click led to) says `want`; its text.
    async fn until_text(&self, want: &str) -> String {
        let mut last = String::new();
        for _ in 0..300 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && let Ok(t) = body.text().await
            {
                if t.contains(want) {
                    return t;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never said {want:?}; it says: {last}");
    }

    /// The page does not scroll sideways: nothing is wider than the window.
    async fn fits_the_window(&self) {
        let fits =
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;";
        let v = self.client.execute(fits, vec![]).await.unwrap();
        assert_eq!(v, json!(true), "the page scrolls sideways");
    }

    /// Whether the first image `css` selects is shown and has loaded (waits up to 5 s).
    async fn image_shown(&self, css: &str) -> bool {
        let js = format!(
            "const i = document.querySelector('{css}'); return i && !i.hidden && i.complete ? i.naturalWidth : 0;"
        );
        for _ in 0..50 {
            let width = self.client.execute(&js, vec![]).await.unwrap();
            if width.as_u64().unwrap_or(0) > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// The page's text (read again when a navigation replaced the page under the read).
    async fn text(&self) -> String {
        let mut last = None;
        for _ in 0..50 {
            match self.client.find(Locator::Css("body")).await {
                Ok(body) => match body.text().await {
                    Ok(t) => return t,
                    Err(e) => last = Some(e.to_string()),
                },
                Err(e) => last = Some(e.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page's text could not be read: {last:?}");
    }
}

/// Logs `user` in through the login page (a fresh TOTP step). A user an administrator made
/// on the console is taken to the password page at the first login and changes `password`
/// (the initial one) to a new one, which later logins use.
async fn log_in(b: &Browser, svc: &Service, user: &str, password: &str) {
    let c = &b.client;
    let current = b
        .changed
        .lock()
        .unwrap()
        .get(user)
        .cloned()
        .unwrap_or_else(|| password.to_owned());
    svc.clock.advance(time::Duration::seconds(31));
    c.goto(&svc.url("/login")).await.unwrap();
    b.fill("username", user).await;
    b.fill("password", &current).await;
    let code = svc.totp(user).await;
    b.fill("totp", &code).await;
    b.click("main form button[type=submit]").await;
    for _ in 0..300 {
        if c.find(Locator::Css("nav.side")).await.is_ok() {
            return;
        }
        if c.find(Locator::Id("current_password")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The first login: the initial password is changed before anything else.
    let page = b.text().await;
    assert!(page.contains("首次登录"), "{page}");
    let new = format!("{current}-Changed");
    b.fill("current_password", &current).await;
    b.fill("new_password", &new).await;
    b.fill("repeat_password", &new).await;
    if b.changed.lock().unwrap().is_empty() {
        b.shot("00-first-login-password").await;
    }
    b.click("form[action='/password'] button").await;
    // Then the user's own authenticator: the QR code's key, a code from it.
    b.until_text("第二步").await;
    let key = c
        .find(Locator::Id("totp_key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    if b.changed.lock().unwrap().is_empty() {
        b.shot("00a-first-login-totp").await;
    }
    let secret = eseal_server::auth::base32_decode(key.trim()).unwrap();
    let code = eseal_server::auth::totp_code(
        &secret,
        eseal_server::auth::totp_step(eseal_gm::provider::Clock::now(svc.clock.as_ref())),
    );
    b.fill("totp", &code).await;
    b.click("form[action='/password/totp'] button").await;
    // (The step page says the password was changed too: wait for the start page.)
    let page = b.until_text("我的待办").await;
    assert!(page.contains("密码已修改"), "{page}");
    b.changed.lock().unwrap().insert(user.to_owned(), new);
}

async fn log_out(b: &Browser) {
    let c = &b.client;
    b.click("form[action='/logout'] button").await;
    c.wait().for_element(Locator::Id("username")).await.unwrap();
}

/// The seal made through the console (the one of application made by the maker): the
/// holder's seals other than the fixture's, newest.
async fn c_made_seal(svc: &Service) -> String {
    let seals = svc
        .run
        .state
        .store()
        .all::<eseal_core::Seal>(1000)
        .await
        .unwrap();
    seals
        .into_iter()
        .map(|v| v.record)
        .find(|s| s.state == eseal_core::SealState::Active)
        .map(|s| s.id.to_string())
        .unwrap()
}

/// A console session of `user` logged in without the browser: its cookie header and the
/// CSRF token of its forms.
async fn session(svc: &Service, user: &str) -> (String, String) {
    svc.clock.advance(time::Duration::seconds(31));
    let code = svc.totp(user).await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = plain
        .post(svc.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", "eseal_csrf=0123456789abcdef0123456789abcdef")
        .body(format!(
            "csrf=0123456789abcdef0123456789abcdef&username={user}&password={}&totp={code}&next=%2F",
            eseal_server::fixture::PASSWORD
        ))
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("eseal_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let secret = cookie.trim_start_matches("eseal_session=");
    let d = eseal_gm::Sm3Digest::of(format!("eseal console csrf\0{secret}").as_bytes()).to_hex();
    (cookie, d[..32].to_owned())
}

/// An upload over the limit on the application form is refused with a clear page, and no
/// application is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_application_upload_records_nothing() {
    let svc = start(&Backend::Sqlite, T0).await;
    eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let (cookie, csrf) = session(&svc, "applicant").await;
    let before = svc
        .run
        .state
        .store()
        .all::<eseal_core::Application>(1000)
        .await
        .unwrap()
        .len();
    let boundary = "XyZ";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\npersonal\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"seal_name\"\r\n\r\n张三丰\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file_holder_id\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', 25 << 20));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let sent = svc
        .http
        .post(svc.url("/applications/new"))
        .header("cookie", &cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await;
    // The server answers 413 as soon as the limit is passed; a client still writing the
    // body may then see the connection closed instead of reading the page (a race of the
    // transport, not of the service). When the page arrives, it says what happened.
    match sent {
        Ok(r) => {
            assert_eq!(r.status(), 413);
            let page = r.text().await.unwrap();
            assert!(
                page.contains("文件太大") && page.contains("未保存任何内容"),
                "{page}"
            );
        }
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    let after = svc
        .run
        .state
        .store()
        .all::<eseal_core::Application>(1000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after, "no application was recorded");
}

/// A form sent with a session that timed out is not acted on; what was typed is kept for
/// that user's next login only (never for another user, never for a forged or unknown
/// cookie), without its PIN, and shown once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_sent_after_the_session_timed_out_is_kept_for_its_user_only() {
    let svc = start(&Backend::Sqlite, T0).await;
    eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |cookie: String, body: String| {
        plain
            .post(svc.url("/applications/APP-1/reject"))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // A cookie of no session: nothing is kept (the form's token is refused as ever).
    let r = post(
        "eseal_session=forged".into(),
        "csrf=x&reason=%E6%9D%90%E6%96%99%E4%B8%8D%E5%85%A8".into(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    // The reviewer's session times out while the rejection is typed.
    let (cookie, csrf) = session(&svc, "reviewer").await;
    svc.clock.advance(time::Duration::minutes(16));
    let r = post(
        cookie,
        format!("csrf={csrf}&reason=%E6%9D%90%E6%96%99%E4%B8%8D%E5%85%A8&pin=123456"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/login?timeout=1&next=/resume/"), "{to}");
    let resume = to.split("next=").nth(1).unwrap().to_owned();
    let open = |cookie: String| plain.get(svc.url(&resume)).header("cookie", cookie).send();
    // Another user cannot open it.
    let (other, _) = session(&svc, "maker").await;
    assert_eq!(open(other).await.unwrap().status(), 404);
    // The reviewer, logged in again, finds the reason kept and the PIN asked for again;
    // once shown, it is no longer kept.
    let (again, _) = session(&svc, "reviewer").await;
    let r = open(again.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("材料不全"), "{page}");
    assert!(
        page.contains("name=\"pin\"") && !page.contains("123456"),
        "{page}"
    );
    assert!(
        page.contains("action=\"/applications/APP-1/reject\""),
        "{page}"
    );
    assert_eq!(open(again).await.unwrap().status(), 404);
}

/// An OFD signed on the platform with the holder's personal seal.
async fn signed_ofd(svc: &Service) -> (eseal_server::fixture::SigningFixture, Vec<u8>) {
    use base64ct::{Base64, Encoding};
    let fixture = eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let ofd = eseal_testkit::ofd::ofd_of(1024);
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign/ofd", fixture.seal),
            Some(&fixture.holder_token),
            Some(json!({"pin": eseal_server::fixture::PIN, "ofd": Base64::encode_string(&ofd), "placement": {"page": {"page": 1, "x": 120, "y": 200}}, "document_name": "合同.ofd", "purpose": "验证页面测试"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let signed = Base64::decode_vec(v["ofd"].as_str().unwrap()).unwrap();
    (fixture, signed)
}

/// A text file and its detached signature by the fixture's personal seal, on disk.
async fn detached(
    svc: &Service,
    fixture: &eseal_server::fixture::SigningFixture,
) -> (PathBuf, PathBuf) {
    use base64ct::{Base64, Encoding};
    let data = "借款合同：甲方向乙方借款人民币十万元整。\n".repeat(20);
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{}/sign", fixture.seal),
            Some(&fixture.holder_token),
            Some(json!({"pin": eseal_server::fixture::PIN, "data": Base64::encode_string(data.as_bytes()), "document_name": "借款合同.txt", "purpose": "验证页面测试"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let der = Base64::decode_vec(v["signature"].as_str().unwrap()).unwrap();
    let (d, g) = (
        svc.dir.path().join("借款合同.txt"),
        svc.dir.path().join("借款合同.txt.sig"),
    );
    std::fs::write(&d, data).unwrap();
    std::fs::write(&g, der).unwrap();
    (d, g)
}

/// Verifies `data` with its detached signature `sig` on the public page (reached through
/// `url`), waits for `done` in the report, checks its layout and returns its text.
async fn verify_detached(b: &Browser, url: &str, data: &Path, sig: &Path, done: &str) -> String {
    b.client.goto(url).await.unwrap();
    b.fill("data", &data.to_string_lossy()).await;
    b.fill("signature", &sig.to_string_lossy()).await;
    b.submit("form.stack button.secondary").await;
    let report = b.until_text(done).await;
    checks_inside_cards(b).await;
    report
}

/// Each signature's checks stay inside its card: a 64-digit digest in the evidence once
/// pushed the table past the card's right edge.
async fn checks_inside_cards(b: &Browser) {
    let inside = "return [...document.querySelectorAll('table.checks')].every(t => { \
        const card = t.closest('.card'); \
        const edge = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight); \
        return t.getBoundingClientRect().right <= edge + 0.5; });";
    let v = b.client.execute(inside, vec![]).await.unwrap();
    assert_eq!(v, json!(true), "a checks table overflows its card");
}

/// A stranger verifies a platform-signed OFD on the public page (有效, the stamped page
/// drawn), downloads the report, looks up the seal's status; an administrator logs in with
/// password and TOTP and out again. Every page carries the CSP; a POST without the form's
/// token, or from another site, is refused and audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_pages_and_login_work_in_a_browser() {
    let Some(b) = browser().await else { return };
    // Scheduled backups on, the first at once: the system page shows it.
    let svc = crate::common::start_with(&Backend::Sqlite, T0, |c| {
        let dir = c.data.parent().unwrap().join("backups");
        c.backup = Some(eseal_server::backup::schedule::Schedule {
            dir,
            every: std::time::Duration::from_secs(3600),
            keep: 3,
            key: std::sync::Arc::new(eseal_server::backup::container::BackupKey::from_bytes(
                [5; 16],
            )),
            first_after: std::time::Duration::ZERO,
        });
    })
    .await;
    let (fixture, signed) = signed_ofd(&svc).await;
    let seal = fixture.seal.clone();
    let file = svc.dir.path().join("合同-已签章.ofd");
    std::fs::write(&file, &signed).unwrap();
    let c = &b.client;

    // The start page, anonymous: what anyone can do.
    c.goto(&svc.url("/")).await.unwrap();
    assert!(
        b.text().await.contains("验证签章文件"),
        "{}",
        b.text().await
    );
    b.shot("01-start").await;

    // Verify: upload the signed OFD.
    c.goto(&svc.url("/verify")).await.unwrap();
    b.shot("02-verify-form").await;
    let input = c.find(Locator::Css("input[name=ofd]")).await.unwrap();
    input.send_keys(&file.to_string_lossy()).await.unwrap();
    input
        .find(Locator::XPath("ancestor::form//button[@type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("verdict")).await.unwrap();
    let report = b.text().await;
    assert!(report.contains("结论：有效 (PASSED)"), "{report}");
    assert!(
        report.contains("盖章页面") && report.contains("不是签章文件本身"),
        "{report}"
    );
    let img = c
        .find(Locator::Css("figure.page img"))
        .await
        .unwrap()
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(img.starts_with("data:image/png;base64,"));
    checks_inside_cards(&b).await;
    b.shot("03-verify-report").await;
    // The JSON download is the same verdict.
    let href = c
        .find(Locator::LinkText("下载报告（JSON）"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let json: serde_json::Value = svc
        .http
        .get(svc.url(&href))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["indication"], "PASSED", "{json}");

    // A file and its detached signature, made through the API with the same seal.
    let (data, sig) = detached(&svc, &fixture).await;
    let report = verify_detached(&b, &svc.url("/verify"), &data, &sig, "结论").await;
    assert!(
        report.contains("有效 (PASSED)") && report.contains("SM3"),
        "{report}"
    );
    b.shot("03a-verify-detached").await;
    // In English the labels are longer, and a signature by another platform's seal (its CA
    // not trusted here) makes the widest rows: the checks must still fit.
    let elsewhere = start(&Backend::Sqlite, T0).await;
    let (other, _) = signed_ofd(&elsewhere).await;
    let (data, sig) = detached(&elsewhere, &other).await;
    let en = svc.url("/lang/en?back=%2Fverify");
    let report = verify_detached(&b, &en, &data, &sig, "Result").await;
    assert!(
        report.contains("INDETERMINATE") && report.contains("data hash"),
        "{report}"
    );
    b.shot("03b-verify-detached-en").await;
    c.goto(&svc.url("/lang/zh?back=%2Fverify")).await.unwrap();

    // The seal's status.
    c.goto(&svc.url(&format!("/status?id={seal}")))
        .await
        .unwrap();
    let text = b.text().await;
    assert!(text.contains("有效") && text.contains(&seal), "{text}");
    b.shot("04-status").await;

    // Log in with password and TOTP.
    let admin = svc.run.first_admin.clone().unwrap();
    c.goto(&svc.url("/login")).await.unwrap();
    b.shot("05-login").await;
    b.fill("username", &admin.username).await;
    b.fill("password", &admin.password).await;
    svc.clock.advance(time::Duration::seconds(31)); // a TOTP step the fixture's login did not use
    let code = svc.totp(&admin.username).await;
    let totp = c.find(Locator::Id("totp")).await.unwrap();
    totp.send_keys(&code).await.unwrap();
    totp.find(Locator::XPath("ancestor::form//button[@type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("nav.side"))
        .await
        .unwrap();
    let home = b.text().await;
    assert!(
        home.contains("我的待办") && home.contains("系统管理员"),
        "{home}"
    );
    b.shot("06-home-admin").await;
    // The administrator creates an auditor's account on the users page; the TOTP enrolment
    // is shown once, with its QR code.
    b.link("用户与角色").await;
    c.wait()
        .for_element(Locator::Id("display_name"))
        .await
        .unwrap();
    b.fill("username", "auditor1").await;
    b.fill("display_name", "李审计").await;
    b.click("input[name=roles][value=auditor]").await;
    b.fill("password", "Auditor-Password-2026").await;
    b.shot("06a-users").await;
    b.click("form[method=post][action='/users'] button").await;
    c.wait()
        .for_element(Locator::Css("div.qr svg"))
        .await
        .unwrap();
    let page = b.text().await;
    assert!(
        page.contains("auditor1") && page.contains("已创建"),
        "{page}"
    );
    b.shot("06b-user-created").await;
    let users = svc
        .run
        .state
        .accounts()
        .users(&eseal_server::auth::Caller {
            user: "admin".into(),
            roles: vec![eseal_server::auth::Role::SystemAdmin],
            citizen_id: None,
            organisation_code: None,
            token: None,
            must_change_password: false,
        })
        .await
        .unwrap();
    assert!(
        users
            .iter()
            .any(|u| u.username == "auditor1" && u.roles == [eseal_server::auth::Role::Auditor])
    );
    // Log out.
    b.click("form[action='/logout'] button").await;
    c.wait().for_element(Locator::Id("username")).await.unwrap();
    assert!(!b.text().await.contains("退出"));

    // The applicant applies for a personal seal on the guided form, with the ID card scan.
    log_in(&b, &svc, "applicant", eseal_server::fixture::PASSWORD).await;
    b.link("新建印章申请").await;
    c.wait().for_element(Locator::Id("kind")).await.unwrap();
    b.click("#kind option[value=personal]").await;
    b.fill("seal_name", eseal_server::fixture::HOLDER_NAME)
        .await;
    b.fill("holder_id", eseal_server::fixture::HOLDER_ID).await;
    let scan = svc.dir.path().join("id-card.png");
    std::fs::write(&scan, SCAN).unwrap();
    b.fill("file_holder_id", &scan.to_string_lossy()).await;
    b.shot("07a-apply").await;
    b.click("form[action='/applications/new'] button").await;
    let page = b.until_text("待审核").await;
    assert!(
        page.contains("待审核") && page.contains("持有人身份证"),
        "{page}"
    );
    b.shot("07b-applied").await;
    let app_id = c
        .find(Locator::Css("dl.facts dd code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    log_out(&b).await;
    // The reviewer approves it from the queue.
    log_in(&b, &svc, "reviewer", eseal_server::fixture::PASSWORD).await;
    let menu = c
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        menu.contains("印章申请") && !menu.contains("备案"),
        "a reviewer's menu: {menu}"
    );
    b.link("印章申请").await;
    c.wait()
        .for_element(Locator::Css("table.list"))
        .await
        .unwrap();
    b.shot("07-review-queue").await;
    b.link(&app_id).await;
    c.wait()
        .for_element(Locator::Css("form[action$='/approve'] button"))
        .await
        .unwrap();
    let page = b.text().await;
    assert!(
        page.contains("持有人身份证") && page.contains(eseal_server::fixture::HOLDER_ID),
        "{page}"
    );
    b.shot("08-review-application").await;
    b.click("form[action$='/approve'] button").await;
    b.until_text("已通过，待制章").await;
    b.shot("09-approved").await;
    log_out(&b).await;

    // The maker's filings page: the fixture seal's filing, delivered with its receipt.
    svc.until("the fixture seal's filing delivered", || true)
        .await;
    log_in(&b, &svc, "maker", eseal_server::fixture::PASSWORD).await;
    // The maker makes the approved application's seal, the key kept by the platform under an
    // initial PIN.
    c.goto(&svc.url("/applications?state=approved"))
        .await
        .unwrap();
    b.link(&app_id).await;
    c.wait().for_element(Locator::Id("pin")).await.unwrap();
    b.fill("pin", "581736").await;
    b.shot("09a-make").await;
    // The police system refuses the new seal's first filing (a problem document, as a real
    // system answers): the pending filing shows why, in Chinese, without the table
    // overflowing the page, and the maker sends it again at once.
    let police = svc.run.police_sim.clone().unwrap();
    police.fail_filings(502, 1);
    b.click("form[action$='/make'] button").await;
    let page = b.until_text("已制作印章").await;
    assert!(page.contains("24 小时内"), "{page}");
    b.shot("09b-made").await;
    pending_filing_refused(&b, &svc).await;
    c.goto(&svc.url("/filings?state=delivered")).await.unwrap();
    c.wait().for_element(Locator::Css("p.tabs")).await.unwrap();
    let page = b.text().await;
    assert!(page.contains(&seal) && page.contains("按时备案"), "{page}");
    // The national platform's receipt in words, not the connector's English.
    assert!(
        page.contains("全国平台已接受第") && !page.contains("accepted version"),
        "{page}"
    );
    b.shot("10-filings").await;
    // The seal's page, found by its ID: status, history, filings.
    b.link("印章查询").await;
    let q = c.find(Locator::Id("q")).await.unwrap();
    q.send_keys(&seal).await.unwrap();
    b.click("main form button").await;
    c.wait()
        .for_element(Locator::Css("dl.facts"))
        .await
        .unwrap();
    let page = b.text().await;
    assert!(
        page.contains(&seal)
            && page.contains("有效")
            && page.contains("变更记录")
            && page.contains("按时备案"),
        "{page}"
    );
    // Its filings say where each went and what came back.
    assert!(
        page.contains("公安机关")
            && page.contains("全国一体化平台")
            && page.contains("全国平台已接受第 1 版"),
        "{page}"
    );
    b.shot("11-seal").await;
    // The maker revokes it with a proof; the public status page then says 已注销.
    let proof = svc.dir.path().join("注销决定.pdf");
    std::fs::write(&proof, b"%PDF-1.7 decision").unwrap();
    b.click("#reason option[value=no_longer_used]").await;
    b.fill("proof", &proof.to_string_lossy()).await;
    b.click("form[action$='/revoke'] button").await;
    b.until_text("已注销").await;
    b.shot("11a-revoked").await;
    c.goto(&svc.url(&format!("/status?id={seal}")))
        .await
        .unwrap();
    let page = b.until_text("已注销").await;
    assert!(page.contains("印章不再使用"), "{page}");
    b.shot("11b-status-revoked").await;
    log_out(&b).await;

    // The auditor (created on the users page above) searches the log: the review is there
    // under the reviewer's name; the auditor's menu has no action pages.
    log_in(&b, &svc, "auditor1", "Auditor-Password-2026").await;
    let menu = c
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        menu.contains("审计日志") && menu.contains("用户与角色") && !menu.contains("新建印章申请"),
        "an auditor reads the log and the users, and applies for nothing: {menu}"
    );
    b.link("审计日志").await;
    b.fill("event", "applications.").await;
    b.click("main form button").await;
    // The search's answer (the page before it has a checkpoint too).
    let page = b.until_text("applications.update").await;
    assert!(
        page.contains("applications.update")
            && page.contains("印章申请更新")
            && page.contains("状态：已批准")
            && page.contains("reviewer"),
        "{page}"
    );
    b.shot("12-audit").await;
    // The same search in English: the outcomes' words too, and the table fits the window.
    b.client
        .goto(&svc.url("/lang/en?back=%2Faudit%3Fevent%3Dapplications."))
        .await
        .unwrap();
    let page = b.until_text("application updated").await;
    assert!(
        page.contains("state: approved")
            && page.contains("state=approved")
            && !page.contains("状态"),
        "{page}"
    );
    b.fits_the_window().await;
    b.shot("12d-audit-en").await;
    b.client
        .goto(&svc.url("/lang/zh?back=%2Faudit%3Fevent%3Dapplications."))
        .await
        .unwrap();
    b.until_text("印章申请更新").await;
    // The latest checkpoint, checked on request: its signature, then the whole log in the
    // database hashed again against its root.
    b.click("form input[name=check] + button").await;
    let page = b.until_text("默克尔根").await;
    assert!(
        page.contains("签名有效") && page.contains("与检查点相同"),
        "{page}"
    );
    b.shot("12b-audit-checked").await;
    // The system status: the filing worker, the logs and their checkpoints, the storage.
    b.link("系统状态").await;
    let page = b.until_text("备案任务").await;
    assert!(
        page.contains("eseal/seals")
            && page.contains("SQLite")
            && page.contains("synchronous=FULL")
            && page.contains("已备案"),
        "{page}"
    );
    assert!(
        page.contains("最近一次成功") && page.contains(".esbk") && !page.contains("需要处理"),
        "{page}"
    );
    b.shot("12a-system").await;
    b.client
        .execute("window.scrollTo(0, document.body.scrollHeight)", vec![])
        .await
        .unwrap();
    b.shot("12c-system-backups").await;
    log_out(&b).await;

    // The holder finds the seal the maker just made among her own, and changes its PIN.
    let made_id = c_made_seal(&svc).await;
    log_in(&b, &svc, "zhang", eseal_server::fixture::PASSWORD).await;
    b.link("印章查询").await;
    b.link(&made_id).await;
    c.wait().for_element(Locator::Id("old_pin")).await.unwrap();
    b.fill("old_pin", "581736").await;
    b.fill("new_pin", "604819").await;
    b.fill("repeat", "604819").await;
    b.click("form[action$='/pin'] button").await;
    b.until_text("口令已修改").await;
    b.shot("13-pin-changed").await;
    // She stamps a two-page document with a riding seal (骑缝章) across the pages' right
    // edges: each page carries its slice.
    let two = svc.dir.path().join("两页.ofd");
    std::fs::write(&two, eseal_testkit::ofd::pages(2)).unwrap();
    b.link("上传文件并盖章").await;
    c.wait().for_element(Locator::Id("files")).await.unwrap();
    b.fill("files", &two.to_string_lossy()).await;
    b.click("form[action$='/sign'] button").await;
    c.wait().for_element(Locator::Id("sheet")).await.unwrap();
    b.click("input[name=mode][value=riding]").await;
    // The ghost shows the first slice at the page's right edge.
    let stamp = c.find(Locator::Id("stamp")).await.unwrap();
    // (The sheet clips what passes its edge and cannot be scrolled: only the slice shows.)
    let shown: Vec<f64> = serde_json::from_value(
        c.execute(
            "var s = document.getElementById('sheet'); var t = document.getElementById('stamp').getBoundingClientRect(); var r = s.getBoundingClientRect(); return [t.left - r.left, s.clientWidth, t.width, s.scrollLeft];",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(
        (shown[0] + shown[2] / 2.0 - shown[1] - 1.0).abs() < 2.0 && shown[3] == 0.0,
        "half the stamp (the first of two slices) passes the right edge: {shown:?}"
    );
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&stamp).unwrap()],
    )
    .await
    .unwrap();
    b.fill("purpose", "骑缝章").await;
    b.fill("pin", "604819").await;
    b.shot("13a-riding").await;
    b.click("form.place-form button[type=submit]").await;
    b.until_text("已签署 1 / 1").await;
    let href = c
        .find(Locator::LinkText("下载已签章文件"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cookie = c.get_named_cookie("eseal_session").await.unwrap();
    let signed = svc
        .http
        .get(svc.url(&href))
        .header("cookie", format!("eseal_session={}", cookie.value()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(signed)).unwrap();
    let sig_xml = pkg
        .files()
        .into_iter()
        .find(|f| f.ends_with("Signature.xml"))
        .unwrap();
    let xml = String::from_utf8(pkg.read(&sig_xml).unwrap()).unwrap();
    let pages: std::collections::BTreeSet<&str> = xml
        .split("PageRef=\"")
        .skip(1)
        .filter_map(|p| p.split('"').next())
        .collect();
    assert_eq!(pages.len(), 2, "a slice on each page: {xml}");
    // She stamps a PDF: its page drawn, the position typed (or dragged) or a keyword; a riding
    // seal is not offered for its one page.
    let pdf = svc.dir.path().join("合同.pdf");
    std::fs::write(
        &pdf,
        include_bytes!("../../../../testdata/pdf/chromium.pdf"),
    )
    .unwrap();
    c.goto(&svc.url(&format!("/seals/{made_id}/sign")))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("files")).await.unwrap();
    b.fill("files", &pdf.to_string_lossy()).await;
    b.click("form[action$='/sign'] button").await;
    // Its page is drawn (hayro) with the stamp to drag, as for OFD.
    b.until_text("拖动印章到盖章位置").await;
    assert!(
        b.image_shown("#sheet img.page").await,
        "the PDF page is drawn"
    );
    let sheet = c.find(Locator::Id("sheet")).await.unwrap();
    assert_eq!(
        sheet
            .attr("data-width-mm")
            .await
            .unwrap()
            .as_deref()
            .map(|w| w.starts_with("215.9")),
        Some(true)
    );
    assert!(
        c.find(Locator::Id("riding_y")).await.is_err(),
        "no riding seal for a one-page PDF"
    );
    assert!(c.find(Locator::Id("keyword")).await.is_ok());
    b.refill("x", "120").await;
    b.refill("y", "30").await;
    // The CMS form (what other PDF readers know), certified for form filling and signatures.
    b.click("input[name=form][value=cms]").await;
    b.click("#certify option[value='2']").await;
    b.fill("purpose", "签订合同").await;
    b.fill("pin", "604819").await;
    b.shot("13b-pdf-placing").await;
    b.click("form.place-form button[type=submit]").await;
    b.until_text("已签署 1 / 1").await;
    let href = c
        .find(Locator::LinkText("下载已签章文件"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let r = svc
        .http
        .get(svc.url(&href))
        .header("cookie", format!("eseal_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let signed_pdf = r.bytes().await.unwrap().to_vec();
    assert!(signed_pdf.starts_with(b"%PDF"));
    let file = svc.dir.path().join("已签章.pdf");
    std::fs::write(&file, &signed_pdf).unwrap();
    log_out(&b).await;
    // Anyone verifies it on the public page: 有效.
    c.goto(&svc.url("/verify")).await.unwrap();
    b.fill("ofd", &file.to_string_lossy()).await;
    b.click("form[action='/verify'] button").await;
    let page = b.until_text("结论").await;
    assert!(
        page.contains("有效") && page.contains("本平台制作") && page.contains("CMS SignedData"),
        "{page}"
    );
    b.shot("13c-pdf-verified").await;
    let text = String::from_utf8_lossy(&signed_pdf).into_owned();
    assert!(
        text.contains("/SubFilter/adbe.pkcs7.detached") && text.contains("/DocMDP"),
        "the CMS form, certifying"
    );

    // A holder forging the reviewer's action is refused (the menu does not offer it), and
    // the refusal is audited under the holder's name.
    let (cookie, csrf) = session(&svc, "zhang").await;
    let r = svc
        .http
        .post(svc.url(&format!("/applications/{app_id}/reject")))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &cookie)
        .body(format!("csrf={csrf}&reason=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let log = svc.run.state.store().audit_log(0, 1_000_000).await.unwrap();
    assert!(
        log.iter().any(|e| e.event == "access.refused"
            && e.actor == "zhang"
            && e.object == format!("console /applications/{app_id}/reject")),
        "the holder's forged review is audited"
    );

    // Every page carries the security headers.
    for path in ["/", "/verify", "/login", &format!("/status?id={seal}")] {
        let r = svc.http.get(svc.url(path)).send().await.unwrap();
        let h = r.headers();
        assert_eq!(h["content-security-policy"], CSP, "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
        // Nothing the CSP would block: no inline style or script.
        let page = r.text().await.unwrap();
        assert!(
            !page.contains(" style=") && !page.contains("<script>") && !page.contains(" on"),
            "{path}: {page}"
        );
    }
    // A POST without the form's token, and one from another site, are refused and audited.
    let r = svc
        .http
        .post(svc.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=admin&password=x&totp=000000&csrf=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("已拒绝"));
    let r = svc
        .http
        .post(svc.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("csrf=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let log = svc.run.state.store().audit_log(0, 1_000_000).await.unwrap();
    let refused: Vec<_> = log.iter().filter(|e| e.event == "access.refused").collect();
    assert!(
        refused
            .iter()
            .any(|e| e.object == "console /login" && e.outcome.starts_with("refused:csrf"))
            && refused
                .iter()
                .any(|e| e.outcome.starts_with("refused:cross-site")),
        "{refused:?}"
    );
}

/// Creates a user on the administrator's users page.
/// The filings page while the police system refuses a filing: the reason in the page's
/// language (the remote system's own words kept as its detail, not its JSON or a library's
/// English), a table that fits the window, and the retry button that sends it again.
async fn pending_filing_refused(b: &Browser, svc: &Service) {
    let c = &b.client;
    let mut page = String::new();
    for _ in 0..100 {
        c.goto(&svc.url("/filings?state=pending")).await.unwrap();
        page = b.text().await;
        if page.contains("HTTP 502") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        page.contains("1 次")
            && page.contains("公安系统答复 HTTP 502：failure injected by /_sim/fail"),
        "{page}"
    );
    for english in [
        "error sending request",
        "police system",
        "{",
        "simulated_failure",
    ] {
        assert!(!page.contains(english), "{english:?} in {page}");
    }
    b.fits_the_window().await;
    b.shot("10a-filing-refused").await;
    c.goto(&svc.url("/lang/en?back=%2Ffilings%3Fstate%3Dpending"))
        .await
        .unwrap();
    let page = b.until_text("Retry now").await;
    assert!(
        page.contains("1 attempt")
            && page.contains("police system: HTTP 502: failure injected by /_sim/fail"),
        "{page}"
    );
    b.fits_the_window().await;
    b.shot("10b-filing-refused-en").await;
    c.goto(&svc.url("/lang/zh?back=%2Ffilings%3Fstate%3Dpending"))
        .await
        .unwrap();
    b.until_text("立即重试").await;
    b.submit("form[action$='/retry'] button").await;
    b.until_text("已安排立即重试").await;
    let mut page = String::new();
    for _ in 0..100 {
        c.goto(&svc.url("/filings?state=pending")).await.unwrap();
        page = b.text().await;
        if !page.contains("HTTP 502") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !page.contains("HTTP 502"),
        "the retried filing is still pending: {page}"
    );
}

async fn create_user(b: &Browser, svc: &Service, name: &str, display: &str, role: &str, org: &str) {
    let c = &b.client;
    c.goto(&svc.url("/users")).await.unwrap();
    c.wait()
        .for_element(Locator::Id("display_name"))
        .await
        .unwrap();
    b.fill("username", name).await;
    b.fill("display_name", display).await;
    b.click(&format!("input[name=roles][value={role}]")).await;
    b.fill("password", crate::common::PASSWORD).await;
    if !org.is_empty() {
        b.fill("organisation_code", org).await;
    }
    b.click("form[method=post][action='/users'] button").await;
    let page = b.until_text("已创建").await;
    assert!(page.contains(name), "{page}");
}

/// The Boundary (x, y, w, h in mm) of the first stamp in a signed OFD's Signature.xml.
fn stamp_boundary(signed: Vec<u8>) -> Vec<f32> {
    let mut pkg = eseal_doc::Package::open(std::io::Cursor::new(signed)).unwrap();
    let sig_xml = pkg
        .files()
        .into_iter()
        .find(|f| f.ends_with("Signature.xml"))
        .unwrap();
    let xml = String::from_utf8(pkg.read(&sig_xml).unwrap()).unwrap();
    xml.split("Boundary=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

/// The value of the input with this id.
async fn value(b: &Browser, id: &str) -> String {
    b.client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// An official seal's whole life through the pages only: the administrator creates the staff
/// and the organisation's custodian and approver, an agent applies with the materials, the
/// reviewer approves, the maker makes (the impression registered with the police), the
/// custodian asks to use it for a contract, the approver approves, the custodian drags the
/// stamp onto the drawn page and signs with the PIN, downloads the file, a stranger verifies
/// it on the public page (有效), the usage ledger and its CSV show the use, the seal is
/// revoked and its status page says 已注销.
async fn official_seal_lifecycle(backend: Backend, tag: &str) {
    let Some(b) = browser().await else { return };
    let svc = start(&backend, T0).await;
    let sim = svc.run.police_sim.clone().unwrap();
    let seal_name = format!("{}合同专用章", eseal_server::app::DEMO_ORG);
    sim.register(
        eseal_server::app::DEMO_USCC,
        "official.business.contract",
        &seal_name,
        eseal_server::app::DEMO_IMPRESSION,
        T0,
    );
    let c = &b.client;
    let shot = |name: &str| format!("{tag}-{name}");
    let pw = crate::common::PASSWORD;

    // The administrator creates the agency's staff and the organisation's people.
    let admin = svc.run.first_admin.clone().unwrap();
    log_in(&b, &svc, &admin.username, &admin.password).await;
    let org = eseal_server::app::DEMO_USCC;
    for (name, display, role, o) in [
        ("agent1", "王经办", "applicant", ""),
        ("reviewer1", "赵审核", "reviewer", ""),
        ("maker1", "钱制章", "maker", ""),
        ("custodian1", "孙保管", "custodian", org),
        ("approver1", "李审批", "approver", org),
        ("approver2", "周审批", "approver", org),
    ] {
        create_user(&b, &svc, name, display, role, o).await;
    }
    b.shot(&shot("01-users")).await;
    // The users are searched by name.
    c.goto(&svc.url("/users")).await.unwrap();
    c.wait().for_element(Locator::Id("q")).await.unwrap();
    b.refill("q", "审批").await;
    b.submit("form.search button").await;
    let page = b.until_text("周审批").await;
    assert!(
        page.contains("approver1") && !page.contains("reviewer1"),
        "{page}"
    );
    // The company's rule: each use of its seals needs two approvers.
    b.link("单位与审批规则").await;
    c.wait().for_element(Locator::Id("uscc")).await.unwrap();
    b.fill("uscc", org).await;
    b.fill("name", eseal_server::app::DEMO_ORG).await;
    b.click("#approval_levels option[value='2']").await;
    b.click("form[method=post][action='/organisations'] button")
        .await;
    let page = b.until_text("已保存").await;
    assert!(page.contains(org), "{page}");
    b.shot(&shot("01a-organisations")).await;
    log_out(&b).await;

    // Until the initial password is changed, the API refuses the user everything too.
    let token = svc.login("agent1", pw).await;
    let (status, v) = svc
        .call("GET", "/api/v1/applications", Some(&token), None)
        .await;
    assert_eq!(
        (status.as_u16(), v["code"].as_str()),
        (403, Some("password_change_required")),
        "{v}"
    );

    // The agent applies for the company's contract seal with the three materials.
    log_in(&b, &svc, "agent1", pw).await;
    b.link("新建印章申请").await;
    c.wait().for_element(Locator::Id("kind")).await.unwrap();
    b.click("#kind option[value='official.business.contract']")
        .await;
    b.fill("seal_name", &seal_name).await;
    b.fill("organisation_code", org).await;
    // The impression is shown beside the form: for the company's contract seal, the one
    // registered with the police, fetched from the police system; without the code, the
    // standard style of the name typed.
    assert!(
        b.image_shown("#impression_preview").await,
        "the preview is shown"
    );
    let cookie = c.get_named_cookie("eseal_session").await.unwrap();
    let preview = |org: &'static str| {
        svc.http
            .get(svc.url(&format!(
                "/applications/preview.png?kind=official.business.contract&seal_name={}&organisation_code={org}",
                eseal_server::console::urlencode(&seal_name)
            )))
            .header("cookie", format!("eseal_session={}", cookie.value()))
            .send()
    };
    let registered = preview(org).await.unwrap().bytes().await.unwrap();
    assert_eq!(&registered[..], eseal_server::app::DEMO_IMPRESSION);
    let standard = preview("").await.unwrap().bytes().await.unwrap();
    assert!(
        standard.starts_with(b"\x89PNG") && &standard[..] != eseal_server::app::DEMO_IMPRESSION
    );
    for m in ["business_licence", "agent_id", "authorisation"] {
        let f = svc.dir.path().join(format!("{m}.png"));
        std::fs::write(&f, SCAN).unwrap();
        b.fill(&format!("file_{m}"), &f.to_string_lossy()).await;
    }
    b.shot(&shot("02-apply")).await;
    b.click("form[action='/applications/new'] button").await;
    b.until_text("待审核").await;
    let app_id = c
        .find(Locator::Css("dl.facts dd code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    log_out(&b).await;

    // The reviewer finds it in the queue by the company's code, and approves; the maker
    // makes it with the registered impression.
    log_in(&b, &svc, "reviewer1", pw).await;
    // The start page says what waits: one application to review.
    let waiting = c
        .find(Locator::Id("waiting"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        waiting.contains("1\n待审核的印章申请") || waiting.contains("1 待审核的印章申请"),
        "{waiting}"
    );
    b.shot(&shot("02-reviewer-tasks")).await;
    b.link("印章申请").await;
    c.wait().for_element(Locator::Id("q")).await.unwrap();
    b.fill("q", "91370000MA3C5XQR3N").await;
    b.submit("form.search button").await;
    b.until_text("没有这一状态的申请").await;
    b.refill("q", &org.to_lowercase()).await;
    b.submit("form.search button").await;
    c.wait()
        .for_element(Locator::Css(&format!("a[href='/applications/{app_id}']")))
        .await
        .unwrap();
    b.shot(&shot("02-queue-search")).await;
    c.goto(&svc.url(&format!("/applications/{app_id}")))
        .await
        .unwrap();
    // The materials are shown on the page.
    assert!(b.image_shown("img.material").await, "the scan is shown");
    b.shot(&shot("02a-review")).await;
    b.click("form[action$='/approve'] button").await;
    b.until_text("已通过，待制章").await;
    log_out(&b).await;
    log_in(&b, &svc, "maker1", pw).await;
    c.goto(&svc.url(&format!("/applications/{app_id}")))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("pin")).await.unwrap();
    b.fill("pin", "581736").await;
    b.click("form[action$='/make'] button").await;
    b.until_text("已制作印章").await;
    b.shot(&shot("03-made")).await;
    log_out(&b).await;
    let seal = svc
        .run
        .state
        .store()
        .all::<eseal_core::Seal>(100)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.record)
        .find(|s| s.name == seal_name)
        .unwrap()
        .id
        .to_string();

    // The custodian sets the seal's PIN and asks to use it for a contract.
    let contract = svc.dir.path().join("采购合同.ofd");
    std::fs::write(&contract, eseal_testkit::ofd::contract()).unwrap();
    log_in(&b, &svc, "custodian1", pw).await;
    c.goto(&svc.url(&format!("/seals/{seal}"))).await.unwrap();
    c.wait().for_element(Locator::Id("old_pin")).await.unwrap();
    // The seal's page shows its impression.
    assert!(
        b.image_shown("figure.seal-picture img").await,
        "the impression is shown"
    );
    b.shot(&shot("03a-seal-page")).await;
    b.fill("old_pin", "581736").await;
    b.fill("new_pin", "739164").await;
    b.fill("repeat", "739164").await;
    b.click("form[action$='/pin'] button").await;
    b.until_text("口令已修改").await;
    b.fill("documents", &contract.to_string_lossy()).await;
    b.fill("purpose", "签订采购合同").await;
    b.fill("counterparty", "威海某贸易有限公司").await;
    b.fill("not_after", "2026-07-03 18:00").await;
    // Two stamps: one placed by dragging, one on the keyword.
    let stamps = c.find(Locator::Id("stamps")).await.unwrap();
    stamps.clear().await.unwrap();
    stamps.send_keys("2").await.unwrap();
    b.shot(&shot("04-use-request")).await;
    // The custodian went for a coffee: the session timed out before the form was sent. It
    // is not acted on, but what was typed is kept for after the login.
    svc.clock.advance(time::Duration::minutes(16));
    b.click("form[action$='/use-requests'] button").await;
    b.until_text("会话已超时").await;
    b.shot(&shot("04a-session-timed-out")).await;
    assert!(
        svc.run
            .state
            .store()
            .all::<eseal_core::UseRequest>(10)
            .await
            .unwrap()
            .is_empty(),
        "nothing was recorded"
    );
    svc.clock.advance(time::Duration::seconds(31));
    let again = b
        .changed
        .lock()
        .unwrap()
        .get("custodian1")
        .cloned()
        .unwrap();
    b.fill("username", "custodian1").await;
    b.fill("password", &again).await;
    b.fill("totp", &svc.totp("custodian1").await).await;
    b.click("main form button[type=submit]").await;
    let page = b.until_text("为您保留的内容").await;
    assert!(
        page.contains("签订采购合同")
            && page.contains("威海某贸易有限公司")
            && page.contains("采购合同.ofd"),
        "{page}"
    );
    b.fill("kept-file-0", &contract.to_string_lossy()).await;
    b.shot(&shot("04b-resume")).await;
    b.click("#resume button").await;
    let page = b.until_text("用印申请已提交").await;
    assert!(
        page.contains("待审批") && page.contains("签订采购合同"),
        "{page}"
    );
    b.shot(&shot("05-use-request-pending")).await;
    log_out(&b).await;

    // The approver: only the organisation's menus; approves the request.
    log_in(&b, &svc, "approver1", pw).await;
    let menu = c
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        menu.contains("用印申请") && !menu.contains("印章申请") && !menu.contains("备案"),
        "an approver's menu: {menu}"
    );
    b.link("用印申请").await;
    c.wait()
        .for_element(Locator::Css("form[action$='/approve'] button"))
        .await
        .unwrap();
    b.shot(&shot("06-approvals")).await;
    b.click("form[action$='/approve'] button").await;
    // The first of two levels: still pending, and not this approver's again.
    let page = b.until_text("您已批准本级").await;
    assert!(page.contains("1 / 2"), "{page}");
    log_out(&b).await;
    log_in(&b, &svc, "approver2", pw).await;
    c.goto(&svc.url("/use-requests")).await.unwrap();
    c.wait()
        .for_element(Locator::Css("form[action$='/approve'] button"))
        .await
        .unwrap();
    // While the page is open, someone else decides: a third approver, through the API,
    // approves the second level. The page's form is stale: refused, the page offered again.
    let admin_token = svc.admin().await;
    let (st, v) = svc
        .call("POST", "/api/v1/users", Some(&admin_token), Some(json!({"username": "approver3", "display_name": "吴审批", "roles": ["approver"], "password": pw, "organisation_code": org})))
        .await;
    assert_eq!(st.as_u16(), 201, "{v}");
    let third = svc.login("approver3", pw).await;
    let request = svc
        .run
        .state
        .store()
        .all::<eseal_core::UseRequest>(10)
        .await
        .unwrap()
        .remove(0)
        .record
        .id;
    let (st, v) = svc
        .call(
            "POST",
            &format!("/api/v1/use-requests/{request}/approve"),
            Some(&third),
            None,
        )
        .await;
    assert_eq!(st.as_u16(), 200, "{v}");
    b.click("form[action$='/approve'] button").await;
    let page = b.until_text("已被他人修改").await;
    assert!(page.contains("刷新页面"), "{page}");
    b.shot(&shot("06a-stale")).await;
    // The list drawn anew: nothing pending any more; the request is among the approved.
    b.click("#reload").await;
    b.until_text("没有用印申请").await;
    c.goto(&svc.url("/use-requests?state=approved"))
        .await
        .unwrap();
    let page = b.until_text("approver3").await;
    assert!(
        page.contains("2 / 2") && page.contains("approver1"),
        "{page}"
    );
    b.shot(&shot("06b-approved")).await;
    log_out(&b).await;

    // The custodian uploads the contract, drags the stamp on the drawn page, signs.
    log_in(&b, &svc, "custodian1", pw).await;
    c.goto(&svc.url(&format!("/seals/{seal}"))).await.unwrap();
    b.link("上传文件并盖章").await;
    c.wait().for_element(Locator::Id("files")).await.unwrap();
    b.fill("files", &contract.to_string_lossy()).await;
    b.click("form[action$='/sign'] button").await;
    c.wait().for_element(Locator::Id("sheet")).await.unwrap();
    let stamp = c.find(Locator::Id("stamp")).await.unwrap();
    for _ in 0..50 {
        if stamp.is_displayed().await.unwrap() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&stamp).unwrap()],
    )
    .await
    .unwrap();
    let (x0, y0): (f32, f32) = (
        value(&b, "x").await.parse().unwrap(),
        value(&b, "y").await.parse().unwrap(),
    );
    b.shot(&shot("07-placing")).await;
    {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let drag = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: stamp.clone(),
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: Some(Duration::from_millis(300)),
                x: -150.0,
                y: -180.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        c.perform_actions(drag).await.unwrap();
    }
    let (x1, y1): (f32, f32) = (
        value(&b, "x").await.parse().unwrap(),
        value(&b, "y").await.parse().unwrap(),
    );
    assert!(
        x1 < x0 - 10.0 && y1 < y0 - 10.0,
        "dragging moved the stamp: ({x0}, {y0}) → ({x1}, {y1})"
    );
    b.fill("purpose", "签订采购合同").await;
    b.fill("pin", "739164").await;
    // The PIN once, for ten minutes of signing with this seal.
    b.click("#keep_unlocked").await;
    b.shot(&shot("08-placed")).await;
    b.click("form.place-form button[type=submit]").await;
    let page = b.until_text("已签署 1 / 1").await;
    assert!(page.contains("下载已签章文件"), "{page}");
    b.shot(&shot("09-signed")).await;
    let href = c
        .find(Locator::LinkText("下载已签章文件"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cookie = c.get_named_cookie("eseal_session").await.unwrap();
    let r = svc
        .http
        .get(svc.url(&href))
        .header("cookie", format!("eseal_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''%E9%87%87%E8%B4%AD%E5%90%88%E5%90%8C-"),
        "the download keeps the document's name"
    );
    let signed = r.bytes().await.unwrap().to_vec();
    // The stamp is where it was dragged to.
    let boundary = stamp_boundary(signed.clone());
    assert!(
        (boundary[0] - x1).abs() < 0.11 && (boundary[1] - y1).abs() < 0.11,
        "the stamp at {boundary:?}, dragged to ({x1}, {y1})"
    );
    // Signing the same upload again (a double submission) signs nothing more.
    let (cookie_h, csrf) = (format!("eseal_session={}", cookie.value()), {
        let d =
            eseal_gm::Sm3Digest::of(format!("eseal console csrf\0{}", cookie.value()).as_bytes())
                .to_hex();
        d[..32].to_owned()
    });
    let draft_page = href.rsplit_once("/file/").unwrap().0.to_owned();
    let r = svc
        .http
        .post(svc.url(&draft_page))
        .header("cookie", &cookie_h)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&mode=position&page=1&x=10&y=10&purpose=x&pin=739164"
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert!(r.text().await.unwrap().contains("已签署 1 / 1"));
    // The second stamp of the request: the same contract, stamped on its keyword.
    c.goto(&svc.url(&format!("/seals/{seal}/sign")))
        .await
        .unwrap();
    c.wait().for_element(Locator::Id("files")).await.unwrap();
    b.fill("files", &contract.to_string_lossy()).await;
    b.click("form[action$='/sign'] button").await;
    c.wait().for_element(Locator::Id("sheet")).await.unwrap();
    b.click("input[name=mode][value=keyword]").await;
    b.fill("keyword", "甲方（盖章）").await;
    b.fill("purpose", "签订采购合同").await;
    // Still unlocked: no PIN asked.
    let unlocked = c
        .find(Locator::Id("unlocked"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(unlocked.contains("已解锁"), "{unlocked}");
    assert!(c.find(Locator::Id("pin")).await.is_err(), "no PIN field");
    b.shot(&shot("09a-keyword")).await;
    b.click("form.place-form button[type=submit]").await;
    b.until_text("已签署 1 / 1").await;
    let href2 = c
        .find(Locator::LinkText("下载已签章文件"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let by_keyword = svc
        .http
        .get(svc.url(&href2))
        .header("cookie", &cookie_h)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let k = stamp_boundary(by_keyword);
    // "甲方（盖章）" is drawn from x = 25 mm, its line from y ≈ 196 to 201 mm.
    let (cx, cy) = (k[0] + k[2] / 2.0, k[1] + k[3] / 2.0);
    assert!(
        (cx - 37.6).abs() < 6.0 && (cy - 198.5).abs() < 6.0,
        "the stamp centred on the keyword: {k:?}"
    );
    // The usage ledger on the seal's page, and its CSV export.
    c.goto(&svc.url(&format!("/seals/{seal}"))).await.unwrap();
    let page = b.until_text("用印记录").await;
    assert!(
        page.contains("采购合同.ofd") && page.contains("已签署"),
        "{page}"
    );
    b.shot(&shot("10-ledger")).await;
    let csv = svc
        .http
        .get(svc.url(&format!("/seals/{seal}/ledger.csv")))
        .header("cookie", &cookie_h)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().count(),
        3,
        "a heading and two uses (the double submission signed nothing): {csv}"
    );
    assert!(
        csv.contains("采购合同.ofd") && csv.contains("签订采购合同"),
        "{csv}"
    );
    log_out(&b).await;

    // A stranger verifies the downloaded file on the public page.
    let file = svc.dir.path().join("采购合同-已签章.ofd");
    std::fs::write(&file, &signed).unwrap();
    c.goto(&svc.url("/verify")).await.unwrap();
    b.fill("ofd", &file.to_string_lossy()).await;
    b.click("form[action='/verify'] button").await;
    c.wait().for_element(Locator::Id("verdict")).await.unwrap();
    let report = b.text().await;
    assert!(report.contains("结论：有效 (PASSED)"), "{report}");
    b.shot(&shot("11-verified")).await;

    // The public transparency log lists the seal's making; its proof downloads.
    c.goto(&svc.url("/log")).await.unwrap();
    b.until_text("最新检查点").await;
    b.fill("seal", &seal).await;
    b.click("form[action='/log'] button").await;
    let page = b.until_text("尚未进入已签署的检查点").await;
    assert!(page.contains(&seal) && page.contains("制作"), "{page}");
    b.shot(&shot("11a-log")).await;

    // The maker finds the seal's filing by its ID (delivered, with the receipt), revokes the
    // seal, and its page still tells its status at a time before; its public status page
    // says 已注销.
    log_in(&b, &svc, "maker1", pw).await;
    c.goto(&svc.url("/filings?state=delivered")).await.unwrap();
    b.fill("q", "no such seal!").await;
    b.submit("form.search button").await;
    b.until_text("印章编码").await;
    assert!(c.find(Locator::Css("div.notice.error")).await.is_ok());
    b.refill("q", &seal).await;
    b.submit("form.search button").await;
    let page = b.until_text("按时备案").await;
    assert!(page.contains(&seal) && page.contains("制章"), "{page}");
    b.shot(&shot("11b-filings-search")).await;
    let valid_then = (eseal_gm::provider::Clock::now(svc.clock.as_ref())
        + time::Duration::hours(8))
    .format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]"
    ))
    .unwrap();
    log_out(&b).await;

    // The company is dissolved: its agent applies for the seal's revocation (注销) on the
    // application form, with the materials and the decision as proof; the reviewer approves;
    // the maker carries it out on the application's page.
    log_in(&b, &svc, "agent1", pw).await;
    b.link("新建印章申请").await;
    c.wait()
        .for_element(Locator::Id("applying_for"))
        .await
        .unwrap();
    assert!(
        !c.find(Locator::Id("seal_id"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "a new seal's form asks for no existing seal"
    );
    b.click("#applying_for option[value=revocation]").await;
    b.fill("seal_id", &seal).await;
    b.click("#revocation_reason option[value=dissolution]")
        .await;
    b.click("#kind option[value='official.business.contract']")
        .await;
    b.fill("seal_name", &seal_name).await;
    b.fill("organisation_code", org).await;
    for m in ["business_licence", "agent_id", "authorisation"] {
        let f = svc.dir.path().join(format!("{m}.png"));
        b.fill(&format!("file_{m}"), &f.to_string_lossy()).await;
    }
    let proof = svc.dir.path().join("注销决定.pdf");
    std::fs::write(&proof, b"%PDF-1.7 decision").unwrap();
    b.fill("file_proof", &proof.to_string_lossy()).await;
    b.shot(&shot("11c-apply-revocation")).await;
    b.click("form[action='/applications/new'] button").await;
    let page = b.until_text("待审核").await;
    assert!(
        page.contains("注销") && page.contains(&seal) && page.contains("单位注销"),
        "{page}"
    );
    let revocation = c
        .find(Locator::Css("dl.facts dd code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    log_out(&b).await;
    log_in(&b, &svc, "reviewer1", pw).await;
    c.goto(&svc.url(&format!("/applications/{revocation}")))
        .await
        .unwrap();
    b.click("form[action$='/approve'] button").await;
    b.until_text("已通过，待办理").await;
    log_out(&b).await;
    log_in(&b, &svc, "maker1", pw).await;
    c.goto(&svc.url(&format!("/applications/{revocation}")))
        .await
        .unwrap();
    b.until_text("办理注销").await;
    c.execute(
        "document.querySelector(\"form[action$='/carry-out']\").closest('.card').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    b.shot(&shot("11d-carry-out-revocation")).await;
    b.click("form[action$='/carry-out'] button").await;
    b.until_text("已注销：证书已吊销").await;
    b.shot(&shot("11e-revoked")).await;
    c.goto(&svc.url(&format!("/applications/{revocation}")))
        .await
        .unwrap();
    b.until_text("已办结").await;
    c.goto(&svc.url(&format!("/seals/{seal}"))).await.unwrap();
    b.fill("at", &valid_then).await;
    b.click("#status-at button").await;
    c.wait()
        .for_element(Locator::Id("status-then"))
        .await
        .unwrap();
    let then = c
        .find(Locator::Id("status-then"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(then.contains("有效") && !then.contains("注销"), "{then}");
    b.shot(&shot("12-status-at")).await;
    log_out(&b).await;
    c.goto(&svc.url(&format!("/status?id={seal}")))
        .await
        .unwrap();
    b.until_text("已注销").await;
    b.shot(&shot("12a-status-revoked")).await;
    svc.run.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_seal_lives_its_whole_life_in_the_console_on_sqlite() {
    official_seal_lifecycle(Backend::Sqlite, "official-sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_official_seal_lives_its_whole_life_in_the_console_on_postgres() {
    let Some(url) = eseal_testkit::pg_url() else {
        return;
    };
    official_seal_lifecycle(Backend::Postgres(url), "official-postgres").await;
}

/// A maker renews a seal from its page in its last month: the page's form goes through the
/// same service as the API (the window checked there), and the seal runs on for a year.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maker_renews_a_seal_from_its_page() {
    let svc = start(&Backend::Sqlite, T0).await;
    let fixture = eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let before = svc
        .run
        .state
        .store()
        .get::<eseal_core::Seal>(&fixture.seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    let post = |cookie: String, csrf: String| {
        let boundary = "RnW";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"pin\"\r\n\r\n462918\r\n--{boundary}--\r\n"
        );
        svc.http
            .post(svc.url(&format!("/seals/{}/renew", fixture.seal)))
            .header("cookie", cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    // Too early: refused with the service's reason, nothing changes.
    let (cookie, csrf) = session(&svc, "maker").await;
    let r = post(cookie, csrf).await.unwrap();
    assert_eq!(r.status(), 422, "renewal outside the window");
    let page = r.text().await.unwrap();
    assert!(page.contains("已拒绝") && page.contains("续期"), "{page}");
    // In the last month: renewed.
    svc.clock.advance(time::Duration::days(350));
    let (cookie, csrf) = session(&svc, "maker").await;
    let r = post(cookie.clone(), csrf).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert!(r.text().await.unwrap().contains("已续期"));
    let after = svc
        .run
        .state
        .store()
        .get::<eseal_core::Seal>(&fixture.seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert!(after.valid_to > before.valid_to + time::Duration::days(300));
    assert_ne!(after.certificate_serial, before.certificate_serial);
}

/// A multipart/form-data body of text `fields` and `files` (field, file name, bytes), with
/// its content type.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let b = "EsealFormPart";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .into_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{b}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

/// Issue 19: a personal seal's renewal (续期) applied for on the console's application form
/// — the seal described as registered, a wrong name refused with the form kept — approved
/// on the application's page and carried out there by the maker with the new key's PIN;
/// then the maker revokes the seal directly on its page with proof.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_applied_for_on_the_console_is_carried_out() {
    let svc = start(&Backend::Sqlite, T0).await;
    let fixture = eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let seal = fixture.seal.clone();
    let stored = || async {
        svc.run
            .state
            .store()
            .get::<eseal_core::Seal>(&seal)
            .await
            .unwrap()
            .unwrap()
            .record
    };
    let before = stored().await;
    svc.clock.advance(time::Duration::days(350));
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let send = |path: String, cookie: String, (kind, body): (String, Vec<u8>)| {
        plain
            .post(svc.url(&path))
            .header("cookie", cookie)
            .header("content-type", kind)
            .body(body)
            .send()
    };
    let (cookie, csrf) = session(&svc, "applicant").await;
    let holder = before.holder_id.clone().unwrap().to_string();
    let form = |name: &str| {
        multipart(
            &[
                ("csrf", &csrf),
                ("applying_for", "renewal"),
                ("seal_id", &seal),
                ("kind", "personal"),
                ("seal_name", name),
                ("holder_id", &holder),
            ],
            &[("file_holder_id", "id.png", SCAN)],
        )
    };
    let r = send("/applications/new".into(), cookie.clone(), form("李四"))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("不一致") && page.contains("value=\"李四\""),
        "{page}"
    );
    let r = send("/applications/new".into(), cookie, form(&before.name))
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let app = r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/applications/")
        .to_owned();
    let (cookie, csrf) = session(&svc, "reviewer").await;
    let r = plain
        .post(svc.url(&format!("/applications/{app}/approve")))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The maker's page of the application: the carry-out form, the PIN asked.
    let (cookie, csrf) = session(&svc, "maker").await;
    let page = plain
        .get(svc.url(&format!("/applications/{app}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("办理续期") && page.contains("renew_pin") && page.contains("已通过，待办理"),
        "{page}"
    );
    let r = send(
        format!("/applications/{app}/carry-out"),
        cookie.clone(),
        multipart(&[("csrf", &csrf), ("pin", "462918")], &[]),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/seals/{seal}?renewed=1"));
    let page = plain
        .get(svc.url(&to))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已续期"), "{page}");
    let after = stored().await;
    assert!(after.valid_to > before.valid_to + time::Duration::days(300));
    let done = svc
        .run
        .state
        .store()
        .get::<eseal_core::Application>(&app)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert!(matches!(
        done.state,
        eseal_core::ApplicationState::Made { .. }
    ));
    // Carried out once only: a second try says why, and nothing changes.
    let r = send(
        format!("/applications/{app}/carry-out"),
        cookie.clone(),
        multipart(&[("csrf", &csrf), ("pin", "462918")], &[]),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(stored().await.certificate_serial, after.certificate_serial);
    // The maker revokes the seal directly on its page (a lost device), with proof.
    let r = send(
        format!("/seals/{seal}/revoke"),
        cookie,
        multipart(
            &[("csrf", &csrf), ("reason", "stolen_or_lost")],
            &[("proof", "报失证明.pdf", b"%PDF-1.7 loss report")],
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert!(matches!(
        stored().await.state,
        eseal_core::SealState::Revoked {
            reason: eseal_core::RevocationReason::StolenOrLost,
            ..
        }
    ));
}

/// A holder who forgot the PIN applies for a reset on the seal's page with proof, a reviewer
/// approves it on the resets page, the holder completes it with a new PIN, and the seal
/// signs with that PIN (a new key and certificate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_pin_is_reset_through_the_pages() {
    use base64ct::{Base64, Encoding};
    let svc = start(&Backend::Sqlite, T0).await;
    let fixture = eseal_server::fixture::personal_seal(&svc.run)
        .await
        .unwrap();
    let seal = fixture.seal.clone();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The holder applies with the ID card scan.
    let (cookie, csrf) = session(&svc, "zhang").await;
    let b = "PrF";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\n忘记口令\r\n--{b}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nholder_id\r\n--{b}\r\nContent-Disposition: form-data; name=\"id_document\"; filename=\"id.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(SCAN);
    body.extend(format!("\r\n--{b}\r\nContent-Disposition: form-data; name=\"statement\"; filename=\"statement.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 我忘记了口令\r\n--{b}--\r\n").into_bytes());
    let r = plain
        .post(svc.url(&format!("/seals/{seal}/pin-reset")))
        .header("cookie", &cookie)
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = svc
        .http
        .get(svc.url(&format!("/seals/{seal}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("等待审核"), "{page}");
    // The reviewer sees it with the proof, and approves.
    let (rc, rcsrf) = session(&svc, "reviewer").await;
    let list = svc
        .http
        .get(svc.url("/pin-resets"))
        .header("cookie", &rc)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("忘记口令") && list.contains("img class=\"material\""),
        "{list}"
    );
    let reset_id = svc
        .run
        .state
        .store()
        .all::<eseal_core::PinReset>(10)
        .await
        .unwrap()[0]
        .record
        .id
        .clone();
    let r = plain
        .post(svc.url(&format!("/pin-resets/{reset_id}/approve")))
        .header("cookie", &rc)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={rcsrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The holder completes it with a new PIN.
    let r = plain
        .post(svc.url(&format!("/pin-resets/{reset_id}/complete")))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&pin=285031&repeat=285031"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // The new PIN signs.
    let (s, v) = svc
        .call(
            "POST",
            &format!("/api/v1/seals/{seal}/sign"),
            Some(&fixture.holder_token),
            Some(json!({"pin": "285031", "data": Base64::encode_string(b"after the reset"), "document_name": "a.txt", "purpose": "测试"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
}

/// A custodian sets a position seal's authorised scope on its page; the page then shows it,
/// and the signing service holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custodian_sets_a_position_seals_scope() {
    let svc = start(&Backend::Sqlite, T0).await;
    let admin = svc.admin().await;
    let org = eseal_server::app::DEMO_USCC;
    let ap = svc.user(&admin, "ap", &["applicant"]).await;
    let rv = svc.user(&admin, "rv", &["reviewer"]).await;
    let mk = svc.user(&admin, "mk", &["maker"]).await;
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "cu", "display_name": "孙保管", "roles": ["custodian"], "password": eseal_server::fixture::PASSWORD, "organisation_code": org})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    // The holder and the organisation as registered.
    let (s, v) = svc
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "zhang", "display_name": eseal_server::fixture::HOLDER_NAME, "roles": ["holder"], "password": crate::common::PASSWORD, "citizen_id": eseal_server::fixture::HOLDER_ID})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let (s, v) = svc
        .call(
            "PUT",
            &format!("/api/v1/organisations/{org}"),
            Some(&admin),
            Some(json!({"name": eseal_server::app::DEMO_ORG, "approval_levels": 1})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let (_, app) = svc
        .call(
            "POST",
            "/api/v1/applications",
            Some(&ap),
            Some(json!({"kind": {"position": "finance_head"}, "seal_name": eseal_server::fixture::HOLDER_NAME, "organisation_code": org, "holder_id": eseal_server::fixture::HOLDER_ID})),
        )
        .await;
    let id = app["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{app}"))
        .to_owned();
    for kind in ["business_licence", "holder_id", "agent_id", "authorisation"] {
        let m: serde_json::Value = svc
            .http
            .post(svc.url("/api/v1/materials"))
            .bearer_auth(&ap)
            .body(format!("scan of {kind}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        svc.call(
            "POST",
            &format!("/api/v1/applications/{id}/materials"),
            Some(&ap),
            Some(json!({"kind": kind, "sm3": m["sm3"]})),
        )
        .await;
    }
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/submit"),
        Some(&ap),
        None,
    )
    .await;
    svc.call(
        "POST",
        &format!("/api/v1/applications/{id}/approve"),
        Some(&rv),
        None,
    )
    .await;
    let (s, made) = svc
        .call(
            "POST",
            &format!("/api/v1/applications/{id}/make"),
            Some(&mk),
            Some(json!({"key": "platform", "pin": "581736", "impression": <base64ct::Base64 as base64ct::Encoding>::encode_string(SCAN)})),
        )
        .await;
    assert!(s.is_success(), "{made}");
    let seal = made["seal"]["id"].as_str().unwrap().to_owned();
    // The custodian's page: no scope yet; the form sets one.
    let (cookie, csrf) = session(&svc, "cu").await;
    let page = svc
        .http
        .get(svc.url(&format!("/seals/{seal}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("单位尚未设定授权范围"), "{page}");
    let r = svc
        .http
        .post(svc.url(&format!("/seals/{seal}/scope")))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&document_types=%E6%8A%A5%E9%94%80%E5%8D%95%EF%BC%8C%E5%8F%91%E7%A5%A8&business_categories=&amount_limit=50000"
        ))
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("报销单，发票") && page.contains("50000"),
        "{page}"
    );
    let scope = svc
        .run
        .state
        .store()
        .get::<eseal_core::PositionScope>(&seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert_eq!(scope.document_types, ["报销单", "发票"]);
    assert_eq!(scope.amount_limit, Some(50_000));
    // A form drawn before that scope was set (it saw none) does not overwrite it.
    let none = eseal_server::service::etag(&Option::<eseal_core::PositionScope>::None);
    let r = svc
        .http
        .post(svc.url(&format!("/seals/{seal}/scope")))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&seen={none}&document_types=%E5%90%88%E5%90%8C&business_categories=&amount_limit="
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("已被他人修改"));
    let kept = svc
        .run
        .state
        .store()
        .get::<eseal_core::PositionScope>(&seal)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert_eq!(kept.document_types, ["报销单", "发票"]);
}
