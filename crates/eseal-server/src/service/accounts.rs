//! The accounts service: users, their roles and logins (R-SEC-1, R-SEC-2; 三员分立).

use super::roles::*;
use crate::access::require;
use crate::auth::{Caller, Enrolment, Role};
use crate::failure::{Failure, Result, Thing};
use crate::state::AppState;
use crate::views;
use eseal_store::Batch;
use serde::Deserialize;

/// The accounts service. Made by [`AppState::accounts`].
#[derive(Clone, Copy)]
pub struct Accounts<'a> {
    s: &'a AppState,
}

/// A new user account.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// The name shown; for a holder, their registered name.
    pub display_name: String,
    /// Roles (三员分立 is checked).
    pub roles: Vec<Role>,
    /// Initial password (people); empty for system accounts.
    #[serde(default)]
    pub password: String,
    /// A system (machine) account: no password, an API token instead.
    #[serde(default)]
    pub system: bool,
    /// Links the account to a person (holders of personal and position seals).
    pub citizen_id: Option<String>,
    /// Links a custodian or approver to their organisation (USCC).
    pub organisation_code: Option<String>,
    /// The password is an initial one the administrator chose: the user must change it at
    /// the first login before doing anything else (the console always sets this).
    #[serde(default)]
    pub temporary_password: bool,
}

/// Most accounts one search of the users reads (the next page goes on from there).
pub const USERS_SCANNED: usize = 2000;

impl std::fmt::Debug for Accounts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Accounts")
    }
}

impl AppState {
    /// The accounts service acting on this state.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts { s: self }
    }
}

