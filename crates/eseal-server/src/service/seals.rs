//! The registry service's seals: queries (R-QUERY-1), seal data, history, renewal
//! (R-RENEW-1), revocation (R-REVOKE-1), the public status and the filings (备案, R-FILE-1).

use super::Registry;
use super::roles::*;
use crate::access::{may_list_seals, require, sees_seal};
use crate::auth::Caller;
use crate::failure::{Failure, Result, Thing};
use crate::making::KeySource;
use crate::seals::{load_seal, remake, store_artefacts};
use crate::{registry, views};
use eseal_core::{Filing, KeyCustody, Material, MaterialKind, RevocationReason, Seal};
use time::OffsetDateTime;

/// Whose seals to list: exactly one of an organisation (USCC) or a holder (citizen ID).
#[derive(Debug, Clone, Default)]
pub struct SealQuery {
    /// The organisation's unified social credit code.
    pub organisation: Option<String>,
    /// The holder's citizen ID.
    pub holder: Option<String>,
    /// Status at this time.
    pub at: Option<OffsetDateTime>,
    /// The page after this seal id.
    pub after: String,
    /// Rows per page (at most [`registry::QUERY_LIMIT`], the default).
    pub limit: Option<i64>,
}

impl SealQuery {
    fn limit(&self) -> i64 {
        self.limit
            .unwrap_or(registry::QUERY_LIMIT)
            .clamp(1, registry::QUERY_LIMIT)
    }
}

/// A page of seals; `next` is the `after` of the next page when there may be more.
#[derive(Debug)]
pub struct SealPage {
    /// The seals, with their status at the asked time.
    pub seals: Vec<views::SealView>,
    /// The next page's `after`.
    pub next: Option<String>,
}

/// A renewal: the device's new certificate, or the initial PIN of the platform's new key.
#[derive(Debug, Clone, Default)]
pub struct Renewal {
    /// The new certificate (PEM or DER) of a device-held key.
    pub certificate: Option<Vec<u8>>,
    /// For a platform-held key: the new key's initial PIN.
    pub pin: Option<String>,
}

/// A revocation (注销): why, with the uploaded proof materials (their SM3).
#[derive(Debug, Clone)]
pub struct Revocation {
    /// Why.
    pub reason: RevocationReason,
    /// SM3 (hex) of uploaded proof materials.
    pub proof: Vec<String>,
    /// When it takes effect, if the caller says: only now is accepted (nothing backdated).
    pub at: Option<OffsetDateTime>,
}

