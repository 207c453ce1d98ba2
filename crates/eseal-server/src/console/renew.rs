//! Renewing a seal (续期, R-RENEW-1) from its page, for makers: a new certificate for the
//! same seal — a new platform key under an initial PIN, or the holder's device certificate.
//! The service decides whether the seal may be renewed now (state, the renewal window).

use super::Ctx;
use super::upload::Upload;
use crate::service::Renewal;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

/// The renewal form on an active seal's page, for makers.
pub fn section(ctx: &Ctx, seal: &eseal_core::Seal) -> Markup {
    let l = ctx.lang;
    if !ctx.may(crate::service::roles::RENEW) || seal.state != eseal_core::SealState::Active {
        return html! {};
    }
    let platform = matches!(seal.key_custody, eseal_core::KeyCustody::Platform { .. });
    html! {
        div.card {
            h2 { (l.t("续期", "Renew")) }
            p.muted.small { (l.t("续期签发新证书（平台保管的印章同时更换密钥），有效期自原到期日起延长，并向公安机关备案。到期前三个月内可办理。", "Renewal issues a new certificate (a platform-held seal gets a new key too); validity runs on from the old end and the renewal is filed with the police. Possible in the last three months.")) }
            form.stack method="post" action={ "/seals/" (seal.id) "/renew" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                @if platform {
                    label for="renew_pin" { (l.t("新密钥的初始口令（交给持有人）", "The new key's initial PIN (for the holder)")) }
                    input #renew_pin type="password" name="pin" inputmode="numeric" autocomplete="off" required;
                } @else {
                    label for="certificate" { (l.t("持有人设备的新证书（PEM 或 DER）", "The holder's device's new certificate (PEM or DER)")) }
                    input #certificate type="file" name="certificate" required;
                }
                button type="submit" { (l.t("续期", "Renew")) }
            }
        }
    }
}

/// Renews.
pub async fn renew(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut parts: Multipart,
) -> Response {
    let (up, c) = match Upload::read_checked(
        &mut parts,
        &ctx,
        &s,
        ("未续期。", "nothing was renewed."),
    )
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let pin = Some(up.text("pin")).filter(|p| !p.is_empty());
    let how = Renewal {
        certificate: up.file("certificate"),
        pin,
    };
    match s.registry().renew(c, &id, how).await {
        Ok(v) => {
            Redirect::to(&format!("/seals/{}?renewed=1", super::urlencode(&v.id))).into_response()
        }
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
