//! Using a platform-held seal key (issue 7 items 2 and 4, first part): the PIN check with an
//! exact lockout under concurrency, the PIN change, and detached signing with intent before
//! signature and the usage ledger.
//!
//! Order of writes for one signature:
//! 1. reserve a PIN attempt (committed: counted as failed until proven right);
//! 2. open the key with the PIN (a wrong PIN stops here, the attempt stays counted);
//! 3. commit together: the PIN count cleared and the usage *intent*;
//! 4. sign;
//! 5. commit together: the signature's bytes are referenced and the usage becomes *signed*.
//!
//! A crash after 3 leaves an intent, which [`recover`] marks aborted; the signature (if one
//! was made in memory) was never returned, so no client holds a signature the ledger lacks.

use crate::failure::{Failure, Kind, Thing};
use crate::keystore::{self, SealKey, Unlock};
use crate::state::AppState;
use eseal_core::Text;
use eseal_core::{PinState, Seal, SealStatus, Usage};
use eseal_gm::Sm2PrivateKey;
use eseal_gm::provider::SoftwareSigner;
use eseal_store::{Batch, StoreError, Versioned};
use time::{Duration, OffsetDateTime};

/// How many times a PIN reservation is retried when concurrent attempts race on the record.
const RESERVE_RETRIES: usize = 200;

/// How long an intent may stay open before recovery aborts it: longer than any signing,
/// including a holder confirming on their USB key for the external signer.
pub const INTENT_TIMEOUT: Duration = Duration::minutes(10);

fn locked() -> Failure {
    let n = eseal_core::pin::MAX_FAILURES;
    Failure::new(
        Kind::Locked,
        "seal_locked",
        Text::new(
            format!("PIN 连续错误 {n} 次，印章已锁定；须经服务机构审核的重置申请才能解锁"),
            format!(
                "the seal is locked after {n} wrong PINs; a reset needs an application reviewed by the agency"
            ),
        ),
    )
}

