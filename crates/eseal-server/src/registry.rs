//! The registry's write paths (issue 6 items 2–5): each loads the aggregates it changes, asks
//! their eseal-core state machines, and commits every change together with the filing (备案)
//! it causes in one store transaction. A refused transition changes nothing.
//!
//! Filing ids are `{seal}-v{version}`: one per written version of a seal, the same on every
//! retry, so they serve as the police system's idempotency key.

use crate::failure::Thing;
use eseal_core::{
    Application, DomainError, Filing, FilingEvent, Material, Purpose, RevocationReason, Seal,
    SealState, SealStatus,
};
use eseal_store::{Batch, Store, StoreError, Versioned};
use time::OffsetDateTime;

/// Why a registry operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The domain refused it (illegal transition, rule, invalid field).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The store failed or a concurrent change won.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such record.
    #[error("{} {id} not found", what.names().1)]
    NotFound {
        /// What was looked for.
        what: Thing,
        /// Its id.
        id: String,
    },
}

async fn load<R: eseal_store::Record>(
    store: &Store,
    what: Thing,
    id: &str,
) -> Result<Versioned<R>, RegistryError> {
    store
        .get::<R>(id)
        .await?
        .ok_or_else(|| RegistryError::NotFound {
            what,
            id: id.to_owned(),
        })
}

fn filing(
    seal: &eseal_core::SealId,
    version: i64,
    event: FilingEvent,
    at: OffsetDateTime,
) -> Filing {
    Filing::new(&format!("{seal}-v{version}"), seal, event, at)
}

/// Queues a filing for the police system and the same event for the national platform.
fn queue(batch: &mut Batch, f: Filing) -> Result<(), RegistryError> {
    batch.insert(&f.for_national())?;
    batch.insert(&f)?;
    Ok(())
}

/// Stores a new application (a draft).
pub async fn create_application(
    store: &Store,
    app: &Application,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    store.commit(Batch::new().insert(app)?, at).await?;
    Ok(())
}

/// Applies one state-machine step to a stored application (add a material, submit, approve,
/// reject) and stores the result; if the step is refused nothing is written.
pub async fn update_application<F>(
    store: &Store,
    id: &str,
    at: OffsetDateTime,
    step: F,
) -> Result<Application, RegistryError>
where
    F: FnOnce(&mut Application) -> Result<(), DomainError>,
{
    let mut app = load::<Application>(store, Thing::Application, id).await?;
    step(&mut app.record)?;
    store
        .commit(Batch::new().update(&app.record, app.version)?, at)
        .await?;
    Ok(app.record)
}

/// Records a seal made from an approved application: the application becomes Made, the seal
/// is inserted, and its filing queued. For a change (R-CHG-1) the old seal is revoked as
/// Replaced at the same moment and that revocation is filed too.
pub async fn issue(
    store: &Store,
    application_id: &str,
    seal: &Seal,
    key: Option<&crate::keystore::SealKey>,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    let mut app = load::<Application>(store, Thing::Application, application_id).await?;
    if seal.state != SealState::Active {
        return Err(DomainError::invalid(
            "seal",
            "新印章须为有效状态",
            "a new seal must be active",
        )
        .into());
    }
    if seal.kind != app.record.kind
        || seal.organisation_code != app.record.organisation_code
        || seal.holder_id != app.record.holder_id
    {
        return Err(DomainError::invalid(
            "seal",
            "印章类型、单位或持有人与批准的申请不一致",
            "kind, organisation or holder differ from the approved application",
        )
        .into());
    }
    if !app.record.purpose.makes_a_seal() {
        return Err(DomainError::forbidden(
            "续期和注销申请不制作新印章，请办理该申请",
            "a renewal or revocation application makes no seal: carry it out",
        )
        .into());
    }
    app.record.made(&seal.id)?;
    let mut batch = Batch::new();
    batch.update(&app.record, app.version)?;
    batch.insert(seal)?;
    if let Some(k) = key {
        batch.insert(k)?;
    }
    let event = match app.record.purpose {
        Purpose::Change { .. } => FilingEvent::Changed,
        _ => FilingEvent::Made,
    };
    let mut made = filing(&seal.id, 1, event, at);
    if let Purpose::Change { old } = &app.record.purpose {
        made.replaces = Some(old.clone());
    }
    queue(&mut batch, made)?;
    if let Purpose::Change { old } = &app.record.purpose {
        let mut old = load::<Seal>(store, Thing::Seal, old).await?;
        old.record
            .revoke(RevocationReason::Replaced, at, Some(&seal.id), &[])?;
        batch.update(&old.record, old.version)?;
        queue(
            &mut batch,
            filing(&old.record.id, old.version + 1, FilingEvent::Revoked, at),
        )?;
    }
    store.commit(&batch, at).await?;
    Ok(())
}

