//! Users, roles, login and sessions (issue 6 item 7; R-SEC-1, R-SEC-3 login part).
//!
//! * Login is two factors (MLPS level 3): a password checked against its Argon2id hash and a
//!   TOTP code (RFC 6238, HMAC-SHA1, 30 s, 6 digits, ±1 step, each step usable once).
//! * Five consecutive failures lock the account for [`LOCKOUT`]; a security admin can unlock,
//!   and so can an operator on the server (`eseal user unlock`) when no admin can log in.
//!   Every answer to a failed login is the same — wrong factor, unknown user, disabled or
//!   locked account — so that nothing tells which accounts exist or are locked.
//! * Every attempt is audited: a failure that changes the account (a wrong password) with
//!   it, one that changes nothing (unknown user, locked, disabled) counted per source
//!   address and summarised ([`eseal_store::Batch::count_failure`]). A concurrent attempt
//!   that loses the race on the account's failure counter is retried, never dropped.
//! * A session ends after [`IDLE_TIMEOUT`] without a request, and after [`SESSION_MAX`] at the
//!   latest. A person's session is only ever made by that person's login.
//! * API tokens are only for system (machine) accounts, which cannot log in: a security
//!   admin issues one for at most [`TOKEN_MAX_DAYS`] days, lists and revokes them; the audit
//!   log names the issuer at issuance and on every write made with the token.
//! * Only SM3 digests of session and token secrets are stored.

mod password;
pub use password::{change_password, confirm_totp, pending_enrolment};
mod totp;
use totp::enrolment;
pub use totp::{base32, base32_decode, totp_code, totp_step};

use crate::failure::{Failure, Thing};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use eseal_core::DataKey;
use eseal_gm::provider::SecureRandom;
use eseal_store::audit::{ACTOR, Event};
use eseal_store::{Batch, Column, Record, Store, Versioned};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Consecutive failures before the account locks.
pub const MAX_FAILURES: u32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// Idle session timeout.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(15);
/// Absolute session lifetime.
pub const SESSION_MAX: Duration = Duration::hours(8);
/// How often a session's last-seen time is written (to keep reads cheap).
const TOUCH_EVERY: Duration = Duration::seconds(60);
/// TOTP step.
const TOTP_STEP: i64 = 30;
/// An API token's default and longest lifetime, in days.
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
/// See [`TOKEN_DEFAULT_DAYS`].
pub const TOKEN_MAX_DAYS: i64 = 365;
/// The longest user name (user names are ASCII).
pub const MAX_USERNAME: usize = 64;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME: usize = 64;
/// Longer passwords or codes are refused before any work is done on them.
const MAX_SECRET_BYTES: usize = 1024;
/// How often a login retries a write that lost a race on the account's record.
const LOGIN_RETRIES: usize = 200;

/// The roles of requirements.md. Separation of duties: the auditor only reads; the system
/// admin manages users, the security admin unlocks and manages tokens, neither audits.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申请人 / 经办人
    Applicant,
    /// 服务机构审核员
    Reviewer,
    /// 服务机构制章员
    Maker,
    /// 保管人
    Custodian,
    /// 用印审批人
    Approver,
    /// 持有人
    Holder,
    /// 公安印章管理
    PoliceOfficer,
    /// 审计员
    Auditor,
    /// 系统管理员
    SystemAdmin,
    /// 安全管理员
    SecurityAdmin,
}