/// Reserves one PIN attempt on the seal's key (committed before the PIN is evaluated).
async fn reserve(s: &AppState, seal_id: &str) -> Result<Versioned<SealKey>, Failure> {
    for _ in 0..RESERVE_RETRIES {
        let mut rec = s.store().get::<SealKey>(seal_id).await?.ok_or_else(|| {
            Failure::unprocessable(
                "forbidden",
                format!("平台未保管印章 {seal_id} 的密钥"),
                format!("the platform does not hold the key of seal {seal_id}"),
            )
        })?;
        if rec.record.pin.reserve().is_err() {
            return Err(locked());
        }
        match s
            .store()
            .commit(Batch::new().update(&rec.record, rec.version)?, s.now())
            .await
        {
            Ok(()) => {
                rec.version += 1;
                return Ok(rec);
            }
            Err(StoreError::Conflict { .. }) => tokio::task::yield_now().await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::conflict(
        "conflict",
        "该印章同时进行的操作过多，请重试",
        "too many concurrent attempts on this seal; try again",
    ))
}

/// Opens the key off the async threads (Argon2id takes tens of milliseconds).
async fn open(s: &AppState, rec: &SealKey, pin: &str) -> Result<Sm2PrivateKey, Unlock> {
    let (rec, pin, st) = (
        rec.clone(),
        zeroize::Zeroizing::new(pin.to_owned()),
        s.clone(),
    );
    crate::work::run(crate::work::Lane::Sign, move || {
        keystore::unlock(&rec, &pin, st.data_key())
    })
    .await
    .unwrap_or_else(|e| Err(Unlock::Damaged(e.to_string())))
}

/// Checks the PIN: reserve, evaluate, and on success return the key with the record as it
/// stands (the caller clears the count in its own commit).
async fn check_pin(
    s: &AppState,
    seal_id: &str,
    pin: &str,
) -> Result<(Sm2PrivateKey, Versioned<SealKey>), Failure> {
    let rec = reserve(s, seal_id).await?;
    match open(s, &rec.record, pin).await {
        Ok(key) => Ok((key, rec)),
        Err(Unlock::WrongPin) => {
            let left = eseal_core::pin::MAX_FAILURES.saturating_sub(rec.record.pin.failures);
            Err(Failure::forbidden(
                "wrong_pin",
                format!("PIN 错误；再错 {left} 次印章将被锁定"),
                format!("wrong PIN; {left} tries left before the seal locks"),
            )
            .at("pin"))
        }
        Err(Unlock::Damaged(why)) => {
            // Not the PIN's fault: the attempt is given back (issue 14 item 3).
            release(s, seal_id).await?;
            Err(Failure::internal(format!(
                "{why} (the attempt was not counted as a wrong PIN)"
            )))
        }
    }
}

/// Gives back one reserved PIN attempt that was never judged.
async fn release(s: &AppState, seal_id: &str) -> Result<(), Failure> {
    for _ in 0..RESERVE_RETRIES {
        let Some(mut rec) = s.store().get::<SealKey>(seal_id).await? else {
            return Ok(());
        };
        rec.record.pin.release();
        match s
            .store()
            .commit(Batch::new().update(&rec.record, rec.version)?, s.now())
            .await
        {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict { .. }) => tokio::task::yield_now().await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::conflict(
        "conflict",
        "该印章同时进行的操作过多，请重试",
        "too many concurrent attempts on this seal; try again",
    ))
}

/// A seal that is not valid now does not sign.
fn not_valid(seal: &Seal, now: OffsetDateTime) -> Failure {
    let (zh, en) = match seal.status_at(now) {
        SealStatus::Valid => ("有效", "valid".to_owned()),
        SealStatus::NotYetValid => ("尚未生效", "not yet valid".to_owned()),
        SealStatus::Expired => ("已过期", "expired".to_owned()),
        SealStatus::Revoked { reason, at } => (
            "已撤销",
            format!(
                "revoked ({}) at {}",
                serde_json::to_string(&reason).unwrap_or_default(),
                at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            ),
        ),
    };
    Failure::unprocessable(
        "seal_not_valid",
        format!("印章 {} 当前不可用：{zh}", seal.id),
        format!("seal {} is not valid now: {en}", seal.id),
    )
}

/// How a signature request proves the holder: the PIN, or a signing session the PIN opened.
#[derive(Debug, Clone)]
pub enum Credential {
    /// The seal's PIN (checked and counted).
    Pin(String),
    /// A signing session token from [`unlock`].
    Session(String),
}

/// Longest signing session.
pub const SESSION_MAX_MINUTES: i64 = 10;
/// Most signatures in one session.
pub const SESSION_MAX_SIGNATURES: u32 = 1000;

/// Opens a signing session with the PIN (counted like any PIN attempt).
pub async fn unlock(
    s: &AppState,
    seal: &Seal,
    user: &str,
    pin: &str,
    minutes: i64,
    signatures: u32,
) -> Result<(String, OffsetDateTime), Failure> {
    if !(1..=SESSION_MAX_MINUTES).contains(&minutes)
        || !(1..=SESSION_MAX_SIGNATURES).contains(&signatures)
    {
        return Err(Failure::invalid(
            "minutes",
            format!(
                "签章会话持续 1 到 {SESSION_MAX_MINUTES} 分钟，可签 1 到 {SESSION_MAX_SIGNATURES} 次"
            ),
            format!(
                "a session lasts 1–{SESSION_MAX_MINUTES} minutes and 1–{SESSION_MAX_SIGNATURES} signatures"
            ),
        ));
    }
    let now = s.now();
    let lock = s.seal_lock(&seal.id);
    let _guard = lock.lock().await;
    let (key, mut rec) = check_pin(s, &seal.id, pin).await?;
    rec.record.pin.succeeded();
    rec.record.pin.may_sign(now)?;
    s.store()
        .commit(Batch::new().update(&rec.record, rec.version)?, now)
        .await?;
    let mut raw = [0u8; 32];
    s.random()
        .fill(&mut raw)
        .map_err(|e| Failure::internal(e.to_string()))?;
    let token = hex::encode(raw);
    let expires = now + Duration::minutes(minutes);
    s.sessions().insert(
        eseal_gm::Sm3Digest::of(token.as_bytes()).to_hex(),
        crate::sessions::OpenSession {
            seal_id: seal.id.to_string(),
            user: user.to_owned(),
            key,
            expires,
            remaining: signatures,
        },
    );
    Ok((token, expires))
}

/// Changes the PIN (old + new), re-sealing the same key; clears an initial PIN's flag.
pub async fn change_pin(
    s: &AppState,
    seal_id: &str,
    old: &str,
    new: &str,
) -> Result<PinState, Failure> {
    eseal_core::pin::check_pin_form(new)?;
    if old == new {
        return Err(Failure::invalid(
            "new_pin",
            "新 PIN 须与旧 PIN 不同",
            "the new PIN must differ from the old one",
        ));
    }
    let lock = s.seal_lock(seal_id);
    let _guard = lock.lock().await;
    let (key, rec) = check_pin(s, seal_id, old).await?;
    let now = s.now();
    let mut sealed = keystore::lock(seal_id, &key, new, s.data_key(), s.random(), now)?;
    sealed.pin = PinState::new(now);
    s.store()
        .commit(Batch::new().update(&sealed, rec.version)?, now)
        .await?;
    Ok(sealed.pin)
}

/// What a detached signature is over.
#[derive(Debug, Clone)]
pub struct SignInput {
    /// SM3 of the data.
    pub document_sm3: eseal_gm::Sm3Digest,
    /// The document's name (written into `propertyInfo`).
    pub document_name: String,
    /// Purpose (用途).
    pub purpose: String,
    /// Counterparty.
    pub counterparty: Option<String>,
    /// The approved use request (official seals).
    pub use_request: Option<String>,
    /// What the document is (position seals' scope).
    pub claim: eseal_core::UseClaim,
    /// Sign this document (an OFD or a PDF, with its stamp) instead of a detached signature.
    pub document: Option<crate::documents::Visible>,
}

/// What signing returns.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The ledger entry.
    pub usage: Usage,
    /// The DER SES_Signature, or the signed OFD.
    pub signature: Vec<u8>,
}

