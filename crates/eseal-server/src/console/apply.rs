//! A new application (R-APP-1) as one guided form: the seal's kind, its name, the
//! organisation or holder it belongs to, and the identity materials the kind needs, uploaded
//! with the form. Nothing is recorded until the whole upload has arrived and fits the limit;
//! then the application is created, its materials stored (SM4-encrypted, by the service) and
//! it is submitted — or kept as a draft with what is missing said.

use super::layout;
use super::upload::{Trouble, Upload};
use super::{Ctx, Lang};
use crate::service::NewApplication;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::kind::{BusinessSeal, OfficialKind, PositionKind};
use eseal_core::{MaterialKind, Purpose, SealKind};
use maud::{Markup, html};

/// The kinds offered, by wire name, with their names.
fn kinds() -> Vec<(SealKind, &'static str, &'static str)> {
    use SealKind::*;
    vec![
        (
            Official(OfficialKind::LegalName),
            "法定名称章（单位公章）",
            "legal-name seal",
        ),
        (
            Official(OfficialKind::Business(BusinessSeal::Contract)),
            "合同专用章",
            "contract seal",
        ),
        (
            Official(OfficialKind::Business(BusinessSeal::Finance)),
            "财务专用章",
            "finance seal",
        ),
        (
            Official(OfficialKind::Business(BusinessSeal::Invoice)),
            "发票专用章",
            "invoice seal",
        ),
        (
            Official(OfficialKind::Business(BusinessSeal::Inspection)),
            "审验专用章",
            "inspection seal",
        ),
        (
            Official(OfficialKind::Business(BusinessSeal::Customs)),
            "报关专用章",
            "customs seal",
        ),
        (
            Official(OfficialKind::InternalDepartment),
            "内设机构章",
            "internal department seal",
        ),
        (Official(OfficialKind::Branch), "分支机构章", "branch seal"),
        (
            Position(PositionKind::LegalRepresentative),
            "法定代表人职务章",
            "legal representative's seal",
        ),
        (
            Position(PositionKind::PrincipalOfficer),
            "主要负责人职务章",
            "principal officer's seal",
        ),
        (
            Position(PositionKind::FinanceHead),
            "财务负责人职务章",
            "finance head's seal",
        ),
        (
            Position(PositionKind::Operator),
            "经营者职务章",
            "operator's seal",
        ),
        (
            Position(PositionKind::AuthorisedRepresentative),
            "授权代表人职务章",
            "authorised representative's seal",
        ),
        (Personal, "个人印章（电子私章）", "personal seal"),
    ]
}

/// A kind of seal as a person reads it (合同专用章 …); the wire name for a kind not offered.
pub fn kind_label(l: Lang, kind: &SealKind) -> String {
    kinds()
        .into_iter()
        .find(|(k, _, _)| k.wire_name() == kind.wire_name())
        .map_or_else(
            || kind.wire_name().to_owned(),
            |(_, zh, en)| l.t(zh, en).to_owned(),
        )
}

const MATERIALS: [MaterialKind; 5] = [
    MaterialKind::BusinessLicence,
    MaterialKind::AgentId,
    MaterialKind::HolderId,
    MaterialKind::Authorisation,
    MaterialKind::Proof,
];

/// What an application may ask for, by form value, with its names.
const PURPOSES: [(&str, &str, &str); 4] = [
    ("new", "新刻印章", "a new seal"),
    (
        "change",
        "变更（制作新印章，原印章注销）",
        "a change (a new seal; the old one is revoked)",
    ),
    (
        "renewal",
        "续期（到期前三个月内更新证书）",
        "a renewal (a new certificate in the last three months)",
    ),
    ("revocation", "注销", "a revocation"),
];

fn material_name(l: Lang, m: MaterialKind) -> String {
    let (zh, wire) = m.names();
    l.t(zh, wire).replace('_', " ")
}