impl Role {
    /// Every role, for the authorisation table and its test.
    pub const ALL: [Role; 10] = [
        Role::Applicant,
        Role::Reviewer,
        Role::Maker,
        Role::Custodian,
        Role::Approver,
        Role::Holder,
        Role::PoliceOfficer,
        Role::Auditor,
        Role::SystemAdmin,
        Role::SecurityAdmin,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::Maker => "maker",
            Role::Custodian => "custodian",
            Role::Approver => "approver",
            Role::Holder => "holder",
            Role::PoliceOfficer => "police_officer",
            Role::Auditor => "auditor",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
        }
    }

    /// The name a person reads in English (the wire name is an identifier).
    pub fn en(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::Maker => "maker",
            Role::Custodian => "custodian",
            Role::Approver => "approver",
            Role::Holder => "holder",
            Role::PoliceOfficer => "police officer",
            Role::Auditor => "auditor",
            Role::SystemAdmin => "system administrator",
            Role::SecurityAdmin => "security administrator",
        }
    }

    /// The name a person reads (中文).
    pub fn zh(self) -> &'static str {
        match self {
            Role::Applicant => "申请人",
            Role::Reviewer => "审核员",
            Role::Maker => "制章员",
            Role::Custodian => "印章保管人",
            Role::Approver => "用印审批人",
            Role::Holder => "持有人",
            Role::PoliceOfficer => "公安印章管理员",
            Role::Auditor => "审计员",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
        }
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login name (the key).
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Roles. The auditor role is never combined with another (三员分立).
    pub roles: Vec<Role>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// TOTP secret sealed under the data key (SM4-GCM): `<sm3 hex>:<blob hex>`.
    pub totp_secret: String,
    /// The last TOTP step accepted (replay protection).
    pub totp_last_step: i64,
    /// Consecutive failed logins.
    pub failures: u32,
    /// Locked until, Unix seconds (0: not locked).
    pub locked_until: i64,
    /// A system account (API tokens only, no interactive login).
    pub system: bool,
    /// Disabled accounts cannot log in (users are never deleted).
    pub disabled: bool,
    /// The person's citizen ID number, linking a holder to their personal and position seals.
    #[serde(default)]
    pub citizen_id: Option<eseal_core::CitizenId>,
    /// The organisation (USCC) a custodian or approver acts for.
    #[serde(default)]
    pub organisation_code: Option<eseal_core::Uscc>,
    /// The password was set by an administrator: nothing but changing it is allowed until the
    /// user does ([`change_password`]).
    #[serde(default)]
    pub must_change_password: bool,
    /// A TOTP secret of the user's own, made when they replaced the initial password (sealed
    /// like `totp_secret`); it replaces the one the administrator handed over once a code
    /// from it is entered ([`confirm_totp`]). Until then, nothing else is allowed.
    #[serde(default)]
    pub pending_totp: Option<String>,
}

impl Record for User {
    const TABLE: &'static str = "users";
    fn key(&self) -> &str {
        &self.username
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        Vec::new()
    }
    /// Role changes, disabling and lockouts show in the audit log.
    fn audit_outcome(&self) -> Option<String> {
        let roles: Vec<String> = self
            .roles
            .iter()
            .map(|r| {
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .collect();
        Some(format!(
            "roles={} disabled={} failures={} locked_until={}",
            roles.join(","),
            self.disabled,
            self.failures,
            self.locked_until
        ))
    }
}

/// A login session or an API token; the key is the SM3 of the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// SM3 (hex) of the bearer secret.
    pub id: String,
    /// The user.
    pub user_id: String,
    /// An API token (no idle timeout) rather than a login session.
    pub token: bool,
    /// Label of a token.
    pub label: String,
    /// Created, Unix seconds.
    pub created: i64,
    /// Last request, Unix seconds (written at most every minute).
    pub last_seen: i64,
    /// Ended (logout, revoked).
    pub ended: bool,
    /// Who issued a token.
    #[serde(default)]
    pub issuer: Option<String>,
    /// When a token expires, Unix seconds (0 on tokens from before expiry existed: they
    /// expire [`TOKEN_DEFAULT_DAYS`] after they were made).
    #[serde(default)]
    pub expires: i64,
}

impl Session {
    /// When a token stops working, Unix seconds.
    pub fn token_expiry(&self) -> i64 {
        if self.expires > 0 {
            self.expires
        } else {
            self.created + Duration::days(TOKEN_DEFAULT_DAYS).whole_seconds()
        }
    }