/// Who may sign with `seal` (R-USE-2..4): a personal seal its holder; a position seal its
/// holder, within the scope the organisation set (checked when signing); an official seal a
/// custodian of its organisation, under an approved use request (checked when signing).
pub fn may_use(seal: &Seal, caller: &crate::auth::Caller) -> Result<(), Failure> {
    match &seal.kind {
        eseal_core::SealKind::Personal => {
            if caller.citizen_id.is_none() || seal.holder_id != caller.citizen_id {
                return Err(Failure::forbidden(
                    "not_the_holder",
                    "个人印章只能由其持有人使用",
                    "a personal seal signs only for its holder",
                ));
            }
            Ok(())
        }
        eseal_core::SealKind::Official(_) => {
            if !caller.has(crate::auth::Role::Custodian)
                || caller.organisation_code.is_none()
                || caller.organisation_code != seal.organisation_code
            {
                return Err(Failure::forbidden(
                    "not_the_custodian",
                    "单位印章由本单位的印章保管人使用",
                    "an official seal is used by a custodian of its organisation",
                ));
            }
            Ok(())
        }
        eseal_core::SealKind::Position(_) => {
            if caller.citizen_id.is_none() || seal.holder_id != caller.citizen_id {
                return Err(Failure::forbidden(
                    "not_the_holder",
                    "职务印章只能由其持有人在单位授权的范围内使用",
                    "a position seal signs only for its holder, within the scope the organisation set",
                ));
            }
            Ok(())
        }
    }
}

fn not_approved(why: Text) -> Failure {
    Failure::new(Kind::Forbidden, "use_not_approved", why).at("use_request")
}

fn no_use_request(id: &str) -> Text {
    Text::new(format!("没有用印申请 {id}"), format!("no use request {id}"))
}

/// Why a use was refused before the key was touched.
#[derive(Debug)]
enum Refusal {
    /// No or an unusable approval (official seals).
    Approval(Text),
    /// Outside the authorised scope (position seals).
    Scope(Text),
}

impl Refusal {
    fn why(&self) -> &Text {
        match self {
            Refusal::Approval(w) | Refusal::Scope(w) => w,
        }
    }

    fn error(self) -> Failure {
        match self {
            Refusal::Approval(w) => not_approved(w),
            Refusal::Scope(w) => Failure::new(Kind::Forbidden, "out_of_scope", w),
        }
    }
}

