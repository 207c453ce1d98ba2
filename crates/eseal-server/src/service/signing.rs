//! The signing service: using seals (R-USE-1..5, R-PIN-1) — PIN and signing sessions,
//! single, batch, OFD and external-device signing, the usage ledger and position seals'
//! scopes. Who may use which seal is [`crate::signing::may_use`], checked here for every
//! operation before any key is touched.

use super::roles::*;
use crate::access::require;
use crate::auth::Caller;
use crate::failure::{Failure, Result};
use crate::seals::load_seal;
use crate::signing::{self as engine, Credential, SignInput, Signed};
use crate::state::AppState;
use crate::views;
use eseal_core::{PinState, PositionScope, Seal, SealKind, Usage};
use time::OffsetDateTime;

/// The signing service. Made by [`AppState::signing`].
#[derive(Clone, Copy)]
pub struct Signing<'a> {
    s: &'a AppState,
}

impl std::fmt::Debug for Signing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signing")
    }
}

impl AppState {
    /// The signing service acting on this state.
    pub fn signing(&self) -> Signing<'_> {
        Signing { s: self }
    }
}

/// A signing session opened with the PIN.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token that stands for the PIN until the session ends.
    pub token: String,
    /// When it ends.
    pub expires: OffsetDateTime,
}

/// What the holder's device signs (external signing, step 1).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The ledger intent.
    pub usage: Usage,
    /// The bytes the device signs (SM2 with the default signer id).
    pub to_be_signed: Vec<u8>,
}

/// A position seal's authorised scope (R-USE-3).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Document types it may sign.
    pub document_types: Vec<String>,
    /// Business categories (none: any).
    pub business_categories: Vec<String>,
    /// Highest amount (none: no limit).
    pub amount_limit: Option<u64>,
}

/// The seal's picture as it will be stamped, for placing it on a page.
#[derive(Debug, Clone)]
pub struct StampPicture {
    /// The picture's bytes.
    pub data: Vec<u8>,
    /// Its media type (`image/png`, `image/svg+xml` …); `None` when a browser cannot show it.
    pub media_type: Option<&'static str>,
    /// Width in mm.
    pub width_mm: f32,
    /// Height in mm.
    pub height_mm: f32,
}