    /// A short, public name of a token: the first 16 hex digits of its id.
    pub fn short_id(&self) -> &str {
        self.id.get(..16).unwrap_or(&self.id)
    }
}

impl Record for Session {
    const TABLE: &'static str = "sessions";
    fn key(&self) -> &str {
        &self.id
    }
    fn columns(&self) -> Vec<(&'static str, Column)> {
        vec![
            ("user_id", Column::Text(Some(self.user_id.clone()))),
            (
                "kind",
                Column::Text(Some(if self.token { "token" } else { "login" }.into())),
            ),
        ]
    }
    /// A token's issuance and revocation name the account, the issuer and the expiry.
    fn audit_outcome(&self) -> Option<String> {
        Some(if self.token {
            format!(
                "token {} for={} issuer={} label={} expires={} ended={}",
                self.short_id(),
                self.user_id,
                self.issuer.as_deref().unwrap_or("-"),
                eseal_core::text::printable(&self.label),
                self.token_expiry(),
                self.ended
            )
        } else {
            format!("login for={} ended={}", self.user_id, self.ended)
        })
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Username.
    pub user: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// The person's citizen ID, when the account is linked to one.
    pub citizen_id: Option<eseal_core::CitizenId>,
    /// The organisation a custodian or approver acts for.
    pub organisation_code: Option<eseal_core::Uscc>,
    /// The API token the call came with, when it did: (short id, issuer).
    pub token: Option<(String, String)>,
    /// The user must change the password an administrator set before doing anything else.
    pub must_change_password: bool,
}

impl Caller {
    /// Whether the caller has `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The actor of the audit entries this caller's requests write: the user, and for a call
    /// with an API token also the token and who issued it (`police-gateway [token 3f… issued
    /// by secadmin]`); `eseal audit query --actor police-gateway` finds both.
    pub fn actor(&self) -> String {
        match &self.token {
            Some((id, issuer)) => format!("{} [token {id} issued by {issuer}]", self.user),
            None => self.user.clone(),
        }
    }
}

fn random_bytes<const N: usize>(random: &dyn SecureRandom) -> Result<[u8; N], Failure> {
    let mut b = [0u8; N];
    random
        .fill(&mut b)
        .map_err(|e| Failure::internal(format!("randomness: {e}")))?;
    Ok(b)
}

/// Argon2id hash of a password (PHC string).
pub fn hash_password(password: &str, random: &dyn SecureRandom) -> Result<String, Failure> {
    let salt: [u8; 16] = random_bytes(random)?;
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Failure::internal(format!("password hashing: {e}")))
}

/// [`password_ok`] off the async threads (Argon2id takes tens of milliseconds, and every
/// failed login spends one, known user or not).
async fn password_check(password: &str, phc: &str) -> bool {
    let (password, phc) = (zeroize::Zeroizing::new(password.to_owned()), phc.to_owned());
    crate::work::run(crate::work::Lane::Sign, move || {
        password_ok(&password, &phc)
    })
    .await
    .unwrap_or(false)
}

fn password_ok(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The password rules: at least 12 characters from at least three of lower, upper, digit,
/// other (MLPS level 3 complexity).
pub fn check_password_policy(password: &str) -> Result<(), Failure> {
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if password.chars().count() < 12 || classes < 3 {
        return Err(Failure::invalid(
            "password",
            "至少 12 个字符，且包含小写字母、大写字母、数字、符号中的至少三类",
            "at least 12 characters, from at least three of: lower case, upper case, digits, symbols",
        ));
    }
    Ok(())
}

/// A one-time password (to be changed at first use) that meets the password rules.
pub fn one_time_password(random: &dyn SecureRandom) -> Result<String, Failure> {
    let b: [u8; 12] = random_bytes(random)?;
    Ok(format!("Es-{}-9a", base32(&b)))
}

/// A lost password or authenticator, recovered by an operator on the server (`eseal user
/// reset`): a new one-time password and a new TOTP secret, the lockout cleared, every login
/// session of the user ended; at the next login the user replaces both (as at a first login). Returns the password and the enrolment, shown once.
pub async fn reset_credentials(
    store: &Store,
    key: &DataKey,
    username: &str,
    now: OffsetDateTime,
    random: &dyn SecureRandom,
) -> Result<(String, Enrolment), Failure> {
    let Some(Versioned {
        record: mut user,
        version,
    }) = store.get::<User>(username).await?
    else {
        return Err(Failure::not_found(Thing::User, username));
    };
    if user.system {
        return Err(Failure::invalid(
            "username",
            "系统账户没有密码，由安全管理员为其签发令牌",
            "a system account has no password; the security admin issues it a token",
        ));
    }
    let password = one_time_password(random)?;
    let secret: [u8; 20] = random_bytes(random)?;
    user.password_hash = hash_password(&password, random)?;
    user.totp_secret = seal_secret(key, random, &secret)?;
    user.totp_last_step = 0;
    user.failures = 0;
    user.locked_until = 0;
    // The operator saw both: the user replaces them at the next login.
    user.must_change_password = true;
    user.pending_totp = None;
    let mut batch = Batch::new();
    batch.update(&user, version)?;
    for s in store.find::<Session>("user_id", username, 100_000).await? {
        if !s.record.ended && !s.record.token {
            let mut ended = s.record.clone();
            ended.ended = true;
            batch.update(&ended, s.version)?;
        }
    }
    store.commit(&batch, now).await?;
    Ok((password, enrolment(username, &secret)))
}

/// A new user's one-time enrolment data.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Enrolment {
    /// The user.
    pub username: String,
    /// The TOTP secret, base32, for an authenticator app.
    pub totp_secret: String,
    /// The otpauth URI (for a QR code).
    pub otpauth_uri: String,
}

fn seal_secret(key: &DataKey, random: &dyn SecureRandom, secret: &[u8]) -> Result<String, Failure> {
    let s = eseal_core::material::seal(key, random, secret)?;
    Ok(format!("{}:{}", s.sm3.to_hex(), hex::encode(&s.blob)))
}

/// The user's TOTP secret, opened with the data key (`None` if it does not open).
pub fn totp_secret(user: &User, key: &DataKey) -> Option<Vec<u8>> {
    open_secret(&user.totp_secret, key)
}

/// A sealed secret (`<sm3 hex>:<blob hex>`) opened with the data key.
fn open_secret(sealed: &str, key: &DataKey) -> Option<Vec<u8>> {
    let (digest, blob) = sealed.split_once(':')?;
    let sm3 = eseal_gm::Sm3Digest::from_slice(&hex::decode(digest).ok()?)?;
    eseal_core::material::open(key, &sm3, &hex::decode(blob).ok()?).ok()
}

/// Makes a user (not stored). The auditor role is never combined with another role.
pub fn new_user(
    username: &str,
    display_name: &str,
    roles: &[Role],
    password: &str,
    system: bool,
    key: &DataKey,
    random: &dyn SecureRandom,
) -> Result<(User, Enrolment), Failure> {
    if !is_username(username) {
        return Err(Failure::invalid(
            "username",
            "1 到 64 个字符，只能使用 a–z、A–Z、0–9、'.'、'_'、'-'",
            "1–64 characters from a–z, A–Z, 0–9, '.', '_', '-'",
        ));
    }
    let display_name = eseal_core::text::name("display_name", display_name, MAX_DISPLAY_NAME)?;
    if roles.is_empty() {
        return Err(Failure::invalid(
            "roles",
            "至少一个角色",
            "at least one role",
        ));
    }
    if system && (roles.contains(&Role::SystemAdmin) || roles.contains(&Role::SecurityAdmin)) {
        return Err(Failure::invalid(
            "roles",
            "系统（机器）账户不能担任管理员：管理员是以双因素登录的人员",
            "a system (machine) account cannot be an administrator: administrators are people who log in with two factors",
        ));
    }
    if roles.contains(&Role::Auditor) && roles.len() > 1 {
        return Err(Failure::invalid(
            "roles",
            "审计员角色不能与其他角色兼任（三员分立）",
            "the auditor role cannot be combined with another role (三员分立)",
        ));
    }
    if roles.contains(&Role::SystemAdmin) && roles.contains(&Role::SecurityAdmin) {
        return Err(Failure::invalid(
            "roles",
            "系统管理员和安全管理员须由不同人员担任（三员分立）",
            "system admin and security admin are separate people (三员分立)",
        ));
    }
    if !system {
        check_password_policy(password)?;
    }
    let secret: [u8; 20] = random_bytes(random)?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    let user = User {
        username: username.to_owned(),
        display_name,
        roles,
        password_hash: if system {
            String::new()
        } else {
            hash_password(password, random)?
        },
        totp_secret: seal_secret(key, random, &secret)?,
        totp_last_step: 0,
        failures: 0,
        locked_until: 0,
        system,
        disabled: false,
        citizen_id: None,
        organisation_code: None,
        must_change_password: false,
        pending_totp: None,
    };
    Ok((user, enrolment(username, &secret)))
}

/// A fresh bearer secret and its stored session.
fn new_secret(random: &dyn SecureRandom) -> Result<(String, String), Failure> {
    let raw: [u8; 32] = random_bytes(random)?;
    let secret = hex::encode(raw);
    let id = eseal_gm::Sm3Digest::of(secret.as_bytes()).to_hex();
    Ok((secret, id))
}

/// Whether `name` can be a user name: 1–[`MAX_USERNAME`] characters from a–z, A–Z, 0–9,
/// `.`, `_`, `-`.
pub fn is_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_USERNAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Logs in with password and TOTP from `source` (the client's address); returns the bearer
/// secret. Every failure gives the same answer ([`Failure::login_failed`]), whatever was
/// wrong and whether the account exists or is locked, and costs the same password check.
/// A wrong password counts towards the account's lockout; a crypto failure (the TOTP secret
/// does not open) is an internal error and counts for nothing.
#[allow(clippy::too_many_arguments)]
pub async fn login(
    store: &Store,
    key: &DataKey,
    username: &str,
    password: &str,
    totp: &str,
    source: &str,
    now: OffsetDateTime,
    random: &dyn SecureRandom,
) -> Result<String, Failure> {
    // Inputs are bounded before anything is recorded: a name that cannot be a user name is
    // counted as an unknown user without its text (it may be a password typed in the wrong
    // field, or a flood).
    let counted = |object: &str, why: &str| {
        let mut b = Batch::new();
        b.count_failure(Event::Login, source, object, &format!("failed:{why}"));
        b
    };
    if !is_username(username) || password.len() > MAX_SECRET_BYTES || totp.len() > 16 {
        let _ = password_check("", DUMMY_HASH).await;
        store
            .commit(&counted("users/(unknown)", "unknown_user"), now)
            .await?;
        return Err(Failure::login_failed());
    }
    let object = format!("users/{username}");
    let Some(Versioned { record: user, .. }) = store.get::<User>(username).await? else {
        // Spend the same time as a real check.
        let _ = password_check(password, DUMMY_HASH).await;
        store
            .commit(&counted("users/(unknown)", "unknown_user"), now)
            .await?;
        return Err(Failure::login_failed());
    };
    let refusal = |user: &User| {
        if user.disabled || user.system {
            Some("disabled")
        } else if user.locked_until > now.unix_timestamp() {
            Some("locked")
        } else {
            None
        }
    };
    if let Some(why) = refusal(&user) {
        let _ = password_check(password, DUMMY_HASH).await;
        store.commit(&counted(&object, why), now).await?;
        return Err(Failure::login_failed());
    }
    let secret = totp_secret(&user, key).ok_or_else(|| {
        Failure::internal(format!(
            "the TOTP secret of {username} does not open with the data key (damaged record, or another data key)"
        ))
    })?;
    let password_right = password_check(password, &user.password_hash).await;
    let step = totp_step(now);
    // The write is retried when a concurrent attempt changed the account first: every
    // attempt is recorded, none answers with a conflict.
    for _ in 0..LOGIN_RETRIES {
        let Some(Versioned {
            record: mut user,
            version,
        }) = store.get::<User>(username).await?
        else {
            return Err(Failure::login_failed());
        };
        if let Some(why) = refusal(&user) {
            store.commit(&counted(&object, why), now).await?;
            return Err(Failure::login_failed());
        }
        let totp_step_ok = (step - 1..=step + 1)
            .find(|s| *s > user.totp_last_step && totp_code(&secret, *s) == totp.trim());
        let from = format!(" from={source}");
        // The right password with a code already used (logging in twice within one 30 s
        // step): said as such, audited as a replay, and not counted toward the lockout.
        let replayed = password_right
            && totp_step_ok.is_none()
            && (step - 1..=step + 1)
                .any(|s| s <= user.totp_last_step && totp_code(&secret, s) == totp.trim());
        if replayed {
            store
                .record_event(
                    Event::Login,
                    &object,
                    &format!("failed:totp_replay{from}"),
                    now,
                )
                .await?;
            return Err(Failure::totp_replayed());
        }
        let mut batch = Batch::new();
        let outcome = if password_right && let Some(s) = totp_step_ok {
            user.failures = 0;
            user.totp_last_step = s;
            let (secret, id) = new_secret(random)?;
            let session = Session {
                id,
                user_id: user.username.clone(),
                token: false,
                label: "login".into(),
                created: now.unix_timestamp(),
                last_seen: now.unix_timestamp(),
                ended: false,
                issuer: None,
                expires: 0,
            };
            batch.update(&user, version)?.insert(&session)?.event(
                Event::Login,
                &object,
                &format!("ok{from}"),
            );
            Ok(secret)
        } else {
            user.failures += 1;
            let locked = user.failures >= MAX_FAILURES;
            if locked {
                user.locked_until = (now + LOCKOUT).unix_timestamp();
                user.failures = 0;
            }
            batch.update(&user, version)?.event(
                Event::Login,
                &object,
                &format!("failed:bad_credentials{from}"),
            );
            if locked {
                batch.event(
                    Event::Lockout,
                    &object,
                    &format!("until={}{from}", user.locked_until),
                );
            }
            Err(Failure::login_failed())
        };
        // The user who logged in is the actor of their own login.
        let committed = match &outcome {
            Ok(_) => {
                ACTOR
                    .scope(user.username.clone(), store.commit(&batch, now))
                    .await
            }
            Err(_) => store.commit(&batch, now).await,
        };
        match committed {
            Ok(()) => return outcome,
            Err(eseal_store::StoreError::Conflict { .. }) => tokio::task::yield_now().await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::internal(format!(
        "login of {username}: the account changed {LOGIN_RETRIES} times while it was recorded"
    )))
}

/// A PHC string to verify against when the user does not exist (constant-ish timing).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0sQqS3IYj9b4Ax5QfDhUZHKOjbcdrRtFN6mHT0Dqs0I";

/// Issues an API token for the system account `username`, for `days` days (at most
/// [`TOKEN_MAX_DAYS`]), by `issuer`. A person's account gets no token: a person's session
/// is only made by their own login, so nobody can act as another.
pub async fn issue_token(
    store: &Store,
    issuer: &str,
    username: &str,
    label: &str,
    days: i64,
    now: OffsetDateTime,
    random: &dyn SecureRandom,
) -> Result<(String, Session), Failure> {
    if !(1..=TOKEN_MAX_DAYS).contains(&days) {
        return Err(Failure::invalid(
            "days",
            format!("令牌有效期为 1 到 {TOKEN_MAX_DAYS} 天"),
            format!("a token lasts 1 to {TOKEN_MAX_DAYS} days"),
        ));
    }
    let label = eseal_core::text::name("label", label, MAX_DISPLAY_NAME)?;
    let user = store
        .get::<User>(username)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::User, username))?;
    if !user.record.system {
        return Err(Failure::unprocessable(
            "not_a_system_account",
            format!("{username} 是个人账户：API 令牌只签发给系统（机器）账户，个人请登录使用"),
            format!(
                "{username} is a person's account: API tokens are only for system (machine) accounts; a person logs in"
            ),
        ));
    }
    if user.record.disabled {
        return Err(Failure::conflict(
            "user_disabled",
            "该用户已停用",
            "the user is disabled",
        ));
    }
    let (secret, id) = new_secret(random)?;
    let session = Session {
        id,
        user_id: username.to_owned(),
        token: true,
        label,
        created: now.unix_timestamp(),
        last_seen: now.unix_timestamp(),
        ended: false,
        issuer: Some(issuer.to_owned()),
        expires: (now + Duration::days(days)).unix_timestamp(),
    };
    store.commit(Batch::new().insert(&session)?, now).await?;
    Ok((secret, session))
}

/// Every API token, newest first (at most `limit`).
pub async fn tokens(store: &Store, limit: i64) -> Result<Vec<Session>, Failure> {
    let mut v: Vec<Session> = store
        .find::<Session>("kind", "token", limit)
        .await?
        .into_iter()
        .map(|s| s.record)
        .collect();
    v.sort_by_key(|s| std::cmp::Reverse(s.created));
    Ok(v)
}

/// Revokes the token whose id (or its first 16 hex digits) is `id`.
pub async fn revoke_token(
    store: &Store,
    id: &str,
    now: OffsetDateTime,
) -> Result<Session, Failure> {
    let found = if id.len() == 64 {
        store.get::<Session>(id).await?.filter(|s| s.record.token)
    } else {
        let all = store.find::<Session>("kind", "token", 100_000).await?;
        let mut matching = all.into_iter().filter(|s| s.record.short_id() == id);
        let first = matching.next();
        if matching.next().is_some() {
            return Err(Failure::invalid(
                "id",
                "有多个令牌与之匹配：请给出完整的令牌编号",
                "ambiguous: give the whole token id",
            ));
        }
        first
    };
    let Some(Versioned {
        record: mut session,
        version,
    }) = found
    else {
        return Err(Failure::not_found(Thing::Token, id));
    };
    if !session.ended {
        session.ended = true;
        store
            .commit(Batch::new().update(&session, version)?, now)
            .await?;
    }
    Ok(session)
}

/// Disables (or enables again) a user: a disabled user's sessions and tokens stop working at
/// once, and they cannot log in. Users are never deleted. Nobody disables their own account.
pub async fn set_disabled(
    store: &Store,
    by: &str,
    username: &str,
    disabled: bool,
    now: OffsetDateTime,
) -> Result<User, Failure> {
    if disabled && by == username {
        return Err(Failure::unprocessable(
            "forbidden",
            "任何人都不能停用自己的账户",
            "nobody disables their own account",
        ));
    }
    let mut u = store
        .get::<User>(username)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::User, username))?;
    if u.record.disabled != disabled {
        u.record.disabled = disabled;
        store
            .commit(Batch::new().update(&u.record, u.version)?, now)
            .await?;
    }
    Ok(u.record)
}