/// Records a refused use in the ledger (R-USE-2: use beyond authority is refused and
/// recorded) and returns the refusal.
async fn refuse_and_record(
    s: &AppState,
    seal: &Seal,
    signer: &str,
    input: &SignInput,
    refusal: Refusal,
) -> Failure {
    let why = refusal.why().to_owned();
    let now = s.now();
    if let Ok(mut u) = intent(s, seal, signer, input, now) {
        let mut batch = Batch::new();
        if u.aborted(&format!("refused: {why}"), now).is_ok() && batch.insert(&u).is_ok() {
            // Best effort: the refusal stands even if recording it fails — nothing was
            // signed, so failing closed here means refusing, which it does either way.
            let _ = s.store().commit(&batch, now).await;
        }
    }
    refusal.error()
}

/// Checks an official seal's use request for this document now, without consuming it.
async fn precheck_request(s: &AppState, seal: &Seal, input: &SignInput) -> Result<(), Refusal> {
    if matches!(seal.kind, eseal_core::SealKind::Position(_)) {
        let scope = s
            .store()
            .get::<eseal_core::PositionScope>(&seal.id)
            .await
            .map_err(|e| Refusal::Scope(Failure::from(e).detail))?
            .ok_or_else(|| {
                Refusal::Scope(Text::new(
                    "单位尚未设定该职务印章的授权范围",
                    "the organisation has not set this position seal's authorised scope",
                ))
            })?;
        return scope
            .record
            .check(&input.claim)
            .map_err(|e| Refusal::Scope(e.text()));
    }
    if !matches!(seal.kind, eseal_core::SealKind::Official(_)) {
        return Ok(());
    }
    precheck_approval(s, seal, input)
        .await
        .map_err(Refusal::Approval)
}

async fn precheck_approval(s: &AppState, seal: &Seal, input: &SignInput) -> Result<(), Text> {
    let id = input.use_request.as_deref().ok_or_else(|| {
        Text::new(
            "单位印章只能凭已批准的用印申请使用",
            "an official seal signs only under an approved use request",
        )
    })?;
    let r = s
        .store()
        .get::<eseal_core::UseRequest>(id)
        .await
        .map_err(|e| Failure::from(e).detail)?
        .ok_or_else(|| no_use_request(id))?;
    if r.record.seal_id != seal.id {
        return Err(Text::new(
            format!("用印申请 {id} 是其他印章的"),
            format!("use request {id} is for another seal"),
        ));
    }
    r.record
        .clone()
        .consume(&input.document_sm3.to_hex(), s.now())
        .map_err(|e| e.text())?;
    Ok(())
}

/// A new ledger intent for `input` (not yet written).
fn intent(
    s: &AppState,
    seal: &Seal,
    signer: &str,
    input: &SignInput,
    now: OffsetDateTime,
) -> Result<Usage, Failure> {
    let usage_id = format!("U{}", &crate::making::new_seal_id(s.random())?[2..]);
    let mut usage = Usage::intent(
        &usage_id,
        &seal.id,
        signer,
        &input.document_sm3.to_hex(),
        &input.document_name,
        &input.purpose,
        input.counterparty.as_deref(),
        now,
    )?;
    usage.approval = input.use_request.clone();
    Ok(usage)
}

/// Most documents in one batch.
pub const BATCH_MAX: usize = 100;

/// Signs one document (detached over its SM3, or an OFD with a placement) with the seal's
/// platform-held key, writing intent and ledger: a batch of one.
pub async fn sign_one(
    s: &AppState,
    seal: &Seal,
    signer: &str,
    credential: Credential,
    input: SignInput,
) -> Result<Signed, Failure> {
    sign_batch(s, seal, signer, credential, vec![input])
        .await?
        .pop()
        .unwrap_or_else(|| Err(Failure::internal("a batch of one returned nothing")))
}