fn form(ctx: &Ctx, problem: Option<&str>, keep: &Fields) -> Markup {
    let l = ctx.lang;
    html! {
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        div.card {
            form.stack method="post" action="/applications/new" enctype="multipart/form-data" data-progress="" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="applying_for" { (l.t("申请事项", "Applying for")) }
                select #applying_for name="applying_for" required {
                    @for (wire, zh, en) in PURPOSES {
                        option value=(wire) selected[keep.applying_for == wire] { (l.t(zh, en)) }
                    }
                }
                div data-for="change renewal revocation" {
                    label for="seal_id" { (l.t("原印章编码", "The existing seal's ID")) }
                    input #seal_id type="text" name="seal_id" value=(keep.seal_id) maxlength="64";
                    p.muted.small { (l.t("变更、续期、注销时填写。下面的种类、名称、单位和持有人须按原印章的登记填写。", "For a change, renewal or revocation. Give the kind, name, organisation and holder below as registered for that seal.")) }
                }
                div data-for="revocation" {
                    label for="revocation_reason" { (l.t("注销原因", "Reason for the revocation")) }
                    select #revocation_reason name="revocation_reason" {
                        @for (r, wire) in super::revoke::REASONS {
                            option value=(wire) selected[keep.revocation_reason == wire] { ({ let (zh, en) = r.describe(); l.t(zh, en) }) }
                        }
                    }
                }
                label for="kind" { (l.t("印章种类", "Kind of seal")) }
                select #kind name="kind" required {
                    @for (k, zh, en) in kinds() {
                        option value=(k.wire_name()) selected[keep.kind == k.wire_name()] { (l.t(zh, en)) }
                    }
                }
                label for="seal_name" { (l.t("印章名称（印文，与登记名称一致）", "Name on the seal (as registered)")) }
                input #seal_name type="text" name="seal_name" value=(keep.seal_name) required maxlength="120";
                label for="organisation_code" { (l.t("单位统一社会信用代码（单位印章、职务章）", "Organisation's USCC (official and position seals)")) }
                input #organisation_code type="text" name="organisation_code" value=(keep.organisation_code) maxlength="18";
                label for="holder_id" { (l.t("持有人公民身份号码（职务章、个人印章）", "Holder's citizen ID (position and personal seals)")) }
                input #holder_id type="text" name="holder_id" value=(keep.holder_id) maxlength="18";
                figure.preview.js-only {
                    img #impression_preview.impression data-src="/applications/preview.png" alt=(l.t("印模预览", "preview of the impression")) hidden;
                    figcaption.muted.small { (l.t("印模预览：单位印章已在公安机关备案印模的，显示从公安系统获取的备案印模；否则按标准样式生成", "The impression: for an official seal whose impression is registered with the police, the one fetched from the police system; otherwise drawn in the standard style")) }
                }
                h2 { (l.t("申请材料", "Identity materials")) }
                p.muted.small {
                    (l.t("单位印章须提供：营业执照、经办人身份证、授权委托书；职务章另须持有人身份证；个人印章须提供持有人身份证；注销另须证明材料（注销决定、遗失声明等）。每个文件不超过 10 MB，合计不超过 20 MB。", "Official seals need the business licence, the agent's ID and the authorisation; position seals also the holder's ID; personal seals the holder's ID; a revocation also the proof (a revocation decision, a loss report …). At most 10 MB a file, 20 MB in all."))
                }
                @for m in MATERIALS {
                    label for={ "file_" (m.names().1) } { (material_name(l, m)) }
                    input id={ "file_" (m.names().1) } type="file" name={ "file_" (m.names().1) } accept="image/*,application/pdf,.ofd";
                }
                button type="submit" { (l.t("提交申请", "Submit the application")) }
                progress.upload hidden max="100" value="0" {}
            }
        }
    }
}