impl Signing<'_> {
    /// The picture of a seal `actor` may use, at its true size.
    pub async fn stamp_picture(&self, actor: &Caller, seal_id: &str) -> Result<StampPicture> {
        let seal = self.usable(actor, seal_id).await?;
        picture_of(self.s, &seal).await
    }

    /// The seal `actor` is about to use, if they may use it.
    async fn usable(&self, actor: &Caller, seal_id: &str) -> Result<Seal> {
        require(actor, USE_SEAL)?;
        let seal = load_seal(self.s, seal_id).await?.record;
        engine::may_use(&seal, actor)?;
        Ok(seal)
    }

    /// Opens a signing session with the PIN: up to `signatures` signatures within `minutes`.
    pub async fn unlock(
        &self,
        actor: &Caller,
        seal_id: &str,
        pin: &str,
        minutes: i64,
        signatures: u32,
    ) -> Result<Session> {
        let seal = self.usable(actor, seal_id).await?;
        let (token, expires) =
            engine::unlock(self.s, &seal, &actor.user, pin, minutes, signatures).await?;
        Ok(Session { token, expires })
    }

    /// Changes the seal's PIN (the holder, with the old one).
    pub async fn change_pin(
        &self,
        actor: &Caller,
        seal_id: &str,
        old_pin: &str,
        new_pin: &str,
    ) -> Result<PinState> {
        self.usable(actor, seal_id).await?;
        engine::change_pin(self.s, seal_id, old_pin, new_pin).await
    }

    /// Signs one document — detached over its SM3, or an OFD with a placement — with the
    /// seal's platform-held key, under the PIN or a session; intent and ledger written.
    pub async fn sign(
        &self,
        actor: &Caller,
        seal_id: &str,
        credential: Credential,
        input: SignInput,
    ) -> Result<Signed> {
        let seal = self.usable(actor, seal_id).await?;
        engine::sign_one(self.s, &seal, &actor.user, credential, input).await
    }

    /// Signs up to [`engine::BATCH_MAX`] documents under one PIN or session: one result per
    /// document, in order; when none could be signed, the first document's failure.
    pub async fn sign_batch(
        &self,
        actor: &Caller,
        seal_id: &str,
        credential: Credential,
        inputs: Vec<SignInput>,
    ) -> Result<Vec<Result<Signed>>> {
        let seal = self.usable(actor, seal_id).await?;
        let results = engine::sign_batch(self.s, &seal, &actor.user, credential, inputs).await?;
        if let Some(Err(first)) = results.first()
            && results.iter().all(|r| r.is_err())
        {
            return Err(first.clone());
        }
        Ok(results)
    }

    /// External signing, step 1: checks the use, commits the intent and returns what the
    /// holder's device signs. The key never reaches the platform.
    pub async fn prepare_external(
        &self,
        actor: &Caller,
        seal_id: &str,
        input: SignInput,
    ) -> Result<Prepared> {
        let seal = self.usable(actor, seal_id).await?;
        let p = engine::prepare_external(self.s, &seal, &actor.user, input).await?;
        Ok(Prepared {
            usage: p.usage,
            to_be_signed: p.to_be_signed,
        })
    }

    /// External signing, step 2: the device's signature over what step 1 returned, checked
    /// against the seal's certificate and written into the SES_Signature.
    pub async fn finish_external(
        &self,
        actor: &Caller,
        usage_id: &str,
        signature: &[u8],
    ) -> Result<Signed> {
        require(actor, USE_SEAL)?;
        engine::finish_external(self.s, usage_id, &actor.user, signature).await
    }

    /// A page of the seal's usage ledger in id order (at most
    /// [`crate::registry::QUERY_LIMIT`]), and the `after` of the next page when it is full.
    pub async fn usages(
        &self,
        actor: &Caller,
        seal_id: &str,
        after: &str,
    ) -> Result<(Vec<Usage>, Option<String>)> {
        require(actor, READ_USAGES)?;
        let seal = self.s.registry().seal(actor, seal_id).await?;
        let limit = crate::registry::QUERY_LIMIT;
        let page = self
            .s
            .store()
            .find_page::<Usage>("seal_id", &seal.id, after, limit)
            .await?;
        let next = (page.len() as i64 == limit)
            .then(|| page.last().map(|u| u.record.id.clone()))
            .flatten();
        Ok((page.into_iter().map(|u| u.record).collect(), next))
    }

    /// A position seal's authorised scope, for those who see the seal.
    pub async fn scope(&self, actor: &Caller, seal_id: &str) -> Result<Option<PositionScope>> {
        let seal = self.s.registry().seal(actor, seal_id).await?;
        Ok(self
            .s
            .store()
            .get::<PositionScope>(&seal.id)
            .await?
            .map(|v| v.record))
    }

    /// Sets a position seal's authorised scope (a custodian of its organisation). `seen`: the
    /// [`super::etag`] of the scope (`Option<PositionScope>`) the page showed; a scope someone
    /// else set since is not overwritten.
    pub async fn set_scope(
        &self,
        actor: &Caller,
        seal_id: &str,
        scope: Scope,
        seen: Option<&str>,
    ) -> Result<PositionScope> {
        require(actor, SET_SCOPE)?;
        let seal = load_seal(self.s, seal_id).await?.record;
        if !matches!(seal.kind, SealKind::Position(_)) {
            return Err(Failure::invalid(
                "seal",
                "授权范围只适用于职务印章",
                "scopes are for position seals",
            ));
        }
        if actor.organisation_code.is_none() || actor.organisation_code != seal.organisation_code {
            return Err(Failure::forbidden_role(
                "只有印章所属单位的保管人可以设定其授权范围",
                "only a custodian of the seal's organisation sets its scope",
            ));
        }
        if seen.is_some() {
            let current = self
                .s
                .store()
                .get::<PositionScope>(&seal.id)
                .await?
                .map(|v| v.record);
            super::list::unchanged(&current, seen, crate::failure::Thing::Seal, seal_id)?;
        }
        let scope = PositionScope::new(
            &seal.id,
            scope.document_types,
            scope.business_categories,
            scope.amount_limit,
            &actor.user,
        )?;
        self.s.store().put(&scope, self.s.now()).await?;
        Ok(scope)
    }
}

/// The answer of a signing session, for the adapters.
impl Session {
    /// Its end as RFC 3339.
    pub fn expires_at(&self) -> String {
        views::rfc(self.expires)
    }
}

/// A seal's picture (its impression as stored in its seal data) and its size.
pub(super) async fn picture_of(s: &AppState, seal: &Seal) -> Result<StampPicture> {
    let (_, data) = s
        .store()
        .blob(seal.seal_data_sm3.as_deref().unwrap_or_default())
        .await?
        .ok_or_else(|| Failure::internal(format!("seal data of {} missing", seal.id)))?;
    let (decoded, _) = eseal_ses::AnySeal::decode(&data)
        .map_err(|e| Failure::internal(format!("stored seal data: {e}")))?;
    let view = decoded
        .view()
        .map_err(|e| Failure::internal(format!("stored seal data: {e}")))?;
    use eseal_ses::common::PictureFormat as F;
    let media_type = match view.picture.sniff() {
        F::Png => Some("image/png"),
        F::Jpeg => Some("image/jpeg"),
        F::Gif => Some("image/gif"),
        F::Bmp => Some("image/bmp"),
        F::Svg => Some("image/svg+xml"),
        F::Ofd | F::Unknown => None,
    };
    Ok(StampPicture {
        data: view.picture.data.clone(),
        media_type,
        width_mm: view.picture.width as f32,
        height_mm: view.picture.height as f32,
    })
}