/// Signs several documents under one credential check (batch signing, issue 7 item 4): every
/// use is checked first and the whole batch refused (and recorded) if any is beyond
/// authority; the intents of all documents are committed together before the key is used;
/// each document is then signed, and all ledger entries are completed in one commit with the
/// signatures' bytes. A document that cannot be signed (a broken OFD) gets its own error and
/// its intent aborted; the others are signed.
pub async fn sign_batch(
    s: &AppState,
    seal: &Seal,
    signer: &str,
    credential: Credential,
    inputs: Vec<SignInput>,
) -> Result<Vec<Result<Signed, Failure>>, Failure> {
    if inputs.is_empty() || inputs.len() > BATCH_MAX {
        return Err(Failure::invalid(
            "documents",
            format!("一批签署 1 到 {BATCH_MAX} 份文件"),
            format!("a batch signs 1–{BATCH_MAX} documents"),
        ));
    }
    let now = s.now();
    if seal.status_at(now) != SealStatus::Valid {
        return Err(not_valid(seal, now));
    }
    let decoded = decoded_seal(s, seal).await?;
    // Approval first: a use beyond authority is refused and recorded whatever the PIN.
    for input in &inputs {
        if let Err(why) = precheck_request(s, seal, input).await {
            return Err(refuse_and_record(s, seal, signer, input, why).await);
        }
    }
    // A PIN is checked one attempt at a time per seal (exact counting), until its count is
    // cleared in the intents' commit; a session needs no PIN, so its signatures run side by
    // side (stamps taken from an approval are still exact: versioned writes, retried).
    let lock = s.seal_lock(&seal.id);
    let guard = match &credential {
        Credential::Pin(_) => Some(lock.lock().await),
        Credential::Session(_) => None,
    };
    let (key, pin_checked) = match &credential {
        Credential::Pin(pin) => {
            let (key, rec) = check_pin(s, &seal.id, pin).await?;
            let mut pin_state = rec.record.pin.clone();
            pin_state.succeeded();
            pin_state.may_sign(now)?;
            (key, true)
        }
        Credential::Session(token) => (
            s.sessions().take(
                token,
                &seal.id,
                signer,
                now,
                u32::try_from(inputs.len()).unwrap_or(u32::MAX),
            )?,
            false,
        ),
    };
    // 3. The intents, together with the cleared PIN count and the stamps taken from the
    // approvals; concurrent writers to either record make this re-read and try again.
    let mut usages = Vec::with_capacity(inputs.len());
    for input in &inputs {
        usages.push(intent(s, seal, signer, input, now)?);
    }
    let mut committed = false;
    for _ in 0..RESERVE_RETRIES {
        let mut batch = Batch::new();
        if pin_checked {
            let Some(mut key_rec) = s.store().get::<SealKey>(&seal.id).await? else {
                return Err(Failure::internal("seal key vanished"));
            };
            key_rec.record.pin.succeeded();
            batch.update(&key_rec.record, key_rec.version)?;
        }
        if matches!(seal.kind, eseal_core::SealKind::Official(_)) {
            let mut requests: std::collections::BTreeMap<
                String,
                Versioned<eseal_core::UseRequest>,
            > = std::collections::BTreeMap::new();
            for input in &inputs {
                let Some(id) = &input.use_request else {
                    continue;
                };
                if !requests.contains_key(id) {
                    let Some(req) = s.store().get::<eseal_core::UseRequest>(id).await? else {
                        return Err(not_approved(no_use_request(id)));
                    };
                    requests.insert(id.clone(), req);
                }
                let Some(req) = requests.get_mut(id) else {
                    continue;
                };
                if let Err(e) = req.record.consume(&input.document_sm3.to_hex(), now) {
                    // Commit the cleared PIN count, record the refusal.
                    let _ = s.store().commit(&batch, now).await;
                    return Err(refuse_and_record(
                        s,
                        seal,
                        signer,
                        input,
                        Refusal::Approval(e.text()),
                    )
                    .await);
                }
            }
            for req in requests.values() {
                batch.update(&req.record, req.version)?;
            }
        }
        for usage in &usages {
            batch.insert(usage)?;
        }
        match s.store().commit(&batch, now).await {
            Ok(()) => {
                committed = true;
                break;
            }
            Err(StoreError::Conflict { .. }) => tokio::task::yield_now().await,
            Err(e) => return Err(e.into()),
        }
    }
    drop(guard);
    if !committed {
        return Err(Failure::conflict(
            "conflict",
            "该印章同时进行的用印过多，请重试",
            "too many concurrent uses of this seal; try again",
        ));
    }
    // 4. Sign each document, with the seal decoded once for the batch.
    // A batch's documents are signed side by side (each waits for a place in the signing
    // lane, [`crate::work`]): one document's time stamp covers its own signature value, so
    // it can only follow it, but the next document's signing overlaps it. Each document
    // moves to its signing (no copy of it).
    let side_by_side = inputs.len() > 1;
    let jobs: Vec<_> = inputs
        .into_iter()
        .zip(&usages)
        .map(|(input, usage)| {
            let (s, decoded, key) = (s.clone(), decoded.clone(), key.clone());
            sign_document(s, decoded, key, input, usage.id.clone(), now, side_by_side)
        })
        .collect();
    let mut made = Vec::with_capacity(jobs.len());
    if side_by_side {
        let tasks: Vec<_> = jobs.into_iter().map(tokio::spawn).collect();
        for t in tasks {
            made.push(
                t.await
                    .unwrap_or_else(|e| Err(Failure::internal(format!("signing stopped: {e}")))),
            );
        }
    } else {
        for job in jobs {
            made.push(job.await);
        }
    }
    // 5. The signatures' bytes and every ledger entry completed (or aborted), together.
    let mut batch = Batch::new();
    let mut results = Vec::with_capacity(made.len());
    for (mut usage, m) in usages.into_iter().zip(made) {
        match m {
            // Detached: the signature is what the holder gets. OFD: the ledger keeps the
            // SES_Signature (a few KB) and the SM3 of the signed package, not the package.
            Ok((signature, None)) => {
                let sm3 = batch.blob("application/octet-stream", &signature);
                usage.signed(&sm3, None, now)?;
                batch.update(&usage, 1)?;
                results.push(Ok(Signed { usage, signature }));
            }
            Ok((ses, Some((document, out)))) => {
                let sm3 = batch.blob("application/octet-stream", &ses);
                usage.signed(&sm3, Some(&out.to_hex()), now)?;
                batch.update(&usage, 1)?;
                results.push(Ok(Signed {
                    usage,
                    signature: document,
                }));
            }
            Err(e) => {
                usage.aborted(&e.detail.en, now)?;
                batch.update(&usage, 1)?;
                results.push(Err(e));
            }
        }
    }
    s.store().commit(&batch, now).await?;
    Ok(results)
}

