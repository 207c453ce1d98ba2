//! Revoking a seal (注销, R-REVOKE-1) from its page, for the roles the service allows: the
//! reason and the proof (a 注销 decision, a loss report …) uploaded with the form; it takes
//! effect now, is filed, and the CA revokes the certificate.

use super::Ctx;
use super::upload::Upload;
use crate::service::Revocation;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::RevocationReason;
use maud::{Markup, html};

/// The reasons a seal is revoked for (not a replacement: that is a change), by form value.
pub(super) const REASONS: [(RevocationReason, &str); 7] = [
    (RevocationReason::NoLongerUsed, "no_longer_used"),
    (RevocationReason::Dissolution, "dissolution"),
    (RevocationReason::Merger, "merger"),
    (
        RevocationReason::PhysicalSealOutOfUse,
        "physical_seal_out_of_use",
    ),
    (RevocationReason::KeyCompromise, "key_compromise"),
    (RevocationReason::DeviceDamaged, "device_damaged"),
    (RevocationReason::StolenOrLost, "stolen_or_lost"),
];

/// The revocation form on an active seal's page, for those who may revoke.
pub fn section(ctx: &Ctx, seal: &eseal_core::Seal) -> Markup {
    let l = ctx.lang;
    let may = ctx.may(crate::service::roles::REVOKE);
    if !may || seal.state != eseal_core::SealState::Active {
        return html! {};
    }
    html! {
        div.card {
            h2 { (l.t("注销印章", "Revoke the seal")) }
            p.muted.small { (l.t("注销立即生效、不可撤回，并在 24 小时内向公安机关备案；证书同时吊销。", "A revocation takes effect now and cannot be undone; it is filed with the police within 24 hours and the certificate is revoked.")) }
            form.stack method="post" action={ "/seals/" (seal.id) "/revoke" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="reason" { (l.t("注销原因", "Reason")) }
                select #reason name="reason" required {
                    @for (r, wire) in REASONS { option value=(wire) { ({ let (zh, en) = r.describe(); l.t(zh, en).to_owned() }) } }
                }
                label for="proof" { (l.t("证明材料（如注销决定、遗失声明）", "Proof (a revocation decision, a loss report …)")) }
                input #proof type="file" name="proof" required;
                button.danger type="submit" { (l.t("注销", "Revoke")) }
            }
        }
    }
}

/// Uploads the proof and revokes.
pub async fn revoke(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let (up, c) = match Upload::read_checked(
        &mut parts,
        &ctx,
        &s,
        ("未注销。", "nothing was revoked."),
    )
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (reason, proof) = (up.text("reason"), up.file("proof").unwrap_or_default());
    let Some((reason, _)) = REASONS.iter().find(|(_, w)| *w == reason) else {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t("请选择注销原因", "Choose the reason"),
        );
    };
    if proof.is_empty() {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t("请上传证明材料", "Upload the proof"),
        );
    }
    let registry = s.registry();
    let stored = match registry.upload_material(c, &proof).await {
        Ok(m) => m,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    match registry
        .revoke(
            c,
            &id,
            Revocation {
                reason: *reason,
                proof: vec![stored.sm3.to_string()],
                at: None,
            },
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/seals/{}", super::urlencode(&id))).into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
