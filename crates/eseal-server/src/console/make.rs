//! Making the seal of an approved application (制章, R-MAKE-1..4), for makers: the impression
//! registered with the police shown beside the applicant's, the key's custody chosen (the
//! platform under an initial PIN handed to the holder, or the holder's device with its
//! certificate), and after making the comparison's score, decision and differences.

use super::layout;
use super::upload::Upload;
use super::{Ctx, Lang};
use crate::auth::Role;
use crate::service::{KeyChoice, MakeSeal};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64ct::{Base64, Encoding};
use eseal_core::{Application, ApplicationState, Purpose};
use maud::{Markup, html};

/// The image as a data URI a page can show (PNG or JPEG), or nothing.
fn picture(bytes: &[u8]) -> Option<String> {
    let mime = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else {
        return None;
    };
    Some(format!(
        "data:{mime};base64,{}",
        Base64::encode_string(bytes)
    ))
}

/// The make form shown on an approved application's page to makers, with the registered
/// impression when the police hold one.
pub async fn section(s: &AppState, ctx: &Ctx, a: &Application) -> Markup {
    let l = ctx.lang;
    let Some(c) = ctx.caller.as_ref().filter(|c| c.has(Role::Maker)) else {
        return html! {};
    };
    if !matches!(a.state, ApplicationState::Approved { .. }) {
        return html! {};
    }
    if !a.purpose.makes_a_seal() {
        return carry_out_section(s, ctx, a).await;
    }
    let registered = s
        .registry()
        .registered_impression(&a.kind, a.organisation_code.as_deref())
        .await;
    let standard = matches!(registered, Ok(None))
        .then(|| s.registry().standard_impression(c, &a.kind, &a.seal_name));
    html! {
        div.card {
            h2 { (l.t("制章", "Make the seal")) }
            @match &registered {
                Ok(Some(img)) => {
                    p.muted.small { (l.t("公安机关备案的印模（制作时将与申请人提交的印模比对）：", "The impression registered with the police (the applicant's, if given, is compared with it):")) }
                    @if let Some(src) = picture(img) { img.impression src=(src) alt=(l.t("备案印模", "registered impression")); }
                }
                Ok(None) => {
                    p.muted.small { (l.t("该种类无须公安备案印模；未上传印模时按标准样式生成如下：", "No registered impression is needed for this kind; without an upload the standard style is drawn:")) }
                    @match &standard {
                        Some(Ok(png)) => { @if let Some(src) = picture(png) { img.impression src=(src) alt=(l.t("标准样式印模", "standard impression")); } }
                        Some(Err(e)) => { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } }
                        None => {}
                    }
                }
                Err(e) => { div.notice.error { (l.t("无法从公安系统取得备案印模：", "The registered impression could not be fetched: ")) (l.t(&e.detail.zh, &e.detail.en)) } }
            }
            form.stack method="post" action={ "/applications/" (a.id) "/make" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label { (l.t("密钥保管", "Key custody")) }
                label.check { input type="radio" name="key" value="platform" checked; " " (l.t("平台保管，持有人用口令使用", "kept by the platform, used with the holder's PIN")) }
                label.check { input type="radio" name="key" value="device"; " " (l.t("持有人设备（上传设备证书）", "the holder's device (upload its certificate)")) }
                label for="pin" { (l.t("初始口令（平台保管时，交给持有人）", "Initial PIN (platform custody; handed to the holder)")) }
                input #pin type="password" name="pin" inputmode="numeric" autocomplete="new-password";
                label for="certificate" { (l.t("设备证书（PEM 或 DER）", "Device certificate (PEM or DER)")) }
                input #certificate type="file" name="certificate";
                label for="impression" { (l.t("申请人提交的印模（PNG/JPEG，可选）", "The applicant's impression (PNG/JPEG, optional)")) }
                input #impression type="file" name="impression" accept="image/png,image/jpeg";
                button type="submit" { (l.t("制作印章", "Make the seal")) }
            }
        }
    }
}