/// The seal's stored data decoded, with its signer certificate: read and decoded once per
/// process (the data is stored under its SM3, so what is remembered cannot go stale; the
/// seal record itself — its state, validity — is read fresh by every caller).
async fn decoded_seal(
    s: &AppState,
    seal: &Seal,
) -> Result<std::sync::Arc<crate::state::DecodedSeal>, Failure> {
    let sm3 = seal.seal_data_sm3.as_deref().unwrap_or_default();
    if let Some(d) = s.decoded_seal(sm3) {
        return Ok(d);
    }
    let (_, seal_data) = s
        .store()
        .blob(sm3)
        .await?
        .ok_or_else(|| Failure::internal(format!("seal data of {} missing", seal.id)))?;
    let d = std::sync::Arc::new(seal_and_cert(&seal_data)?);
    s.remember_decoded_seal(sm3, d.clone());
    Ok(d)
}

/// The stored seal data, decoded, and its (first) signer certificate.
fn seal_and_cert(seal_data: &[u8]) -> Result<(eseal_ses::AnySeal, Vec<u8>), Failure> {
    let (seal, _) = eseal_ses::AnySeal::decode(seal_data)
        .map_err(|e| Failure::internal(format!("stored seal data: {e}")))?;
    let cert = match &seal
        .view()
        .map_err(|e| Failure::internal(format!("stored seal data: {e}")))?
        .signer_certs
    {
        eseal_ses::any::CertListView::Certs(c) => c.first().map(|c| c.to_vec()),
        eseal_ses::any::CertListView::Digests(_) => None,
    }
    .ok_or_else(|| Failure::internal("the seal lists no certificate"))?;
    Ok((seal, cert))
}

/// What the holder's device must sign (external signer).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The ledger intent.
    pub usage: Usage,
    /// The exact DER `TBS_Sign` bytes to sign with SM2 (signer ID 1234567812345678).
    pub to_be_signed: Vec<u8>,
}