/// Unlocks a locked account (the security admin through the API, an operator through
/// `eseal user unlock`; the audit entry's actor says which).
pub async fn unlock(store: &Store, username: &str, now: OffsetDateTime) -> Result<User, Failure> {
    let mut u = store
        .get::<User>(username)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::User, username))?;
    u.record.locked_until = 0;
    u.record.failures = 0;
    store
        .commit(Batch::new().update(&u.record, u.version)?, now)
        .await?;
    Ok(u.record)
}

/// The user of a login session that timed out (idle longer than [`IDLE_TIMEOUT`] or older
/// than [`SESSION_MAX`]) less than [`SESSION_MAX`] ago — not one that was ended (logout,
/// disabling), not an API token, not an unknown secret. What such a session sent is not
/// done; the console keeps a form's input for that user's next login.
pub async fn timed_out_user(store: &Store, secret: &str, now: OffsetDateTime) -> Option<String> {
    let id = eseal_gm::Sm3Digest::of(secret.trim().as_bytes()).to_hex();
    let session = store.get::<Session>(&id).await.ok()??.record;
    let t = now.unix_timestamp();
    let idle = t - session.last_seen > IDLE_TIMEOUT.whole_seconds();
    let old = t - session.created > SESSION_MAX.whole_seconds();
    let recent = t - session.last_seen < SESSION_MAX.whole_seconds();
    (!session.ended && !session.token && (idle || old) && recent).then_some(session.user_id)
}

