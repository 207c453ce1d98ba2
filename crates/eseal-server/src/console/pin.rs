//! Changing a seal's PIN (R-PIN-1) from the seal's page, for those who use the seal (the
//! holder, or the official seal's custodian): the old PIN, the new one twice; the service
//! checks who may use the seal, the PIN policy and the lockout.

use super::Ctx;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

/// The PIN form on a usable seal's page.
pub fn section(ctx: &Ctx, seal: &eseal_core::Seal) -> Markup {
    let l = ctx.lang;
    let may = ctx.may(crate::service::roles::USE_SEAL);
    let platform = matches!(seal.key_custody, eseal_core::KeyCustody::Platform { .. });
    if !may || !platform || seal.state != eseal_core::SealState::Active {
        return html! {};
    }
    html! {
        div.card {
            h2 { (l.t("修改口令", "Change the PIN")) }
            p.muted.small { (l.t("口令保护平台保管的印章密钥；连续 5 次输错将锁定。", "The PIN protects the seal's key kept by the platform; five wrong tries lock it.")) }
            form.stack method="post" action={ "/seals/" (seal.id) "/pin" } {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="old_pin" { (l.t("原口令", "Current PIN")) }
                input #old_pin type="password" name="old_pin" inputmode="numeric" autocomplete="current-password" required;
                label for="new_pin" { (l.t("新口令", "New PIN")) }
                input #new_pin type="password" name="new_pin" inputmode="numeric" autocomplete="new-password" required;
                label for="repeat" { (l.t("再次输入新口令", "New PIN again")) }
                input #repeat type="password" name="repeat" inputmode="numeric" autocomplete="new-password" required;
                button type="submit" { (l.t("修改口令", "Change the PIN")) }
            }
        }
    }
}

/// The PIN form's fields.
#[derive(Debug, Deserialize)]
pub struct PinForm {
    csrf: String,
    old_pin: String,
    new_pin: String,
    repeat: String,
}

/// Changes the PIN.
pub async fn change(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<PinForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = ctx.lang;
    if f.new_pin != f.repeat {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "两次输入的新口令不一致，口令未修改。",
                "The two new PINs differ; the PIN was not changed.",
            ),
        );
    }
    match s.signing().change_pin(c, &id, &f.old_pin, &f.new_pin).await {
        Ok(_) => {
            Redirect::to(&format!("/seals/{}?pin=changed", super::urlencode(&id))).into_response()
        }
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