fn prepare_tbs(
    (seal, cert): &(eseal_ses::AnySeal, Vec<u8>),
    input_sm3: eseal_gm::Sm3Digest,
    document_name: &str,
    at: OffsetDateTime,
) -> Result<eseal_ses::PreparedSignature, Failure> {
    eseal_ses::prepare_signature(
        seal,
        cert,
        &eseal_ses::SignRequest {
            data_hash: input_sm3,
            signing_time: at,
            property_info: property_info(document_name),
        },
    )
    .map_err(|e| Failure::unprocessable("forbidden", e.zh(), e.to_string()))
}

/// External signer, step 1: checks the use (approval included, its stamp taken), commits the
/// intent, and returns the bytes the device signs. The key never reaches the platform.
pub async fn prepare_external(
    s: &AppState,
    seal: &Seal,
    signer: &str,
    input: SignInput,
) -> Result<Prepared, Failure> {
    let now = s.now();
    if seal.key_custody != eseal_core::KeyCustody::Device {
        return Err(Failure::unprocessable(
            "forbidden",
            "该印章的密钥由平台保管：请用 POST /seals/{id}/sign 和 PIN 签章",
            "the platform holds this seal's key: sign with POST /seals/{id}/sign and the PIN",
        ));
    }
    if seal.status_at(now) != SealStatus::Valid {
        return Err(not_valid(seal, now));
    }
    if let Err(why) = precheck_request(s, seal, &input).await {
        return Err(refuse_and_record(s, seal, signer, &input, why).await);
    }
    let tbs = prepare_tbs(
        &*decoded_seal(s, seal).await?,
        input.document_sm3,
        &input.document_name,
        now,
    )?
    .to_be_signed()
    .to_vec();
    let usage = intent(s, seal, signer, &input, now)?;
    let mut batch = Batch::new();
    if let Some(id) = &input.use_request
        && matches!(seal.kind, eseal_core::SealKind::Official(_))
    {
        let Some(mut req) = s.store().get::<eseal_core::UseRequest>(id).await? else {
            return Err(not_approved(no_use_request(id)));
        };
        if let Err(e) = req.record.consume(&input.document_sm3.to_hex(), now) {
            return Err(
                refuse_and_record(s, seal, signer, &input, Refusal::Approval(e.text())).await,
            );
        }
        batch.update(&req.record, req.version)?;
    }
    batch.insert(&usage)?;
    s.store().commit(&batch, now).await?;
    Ok(Prepared {
        usage,
        to_be_signed: tbs,
    })
}

/// External signer, step 2: the device's signature (DER or raw r‖s) over the prepared bytes.
/// It is checked against the bound certificate; a wrong one is refused and the intent
/// aborted. On success the SES_Signature is assembled and the ledger entry completed.
pub async fn finish_external(
    s: &AppState,
    usage_id: &str,
    caller: &str,
    signature: &[u8],
) -> Result<Signed, Failure> {
    let now = s.now();
    let mut u = s
        .store()
        .get::<Usage>(usage_id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::Usage, usage_id))?;
    if u.record.signer != caller {
        return Err(Failure::not_found(Thing::Usage, usage_id));
    }
    if u.record.state != eseal_core::UsageState::Intent {
        return Err(eseal_core::DomainError::IllegalTransition {
            what: "usage",
            state: u.record.state.name().into(),
            action: "finishing",
        }
        .into());
    }
    let seal = s
        .store()
        .get::<Seal>(&u.record.seal_id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::Seal, &u.record.seal_id))?
        .record;
    let decoded = decoded_seal(s, &seal).await?;
    let digest = hex::decode(&u.record.document_sm3)
        .ok()
        .and_then(|b| eseal_gm::Sm3Digest::from_slice(&b))
        .ok_or_else(|| Failure::internal("stored document digest"))?;
    let prepared = prepare_tbs(&decoded, digest, &u.record.document_name, u.record.created)?;
    let parsed = eseal_gm::Sm2Signature::from_der_or_raw(signature)
        .map(|(s, _)| s)
        .map_err(|e| {
            Failure::invalid(
                "signature",
                "不是 SM2 签名值",
                format!("not an SM2 signature: {e}"),
            )
        });
    let finished = parsed.and_then(|sig| {
        prepared.finish(sig).map_err(|e| {
            Failure::unprocessable(
                "signature_invalid",
                format!("签名值用印章证书验证不通过：{}", e.zh()),
                format!("the signature does not verify with the seal's certificate: {e}"),
            )
        })
    });
    let sig = match finished {
        Ok(sig) => match stamp(s, sig.raw(), now) {
            Ok(stamped) => stamped,
            Err(e) => return Err(e),
        },
        Err(e) => {
            u.record.aborted(&format!("refused: {}", e.detail), now)?;
            let _ = s
                .store()
                .commit(Batch::new().update(&u.record, u.version)?, now)
                .await;
            return Err(e);
        }
    };
    let mut batch = Batch::new();
    let sm3 = batch.blob("application/octet-stream", &sig);
    u.record.signed(&sm3, None, now)?;
    batch.update(&u.record, u.version)?;
    s.store().commit(&batch, now).await?;
    Ok(Signed {
        usage: u.record,
        signature: sig,
    })
}

