//! A signing-ready personal seal made through the public HTTP API, the way an agency would:
//! users created by the first administrator, an application with its material, review,
//! making with a platform-held key, the holder's first PIN change. Used by the signing
//! benchmark (`examples/bench_sign.rs`) and the crash test (`eseal-cli/tests/sign_kill.rs`),
//! which need a seal to sign with and do not test the steps themselves.

use crate::app::Running;
use base64ct::{Base64, Encoding};
use serde_json::{Value, json};

/// The holder's PIN after the fixture's first change.
pub const PIN: &str = "739164";
/// The initial PIN set at making.
const INITIAL_PIN: &str = "480213";
/// The password of every user the fixture creates.
pub const PASSWORD: &str = "Fixture-Password-2026";
/// The holder's citizen ID number.
pub const HOLDER_ID: &str = "11010519491231002X";
/// The holder's registered name (their personal seal's name).
pub const HOLDER_NAME: &str = "张三丰";

/// What the fixture made.
#[derive(Debug, Clone)]
pub struct SigningFixture {
    /// The seal.
    pub seal: String,
    /// A logged-in session of the holder (`zhang`), stored like any session: it survives a
    /// restart of the server until it idles out.
    pub holder_token: String,
}

struct Api<'a> {
    http: reqwest::Client,
    running: &'a Running,
}

impl Api<'_> {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut r = self
            .http
            .request(method.clone(), format!("{}{path}", self.running.url));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("{method} {path}: {status} {v}"));
        }
        Ok(v)
    }

    async fn post(&self, path: &str, token: &str, body: Option<Value>) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, Some(token), body)
            .await
    }

    /// Logs in with the password and the current TOTP code from the stored secret.
    async fn login(&self, user: &str, password: &str) -> Result<String, String> {
        let state = &self.running.state;
        let u = state
            .store()
            .get::<crate::auth::User>(user)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no user {user}"))?
            .record;
        let secret = crate::auth::totp_secret(&u, state.data_key())
            .ok_or_else(|| format!("{user}: TOTP secret unreadable"))?;
        let code = crate::auth::totp_code(&secret, crate::auth::totp_step(state.now()));
        let v = self
            .call(
                reqwest::Method::POST,
                "/api/v1/login",
                None,
                Some(json!({"username": user, "password": password, "totp": code})),
            )
            .await?;
        v["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("login {user}: no token in {v}"))
    }
}

fn text(v: &Value, pointer: &str) -> Result<String, String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no {pointer} in {v}"))
}

/// Starts the service in-process on `data` (SQLite), on a free loopback port, with the real
/// clock and everything else at its defaults.
pub async fn start(data: std::path::PathBuf) -> Result<Running, String> {
    let mut config = crate::app::ServeConfig::new(data);
    config.listen = "127.0.0.1:0".into();
    crate::app::start(config, std::sync::Arc::new(eseal_gm::provider::SystemClock))
        .await
        .map_err(|e| e.detail.en)
}

/// The agency's staff and a holder on a freshly started service, each logged in: made through
/// the service layer, without HTTP (what the web console does, and the service layer's
/// documentation shows).
#[derive(Debug, Clone)]
pub struct Staff {
    /// The first administrator.
    pub admin: crate::auth::Caller,
    /// `applicant` (申请人).
    pub applicant: crate::auth::Caller,
    /// `reviewer` (审核员).
    pub reviewer: crate::auth::Caller,
    /// `maker` (制章员).
    pub maker: crate::auth::Caller,
    /// `zhang`, the holder [`HOLDER_NAME`] with citizen ID [`HOLDER_ID`].
    pub holder: crate::auth::Caller,
}

/// Logs `user` in through the accounts service with the current TOTP code.
async fn log_in(
    state: &crate::state::AppState,
    user: &str,
    password: &str,
) -> Result<crate::auth::Caller, String> {
    let u = state
        .store()
        .get::<crate::auth::User>(user)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user {user}"))?
        .record;
    let secret = crate::auth::totp_secret(&u, state.data_key())
        .ok_or_else(|| format!("{user}: TOTP secret unreadable"))?;
    let code = crate::auth::totp_code(&secret, crate::auth::totp_step(state.now()));
    let accounts = state.accounts();
    let token = accounts
        .login(user, password, &code, "fixture")
        .await
        .map_err(|e| format!("login {user}: {e}"))?;
    accounts.caller(&token).await.map_err(|e| e.to_string())
}