/// Makes the seal; the result page shows it and the impression comparison.
pub async fn make(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let (up, c) =
        match Upload::read_checked(&mut parts, &ctx, &s, ("未制作。", "nothing was made.")).await
        {
            Ok(x) => x,
            Err(r) => return r,
        };
    let (key, pin, cert) = (up.text("key"), up.text("pin"), up.file("certificate"));
    let mut impression = up.file("impression");
    let registry = s.registry();
    // No upload and nothing registered with the police: the standard style is drawn.
    if impression.is_none()
        && let Ok(a) = registry.application(c, &id).await
        && matches!(
            registry
                .registered_impression(&a.kind, a.organisation_code.as_deref())
                .await,
            Ok(None)
        )
    {
        match registry.standard_impression(c, &a.kind, &a.seal_name) {
            Ok(png) => impression = Some(png),
            Err(e) => return ctx.failure(&e),
        }
    }
    let how = MakeSeal {
        key: if key == "device" {
            KeyChoice::Device
        } else {
            KeyChoice::Platform
        },
        certificate: cert,
        impression: impression.clone(),
        pin: Some(pin).filter(|p| !p.is_empty()),
    };
    match registry.make(c, &id, how).await {
        Ok(made) => {
            let registered = match registry.application(c, &id).await {
                Ok(a) => registry
                    .registered_impression(&a.kind, a.organisation_code.as_deref())
                    .await
                    .ok()
                    .flatten(),
                Err(_) => None,
            };
            super::html(layout::page(
                &ctx,
                l.t("印章已制作", "Seal made"),
                result(l, &made, registered.as_deref(), impression.as_deref()),
            ))
        }
        Err(e) => {
            if e.kind == crate::failure::Kind::Forbidden && e.code == "forbidden_role" {
                return super::refused(&s, &ctx, &e).await;
            }
            let why = l.t(&e.detail.zh, &e.detail.en).to_owned();
            match registry.application(c, &id).await {
                Ok(a) => {
                    let body = html! { (super::staff::detail(&ctx, &a, Some(&why))) (section(&s, &ctx, &a).await) };
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        super::html(layout::page(&ctx, l.t("印章申请", "Application"), body)),
                    )
                        .into_response()
                }
                Err(e) => ctx.failure(&e),
            }
        }
    }
}

fn result(
    l: Lang,
    made: &crate::views::Made,
    registered: Option<&[u8]>,
    applicant: Option<&[u8]>,
) -> Markup {
    html! {
        div.card {
            p { (l.t("已制作印章 ", "Made the seal ")) a href={ "/seals/" (made.seal.id) } { code { (made.seal.id) } } " " (made.seal.name) }
            p.muted.small { (l.t("制章已进入备案队列，须在 24 小时内向公安机关备案。", "The making is queued for filing with the police within 24 hours.")) }
        }
        @if let Some(cmp) = &made.comparison {
            div.card {
                h2 { (l.t("印模比对", "Impression comparison")) " "
                    @if cmp.matches { span.badge.passed { (l.t("一致", "match")) } } @else { span.badge.failed { (l.t("不一致", "mismatch")) } }
                }
                dl.facts {
                    dt { (l.t("相似度", "Similarity")) } dd { (format!("{:.3}", cmp.score)) (l.t("（阈值 ", " (threshold ")) (format!("{:.3}", cmp.threshold)) (l.t("）", ")")) }
                    dt { (l.t("旋转", "Rotation")) } dd { (format!("{:.1}°", cmp.rotation_deg)) }
                    @let diffs = if l == Lang::Zh { &cmp.differences_zh } else { &cmp.differences };
                    @if !diffs.is_empty() { dt { (l.t("差异", "Differences")) } dd { ul { @for d in diffs { li { (d) } } } } }
                }
                div.side-by-side {
                    @if let Some(src) = registered.and_then(picture) { figure { img.impression src=(src) alt="registered"; figcaption { (l.t("公安备案印模", "Registered")) } } }
                    @if let Some(src) = applicant.and_then(picture) { figure { img.impression src=(src) alt="applicant"; figcaption { (l.t("申请人印模", "Applicant's")) } } }
                }
            }
        }
    }
}