/// One document of a batch signed: a detached signature with its time stamp (in the
/// signing lane when `off_thread`, inline otherwise: ≈ 0.1 ms), or a document with its
/// stamp ([`crate::documents::sign`], always in the lane). The signature, and the signed
/// document with its SM3 if any.
async fn sign_document(
    s: AppState,
    decoded: std::sync::Arc<crate::state::DecodedSeal>,
    key: Sm2PrivateKey,
    mut input: SignInput,
    usage: String,
    now: OffsetDateTime,
    off_thread: bool,
) -> Result<(Vec<u8>, Option<(Vec<u8>, eseal_gm::Sm3Digest)>), Failure> {
    match input.document.take() {
        Some(document) => crate::documents::sign(s, decoded, key, document, &usage, now)
            .await
            .map(|d| (d.signature, Some((d.document, d.sm3)))),
        None => {
            let detached = move || {
                make_signature(&decoded, &key, &input, now)
                    .and_then(|sig| stamp(&s, &sig, now))
                    .map(|sig| (sig, None))
            };
            if off_thread {
                crate::work::run(crate::work::Lane::Sign, detached)
                    .await
                    .and_then(|signed| signed)
            } else {
                detached()
            }
        }
    }
}

/// Puts the platform TSA's timestamp over the signature value into the SES_Signature's
/// `timeStamp` field (issue 7 item 5): verifiers then take genTime as the proof of when it was
/// signed.
fn stamp(s: &AppState, signature: &[u8], now: OffsetDateTime) -> Result<Vec<u8>, Failure> {
    let (sig, _) = eseal_ses::AnySignature::decode(signature)
        .map_err(|e| Failure::internal(format!("signature just made: {e}")))?;
    let token = s.pki().timestamp(sig.view().signature, now, s.random())?;
    sig.with_timestamp(token)
        .map(|t| t.raw().to_vec())
        .map_err(|e| Failure::internal(format!("timestamp: {e}")))
}

fn make_signature(
    decoded: &(eseal_ses::AnySeal, Vec<u8>),
    key: &Sm2PrivateKey,
    input: &SignInput,
    now: OffsetDateTime,
) -> Result<Vec<u8>, Failure> {
    prepare_tbs(decoded, input.document_sm3, &input.document_name, now)?
        .sign(&SoftwareSigner::new(key.clone()))
        .map(|s| s.raw().to_vec())
        .map_err(|e| Failure::unprocessable("forbidden", e.zh(), e.to_string()))
}

/// `propertyInfo` is an IA5String (ASCII): a document name is written URL-style, UTF-8
/// percent-encoded outside printable ASCII, so 借款合同.pdf becomes `%E5%80%9F…%90%8C.pdf`.
pub fn property_info(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Marks intents older than `timeout` (normally [`INTENT_TIMEOUT`]) aborted (after a crash
/// between intent and completion). Returns how many.
pub async fn recover(s: &AppState, timeout: Duration) -> Result<usize, Failure> {
    let now = s.now();
    let mut n = 0;
    for mut u in s.store().find::<Usage>("state", "intent", 500).await? {
        if u.record.created + timeout > now {
            continue;
        }
        u.record
            .aborted("not completed: the server stopped while signing", now)?;
        match s
            .store()
            .commit(Batch::new().update(&u.record, u.version)?, now)
            .await
        {
            Ok(()) => n += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}