/// Renews a seal with a new certificate (R-RENEW-1) and files the renewal.
pub async fn renew(
    store: &Store,
    seal_id: &str,
    certificate_serial: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    let mut seal = load::<Seal>(store, Thing::Seal, seal_id).await?;
    seal.record.renew(at, certificate_serial, from, to)?;
    let mut batch = Batch::new();
    batch.update(&seal.record, seal.version)?;
    queue(
        &mut batch,
        filing(&seal.record.id, seal.version + 1, FilingEvent::Renewed, at),
    )?;
    store.commit(&batch, at).await?;
    Ok(())
}

/// Renews a seal whose new seal data was made (R-RENEW-1): binds the new certificate, the
/// new seal data and key custody, and files the renewal, in one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn renew_with(
    store: &Store,
    seal_id: &str,
    certificate_serial: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
    seal_data_sm3: &eseal_core::Sm3Hex,
    custody: eseal_core::KeyCustody,
    key: Option<&crate::keystore::SealKey>,
    application: Option<&str>,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    let mut seal = load::<Seal>(store, Thing::Seal, seal_id).await?;
    seal.record.renew(at, certificate_serial, from, to)?;
    let mut batch = Batch::new();
    if let Some(app) = application {
        carried_out(store, &mut batch, app, &seal.record.id).await?;
    }
    rebind(
        store,
        seal,
        seal_data_sm3,
        custody,
        key,
        FilingEvent::Renewed,
        batch,
        at,
    )
    .await
}

/// Marks the approved renewal or revocation application `id` of `seal` carried out, in
/// `batch` (committed with the seal's change, or not at all).
async fn carried_out(
    store: &Store,
    batch: &mut Batch,
    id: &str,
    seal: &eseal_core::SealId,
) -> Result<(), RegistryError> {
    let mut app = load::<Application>(store, Thing::Application, id).await?;
    if app.record.purpose.makes_a_seal() || app.record.purpose.seal() != Some(seal) {
        return Err(DomainError::invalid(
            "application",
            "该申请不是这枚印章的续期或注销申请",
            "the application is not a renewal or revocation of this seal",
        )
        .into());
    }
    app.record.made(seal)?;
    batch.update(&app.record, app.version)?;
    Ok(())
}

/// Re-keys a seal after an approved PIN reset (R-PIN-1): binds the new certificate, seal data
/// and PIN-sealed key, marks the reset done and files it, in one transaction.
#[allow(clippy::too_many_arguments)]
pub async fn rekey(
    store: &Store,
    reset: &eseal_store::Versioned<eseal_core::PinReset>,
    certificate_serial: &str,
    from: OffsetDateTime,
    to: OffsetDateTime,
    seal_data_sm3: &eseal_core::Sm3Hex,
    key: &crate::keystore::SealKey,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    let mut seal = load::<Seal>(store, Thing::Seal, &reset.record.seal_id).await?;
    seal.record.rekey(at, certificate_serial, from, to)?;
    let custody = seal.record.key_custody.clone();
    let mut done = reset.record.clone();
    done.done(&reset.record.applicant, certificate_serial, at)?;
    let mut batch = Batch::new();
    batch.update(&done, reset.version)?;
    rebind(
        store,
        seal,
        seal_data_sm3,
        custody,
        Some(key),
        FilingEvent::Rekeyed,
        batch,
        at,
    )
    .await
}

