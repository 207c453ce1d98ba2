//! A started service for the HTTP tests: a data directory, SQLite or a fresh PostgreSQL
//! schema, an injected clock, the police simulator in-process, and helpers to log in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

use eseal_gm::provider::Clock;
use eseal_server::app::{Running, ServeConfig};
use eseal_server::auth::{self, User};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

#[derive(Debug)]
pub struct TestClock(pub Mutex<OffsetDateTime>);

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    pub fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
}

pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// The backends to run on: SQLite always, PostgreSQL when `ESEAL_TEST_PG` is set (required
/// under CI).
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Some(url) = eseal_testkit::pg_url() {
        v.push(Backend::Postgres(url));
    }
    v
}

pub struct Service {
    pub run: Running,
    pub clock: Arc<TestClock>,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub config: ServeConfig,
}

/// A fresh PostgreSQL schema name.
pub fn pg_schema() -> String {
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("eseal_test_{}_{}", std::process::id(), nanos)
}

pub async fn start(backend: &Backend, t0: OffsetDateTime) -> Service {
    start_with(backend, t0, |_| ()).await
}

/// Rates no test reaches.
pub fn generous() -> eseal_server::limits::RateLimits {
    let r = eseal_server::limits::Rate {
        per_minute: 1_000_000,
        burst: 100_000,
    };
    eseal_server::limits::RateLimits {
        login: r,
        verify: r,
        public: r,
    }
}