impl Accounts<'_> {
    /// Creates a user; the TOTP enrolment is returned this once. A citizen ID registers the
    /// person under the display name, or must match the name already registered.
    pub async fn create_user(&self, actor: &Caller, new: NewUser) -> Result<Enrolment> {
        require(actor, MANAGE_USERS)?;
        let s = self.s;
        let (mut user, enrolment) = crate::auth::new_user(
            &new.username,
            &new.display_name,
            &new.roles,
            &new.password,
            new.system,
            s.data_key(),
            s.random(),
        )?;
        let mut batch = Batch::new();
        if let Some(id) = &new.citizen_id {
            let person = eseal_core::Person::new(id, &user.display_name)?;
            match s
                .store()
                .get::<eseal_core::Person>(&person.citizen_id)
                .await?
            {
                Some(known) if known.record.name != person.name => {
                    return Err(Failure::invalid(
                        "display_name",
                        format!(
                            "身份号码 {} 登记的姓名为 {:?}；持有人的显示名须为其登记姓名",
                            known.record.masked_id(),
                            known.record.name
                        ),
                        format!(
                            "citizen ID {} is registered as {:?}; a holder's display name is their registered name",
                            known.record.masked_id(),
                            known.record.name
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    batch.insert(&person)?;
                }
            }
            user.citizen_id = Some(person.citizen_id);
        }
        if let Some(code) = &new.organisation_code {
            user.organisation_code = Some(eseal_core::Organisation::new(code, "-", None)?.uscc);
        }
        user.must_change_password = new.temporary_password && !new.system;
        batch.insert(&user)?;
        s.store().commit(&batch, s.now()).await?;
        Ok(enrolment)
    }

    /// Logs a person in with password and TOTP code from `source` (an address, for the
    /// audit log); returns the session's secret, which [`Accounts::caller`] turns into the
    /// acting user.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        totp: &str,
        source: &str,
    ) -> Result<String> {
        let s = self.s;
        crate::auth::login(
            s.store(),
            s.data_key(),
            username,
            password,
            totp,
            source,
            s.now(),
            s.random(),
        )
        .await
    }

    /// The logged-in user changes their own password (the current one, the new one).
    /// At the first login (an administrator chose the password) a TOTP secret of the user's
    /// own is returned too, to be confirmed with [`Self::confirm_totp`].
    pub async fn change_password(
        &self,
        actor: &Caller,
        current: &str,
        new: &str,
    ) -> Result<Option<crate::auth::Enrolment>> {
        crate::auth::change_password(
            self.s.store(),
            self.s.data_key(),
            &actor.user,
            current,
            new,
            self.s.now(),
            self.s.random(),
        )
        .await
    }

    /// The logged-in user's TOTP enrolment waiting to be confirmed, if any.
    pub async fn pending_totp(&self, actor: &Caller) -> Result<Option<crate::auth::Enrolment>> {
        let user = self
            .s
            .store()
            .get::<crate::auth::User>(&actor.user)
            .await?
            .ok_or_else(|| Failure::not_found(Thing::User, &actor.user))?
            .record;
        Ok(crate::auth::pending_enrolment(&user, self.s.data_key()))
    }

    /// The logged-in user confirms their new authenticator with a current code of it.
    pub async fn confirm_totp(&self, actor: &Caller, code: &str) -> Result<()> {
        crate::auth::confirm_totp(
            self.s.store(),
            self.s.data_key(),
            &actor.user,
            code,
            self.s.now(),
        )
        .await
    }

    /// Ends the session of `secret`.
    pub async fn logout(&self, secret: &str) -> Result<()> {
        crate::auth::logout(self.s.store(), secret, self.s.now()).await
    }

    /// Every user (at most [`crate::registry::QUERY_LIMIT`]).
    pub async fn users(&self, actor: &Caller) -> Result<Vec<views::UserView>> {
        Ok(self
            .users_page(actor, None, &super::PageAt::default())
            .await?
            .items)
    }

    /// A page of the users in name order after `page.after`; with `q`, only those whose user
    /// name or name contains it (reading at most [`USERS_SCANNED`] accounts a page).
    pub async fn users_page(
        &self,
        actor: &Caller,
        q: Option<&str>,
        page: &super::PageAt,
    ) -> Result<super::Listed<views::UserView>> {
        require(actor, READ_USERS)?;
        let q = super::list::search_text(q)?.map(str::to_lowercase);
        let now = self.s.now().unix_timestamp();
        let view = |u: crate::auth::User| views::UserView {
            locked: u.locked_until > now,
            username: u.username,
            display_name: u.display_name,
            roles: u.roles,
            system: u.system,
            disabled: u.disabled,
        };
        let store = self.s.store();
        let Some(q) = q else {
            let rows = store
                .page_all::<crate::auth::User>(&page.after, page.limit())
                .await?;
            return Ok(super::Listed::of(
                rows,
                page,
                |u| u.username.clone(),
                |_| true,
                view,
            ));
        };
        let matches = |u: &crate::auth::User| {
            u.username.to_lowercase().contains(&q) || u.display_name.to_lowercase().contains(&q)
        };
        let mut items = Vec::new();
        let mut after = page.after.clone();
        let mut scanned = 0;
        let mut next = None;
        while scanned < USERS_SCANNED {
            let rows = store
                .page_all::<crate::auth::User>(&after, crate::registry::QUERY_LIMIT)
                .await?;
            let full = rows.len() as i64 >= crate::registry::QUERY_LIMIT;
            for r in rows {
                scanned += 1;
                after.clone_from(&r.record.username);
                if matches(&r.record) {
                    items.push(view(r.record));
                    if items.len() as i64 >= page.limit() {
                        return Ok(super::Listed {
                            items,
                            next: Some(after),
                        });
                    }
                }
            }
            if !full {
                return Ok(super::Listed { items, next: None });
            }
            next = Some(after.clone());
        }
        Ok(super::Listed { items, next })
    }

    /// Lifts a login lockout.
    pub async fn unlock_user(&self, actor: &Caller, username: &str) -> Result<()> {
        require(actor, UNLOCK_USERS)?;
        crate::auth::unlock(self.s.store(), username, self.s.now()).await?;
        Ok(())
    }

    /// Disables or enables an account (nobody their own).
    pub async fn set_disabled(&self, actor: &Caller, username: &str, disabled: bool) -> Result<()> {
        require(actor, MANAGE_USERS)?;
        crate::auth::set_disabled(
            self.s.store(),
            &actor.user,
            username,
            disabled,
            self.s.now(),
        )
        .await?;
        Ok(())
    }

    /// Registers a person (citizen ID and name as on the ID card).
    pub async fn put_person(
        &self,
        actor: &Caller,
        citizen_id: &str,
        name: &str,
    ) -> Result<views::PersonView> {
        require(actor, MANAGE_USERS)?;
        let person = eseal_core::Person::new(citizen_id, name)?;
        self.s.store().put(&person, self.s.now()).await?;
        Ok(views::PersonView {
            citizen_id: person.masked_id(),
            name: person.name,
        })
    }

    /// Issues an API token to a system account for `days` days; the secret is shown once.
    pub async fn issue_token(
        &self,
        actor: &Caller,
        username: &str,
        label: &str,
        days: i64,
    ) -> Result<views::IssuedToken> {
        require(actor, MANAGE_TOKENS)?;
        let s = self.s;
        let (token, session) = crate::auth::issue_token(
            s.store(),
            &actor.user,
            username,
            label,
            days,
            s.now(),
            s.random(),
        )
        .await?;
        Ok(views::IssuedToken {
            view: views::TokenView::of(&session),
            token,
        })
    }

    /// The API tokens issued.
    pub async fn tokens(&self, actor: &Caller) -> Result<Vec<views::TokenView>> {
        require(actor, READ_TOKENS)?;
        Ok(
            crate::auth::tokens(self.s.store(), crate::registry::QUERY_LIMIT)
                .await?
                .iter()
                .map(views::TokenView::of)
                .collect(),
        )
    }

    /// Revokes an API token (by its id or an unambiguous prefix).
    pub async fn revoke_token(&self, actor: &Caller, id: &str) -> Result<views::TokenView> {
        require(actor, MANAGE_TOKENS)?;
        Ok(views::TokenView::of(
            &crate::auth::revoke_token(self.s.store(), id, self.s.now()).await?,
        ))
    }

    /// The acting user of a session or API token secret (idle timeout, expiry, disabled
    /// accounts checked).
    pub async fn caller(&self, secret: &str) -> Result<Caller> {
        crate::auth::authenticate(self.s.store(), secret, self.s.now()).await
    }
}