/// What the applicant typed (kept when the form comes back with a problem).
#[derive(Debug, Default)]
struct Fields {
    csrf: String,
    kind: String,
    seal_name: String,
    organisation_code: String,
    holder_id: String,
    /// What is applied for: new, change, renewal, revocation.
    applying_for: String,
    /// The existing seal a change replaces, or a renewal or revocation acts on.
    seal_id: String,
    /// A revocation's reason (its wire name).
    revocation_reason: String,
    files: Vec<(MaterialKind, Vec<u8>)>,
}

/// The form.
pub async fn new_form(Extension(ctx): Extension<Ctx>) -> Response {
    if ctx.caller.is_none() {
        return super::to_login(&ctx);
    }
    super::html(layout::page(
        &ctx,
        ctx.lang.t("新建印章申请", "New application"),
        form(&ctx, None, &Fields::default()),
    ))
}

/// Reads the whole form, then creates, attaches and submits.
pub async fn create(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let title = l.t("新建印章申请", "New application");
    let up = match Upload::read(&mut parts).await {
        Ok(up) => up,
        Err(t) => {
            let why = if t == Trouble::TooLarge {
                l.t(
                    "文件太大：上传的文件合计不能超过 20 MB。未保存任何内容。",
                    "The files are too large: at most 20 MB in all. Nothing was recorded.",
                )
            } else {
                l.t(
                    "上传未完成，请重新选择文件。未保存任何内容。",
                    "The upload did not complete; choose the files again. Nothing was recorded.",
                )
            };
            return (
                t.status(),
                super::html(layout::page(
                    &ctx,
                    title,
                    form(&ctx, Some(why), &Fields::default()),
                )),
            )
                .into_response();
        }
    };
    let f = Fields {
        csrf: up.text("csrf"),
        kind: up.text("kind"),
        seal_name: up.text("seal_name"),
        organisation_code: up.text("organisation_code"),
        holder_id: up.text("holder_id"),
        applying_for: up.text("applying_for"),
        seal_id: up.text("seal_id").trim().to_ascii_uppercase(),
        revocation_reason: up.text("revocation_reason"),
        files: MATERIALS
            .iter()
            .filter_map(|m| up.file(&format!("file_{}", m.names().1)).map(|b| (*m, b)))
            .collect(),
    };
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some((kind, _, _)) = kinds()
        .into_iter()
        .find(|(k, _, _)| k.wire_name() == f.kind)
    else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            super::html(layout::page(
                &ctx,
                title,
                form(
                    &ctx,
                    Some(l.t("请选择印章种类", "Choose the kind of seal")),
                    &f,
                ),
            )),
        )
            .into_response();
    };
    let registry = s.registry();
    let again = |why: String, f: &Fields| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            super::html(layout::page(&ctx, title, form(&ctx, Some(&why), f))),
        )
            .into_response()
    };
    let purpose = match purpose(l, &f) {
        Ok(p) => p,
        Err(why) => return again(why, &f),
    };
    let app = match registry
        .create_application(
            c,
            NewApplication {
                kind: kind.clone(),
                seal_name: f.seal_name.clone(),
                organisation_code: Some(f.organisation_code.clone()).filter(|v| !v.is_empty()),
                holder_id: Some(f.holder_id.clone()).filter(|v| !v.is_empty()),
                purpose,
            },
        )
        .await
    {
        Ok(a) => a,
        Err(e) => {
            if e.kind == crate::failure::Kind::Forbidden && e.code == "forbidden_role" {
                return super::refused(&s, &ctx, &e).await;
            }
            return again(l.t(&e.detail.zh, &e.detail.en).to_owned(), &f);
        }
    };
    // The application exists: its materials, then the submission. A problem from here on
    // leaves a draft the applicant can complete; the page says what is missing.
    let mut problem = None;
    for (m, bytes) in &f.files {
        let stored = match registry.upload_material(c, bytes).await {
            Ok(st) => st,
            Err(e) => {
                problem = Some(format!(
                    "{}：{}",
                    material_name(l, *m),
                    l.t(&e.detail.zh, &e.detail.en)
                ));
                break;
            }
        };
        if let Err(e) = registry.add_material(c, &app.id, *m, &stored.sm3).await {
            problem = Some(l.t(&e.detail.zh, &e.detail.en).to_owned());
            break;
        }
    }
    if problem.is_none() {
        let missing: Vec<String> = app
            .needed_materials()
            .into_iter()
            .filter(|m| !f.files.iter().any(|(have, _)| have == m))
            .map(|m| material_name(l, m))
            .collect();
        if missing.is_empty() {
            if let Err(e) = registry.submit(c, &app.id).await {
                problem = Some(l.t(&e.detail.zh, &e.detail.en).to_owned());
            }
        } else {
            problem = Some(format!(
                "{}{}",
                l.t(
                    "申请已保存为草稿，尚缺材料：",
                    "Saved as a draft; still missing: "
                ),
                missing.join(l.t("、", ", "))
            ));
        }
    }
    let target = format!("/applications/{}", super::urlencode(&app.id));
    match problem {
        None => Redirect::to(&target).into_response(),
        Some(p) => match registry.application(c, &app.id).await {
            Ok(a) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                super::html(layout::page(
                    &ctx,
                    l.t("印章申请", "Application"),
                    super::staff::detail(&ctx, &a, Some(&p)),
                )),
            )
                .into_response(),
            Err(e) => ctx.failure(&e),
        },
    }
}