/// [`start`] with the configuration adjusted by `adjust`.
pub async fn start_with(
    backend: &Backend,
    t0: OffsetDateTime,
    adjust: impl FnOnce(&mut ServeConfig),
) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::new(dir.path().join("data"));
    config.listen = "127.0.0.1:0".into();
    config.demo = true;
    config.filing_every = std::time::Duration::from_millis(100);
    // Every request of a test comes from 127.0.0.1: the per-address rates are lifted (the
    // tests of the limits set their own).
    config.rate_limits = generous();
    config.request_log = eseal_server::ops::RequestLog::Off;
    if let Backend::Postgres(url) = backend {
        config.database = Some(url.clone());
        config.database_schema = Some(pg_schema());
    }
    adjust(&mut config);
    let clock = Arc::new(TestClock(Mutex::new(t0)));
    let run = eseal_server::app::start(config.clone(), clock.clone())
        .await
        .unwrap();
    Service {
        run,
        clock,
        http: reqwest::Client::new(),
        dir,
        config,
    }
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.run.url)
    }

    /// The current TOTP code of a user, from the stored secret, at a step not used yet.
    pub async fn totp(&self, username: &str) -> String {
        let user = self
            .run
            .state
            .store()
            .get::<User>(username)
            .await
            .unwrap()
            .unwrap()
            .record;
        let step = auth::totp_step(self.clock.now());
        assert!(
            step > user.totp_last_step,
            "{username} already logged in during this TOTP step"
        );
        let secret = auth::totp_secret(&user, self.run.state.data_key()).unwrap();
        auth::totp_code(&secret, step)
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let code = self.totp(username).await;
        let r = self
            .http
            .post(self.url("/api/v1/login"))
            .json(&json!({"username": username, "password": password, "totp": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn admin(&self) -> String {
        let a = self.run.first_admin.clone().unwrap();
        self.login(&a.username, &a.password).await
    }

    /// The stored account record of `name`, read past the API.
    #[allow(dead_code)] // not every test binary looks at stored accounts
    pub async fn stored_user(&self, name: &str) -> eseal_server::auth::User {
        self.run
            .state
            .store()
            .get::<eseal_server::auth::User>(name)
            .await
            .unwrap()
            .unwrap()
            .record
    }

    /// Creates a user with `roles` (as the admin) and logs them in.
    pub async fn user(&self, admin: &str, name: &str, roles: &[&str]) -> String {
        let (s, _) = self
            .call(
                "POST",
                "/api/v1/users",
                Some(admin),
                Some(json!({"username": name, "display_name": name, "roles": roles, "password": PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        self.login(name, PASSWORD).await
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let bytes = r.bytes().await.unwrap();
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        check_problem(method, path, &v);
        (status, v)
    }

    pub async fn upload(&self, token: &str, bytes: Vec<u8>) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/materials"))
            .bearer_auth(token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["sm3"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Waits (real time) until `f` holds, up to 20 s.
    pub async fn until<F: FnMut() -> bool>(&self, what: &str, mut f: F) {
        for _ in 0..200 {
            if f() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}");
    }
}

pub const PASSWORD: &str = "Test-Password-2026";

/// What an export checks the log against, with the service's log key and no checkpoint
/// directory.
pub fn signed(log_key: &eseal_gm::Sm2PublicKey) -> eseal_server::audit::Signed<'_> {
    eseal_server::audit::Signed {
        log_key,
        checkpoints: None,
    }
}

/// A connection pool of its own on the service's database.
enum RawPool {
    Pg(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// Runs `$body` with `$p` bound to whichever pool `$pool` is.
macro_rules! on_raw {
    ($pool:expr, |$p:ident| $body:expr) => {
        match &$pool {
            RawPool::Pg($p) => $body,
            RawPool::Sqlite($p) => $body,
        }
    };
}

impl Service {
    async fn raw_pool(&self) -> RawPool {
        match (&self.config.database, &self.config.database_schema) {
            (Some(url), Some(schema)) => {
                let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
                let opts = opts.options([("search_path", schema.as_str())]);
                RawPool::Pg(sqlx::PgPool::connect_with(opts).await.unwrap())
            }
            _ => {
                let file = self.config.data.join(eseal_store::SQLITE_FILE);
                RawPool::Sqlite(
                    sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
                        .await
                        .unwrap(),
                )
            }
        }
    }

    /// Runs SQL on the service's database behind its back (tampering, injected failures).
    pub async fn raw_sql(&self, sql: &str) {
        let pool = self.raw_pool().await;
        on_raw!(pool, |p| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .unwrap();
            p.close().await;
        });
    }

    /// Makes audit appends fail at the database (an injected failure) until
    /// [`Service::audit_up`].
    pub async fn audit_down(&self) {
        if self.config.database.is_some() {
            self.raw_sql(
                "CREATE OR REPLACE FUNCTION audit_down() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit down'; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER audit_down BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_down();",
            )
            .await;
        } else {
            self.raw_sql(
                "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit down'); END",
            )
            .await;
        }
    }

    /// Ends [`Service::audit_down`].
    pub async fn audit_up(&self) {
        if self.config.database.is_some() {
            self.raw_sql("DROP TRIGGER audit_down ON audit_log").await;
        } else {
            self.raw_sql("DROP TRIGGER audit_down").await;
        }
    }
}

impl Service {
    /// A count of everything the store has written (record versions, artefacts, materials,
    /// audit entries, seal log entries) except by the filing worker, which runs on its own:
    /// unchanged means the caller's operation wrote nothing.
    pub async fn written(&self) -> i64 {
        const SQL: &str = "SELECT (SELECT count(*) FROM history WHERE tbl <> 'filings') \
            + (SELECT count(*) FROM blobs) + (SELECT count(*) FROM materials) \
            + (SELECT count(*) FROM audit_log WHERE event NOT LIKE 'filings.%') \
            + (SELECT count(*) FROM seal_log)";
        let pool = self.raw_pool().await;
        on_raw!(pool, |p| {
            let (n,): (i64,) = sqlx::query_as(SQL).fetch_one(p).await.unwrap();
            p.close().await;
            n
        })
    }

    /// Every audit entry carries a time, an actor, an event, an object and an outcome, with
    /// gapless sequence numbers; and each of `kinds` occurs. Returns the kinds seen.
    pub async fn assert_audited(&self, kinds: &[&str]) -> std::collections::BTreeSet<String> {
        let log = self
            .run
            .state
            .store()
            .audit_log(0, 1_000_000)
            .await
            .unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for (i, e) in log.iter().enumerate() {
            assert_eq!(e.seq, i as i64, "{e:?}");
            assert!(e.at > 1_700_000_000, "{e:?}");
            for (name, v) in [
                ("actor", &e.actor),
                ("event", &e.event),
                ("object", &e.object),
                ("outcome", &e.outcome),
            ] {
                assert!(!v.trim().is_empty(), "{name} empty in {e:?}");
            }
            seen.insert(e.event.clone());
        }
        for k in kinds {
            assert!(seen.contains(*k), "no {k} in the audit log; seen {seen:?}");
        }
        seen
    }
}

/// One test per backend, named by it: `NAME::sqlite` always, `NAME::postgres` with
/// `ESEAL_TEST_PG` (a failure says which engine; the two run in parallel). `run` is an
/// `async fn(Backend)` of the test file.
#[macro_export]
macro_rules! each_backend {
    ($(#[$doc:meta])* $name:ident => $run:ident, threads = $t:literal $(, #[$extra:meta])*) => {
        $(#[$doc])*
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = $t)]
            $(#[$extra])*
            async fn sqlite() {
                $run($crate::common::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = $t)]
            $(#[$extra])*
            async fn postgres() {
                if let Some(url) = eseal_testkit::pg_url() {
                    $run($crate::common::Backend::Postgres(url)).await
                }
            }
        }
    };
}

/// A holder device's certificate from the platform's CA, as an enrolment makes it: the
/// device's certificate request for `subject`, certified through the PKI port.
pub fn device_certificate(
    state: &eseal_server::state::AppState,
    subject: &str,
    key: &eseal_gm::Sm2PrivateKey,
    now: OffsetDateTime,
) -> eseal_pki::Certificate {
    let csr = eseal_pki::csr::build_csr(
        eseal_pki::name::name_from_slashes(subject).unwrap(),
        &eseal_gm::provider::SoftwareSigner::new(key.clone()),
    )
    .unwrap();
    state
        .pki()
        .certify(
            &eseal_core::SealKind::Personal,
            &csr,
            now,
            &eseal_gm::provider::SeededRandom::new(b"serials"),
        )
        .unwrap()
}

/// Every problem any test receives is checked as a person would read it (zh-CN, the
/// default): a title from the code table (not the fallback 错误) and a detail with no English
/// prose and no Rust type or variant name.
pub fn check_problem(method: &str, path: &str, v: &Value) {
    let (Some(code), Some(detail)) = (v["code"].as_str(), v["detail"].as_str()) else {
        return;
    };
    if std::env::var_os("ESEAL_PROBLEM_LOG").is_some() {
        use std::io::Write;
        let line = format!("{method} {path} {code}: {detail}\n");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(std::env::var_os("ESEAL_PROBLEM_LOG").unwrap())
            .unwrap();
        f.write_all(line.as_bytes()).unwrap();
        return;
    }
    assert_ne!(
        v["title"], "错误",
        "{method} {path}: code {code} has no title: {v}"
    );
    assert!(
        eseal_testkit::english_prose(detail).is_none(),
        "{method} {path}: English in the Chinese detail: {v}"
    );
}