impl Registry<'_> {
    /// Seals of an organisation or holder, at most 500 per page in id order: the agency's
    /// staff see any, holders their own, custodians and approvers their organisation's.
    pub async fn seals(&self, actor: &Caller, q: SealQuery) -> Result<SealPage> {
        require(actor, READ_SEALS)?;
        let at = q.at.unwrap_or_else(|| self.s.now());
        let organisation = q
            .organisation
            .as_deref()
            .map(|o| o.trim().to_ascii_uppercase());
        let holder = q.holder.as_deref().map(|h| h.trim().to_ascii_uppercase());
        may_list_seals(actor, organisation.as_deref(), holder.as_deref())?;
        let store = self.s.store();
        let page = match (&organisation, &holder) {
            (Some(o), None) => {
                registry::seals_of_organisation(store, o, at, &q.after, q.limit()).await?
            }
            (None, Some(h)) => registry::seals_of_holder(store, h, at, &q.after, q.limit()).await?,
            _ => {
                return Err(Failure::invalid(
                    "query",
                    "organisation=（统一社会信用代码）和 holder=（公民身份号码）须且只能给出一个",
                    "give exactly one of organisation= (统一社会信用代码) or holder= (公民身份号码)",
                ));
            }
        };
        Ok(SealPage {
            seals: page
                .seals
                .iter()
                .map(|x| views::SealView::of(&x.seal, at))
                .collect(),
            next: page.next,
        })
    }

    /// A seal `actor` may see ([`sees_seal`]); for anyone else it does not exist.
    pub async fn seal(&self, actor: &Caller, id: &str) -> Result<Seal> {
        require(actor, READ_SEALS)?;
        let seal = load_seal(self.s, id).await?.record;
        if !sees_seal(actor, &seal) {
            return Err(Failure::not_found(Thing::Seal, id));
        }
        Ok(seal)
    }

    /// The seal's picture (its impression), to the same users as the seal.
    pub async fn seal_picture(&self, actor: &Caller, id: &str) -> Result<super::StampPicture> {
        let seal = self.seal(actor, id).await?;
        super::signing::picture_of(self.s, &seal).await
    }

    /// The seal data (GB/T 38540 DER), to the same users as the seal.
    pub async fn seal_data(&self, actor: &Caller, id: &str) -> Result<Vec<u8>> {
        let seal = self.seal(actor, id).await?;
        let (_, bytes) = self
            .s
            .store()
            .blob(seal.seal_data_sm3.as_deref().unwrap_or_default())
            .await?
            .ok_or_else(|| Failure::not_found(Thing::SealData, id))?;
        Ok(bytes)
    }

    /// Every stored version of a seal.
    pub async fn seal_history(&self, actor: &Caller, id: &str) -> Result<Vec<views::SealVersion>> {
        require(actor, SEAL_HISTORY)?;
        let h = self.s.store().history::<Seal>(id).await?;
        if h.is_empty() {
            return Err(Failure::not_found(Thing::Seal, id));
        }
        Ok(h.into_iter()
            .map(|v| views::SealVersion {
                version: v.version,
                seal: v.record,
            })
            .collect())
    }

    /// Renews a seal in the last three months before it expires: a new certificate (the CA's
    /// for a platform key, the device's otherwise), new seal data, the filing queued.
    pub async fn renew(&self, actor: &Caller, id: &str, how: Renewal) -> Result<views::SealView> {
        require(actor, RENEW)?;
        self.renew_seal(id, how, None).await
    }

    /// Renews seal `id` (the role already checked); `application`: the approved renewal
    /// application this carries out, marked done with it.
    pub(super) async fn renew_seal(
        &self,
        id: &str,
        how: Renewal,
        application: Option<&str>,
    ) -> Result<views::SealView> {
        let s = self.s;
        let now = s.now();
        let seal = load_seal(s, id).await?.record;
        // The domain decides first (state, window), so nothing is issued for a refused renewal.
        seal.clone()
            .renew(now, "-", now, seal.valid_to + time::Duration::days(1))?;
        let key = match (&seal.key_custody, how.certificate) {
            (KeyCustody::Platform { .. }, None) => KeySource::Platform,
            (KeyCustody::Device, Some(c)) => KeySource::Device(c),
            (KeyCustody::Platform { .. }, Some(_)) => {
                return Err(Failure::invalid(
                    "certificate",
                    "该印章的密钥由平台保管，新证书由 CA 签发，不要提供证书",
                    "the platform holds this seal's key; the CA certifies the new one",
                ));
            }
            (KeyCustody::Device, None) => {
                return Err(Failure::invalid(
                    "certificate",
                    "该印章的密钥保存在持有人的设备中：请提供设备的新证书",
                    "the holder's device holds this seal's key: give its new certificate",
                ));
            }
        };
        let mut made = remake(s, &seal, key, now).await?;
        let sealed = store_artefacts(s, &mut made, how.pin.as_deref()).await?;
        registry::renew_with(
            s.store(),
            id,
            &made.seal.certificate_serial,
            made.seal.valid_from,
            made.seal.valid_to,
            &eseal_core::Sm3Hex::of(&eseal_gm::Sm3Digest::of(&made.seal_data)),
            made.seal.key_custody.clone(),
            sealed.as_ref(),
            application,
            now,
        )
        .await?;
        let seal = load_seal(s, id).await?.record;
        Ok(views::SealView::of(&seal, now))
    }

    /// Revokes a seal with a reason and proof materials; it takes effect now (nothing is
    /// backdated) and its certificate goes on the CA's revocation list.
    pub async fn revoke(&self, actor: &Caller, id: &str, r: Revocation) -> Result<views::SealView> {
        require(actor, REVOKE)?;
        let s = self.s;
        let now = s.now();
        if let Some(t) = r.at
            && (t - now).abs() > time::Duration::minutes(5)
        {
            return Err(Failure::invalid(
                "at",
                "撤销自登记时起生效，不要填写 at",
                "a revocation takes effect when it is recorded; omit at",
            ));
        }
        let mut proof = Vec::new();
        for sm3 in &r.proof {
            proof.push(Material {
                kind: MaterialKind::Proof,
                sm3: super::registry::uploaded(s, "proof", sm3).await?,
            });
        }
        self.revoke_seal(id, r.reason, &proof, None).await
    }

    /// Revokes seal `id` now (the role and the proof already checked); `application`: the
    /// approved revocation application this carries out, marked done with it.
    pub(super) async fn revoke_seal(
        &self,
        id: &str,
        reason: RevocationReason,
        proof: &[Material],
        application: Option<&str>,
    ) -> Result<views::SealView> {
        let s = self.s;
        let now = s.now();
        registry::revoke(s.store(), id, reason, proof, application, now).await?;
        // A certificate from another CA is left to that CA.
        let serial = load_seal(s, id).await?.record.certificate_serial;
        s.pki().revoke(&serial, reason, now)?;
        let seal = load_seal(s, id).await?.record;
        Ok(views::SealView::of(&seal, now))
    }

    /// What anyone may know of a seal at a time (public): its state and validity.
    pub async fn public_status(
        &self,
        id: &str,
        at: Option<OffsetDateTime>,
    ) -> Result<views::PublicStatus> {
        let at = at.unwrap_or_else(|| self.s.now());
        let seal = self
            .s
            .store()
            .get::<Seal>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::Seal, id))?
            .record;
        let rfc = |t: OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let (name, revocation) = match seal.status_at(at) {
            eseal_core::SealStatus::Valid => ("valid", None),
            eseal_core::SealStatus::NotYetValid => ("not_yet_valid", None),
            eseal_core::SealStatus::Expired => ("expired", None),
            eseal_core::SealStatus::Revoked { reason, at } => (
                "revoked",
                Some(views::Revocation {
                    reason,
                    at: rfc(at),
                }),
            ),
        };
        Ok(views::PublicStatus {
            id: seal.id.to_string(),
            at: rfc(at),
            status: name,
            revocation,
            valid_from: rfc(seal.valid_from),
            valid_to: rfc(seal.valid_to),
        })
    }

    /// A page of the filings (备案) in `state` (`pending` by default, or `delivered`) with
    /// their deadline state; `seal`: only that seal's.
    pub async fn filings(
        &self,
        actor: &Caller,
        state: Option<&str>,
        seal: Option<&str>,
        page: &super::PageAt,
    ) -> Result<super::Listed<views::FilingView>> {
        require(actor, READ_FILINGS)?;
        let now = self.s.now();
        let state = state.unwrap_or("pending");
        if !["pending", "delivered"].contains(&state) {
            return Err(Failure::invalid(
                "state",
                "须为 pending 或 delivered",
                "pending or delivered",
            ));
        }
        let seal = super::list::seal_search(seal)?;
        let mut filters = vec![("state", state)];
        if let Some(seal) = &seal {
            filters.push(("seal_id", seal.as_str()));
        }
        let rows = self
            .s
            .store()
            .find_page_where::<Filing>(&filters, &page.after, page.limit())
            .await?;
        Ok(super::Listed::of(
            rows,
            page,
            |f| f.id.clone(),
            |_| true,
            |f| filing_view(f, now),
        ))
    }

    /// Sends a pending filing at the worker's next pass instead of at its scheduled attempt
    /// (after the police system was down, say); the attempts so far and the last error stay.
    /// `seen`: the filing's [`super::etag`] on the page the user acted on.
    pub async fn retry_filing(
        &self,
        actor: &Caller,
        id: &str,
        seen: Option<&str>,
    ) -> Result<views::FilingView> {
        require(actor, RETRY_FILINGS)?;
        let store = self.s.store();
        let mut f = store
            .get::<Filing>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::Filing, id))?;
        super::list::unchanged(&f.record, seen, Thing::Filing, id)?;
        let now = self.s.now();
        match &mut f.record.state {
            eseal_core::FilingState::Pending { next_attempt, .. } => *next_attempt = now,
            eseal_core::FilingState::Delivered { .. } => {
                return Err(Failure::conflict(
                    "already_delivered",
                    format!("备案 {id} 已送达公安机关，无需重试"),
                    format!("filing {id} was already delivered; nothing to retry"),
                ));
            }
        }
        store
            .commit(eseal_store::Batch::new().update(&f.record, f.version)?, now)
            .await?;
        Ok(filing_view(f.record, now))
    }

    /// Every filing of one seal (a seal has a handful: making, changes, renewals, its
    /// revocation).
    pub async fn filings_of_seal(
        &self,
        actor: &Caller,
        seal_id: &str,
    ) -> Result<Vec<views::FilingView>> {
        require(actor, READ_FILINGS)?;
        let now = self.s.now();
        let rows = self
            .s
            .store()
            .find::<Filing>("seal_id", seal_id, registry::QUERY_LIMIT)
            .await?;
        Ok(rows
            .into_iter()
            .map(|f| filing_view(f.record, now))
            .collect())
    }
}

fn filing_view(f: Filing, now: time::OffsetDateTime) -> views::FilingView {
    views::FilingView {
        deadline: views::rfc(f.deadline()),
        deadline_state: f.deadline_state(now),
        filing: f,
    }
}
