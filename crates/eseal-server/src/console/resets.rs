//! Resetting a locked or forgotten PIN (R-PIN-1): the holder (or the official seal's
//! custodian) applies from the seal's page with the reason and proof, a reviewer approves
//! or rejects on the resets page (never their own), and the applicant completes it with a
//! new PIN — a new key, certificate and seal data (the PIN resets service's steps).

use super::layout;
use super::upload::Upload;
use super::verify::local_time;
use super::{Ctx, Lang};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::{Material, MaterialKind, PinReset, PinResetState, Seal};
use maud::{Markup, html};
use serde::Deserialize;

fn state_label(l: Lang, st: &PinResetState) -> (&'static str, &'static str) {
    match st {
        PinResetState::Submitted { .. } => (l.t("待审核", "submitted"), "pending"),
        PinResetState::Rejected { .. } => (l.t("已驳回", "rejected"), "revoked"),
        PinResetState::Approved { .. } => (l.t("已批准，待完成", "approved"), "valid"),
        PinResetState::Done { .. } => (l.t("已完成", "done"), "expired"),
    }
}

/// The reset section on the page of a seal the user uses (platform-held key): apply, or
/// complete an approved reset.
pub async fn section(s: &AppState, ctx: &Ctx, seal: &Seal) -> Markup {
    let l = ctx.lang;
    let Some(c) = &ctx.caller else {
        return html! {};
    };
    let platform = matches!(seal.key_custody, eseal_core::KeyCustody::Platform { .. });
    if !ctx.may(crate::service::roles::USE_SEAL)
        || !platform
        || seal.state != eseal_core::SealState::Active
    {
        return html! {};
    }
    let mine = s
        .pin_resets()
        .mine_for_seal(c, &seal.id)
        .await
        .unwrap_or_default();
    let open = mine.iter().rev().find(|r| {
        matches!(
            r.state,
            PinResetState::Submitted { .. } | PinResetState::Approved { .. }
        )
    });
    html! {
        div.card {
            h2 { (l.t("重置口令", "Reset the PIN")) }
            @match open {
                Some(r) if matches!(r.state, PinResetState::Approved { .. }) => {
                    p { (l.t("您的重置申请已批准。设置新口令后，平台将为印章换发新密钥和证书，原证书作废。", "Your reset was approved. With the new PIN the platform issues the seal a new key and certificate; the old certificate is revoked.")) }
                    form.stack method="post" action={ "/pin-resets/" (r.id) "/complete" } {
                        input type="hidden" name="csrf" value=(ctx.csrf);
                        label for="reset_pin" { (l.t("新口令", "New PIN")) }
                        input #reset_pin type="password" name="pin" inputmode="numeric" autocomplete="new-password" required;
                        label for="reset_repeat" { (l.t("再次输入新口令", "New PIN again")) }
                        input #reset_repeat type="password" name="repeat" inputmode="numeric" autocomplete="new-password" required;
                        button type="submit" { (l.t("完成重置", "Complete the reset")) }
                    }
                }
                Some(r) => {
                    p { (l.t("重置申请 ", "Reset ")) code { (r.id) } (l.t(" 已提交，等待审核。", " was submitted and waits for review.")) }
                }
                None => {
                    p.muted.small { (l.t("口令锁定或遗忘时，凭证明材料申请重置；审核通过后由您设置新口令。", "When the PIN is locked or forgotten, apply with proof; after review you set a new PIN.")) }
                    form.stack method="post" action={ "/seals/" (seal.id) "/pin-reset" } enctype="multipart/form-data" {
                        input type="hidden" name="csrf" value=(ctx.csrf);
                        label for="reset_reason" { (l.t("原因", "Reason")) }
                        input #reset_reason type="text" name="reason" maxlength="500" required;
                        label for="reset_kind" { (l.t("身份证件", "Identity document")) }
                        select #reset_kind name="kind" {
                            @for k in [MaterialKind::HolderId, MaterialKind::AgentId] {
                                option value=(k.names().1) { ({ let (zh, en) = k.names(); l.t(zh, en).replace('_', " ") }) }
                            }
                        }
                        input #reset_id type="file" name="id_document" required aria-label=(l.t("身份证件", "Identity document"));
                        label for="reset_statement" { (l.t("签字的声明（说明遗忘或锁定的情况）", "A signed statement (how the PIN was forgotten or locked)")) }
                        input #reset_statement type="file" name="statement" required;
                        button type="submit" { (l.t("申请重置", "Apply for a reset")) }
                    }
                }
            }
        }
    }
}

/// Applies for a reset from the seal's page.
pub async fn apply(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let (up, c) =
        match Upload::read_checked(&mut parts, &ctx, &s, ("未提交。", "nothing was submitted."))
            .await
        {
            Ok(x) => x,
            Err(r) => return r,
        };
    let kind = [MaterialKind::HolderId, MaterialKind::AgentId]
        .into_iter()
        .find(|k| k.names().1 == up.text("kind"))
        .unwrap_or(MaterialKind::HolderId);
    let (Some(id_document), Some(statement)) = (up.file("id_document"), up.file("statement"))
    else {
        return ctx.refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "请上传身份证件和签字的声明",
                "Upload the identity document and the signed statement",
            ),
        );
    };
    let mut materials = Vec::new();
    for (kind, bytes) in [(kind, id_document), (MaterialKind::Proof, statement)] {
        if let Err(e) = s.registry().upload_material(c, &bytes).await {
            return super::refused(&s, &ctx, &e).await;
        }
        materials.push(Material {
            kind,
            sm3: eseal_core::Sm3Hex::of(&eseal_gm::Sm3Digest::of(&bytes)),
        });
    }
    match s
        .pin_resets()
        .apply(c, &id, &up.text("reason"), materials)
        .await
    {
        Ok(_) => Redirect::to(&format!("/seals/{}", super::urlencode(&id))).into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}