/// Creates [`Staff`] (password [`PASSWORD`]) and logs each in.
pub async fn staff(running: &Running) -> Result<Staff, String> {
    let state = &running.state;
    let first = running
        .first_admin
        .as_ref()
        .ok_or("the service was not freshly started: no first administrator")?;
    let admin = log_in(state, &first.username, &first.password).await?;
    let mut made = Vec::new();
    for (name, display, role, citizen) in [
        ("applicant", "applicant", crate::auth::Role::Applicant, None),
        ("reviewer", "reviewer", crate::auth::Role::Reviewer, None),
        ("maker", "maker", crate::auth::Role::Maker, None),
        (
            "zhang",
            HOLDER_NAME,
            crate::auth::Role::Holder,
            Some(HOLDER_ID),
        ),
    ] {
        state
            .accounts()
            .create_user(
                &admin,
                crate::service::NewUser {
                    username: name.into(),
                    display_name: display.into(),
                    roles: vec![role],
                    password: PASSWORD.into(),
                    system: false,
                    citizen_id: citizen.map(str::to_owned),
                    organisation_code: None,
                    temporary_password: false,
                },
            )
            .await
            .map_err(|e| format!("user {name}: {e}"))?;
        made.push(log_in(state, name, PASSWORD).await?);
    }
    let [applicant, reviewer, maker, holder]: [crate::auth::Caller; 4] =
        made.try_into().map_err(|_| "four users")?;
    Ok(Staff {
        admin,
        applicant,
        reviewer,
        maker,
        holder,
    })
}

/// Makes the seal on a freshly started service (its first administrator must be known).
pub async fn personal_seal(running: &Running) -> Result<SigningFixture, String> {
    let api = Api {
        http: reqwest::Client::new(),
        running,
    };
    let first = running
        .first_admin
        .as_ref()
        .ok_or("the service was not freshly started: no first administrator")?;
    let admin = api.login(&first.username, &first.password).await?;
    // The holder's display name is their registered name, which their seal carries.
    for (name, display, role, citizen) in [
        ("applicant", "applicant", "applicant", None),
        ("reviewer", "reviewer", "reviewer", None),
        ("maker", "maker", "maker", None),
        ("zhang", HOLDER_NAME, "holder", Some(HOLDER_ID)),
    ] {
        api.post(
            "/api/v1/users",
            &admin,
            Some(json!({"username": name, "display_name": display, "roles": [role], "password": PASSWORD, "citizen_id": citizen})),
        )
        .await?;
    }
    let ap = api.login("applicant", PASSWORD).await?;
    let rv = api.login("reviewer", PASSWORD).await?;
    let mk = api.login("maker", PASSWORD).await?;
    let zh = api.login("zhang", PASSWORD).await?;
    let app = api
        .post(
            "/api/v1/applications",
            &ap,
            Some(json!({"kind": "personal", "seal_name": HOLDER_NAME, "holder_id": HOLDER_ID})),
        )
        .await?;
    let id = text(&app, "/id")?;
    let material = api
        .http
        .post(format!("{}/api/v1/materials", running.url))
        .bearer_auth(&ap)
        .body("id card")
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json::<Value>()
        .await
        .map_err(|e| e.to_string())?;
    api.post(
        &format!("/api/v1/applications/{id}/materials"),
        &ap,
        Some(json!({"kind": "holder_id", "sm3": material["sm3"]})),
    )
    .await?;
    api.post(&format!("/api/v1/applications/{id}/submit"), &ap, None)
        .await?;
    api.post(&format!("/api/v1/applications/{id}/approve"), &rv, None)
        .await?;
    let square = include_bytes!("../../../testdata/image/square.png");
    let made = api
        .post(
            &format!("/api/v1/applications/{id}/make"),
            &mk,
            Some(json!({"key": "platform", "pin": INITIAL_PIN, "impression": Base64::encode_string(square)})),
        )
        .await?;
    let seal = text(&made, "/seal/id")?;
    api.post(
        &format!("/api/v1/seals/{seal}/pin"),
        &zh,
        Some(json!({"old_pin": INITIAL_PIN, "new_pin": PIN})),
    )
    .await?;
    Ok(SigningFixture {
        seal,
        holder_token: zh,
    })
}
