//! A signing session on the console (签章会话, "keep the seal unlocked for 10 minutes"): with
//! the PIN once, the service opens one ([`crate::service::Signing::unlock`]: the PIN checked
//! and counted as ever, at most 10 minutes and 200 signatures, bound to the user); later
//! signatures with that seal in the same console session need no PIN until it ends. The
//! session's token stays on the server, kept for this console session only (its owner is a
//! digest of the console session's secret, so logging out or another login on the same
//! browser does not find it).

use super::Ctx;
use super::shelf::Shelf;
use crate::auth::Caller;
use crate::failure::Failure;
use crate::state::AppState;
use time::OffsetDateTime;

/// How long a console signing session lasts (the service's longest).
pub const MINUTES: i64 = crate::signing::SESSION_MAX_MINUTES;

/// Most signatures in one.
const SIGNATURES: u32 = 200;

/// Open signing sessions: (seal, token, until).
static UNLOCKED: Shelf<(String, String, OffsetDateTime)> =
    Shelf::new(time::Duration::minutes(MINUTES), 2000, 20, 1 << 20);

fn owner(ctx: &Ctx) -> Option<String> {
    let secret = ctx.secret.as_deref()?;
    let d = eseal_gm::Sm3Digest::of(format!("eseal console unlock\0{secret}").as_bytes());
    Some(d.to_hex())
}

/// The open signing session of `seal` in this console session: its token and end.
pub fn current(s: &AppState, ctx: &Ctx, seal: &str) -> Option<(String, OffsetDateTime)> {
    let owner = owner(ctx)?;
    let now = s.now();
    UNLOCKED
        .find(&owner, now, |(id, _, until)| id == seal && *until > now)
        .map(|(_, (_, token, until))| (token, until))
}

/// Opens a signing session of `seal` with the PIN.
pub async fn open(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    seal: &str,
    pin: &str,
) -> Result<String, Failure> {
    let session = s
        .signing()
        .unlock(caller, seal, pin, MINUTES, SIGNATURES)
        .await?;
    if let Some(owner) = owner(ctx) {
        UNLOCKED.put(
            s.random(),
            Some(&owner),
            s.now(),
            64,
            (seal.to_owned(), session.token.clone(), session.expires),
        );
    }
    Ok(session.token)
}

/// Forgets the signing session of `seal` (it ended or was refused).
pub fn forget(s: &AppState, ctx: &Ctx, seal: &str) {
    let Some(owner) = owner(ctx) else { return };
    let now = s.now();
    while let Some((id, _)) = UNLOCKED.find(&owner, now, |(id, _, _)| id == seal) {
        UNLOCKED.take(&id, Some(&owner), now);
    }
}