/// `?state=`.
#[derive(Debug, Deserialize)]
pub struct ResetQuery {
    state: Option<String>,
    /// A seal ID to search for.
    q: Option<String>,
    after: Option<String>,
}

/// The reviewers' list of reset applications.
pub async fn list(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(q): Query<ResetQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    let state = q.state.as_deref().unwrap_or("submitted");
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let page = layout::page_at(q.after.as_deref());
    let found = s.pin_resets().list(c, Some(state), Some(text), &page).await;
    let (rows, next, problem) = match layout::search_result(found, l) {
        Ok(r) => r,
        Err(e) => return super::refused(&s, &ctx, &e).await,
    };
    let reviewer = ctx.may(crate::service::roles::REVIEW);
    let viewer = ctx.may(crate::service::roles::READ_MATERIAL);
    let tabs = [
        ("submitted", l.t("待审核", "Submitted")),
        ("approved", l.t("已批准", "Approved")),
        ("rejected", l.t("已驳回", "Rejected")),
        ("done", l.t("已完成", "Done")),
    ];
    super::html(layout::page(
        &ctx,
        l.t("口令重置", "PIN resets"),
        html! {
            p.tabs {
                @for (k, name) in tabs {
                    a class=[(k == state).then_some("here")] href=(layout::list_url("/pin-resets", k, text)) { (name) }
                }
            }
            (layout::search_box(&ctx, "/pin-resets", state, text, ("印章编码", "Seal ID")))
            @if let Some(p) = &problem { div.notice.error role="alert" { (p) } }
            @if rows.is_empty() { div.card.muted { (l.t("没有。", "None.")) } }
            @for r in &rows { (card(&ctx, r, reviewer && state == "submitted", viewer)) }
            (layout::pager(&ctx, &layout::list_url("/pin-resets", state, text), q.after.as_deref(), next.as_deref()))
        },
    ))
}

fn card(ctx: &Ctx, r: &PinReset, act: bool, viewer: bool) -> Markup {
    let l = ctx.lang;
    let (name, class) = state_label(l, &r.state);
    let mine = ctx.caller.as_ref().is_some_and(|c| c.user == r.applicant);
    html! {
        div.card {
            h2 { code { (r.id) } " " span class={ "badge " (class) } { (name) } }
            dl.facts {
                dt { (l.t("印章", "Seal")) } dd { code { (r.seal_id) } }
                dt { (l.t("申请人", "Applicant")) } dd { (r.applicant) }
                dt { (l.t("原因", "Reason")) } dd { (r.reason) }
                @if let PinResetState::Submitted { at } = &r.state { dt { (l.t("提交时间", "Submitted")) } dd { (local_time(&crate::views::rfc(*at))) } }
                @if let PinResetState::Rejected { reviewer, reason } = &r.state { dt { (l.t("驳回", "Rejected")) } dd { (reviewer) "：" (reason) } }
                dt { (l.t("证明材料", "Proof")) }
                dd {
                    @for m in &r.materials {
                        div {
                            ({ let (zh, en) = m.kind.names(); l.t(zh, en).replace('_', " ") }) " " code.small { (m.sm3.get(..16).unwrap_or_default()) "…" }
                            @if viewer { " " a href={ "/materials/" (m.sm3) } target="_blank" { (l.t("打开", "open")) } }
                        }
                        @if viewer { img.material src={ "/materials/" (m.sm3) "?view=picture" } alt=(l.t("材料预览", "material preview")); }
                    }
                }
            }
            @if act && !mine {
                div.actions {
                    form method="post" action={ "/pin-resets/" (r.id) "/approve" } {
                        input type="hidden" name="csrf" value=(ctx.csrf);
                        button type="submit" { (l.t("批准", "Approve")) }
                    }
                    form.inline method="post" action={ "/pin-resets/" (r.id) "/reject" } {
                        input type="hidden" name="csrf" value=(ctx.csrf);
                        input type="text" name="reason" placeholder=(l.t("驳回理由", "Reason")) required maxlength="500" aria-label=(l.t("驳回理由", "Reason"));
                        button.danger type="submit" { (l.t("驳回", "Reject")) }
                    }
                }
            }
        }
    }
}

/// A decision or the completion's fields.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    csrf: String,
    reason: Option<String>,
    pin: Option<String>,
    repeat: Option<String>,
}

/// Approve, reject or complete a reset.
pub async fn act(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ResetForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let l = ctx.lang;
    let resets = s.pin_resets();
    let to = match action.as_str() {
        "approve" => resets
            .approve(c, &id)
            .await
            .map(|_| "/pin-resets?state=approved".to_owned()),
        "reject" => resets
            .reject(c, &id, f.reason.as_deref().unwrap_or_default().trim())
            .await
            .map(|_| "/pin-resets?state=rejected".to_owned()),
        "complete" => {
            let pin = f.pin.unwrap_or_default();
            if Some(&pin) != f.repeat.as_ref() {
                return ctx.refusal(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    l.t(
                        "两次输入的新口令不一致，未重置。",
                        "The two new PINs differ; nothing was reset.",
                    ),
                );
            }
            resets
                .complete(c, &id, &pin)
                .await
                .map(|done| format!("/seals/{}?pin=reset", super::urlencode(&done.seal.id)))
        }
        _ => return super::not_found(&ctx),
    };
    match to {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
