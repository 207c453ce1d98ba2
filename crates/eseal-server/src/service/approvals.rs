//! The approvals service: every use of an official seal approved first (R-USE-2), by as many
//! levels as its organisation sets — organisations' approval levels, use requests (用印申请),
//! their approval and rejection.

use super::roles::*;
use crate::access::require;
use crate::auth::Caller;
use crate::failure::{Failure, Result, Thing};
use crate::seals::load_seal;
use crate::state::AppState;
use eseal_core::{Organisation, SealKind, UseRequest};
use eseal_store::{Batch, Versioned};
use time::OffsetDateTime;

/// The approvals service. Made by [`AppState::approvals`].
#[derive(Clone, Copy)]
pub struct Approvals<'a> {
    s: &'a AppState,
}

impl std::fmt::Debug for Approvals<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Approvals")
    }
}

impl AppState {
    /// The approvals service acting on this state.
    pub fn approvals(&self) -> Approvals<'_> {
        Approvals { s: self }
    }
}

/// A custodian's request to use an official seal.
#[derive(Debug, Clone)]
pub struct NewUseRequest {
    /// SM3 (hex) of the documents it may sign.
    pub documents: Vec<String>,
    /// Purpose (用途).
    pub purpose: String,
    /// Counterparty.
    pub counterparty: Option<String>,
    /// How many stamps.
    pub stamps: u32,
    /// From (now by default).
    pub not_before: Option<OffsetDateTime>,
    /// Until.
    pub not_after: OffsetDateTime,
}

const USE_REQUEST_STATES: [&str; 3] = ["pending", "approved", "rejected"];