/// Resolves a bearer secret to the caller, enforcing the idle and absolute timeouts.
pub async fn authenticate(
    store: &Store,
    secret: &str,
    now: OffsetDateTime,
) -> Result<Caller, Failure> {
    let id = eseal_gm::Sm3Digest::of(secret.trim().as_bytes()).to_hex();
    let Some(Versioned {
        record: mut session,
        version,
    }) = store.get::<Session>(&id).await?
    else {
        return Err(Failure::unauthenticated(
            "会话不存在或已过期",
            "unknown or expired session",
        ));
    };
    let t = now.unix_timestamp();
    if session.ended {
        return Err(Failure::unauthenticated(
            "会话已结束",
            "the session has ended",
        ));
    }
    if !session.token
        && (t - session.last_seen > IDLE_TIMEOUT.whole_seconds()
            || t - session.created > SESSION_MAX.whole_seconds())
    {
        return Err(Failure::unauthenticated(
            "会话已超时，请重新登录",
            "the session timed out; log in again",
        ));
    }
    if session.token && t >= session.token_expiry() {
        return Err(Failure::unauthenticated(
            "API 令牌已过期，请向安全管理员申请新令牌",
            "the API token has expired; ask the security admin for a new one",
        ));
    }
    let user = store
        .get::<User>(&session.user_id)
        .await?
        .ok_or_else(|| Failure::unauthenticated("该用户已不存在", "the user no longer exists"))?
        .record;
    if user.disabled {
        return Err(Failure::unauthenticated(
            "该用户已停用",
            "the user is disabled",
        ));
    }
    if session.token != user.system {
        // A token for a person's account (issued before tokens were limited to system
        // accounts), or a login session of a system account: neither is honoured.
        return Err(Failure::unauthenticated(
            "该凭据对此账户无效：个人用登录，系统用令牌",
            "this credential is not valid for this account; a person logs in, a system uses a token",
        ));
    }
    if t - session.last_seen >= TOUCH_EVERY.whole_seconds() {
        session.last_seen = t;
        // A concurrent touch may win; either one is fine.
        let _ = store
            .commit(Batch::new().update(&session, version)?, now)
            .await;
    }
    Ok(Caller {
        token: session.token.then(|| {
            (
                session.short_id().to_owned(),
                session.issuer.clone().unwrap_or_else(|| "-".into()),
            )
        }),
        user: user.username,
        roles: user.roles,
        citizen_id: user.citizen_id,
        organisation_code: user.organisation_code,
        must_change_password: user.must_change_password || user.pending_totp.is_some(),
    })
}

/// Ends a session.
pub async fn logout(store: &Store, secret: &str, now: OffsetDateTime) -> Result<(), Failure> {
    let id = eseal_gm::Sm3Digest::of(secret.trim().as_bytes()).to_hex();
    if let Some(Versioned {
        record: mut s,
        version,
    }) = store.get::<Session>(&id).await?
    {
        s.ended = true;
        store.commit(Batch::new().update(&s, version)?, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