/// The purpose the form asks for, or what is wrong with it (in the page's language).
fn purpose(l: Lang, f: &Fields) -> Result<Purpose, String> {
    let text = |e: eseal_core::DomainError| l.t(&e.text().zh, &e.text().en).to_owned();
    if f.applying_for == "new" || f.applying_for.is_empty() {
        return Ok(Purpose::New);
    }
    if f.seal_id.is_empty() {
        return Err(l
            .t(
                "变更、续期或注销须填写原印章编码",
                "a change, renewal or revocation names the existing seal's ID",
            )
            .to_owned());
    }
    let seal = eseal_core::SealId::parse("seal_id", &f.seal_id).map_err(text)?;
    match f.applying_for.as_str() {
        "change" => Ok(Purpose::Change { old: seal }),
        "renewal" => Ok(Purpose::Renewal { seal }),
        "revocation" => match super::revoke::REASONS
            .iter()
            .find(|(_, w)| *w == f.revocation_reason)
        {
            Some((reason, _)) => Ok(Purpose::Revocation {
                seal,
                reason: *reason,
            }),
            None => Err(l.t("请选择注销原因", "Choose the reason").to_owned()),
        },
        _ => Err(l
            .t("请选择申请事项", "Choose what is applied for")
            .to_owned()),
    }
}

/// `?kind=&seal_name=` of the preview.
#[derive(Debug, serde::Deserialize)]
pub struct PreviewQuery {
    kind: String,
    seal_name: String,
    /// The organisation's code: its impression registered with the police, if any.
    #[serde(default)]
    organisation_code: Option<String>,
}

/// The impression the seal being applied for will have, as PNG: the one registered with the
/// police for the organisation typed (official seals), else the standard style of the kind
/// and name typed (applicants and makers; the service checks the role and bounds the name).
pub async fn preview(
    axum::extract::State(s): axum::extract::State<AppState>,
    Extension(ctx): Extension<Ctx>,
    axum::extract::Query(q): axum::extract::Query<PreviewQuery>,
) -> Response {
    let Some(c) = &ctx.caller else {
        return super::to_login(&ctx);
    };
    let Some((kind, _, _)) = kinds()
        .into_iter()
        .find(|(k, _, _)| k.wire_name() == q.kind)
    else {
        return super::not_found(&ctx);
    };
    match s
        .registry()
        .impression_preview(c, &kind, &q.seal_name, q.organisation_code.as_deref())
        .await
    {
        Ok((png, _)) => super::picture("image/png", png),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
