//! Who sees which seal (issue 14 item 8; R-SEC-1 least privilege). A seal's record names its
//! holder's citizen ID and its organisation: the agency's staff (reviewers, makers, the
//! police seal officer, the auditor) see every seal; a holder only their own; a custodian or
//! approver only their organisation's. The public status endpoint and the transparency log
//! publish what anyone may know (state, validity, digests), never these records.

use crate::auth::{Caller, Role};
use crate::problem::ApiError;
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
) -> Result<(), ApiError> {
    let allowed = agency(c)
        || (organisation.is_some() && of_organisation(c, organisation))
        || (holder.is_some() && is_holder(c, holder));
    if allowed {
        Ok(())
    } else {
        Err(ApiError {
            status: 403,
            code: "not_yours",
            detail: "only the agency's staff list other people's or organisations' seals; holders list their own (holder= their citizen ID), custodians and approvers their organisation's".into(),
            field: Some(if holder.is_some() { "holder" } else { "organisation" }.into()),
        })
    }
}