impl Approvals<'_> {
    /// Registers an organisation (name, legal representative) with its approval levels (1–5).
    pub async fn put_organisation(
        &self,
        actor: &Caller,
        uscc: &str,
        name: &str,
        legal_representative: Option<&str>,
        approval_levels: u32,
    ) -> Result<Organisation> {
        require(actor, MANAGE_ORGANISATIONS)?;
        let mut org = Organisation::new(uscc, name, legal_representative)?;
        if !(1..=5).contains(&approval_levels) {
            return Err(Failure::invalid("approval_levels", "须为 1 到 5", "1 to 5"));
        }
        org.approval_levels = approval_levels;
        self.s.store().put(&org, self.s.now()).await?;
        Ok(org)
    }

    /// A page of the registered organisations, by USCC (system administrators).
    /// `q`: only the organisation of that unified social credit code.
    pub async fn organisations(
        &self,
        actor: &Caller,
        q: Option<&str>,
        page: &super::PageAt,
    ) -> Result<super::Listed<Organisation>> {
        require(actor, MANAGE_ORGANISATIONS)?;
        if let Some(q) = super::list::search_text(q)? {
            let uscc = eseal_core::Uscc::parse("q", &q.to_ascii_uppercase())?;
            let found = self.s.store().get::<Organisation>(uscc.as_ref()).await?;
            return Ok(super::Listed {
                items: found.map(|o| o.record).into_iter().collect(),
                next: None,
            });
        }
        let rows = self
            .s
            .store()
            .page_all::<Organisation>(&page.after, page.limit())
            .await?;
        Ok(super::Listed::of(
            rows,
            page,
            |o| o.uscc.to_string(),
            |_| true,
            |o| o,
        ))
    }

    /// A custodian of the seal's organisation asks to use an official seal.
    pub async fn request(
        &self,
        actor: &Caller,
        seal_id: &str,
        new: NewUseRequest,
    ) -> Result<UseRequest> {
        require(actor, REQUEST_USE)?;
        let s = self.s;
        let now = s.now();
        let seal = load_seal(s, seal_id).await?.record;
        let org = match (&seal.kind, &seal.organisation_code) {
            (SealKind::Official(_), Some(org)) => org.clone(),
            _ => {
                return Err(Failure::invalid(
                    "seal",
                    "用印申请只适用于单位印章；职务印章和个人印章由持有人使用",
                    "use requests are for official seals; position and personal seals are used by their holder",
                ));
            }
        };
        if actor.organisation_code.as_deref() != Some(org.as_str()) {
            return Err(Failure::forbidden_role(
                "只有印章所属单位的保管人可以申请用印",
                "only a custodian of the seal's organisation may ask to use it",
            ));
        }
        let levels = s
            .store()
            .get::<Organisation>(&org)
            .await?
            .map_or(1, |o| o.record.approval_levels);
        let req = UseRequest::new(
            &format!("UR{}", &crate::making::new_seal_id(s.random())?[2..]),
            &seal.id,
            &org,
            &actor.user,
            new.documents,
            &new.purpose,
            new.counterparty.as_deref(),
            new.stamps,
            new.not_before.unwrap_or(now),
            new.not_after,
            levels,
        )?;
        s.store().commit(Batch::new().insert(&req)?, now).await?;
        Ok(req)
    }

    /// A page of the use requests in `state` (pending by default): auditors see all,
    /// custodians and approvers their organisation's.
    pub async fn requests(
        &self,
        actor: &Caller,
        state: Option<&str>,
        seal: Option<&str>,
        page: &super::PageAt,
    ) -> Result<super::Listed<UseRequest>> {
        require(actor, READ_USE_REQUESTS)?;
        let state = state.unwrap_or("pending");
        if !USE_REQUEST_STATES.contains(&state) {
            return Err(Failure::invalid(
                "state",
                "须为 pending、approved 或 rejected",
                "pending, approved or rejected",
            ));
        }
        let seal = super::list::seal_search(seal)?;
        let mut filters = vec![("state", state)];
        match (
            &actor.organisation_code,
            actor.has(crate::auth::Role::Auditor),
        ) {
            (_, true) => {}
            (Some(org), false) => filters.push(("organisation_code", org.as_str())),
            (None, false) => {
                return Ok(super::Listed::of(
                    Vec::new(),
                    page,
                    |r: &UseRequest| r.id.clone(),
                    |_| true,
                    |r| r,
                ));
            }
        }
        if let Some(seal) = &seal {
            filters.push(("seal_id", seal.as_str()));
        }
        let rows = self
            .s
            .store()
            .find_page_where::<UseRequest>(&filters, &page.after, page.limit())
            .await?;
        Ok(super::Listed::of(
            rows,
            page,
            |r| r.id.clone(),
            |_| true,
            |r| r,
        ))
    }

    /// The approved use requests of a seal of `actor`'s organisation that may sign every one
    /// of `documents` (SM3 hex) now: in their window, with stamps left.
    pub async fn usable_for(
        &self,
        actor: &Caller,
        seal_id: &str,
        documents: &[String],
    ) -> Result<Vec<UseRequest>> {
        require(actor, READ_USE_REQUESTS)?;
        let now = self.s.now();
        let rows = self
            .s
            .store()
            .find::<UseRequest>("seal_id", seal_id, crate::registry::QUERY_LIMIT)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| r.record)
            .filter(|r| {
                actor.organisation_code.as_deref() == Some(r.organisation_code.as_str())
                    && r.state.name() == "approved"
                    && r.used < r.stamps
                    && r.not_before <= now
                    && now <= r.not_after
                    && documents.iter().all(|d| r.documents.contains(d))
            })
            .collect())
    }

    /// A use request of the approver's organisation (for anyone else it does not exist).
    async fn of_my_organisation(&self, actor: &Caller, id: &str) -> Result<Versioned<UseRequest>> {
        let r = self
            .s
            .store()
            .get::<UseRequest>(id)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::UseRequest, id))?;
        if actor.organisation_code.as_deref() != Some(r.record.organisation_code.as_str()) {
            return Err(Failure::not_found(Thing::UseRequest, id));
        }
        Ok(r)
    }

    /// One level's approval (never the requester's, each level a different approver).
    pub async fn approve(
        &self,
        actor: &Caller,
        id: &str,
        seen: Option<&str>,
    ) -> Result<UseRequest> {
        require(actor, APPROVE_USE)?;
        let mut r = self.of_my_organisation(actor, id).await?;
        super::list::unchanged(&r.record, seen, Thing::UseRequest, id)?;
        let now = self.s.now();
        r.record.approve(&actor.user, &crate::views::rfc(now))?;
        self.s
            .store()
            .commit(Batch::new().update(&r.record, r.version)?, now)
            .await?;
        Ok(r.record)
    }

    /// Rejects a use request with a reason.
    pub async fn reject(
        &self,
        actor: &Caller,
        id: &str,
        reason: &str,
        seen: Option<&str>,
    ) -> Result<UseRequest> {
        require(actor, APPROVE_USE)?;
        let mut r = self.of_my_organisation(actor, id).await?;
        super::list::unchanged(&r.record, seen, Thing::UseRequest, id)?;
        r.record.reject(&actor.user, reason)?;
        self.s
            .store()
            .commit(Batch::new().update(&r.record, r.version)?, self.s.now())
            .await?;
        Ok(r.record)
    }
}
