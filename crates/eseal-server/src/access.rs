//! Who sees which seal (issue 14 item 8; R-SEC-1 least privilege). A seal's record names its
//! holder's citizen ID and its organisation: the agency's staff (reviewers, makers, the
//! police seal officer, the auditor) see every seal; a holder only their own; a custodian or
//! approver only their organisation's. The public status endpoint and the transparency log
//! publish what anyone may know (state, validity, digests), never these records.

use crate::auth::{Caller, Role};
use crate::failure::Failure;
use eseal_core::Seal;

/// The roles that see every seal.
const AGENCY: [Role; 4] = [
    Role::Reviewer,
    Role::Maker,
    Role::PoliceOfficer,
    Role::Auditor,
];

fn agency(c: &Caller) -> bool {
    AGENCY.iter().any(|r| c.has(*r))
}

fn of_organisation(c: &Caller, organisation: Option<&str>) -> bool {
    (c.has(Role::Custodian) || c.has(Role::Approver))
        && organisation.is_some()
        && c.organisation_code.as_deref() == organisation
}

fn is_holder(c: &Caller, holder: Option<&str>) -> bool {
    holder.is_some() && c.citizen_id.as_deref() == holder
}

/// Refuses unless `c` has one of `roles`: the role check of an operation (default deny). The
/// JSON API's endpoint table and the services call it; the refusal names the user's roles.
pub fn require(c: &Caller, roles: &[Role]) -> Result<(), Failure> {
    if c.must_change_password {
        return Err(Failure::forbidden(
            "password_change_required",
            "请先修改管理员设置的初始密码",
            "change the initial password the administrator set first",
        ));
    }
    if roles.iter().any(|r| c.has(*r)) {
        return Ok(());
    }
    Err(refused(c))
}

/// The refusal of an operation `c`'s roles do not allow.
pub fn refused(c: &Caller) -> Failure {
    let names = |zh: bool| {
        c.roles
            .iter()
            .map(|r| if zh { r.zh() } else { r.en() })
            .collect::<Vec<_>>()
    };
    Failure::forbidden_role(
        format!("{}（{}）无权执行此操作", c.user, names(true).join("、")),
        format!(
            "{} ({}) may not call this endpoint",
            c.user,
            names(false).join(", ")
        ),
    )
}

/// Whether `c` may see `seal`'s record, data and ledger.
pub fn sees_seal(c: &Caller, seal: &Seal) -> bool {
    agency(c)
        || of_organisation(c, seal.organisation_code.as_deref())
        || is_holder(c, seal.holder_id.as_deref())
}

/// Whether `c` may list the seals of `organisation` or of `holder` (already normalised).
pub fn may_list_seals(
    c: &Caller,
    organisation: Option<&str>,
    holder: Option<&str>,
) -> Result<(), Failure> {
    let allowed = agency(c)
        || (organisation.is_some() && of_organisation(c, organisation))
        || (holder.is_some() && is_holder(c, holder));
    if allowed {
        Ok(())
    } else {
        Err(Failure::forbidden(
            "not_yours",
            "只有服务机构工作人员可以列出他人或其他单位的印章；持有人只能列出本人的（holder= 本人身份号码），保管人和审批人只能列出本单位的",
            "only the agency's staff list other people's or organisations' seals; holders list their own (holder= their citizen ID), custodians and approvers their organisation's",
        )
        .at(if holder.is_some() { "holder" } else { "organisation" }))
    }
}

/// Writes the audit entry of a refused request: who (or `anonymous`), what was asked, why,
/// from where. The API's role check and the console's form checks both call it; a failure
/// to write is not the caller's answer (the refusal stands).
pub async fn audit_refusal(
    s: &crate::state::AppState,
    caller: Option<&Caller>,
    what: &str,
    why: &str,
    from: &str,
) {
    let actor = caller.map_or_else(|| "anonymous".to_owned(), Caller::actor);
    let mut batch = eseal_store::Batch::new();
    batch.event(
        eseal_store::audit::Event::Refused,
        what,
        &format!("refused:{why} from {from}"),
    );
    let _ = eseal_store::audit::ACTOR
        .scope(actor, s.store().commit(&batch, s.now()))
        .await;
}