/// The form that carries out an approved renewal or revocation application (办理), with the
/// seal it acts on: a renewal asks what the seal page's renewal asks (the new key's initial
/// PIN, or the device's new certificate); a revocation asks only for the confirmation.
async fn carry_out_section(s: &AppState, ctx: &Ctx, a: &Application) -> Markup {
    let l = ctx.lang;
    let Some(target) = a.purpose.seal() else {
        return html! {};
    };
    let seal = match ctx.caller.as_ref() {
        Some(c) => s.registry().seal(c, target.as_str()).await,
        None => return html! {},
    };
    let seal = match seal {
        Ok(seal) => seal,
        Err(e) => {
            return html! { div.card { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } } };
        }
    };
    let platform = matches!(seal.key_custody, eseal_core::KeyCustody::Platform { .. });
    let now = s.now();
    html! {
        div.card {
            @match &a.purpose {
                Purpose::Renewal { .. } => {
                    h2 { (l.t("办理续期", "Carry out the renewal")) }
                    p.muted.small { (l.t("签发新证书（平台保管的印章同时更换密钥），有效期自原到期日起延长，并向公安机关备案。到期前三个月内可办理。", "A new certificate is issued (a platform-held seal gets a new key too); validity runs on from the old end and the renewal is filed with the police. Possible in the last three months.")) }
                }
                _ => {
                    h2 { (l.t("办理注销", "Carry out the revocation")) }
                    p.muted.small { (l.t("注销立即生效、不可撤回，申请材料作为证明材料记录，并在 24 小时内向公安机关备案；证书同时吊销。", "The revocation takes effect now and cannot be undone; the application's materials are recorded as its proof, it is filed with the police within 24 hours and the certificate is revoked.")) }
                }
            }
            dl.facts {
                dt { (l.t("印章", "Seal")) } dd { a href={ "/seals/" (seal.id) } { code { (seal.id) } } " " (seal.name) }
                dt { (l.t("有效期至", "Valid until")) } dd { (super::verify::local_time(&crate::views::rfc(seal.valid_to))) }
                dt { (l.t("当前状态", "Status now")) } dd { (super::seals::status_badge(l, &seal.status_at(now))) }
            }
            form.stack method="post" action={ "/applications/" (a.id) "/carry-out" } enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                @if matches!(a.purpose, Purpose::Renewal { .. }) {
                    @if platform {
                        label for="renew_pin" { (l.t("新密钥的初始口令（交给持有人）", "The new key's initial PIN (for the holder)")) }
                        input #renew_pin type="password" name="pin" inputmode="numeric" autocomplete="off" required;
                    } @else {
                        label for="certificate" { (l.t("持有人设备的新证书（PEM 或 DER）", "The holder's device's new certificate (PEM or DER)")) }
                        input #certificate type="file" name="certificate" required;
                    }
                    button type="submit" { (l.t("续期", "Renew")) }
                } @else {
                    button.danger type="submit" { (l.t("注销", "Revoke")) }
                }
            }
        }
    }
}

/// Carries out an approved renewal or revocation application; back to the seal's page.
pub async fn carry_out(
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
        ("未办理。", "nothing was carried out."),
    )
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let how = crate::service::Renewal {
        certificate: up.file("certificate"),
        pin: Some(up.text("pin")).filter(|p| !p.is_empty()),
    };
    let registry = s.registry();
    match registry.carry_out(c, &id, how).await {
        Ok(v) => {
            let shown = if v.status == eseal_core::SealStatus::Valid {
                "renewed"
            } else {
                "revoked"
            };
            Redirect::to(&format!("/seals/{}?{shown}=1", super::urlencode(&v.id))).into_response()
        }
        Err(e) => {
            if e.kind == crate::failure::Kind::Forbidden && e.code == "forbidden_role" {
                return super::refused(&s, &ctx, &e).await;
            }
            let why = l.t(&e.detail.zh, &e.detail.en).to_owned();
            match registry.application(c, &id).await {
                Ok(a) => {
                    let body = html! { (super::staff::detail(&ctx, &a, Some(&why))) (section(&s, &ctx, &a).await) };
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        super::html(layout::page(&ctx, l.t("印章申请", "Application"), body)),
                    )
                        .into_response()
                }
                Err(e) => ctx.failure(&e),
            }
        }
    }
}