/// Commits a seal with new seal data (and maybe a new platform key) plus `batch`, filing
/// `event`.
#[allow(clippy::too_many_arguments)]
async fn rebind(
    store: &Store,
    mut seal: eseal_store::Versioned<Seal>,
    seal_data_sm3: &eseal_core::Sm3Hex,
    custody: eseal_core::KeyCustody,
    key: Option<&crate::keystore::SealKey>,
    event: FilingEvent,
    mut batch: Batch,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    seal.record.seal_data_sm3 = Some(seal_data_sm3.clone());
    seal.record.key_custody = custody;
    batch.update(&seal.record, seal.version)?;
    if let Some(k) = key {
        match store
            .get::<crate::keystore::SealKey>(&seal.record.id)
            .await?
        {
            Some(old) => batch.update(k, old.version)?,
            None => batch.insert(k)?,
        };
    }
    queue(
        &mut batch,
        filing(&seal.record.id, seal.version + 1, event, at),
    )?;
    store.commit(&batch, at).await?;
    Ok(())
}

/// Revokes a seal (R-REVOKE-1) with a reason and proof, effective at `at`, and files it. A
/// replacement is not revoked here: it happens when the change's new seal is issued.
pub async fn revoke(
    store: &Store,
    seal_id: &str,
    reason: RevocationReason,
    proof: &[Material],
    application: Option<&str>,
    at: OffsetDateTime,
) -> Result<(), RegistryError> {
    if reason == RevocationReason::Replaced {
        return Err(DomainError::forbidden(
            "印章的替换通过制作变更申请的新印章完成",
            "a seal is replaced by issuing the seal of a change application",
        )
        .into());
    }
    let mut seal = load::<Seal>(store, Thing::Seal, seal_id).await?;
    seal.record.revoke(reason, at, None, proof)?;
    let mut batch = Batch::new();
    if let Some(app) = application {
        carried_out(store, &mut batch, app, &seal.record.id).await?;
    }
    batch.update(&seal.record, seal.version)?;
    queue(
        &mut batch,
        filing(&seal.record.id, seal.version + 1, FilingEvent::Revoked, at),
    )?;
    store.commit(&batch, at).await?;
    Ok(())
}

/// The status of a seal at `at` (R-QUERY-1), for relying parties.
pub async fn status(
    store: &Store,
    seal_id: &str,
    at: OffsetDateTime,
) -> Result<SealStatus, RegistryError> {
    Ok(load::<Seal>(store, Thing::Seal, seal_id)
        .await?
        .record
        .status_at(at))
}

/// The most records one query returns; the API pages beyond it.
pub const QUERY_LIMIT: i64 = 500;

/// A seal and its status at the time asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealAt {
    /// The record.
    pub seal: Seal,
    /// Its status then.
    pub status: SealStatus,
}

/// One page of seals and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The seals, in id order, each with its status at the time asked about.
    pub seals: Vec<SealAt>,
    /// The `after` of the next page, when there may be one.
    pub next: Option<String>,
}

/// The seals of an organisation (R-QUERY-1), in id order from after `after` (`""`: from the
/// start), each with its status at `at`, at most [`QUERY_LIMIT`]. The code is checked first,
/// so a typo is an error rather than an empty answer.
pub async fn seals_of_organisation(
    store: &Store,
    uscc: &str,
    at: OffsetDateTime,
    after: &str,
    limit: i64,
) -> Result<Page, RegistryError> {
    let org = eseal_core::Organisation::new(uscc, "-", None)?;
    query(store, "organisation_code", &org.uscc, at, after, limit).await
}

/// The seals of a holder (personal and position seals), by citizen ID number, paged as
/// [`seals_of_organisation`].
pub async fn seals_of_holder(
    store: &Store,
    citizen_id: &str,
    at: OffsetDateTime,
    after: &str,
    limit: i64,
) -> Result<Page, RegistryError> {
    let person = eseal_core::Person::new(citizen_id, "-")?;
    query(store, "holder_id", &person.citizen_id, at, after, limit).await
}

async fn query(
    store: &Store,
    column: &'static str,
    value: &str,
    at: OffsetDateTime,
    after: &str,
    limit: i64,
) -> Result<Page, RegistryError> {
    let limit = limit.clamp(1, QUERY_LIMIT);
    let rows = store.find_page::<Seal>(column, value, after, limit).await?;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|v| v.record.id.to_string()))
        .flatten();
    Ok(Page {
        seals: rows
            .into_iter()
            .map(|v| SealAt {
                status: v.record.status_at(at),
                seal: v.record,
            })
            .collect(),
        next,
    })
}

impl From<RegistryError> for crate::failure::Failure {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Domain(d) => d.into(),
            RegistryError::Store(s) => s.into(),
            RegistryError::NotFound { what, id } => crate::failure::Failure::not_found(what, &id),
        }
    }
}
