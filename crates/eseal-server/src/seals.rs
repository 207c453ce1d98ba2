//! Operations on seal records shared by the JSON API and PIN resets: loading a seal, storing
//! what making produced (seal data, certificate, impression, a platform-held key under its
//! PIN), and re-making a seal's data for a new key or certificate. They take the state and
//! return typed results; no HTTP in here.

use crate::failure::{Failure, Thing};
use crate::making::{self, KeySource, MakeInput};
use crate::state::AppState;
use eseal_core::{Application, ApplicationState, Purpose, Seal};

/// Stores what making produced besides the seal record: seal data, certificate, impression
/// (content-addressed: a retry stores nothing twice, and bytes of a making whose commit
/// failed are never referenced). A platform key is sealed under the initial PIN and the data
/// key and returned, to be written in the same transaction as the seal.
pub(crate) async fn store_artefacts(
    s: &AppState,
    made: &mut making::Made,
    pin: Option<&str>,
) -> crate::failure::Result<Option<crate::keystore::SealKey>> {
    let now = s.now();
    s.store()
        .put_blob("application/octet-stream", &made.seal_data, now)
        .await?;
    s.store()
        .put_blob("application/pkix-cert", &made.certificate, now)
        .await?;
    s.store()
        .put_blob("image/png", &made.impression, now)
        .await?;
    let Some(key) = &made.key else {
        return Ok(None);
    };
    let pin = pin.ok_or_else(|| {
        Failure::invalid(
            "pin",
            "平台保管的密钥须设置持有人的初始 PIN（首次使用前修改）",
            "a platform-held key needs an initial PIN for the holder (changed before first use)",
        )
    })?;
    let sealed = crate::keystore::lock(&made.seal.id, key, pin, s.data_key(), s.random(), now)?;
    made.seal.key_custody = eseal_core::KeyCustody::Platform {
        key_ref: format!("seal_keys/{}", made.seal.id),
    };
    Ok(Some(sealed))
}

pub(crate) async fn load_seal(
    s: &AppState,
    id: &str,
) -> crate::failure::Result<eseal_store::Versioned<Seal>> {
    s.store()
        .get::<Seal>(id)
        .await?
        .ok_or_else(|| Failure::not_found(Thing::Seal, id))
}

/// Makes new seal data for an existing seal (renewal, re-keying) through the same checks as
/// making, from a synthetic approved application carrying the seal's identity and its
/// registered impression.
pub(crate) async fn remake(
    s: &AppState,
    seal: &eseal_core::Seal,
    key: KeySource,
    now: time::OffsetDateTime,
) -> crate::failure::Result<making::Made> {
    let (_, impression) = s
        .store()
        .blob(&seal.impression_sm3)
        .await?
        .ok_or_else(|| Failure::internal(format!("impression of {} missing", seal.id)))?;
    let mut app = Application::new(
        &format!("remake-{}", seal.id),
        "-",
        seal.kind.clone(),
        &seal.name,
        seal.organisation_code.as_deref(),
        seal.holder_id.as_deref(),
        Purpose::New,
    )?;
    app.state = ApplicationState::Approved {
        reviewer: "-".into(),
    };
    let trust = s.pki().trust(now)?;
    let issuer = crate::devpki::Issuer {
        pki: s.pki(),
        random: s.random(),
    };
    making::make(
        MakeInput {
            app: &app,
            registered: Some(impression),
            applicant_impression: None,
            key,
            now,
            seal_id: Some(seal.id.clone()),
        },
        &s.pki().maker(),
        &issuer,
        &trust,
        s.random(),
    )
}
