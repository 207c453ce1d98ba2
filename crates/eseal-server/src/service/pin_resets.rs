//! The PIN reset service (R-PIN-1): a locked or forgotten PIN is reset only through an
//! application with proof materials, reviewed by the agency (never by the applicant), and
//! completed by the applicant with a new key, certificate and seal data.

use super::roles::*;
use crate::access::require;
use crate::auth::Caller;
use crate::failure::{Failure, Result, Thing};
use crate::making::KeySource;
use crate::seals::{load_seal, remake, store_artefacts};
use crate::state::AppState;
use crate::{registry, views};
use eseal_core::{DomainError, KeyCustody, Material, PinReset, PinState, RevocationReason};
use eseal_store::Batch;

/// The PIN reset service. Made by [`AppState::pin_resets`].
#[derive(Clone, Copy)]
pub struct PinResets<'a> {
    s: &'a AppState,
}

impl std::fmt::Debug for PinResets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinResets")
    }
}

impl AppState {
    /// The PIN reset service acting on this state.
    pub fn pin_resets(&self) -> PinResets<'_> {
        PinResets { s: self }
    }
}

const RESET_STATES: [&str; 4] = ["submitted", "approved", "rejected", "done"];

impl PinResets<'_> {
    /// The holder (or the official seal's custodian) applies, with proof materials uploaded
    /// first.
    pub async fn apply(
        &self,
        actor: &Caller,
        seal_id: &str,
        reason: &str,
        materials: Vec<Material>,
    ) -> Result<PinReset> {
        require(actor, USE_SEAL)?;
        let s = self.s;
        let now = s.now();
        let seal = load_seal(s, seal_id).await?.record;
        crate::signing::may_use(&seal, actor)?;
        if !matches!(seal.key_custody, KeyCustody::Platform { .. }) {
            return Err(Failure::unprocessable(
                "forbidden",
                "该印章的密钥保存在持有人的设备中：请在设备上重置 PIN",
                "the holder's device holds this seal's key: its PIN is reset on the device",
            ));
        }
        let mut checked = Vec::with_capacity(materials.len());
        for m in materials {
            let sm3 = super::registry::uploaded(s, "materials", &m.sm3).await?;
            checked.push(Material { kind: m.kind, sm3 });
        }
        let rid = format!("P{}", &crate::making::new_seal_id(s.random())?[2..]);
        let reset = PinReset::submit(&rid, &seal.id, &actor.user, reason, checked, now)?;
        s.store().commit(Batch::new().insert(&reset)?, now).await?;
        Ok(reset)
    }

    /// The resets of one seal that `actor` applied for (their own, newest last).
    pub async fn mine_for_seal(&self, actor: &Caller, seal_id: &str) -> Result<Vec<PinReset>> {
        require(actor, USE_SEAL)?;
        Ok(self
            .s
            .store()
            .find::<PinReset>("seal_id", seal_id, registry::QUERY_LIMIT)
            .await?
            .into_iter()
            .map(|v| v.record)
            .filter(|r| r.applicant == actor.user)
            .collect())
    }

    /// Reset applications in `state` (submitted by default).
    pub async fn list(
        &self,
        actor: &Caller,
        state: Option<&str>,
        seal: Option<&str>,
        page: &super::PageAt,
    ) -> Result<super::Listed<PinReset>> {
        require(actor, READ_PIN_RESETS)?;
        let state = state.unwrap_or("submitted");
        if !RESET_STATES.contains(&state) {
            return Err(Failure::invalid(
                "state",
                "须为 submitted、approved、rejected 或 done",
                "submitted, approved, rejected or done",
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
            .find_page_where::<PinReset>(&filters, &page.after, page.limit())
            .await?;
        Ok(super::Listed::of(
            rows,
            page,
            |r| r.id.clone(),
            |_| true,
            |r| r,
        ))
    }

    async fn decide(
        &self,
        id: &str,
        step: impl FnOnce(&mut PinReset) -> std::result::Result<(), DomainError>,
    ) -> Result<PinReset> {
        let store = self.s.store();
        let mut r = store
            .get::<PinReset>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::PinReset, id))?;
        step(&mut r.record)?;
        store
            .commit(Batch::new().update(&r.record, r.version)?, self.s.now())
            .await?;
        Ok(r.record)
    }

    /// A reviewer (not the applicant) approves.
    pub async fn approve(&self, actor: &Caller, id: &str) -> Result<PinReset> {
        require(actor, REVIEW)?;
        let now = self.s.now();
        self.decide(id, |r| r.approve(&actor.user, now)).await
    }

    /// A reviewer rejects with a reason.
    pub async fn reject(&self, actor: &Caller, id: &str, reason: &str) -> Result<PinReset> {
        require(actor, REVIEW)?;
        self.decide(id, |r| r.reject(&actor.user, reason)).await
    }

    /// The applicant completes an approved reset with the new PIN: new key pair, certificate
    /// and seal data; the reset, seal, key and filing committed together; the old
    /// certificate revoked at the CA (superseded); open signing sessions of the seal closed.
    /// The new PIN is the applicant's own, so it need not be changed before use.
    pub async fn complete(
        &self,
        actor: &Caller,
        id: &str,
        new_pin: &str,
    ) -> Result<views::ResetCompleted> {
        require(actor, USE_SEAL)?;
        let s = self.s;
        let now = s.now();
        eseal_core::pin::check_pin_form(new_pin)?;
        let reset = s
            .store()
            .get::<PinReset>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::PinReset, id))?;
        reset.record.may_complete(&actor.user, now)?;
        let seal = load_seal(s, &reset.record.seal_id).await?.record;
        crate::signing::may_use(&seal, actor)?;
        // The domain decides first, so nothing is issued for a refused re-keying.
        seal.clone()
            .rekey(now, "-", now, now + time::Duration::seconds(1))?;
        let lock = s.seal_lock(&seal.id);
        let _guard = lock.lock().await;
        let mut made = remake(s, &seal, KeySource::Platform, now).await?;
        let mut sealed = store_artefacts(s, &mut made, Some(new_pin))
            .await?
            .ok_or_else(|| Failure::internal("re-keying made no platform key"))?;
        sealed.pin = PinState::new(now);
        registry::rekey(
            s.store(),
            &reset,
            &made.seal.certificate_serial,
            made.seal.valid_from,
            made.seal.valid_to,
            &eseal_core::Sm3Hex::of(&eseal_gm::Sm3Digest::of(&made.seal_data)),
            &sealed,
            now,
        )
        .await?;
        s.sessions().close_seal(&seal.id);
        s.pki()
            .revoke(&seal.certificate_serial, RevocationReason::Replaced, now)?;
        let seal = load_seal(s, &seal.id).await?.record;
        let reset = s
            .store()
            .get::<PinReset>(id)
            .await?
            .map(|v| v.record)
            .ok_or_else(|| Failure::not_found(Thing::PinReset, id))?;
        Ok(views::ResetCompleted {
            reset,
            seal: views::SealView::of(&seal, now),
        })
    }
}
