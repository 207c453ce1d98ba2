//! Signing OFD documents with a seal from the console (R-USE-1..5): upload one file or a
//! batch, see the page drawn (eseal-render) with the seal's picture at its true size, place
//! it by dragging (a small script of ours) or by typing the position, by keyword, or as a
//! riding seal (骑缝章); give the use request (official seals), the document's type (position
//! seals) and the PIN; download the signed files. Who may sign, the approval, the scope and
//! the PIN are the signing service's checks, as for the API.
//!
//! The uploaded files wait on a [`Shelf`] for 30 minutes, for the uploader only. A draft is
//! signed at most once: a second submission (a double click, a reload) shows the first one's
//! result instead of signing again.

use super::layout;
use super::shelf::Shelf;
use super::upload::{Trouble, Upload};
use super::verify::local_time;
use super::{Ctx, Lang};
use crate::failure::Failure;
use crate::service::{Credential, SignInput};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64ct::{Base64, Encoding};
use eseal_core::{Seal, SealKind, UseRequest};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

/// Files waiting to be signed: 30 minutes, two drafts per user, 256 MB in all.
static DRAFTS: Shelf<Draft> = Shelf::new(time::Duration::minutes(30), 100, 2, 256 << 20);

/// Most files in one batch.
pub const MAX_FILES: usize = 20;

/// How the pages are drawn for placing (96 dpi: one CSS pixel per pixel).
const DPI: f32 = 96.0;

#[derive(Clone)]
struct Doc {
    name: String,
    bytes: Arc<Vec<u8>>,
    sm3: eseal_gm::Sm3Digest,
    /// After signing: the signed file, or why not.
    result: Option<Result<Arc<Vec<u8>>, Failure>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Placing,
    Signing,
    Signed,
}

#[derive(Clone)]
struct Draft {
    seal: String,
    docs: Vec<Doc>,
    stage: Stage,
}

fn owner(ctx: &Ctx) -> Option<&str> {
    ctx.caller.as_ref().map(|c| c.user.as_str())
}

/// The link to the signing page, on the page of a seal the user may use.
pub fn section(ctx: &Ctx, seal: &Seal) -> Markup {
    let l = ctx.lang;
    let may = ctx.may(crate::service::roles::USE_SEAL);
    let platform = matches!(seal.key_custody, eseal_core::KeyCustody::Platform { .. });
    if !may || !platform || seal.state != eseal_core::SealState::Active {
        return html! {};
    }
    html! {
        div.card {
            h2 { (l.t("盖章", "Stamp documents")) }
            p.muted.small { (l.t("上传 OFD 或 PDF 文件，在页面上放置印章并输入口令后签署。", "Upload OFD or PDF files, place the stamp on the page and sign with the PIN.")) }
            p { a.button href={ "/seals/" (seal.id) "/sign" } { (l.t("上传文件并盖章", "Upload and stamp")) } }
        }
    }
}

fn upload_form(ctx: &Ctx, seal: &Seal, problem: Option<&str>) -> Markup {
    let l = ctx.lang;
    html! {
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        div.card {
            h2 { code { (seal.id) } " " (seal.name) }
            form.stack method="post" action={ "/seals/" (seal.id) "/sign" } enctype="multipart/form-data" data-progress="" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="files" { (l.t("要盖章的 OFD 或 PDF 文件（可多选，同为一种格式，最多 20 份，合计不超过 20 MB）", "OFD or PDF files to stamp (several allowed, all of one format: up to 20, 20 MB together)")) }
                input #files type="file" name="files" accept=".ofd,.pdf,application/ofd,application/pdf" multiple required;
                button type="submit" { (l.t("上传", "Upload")) }
                progress.upload hidden max="100" value="0" {}
            }
        }
    }
}

async fn usable(s: &AppState, ctx: &Ctx, id: &str) -> Result<Seal, Response> {
    let Some(c) = &ctx.caller else {
        return Err(super::to_login(ctx));
    };
    // The service's rule (who may use the seal) decides; a refusal is audited.
    if let Err(e) = s.signing().stamp_picture(c, id).await {
        return Err(super::refused(s, ctx, &e).await);
    }
    s.registry().seal(c, id).await.map_err(|e| ctx.failure(&e))
}

/// The upload form.
pub async fn start(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let seal = match usable(&s, &ctx, &id).await {
        Ok(seal) => seal,
        Err(r) => return r,
    };
    let l = ctx.lang;
    super::html(layout::page(
        &ctx,
        l.t("盖章", "Stamp documents"),
        upload_form(&ctx, &seal, None),
    ))
}

/// Takes the uploaded files (each must be an OFD) and opens the placing page.
pub async fn upload(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let up = Upload::read(&mut parts).await;
    if let Ok(up) = &up
        && let Err(r) = ctx.require_csrf(&s, &up.text("csrf")).await
    {
        return r;
    }
    let seal = match usable(&s, &ctx, &id).await {
        Ok(seal) => seal,
        Err(r) => return r,
    };
    let title = l.t("盖章", "Stamp documents");
    let refuse = |status: StatusCode, why: &str| {
        (
            status,
            super::html(layout::page(
                &ctx,
                title,
                upload_form(&ctx, &seal, Some(why)),
            )),
        )
            .into_response()
    };
    let up = match up {
        Ok(up) => up,
        Err(Trouble::TooLarge) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                l.t(
                    "文件太大：上传的文件合计不能超过 20 MB。",
                    "The files are too large: at most 20 MB together.",
                ),
            );
        }
        Err(t) => {
            return refuse(
                t.status(),
                l.t(
                    "上传未完成或格式不对，请重新选择文件。",
                    "The upload did not complete or is malformed; choose the files again.",
                ),
            );
        }
    };
    let files = up.files("files");
    if files.is_empty() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "请选择要盖章的 OFD 或 PDF 文件",
                "Choose the OFD or PDF files to stamp",
            ),
        );
    }
    if files.len() > MAX_FILES {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            l.t(
                "一次最多签署 20 份文件",
                "At most 20 files are signed at once",
            ),
        );
    }
    let mut docs = Vec::new();
    for (i, (name, bytes)) in files.into_iter().enumerate() {
        let name = if name.is_empty() {
            format!("{}-{}.ofd", l.t("文件", "document"), i + 1)
        } else {
            name
        };
        let kind = eseal_doc::FileKind::sniff(&bytes);
        if !matches!(kind, eseal_doc::FileKind::Ofd | eseal_doc::FileKind::Pdf) {
            let why = match l {
                Lang::Zh => format!(
                    "“{name}”既不是 OFD 文件（ZIP 文件包），也不是 PDF 文件。此页面对 OFD 和 PDF 文件盖章；其他文件请用接口做分离式签名。"
                ),
                Lang::En => format!(
                    "“{name}” is neither an OFD file (a ZIP package) nor a PDF. This page stamps OFD and PDF files; sign other files detached through the API."
                ),
            };
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, &why);
        }
        if docs
            .first()
            .is_some_and(|d: &Doc| eseal_doc::FileKind::sniff(&d.bytes) != kind)
        {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                l.t(
                    "一次上传的文件须同为 OFD 或同为 PDF（两种格式的盖章方式不同）",
                    "The files of one upload are all OFD or all PDF (they are stamped differently)",
                ),
            );
        }
        docs.push(Doc {
            name,
            sm3: eseal_gm::Sm3Digest::of(&bytes),
            bytes: Arc::new(bytes),
            result: None,
        });
    }
    let size = docs.iter().map(|d| d.bytes.len()).sum();
    let draft = Draft {
        seal: seal.id.to_string(),
        docs,
        stage: Stage::Placing,
    };
    match DRAFTS.put(s.random(), owner(&ctx), s.now(), size, draft) {
        Some(d) => {
            Redirect::to(&format!("/seals/{}/sign/{d}", super::urlencode(&id))).into_response()
        }
        None => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            l.t(
                "平台暂时无法接收更多待签文件，请稍后再试。",
                "The platform cannot take more files to sign just now; try again shortly.",
            ),
        ),
    }
}

/// `?page=` of the placing page.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<usize>,
}

/// What the placing form sends (and what is shown again after a refusal).
#[derive(Debug, Default, Deserialize)]
pub struct SignForm {
    csrf: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    x: String,
    #[serde(default)]
    y: String,
    #[serde(default)]
    keyword: String,
    #[serde(default)]
    riding_y: String,
    /// A PDF's signature form: `ses` (default) or `cms`.
    #[serde(default)]
    form: String,
    /// A PDF certification (DocMDP) level, `1`–`3`, or empty: none.
    #[serde(default)]
    certify: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    counterparty: String,
    #[serde(default)]
    use_request: String,
    #[serde(default)]
    document_type: String,
    #[serde(default)]
    business_category: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    pin: String,
    /// Open a signing session with the PIN (no PIN for this seal for 10 minutes).
    #[serde(default)]
    keep_unlocked: Option<String>,
}

fn draft_of(s: &AppState, ctx: &Ctx, id: &str, draft: &str) -> Option<Draft> {
    DRAFTS
        .get(draft, owner(ctx), s.now())
        .filter(|d| d.seal == id)
}

fn expired(ctx: &Ctx, id: &str) -> Response {
    let l = ctx.lang;
    let body = layout::page(
        ctx,
        l.t("盖章", "Stamp documents"),
        html! {
            div.notice.error { (l.t("待签文件已过期（保留 30 分钟）或不存在，请重新上传。", "The files to sign have expired (kept 30 minutes) or do not exist; upload them again.")) }
            p { a href={ "/seals/" (id) "/sign" } { (l.t("重新上传", "Upload again")) } }
        },
    );
    (StatusCode::NOT_FOUND, body).into_response()
}

/// The placing page, or, once signed, the results.
pub async fn placing(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, draft_id)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    let seal = match usable(&s, &ctx, &id).await {
        Ok(seal) => seal,
        Err(r) => return r,
    };
    let Some(draft) = draft_of(&s, &ctx, &id, &draft_id) else {
        return expired(&ctx, &id);
    };
    match draft.stage {
        Stage::Signed => results(&ctx, &seal, &draft_id, &draft),
        Stage::Signing => in_progress(&ctx, &seal, &draft_id),
        Stage::Placing => {
            place_page(
                &s,
                &ctx,
                &seal,
                &draft_id,
                &draft,
                q.page.unwrap_or(1),
                &SignForm::default(),
                None,
            )
            .await
        }
    }
}

fn in_progress(ctx: &Ctx, seal: &Seal, draft: &str) -> Response {
    let l = ctx.lang;
    super::html(layout::page(
        ctx,
        l.t("盖章", "Stamp documents"),
        html! {
            div.notice { (l.t("正在签署这些文件，请稍候。", "These files are being signed; please wait.")) }
            p { a href={ "/seals/" (seal.id) "/sign/" (draft) } { (l.t("刷新查看结果", "Reload to see the result")) } }
        },
    ))
}

/// Approved use requests of this seal that cover every document of the draft.
async fn covering_requests(s: &AppState, ctx: &Ctx, seal: &Seal, draft: &Draft) -> Vec<UseRequest> {
    let Some(c) = &ctx.caller else {
        return Vec::new();
    };
    let docs: Vec<String> = draft.docs.iter().map(|d| d.sm3.to_hex()).collect();
    s.approvals()
        .usable_for(c, &seal.id, &docs)
        .await
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn place_page(
    s: &AppState,
    ctx: &Ctx,
    seal: &Seal,
    draft_id: &str,
    draft: &Draft,
    page: usize,
    keep: &SignForm,
    problem: Option<&str>,
) -> Response {
    let l = ctx.lang;
    let Some(c) = &ctx.caller else {
        return super::to_login(ctx);
    };
    let Some(first) = draft.docs.first() else {
        return expired(ctx, &seal.id);
    };
    let pdf = eseal_doc::FileKind::sniff(&first.bytes) == eseal_doc::FileKind::Pdf;
    // The page is drawn (an OFD by eseal-render, a PDF by hayro); a PDF that cannot be drawn
    // still takes a typed position, its page sizes read.
    let mut drawn = Some(
        s.verification()
            .draw_page(first.bytes.to_vec(), page, DPI)
            .await,
    );
    let pdf_pages = if pdf && !matches!(drawn, Some(Ok(_))) {
        drawn = None;
        Some(crate::documents::pdf_pages(&first.bytes))
    } else {
        None
    };
    let stamp = match s.signing().stamp_picture(c, &seal.id).await {
        Ok(p) => p,
        Err(e) => return ctx.failure(&e),
    };
    let official = matches!(seal.kind, SealKind::Official(_));
    let position = matches!(seal.kind, SealKind::Position(_));
    let unlocked = super::unlock::current(s, ctx, &seal.id);
    let requests = if official {
        covering_requests(s, ctx, seal, draft).await
    } else {
        Vec::new()
    };
    let (page_no, count, w_mm, h_mm) = match (&drawn, &pdf_pages) {
        (Some(Ok(d)), _) => (d.number, d.count, d.width_mm, d.height_mm),
        (None, Some(Ok(sizes))) if !sizes.is_empty() => {
            let n = page.clamp(1, sizes.len());
            let (w, h) = sizes.get(n - 1).copied().unwrap_or((210.0, 297.0));
            (n, sizes.len(), w, h)
        }
        _ => (1, 1, 210.0, 297.0),
    };
    // The stamp starts at the lower right, 30 mm from the right and 40 mm from the bottom.
    let x = if keep.x.is_empty() {
        format!("{:.1}", (w_mm - stamp.width_mm - 30.0).max(0.0))
    } else {
        keep.x.clone()
    };
    let y = if keep.y.is_empty() {
        format!("{:.1}", (h_mm - stamp.height_mm - 40.0).max(0.0))
    } else {
        keep.y.clone()
    };
    let mode = if keep.mode.is_empty() {
        "position"
    } else {
        keep.mode.as_str()
    };
    let action = format!("/seals/{}/sign/{draft_id}", seal.id);
    let stamp_src = stamp
        .media_type
        .map(|m| format!("data:{m};base64,{}", Base64::encode_string(&stamp.data)));
    let n = draft.docs.len();
    super::html(layout::page(
        ctx,
        l.t("盖章", "Stamp documents"),
        html! {
            @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
            div.card {
                h2 { code { (seal.id) } " " (seal.name) }
                table.list {
                    tr { th { (l.t("文件", "File")) } th { (l.t("大小", "Size")) } th { "SM3" } }
                    @for d in &draft.docs {
                        tr { td { (d.name) } td { (size(d.bytes.len())) } td { code.small { (d.sm3.to_hex()) } } }
                    }
                }
                @if n > 1 { p.muted.small { (l.t("多份文件按同一位置盖章；下面显示第一份文件。", "Every file is stamped at the same place; the first file is shown below.")) } }
            }
            div.placing {
                div.sheet-col {
                    p.pager {
                        (l.t("第 ", "Page ")) strong { (page_no) } (l.t(" 页，共 ", " of ")) (count) (l.t(" 页", ""))
                        @if page_no > 1 { " · " a href={ (action) "?page=" (page_no - 1) } { (l.t("上一页", "Previous")) } }
                        @if page_no < count { " · " a href={ (action) "?page=" (page_no + 1) } { (l.t("下一页", "Next")) } }
                    }
                    @match &drawn {
                        Some(Ok(d)) => {
                            div #sheet.sheet data-width-mm=(d.width_mm) data-height-mm=(d.height_mm) data-pages=(count) data-page=(page_no) {
                                img.page src={ "data:image/png;base64," (Base64::encode_string(&d.png)) } alt=(l.t("页面", "page"));
                                @if let Some(src) = &stamp_src {
                                    img #stamp.stamp src=(src) alt=(l.t("印章（拖动以放置）", "the stamp (drag to place)")) data-width-mm=(stamp.width_mm) data-height-mm=(stamp.height_mm) tabindex="0" draggable="false" hidden;
                                }
                            }
                            p.muted.small.js-only { (l.t("拖动印章到盖章位置，或点击页面上的位置；方向键每次移动 1 毫米。", "Drag the stamp where it goes, or click the place on the page; the arrow keys move it 1 mm.")) }
                        }
                        None => {
                            @match &pdf_pages {
                                Some(Err(e)) => { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } }
                                _ => {
                                    div.notice #pdf-note {
                                        (l.t("此 PDF 的页面无法预览。请在右侧填写页码和印章左上角的位置（毫米，从页面左上角量起）；", "This PDF's pages cannot be previewed. Type the page and the stamp's top-left corner on the right (mm from the page's top-left corner); "))
                                        (l.t("本页大小 ", "this page is ")) (format!("{w_mm:.0} × {h_mm:.0}")) (l.t(" 毫米，印章 ", " mm, the stamp ")) (format!("{:.0} × {:.0}", stamp.width_mm, stamp.height_mm)) (l.t(" 毫米。", " mm."))
                                    }
                                    @if let Some(src) = &stamp_src { img.impression src=(src) alt=(l.t("印章", "the stamp")); }
                                }
                            }
                        }
                        Some(Err(e)) => { div.notice.error { (l.t(&e.detail.zh, &e.detail.en)) } }
                    }
                    p.small.muted { (l.t(eseal_render::COPY_NOTICE.0, eseal_render::COPY_NOTICE.1)) }
                }
                form.stack.place-form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    fieldset {
                        legend { (l.t("盖章位置", "Where the stamp goes")) }
                        label.choice { input type="radio" name="mode" value="position" checked[mode == "position"]; @if drawn.is_none() { (l.t("按位置（填写，单位毫米）", "At a position (type it, in mm)")) } @else { (l.t("按位置（拖动或填写，单位毫米）", "At a position (drag or type, in mm)")) } }
                        div.coords {
                            label { (l.t("页码", "Page")) input #page type="number" name="page" min="1" max=(count) value=(page_no); }
                            label { (l.t("距左边", "From left")) input #x type="number" name="x" step="0.1" min="0" value=(x); }
                            label { (l.t("距上边", "From top")) input #y type="number" name="y" step="0.1" min="0" value=(y); }
                        }
                        label.choice { input type="radio" name="mode" value="keyword" checked[mode == "keyword"]; (l.t("盖在关键字上", "On a keyword")) }
                        input #keyword type="text" name="keyword" value=(keep.keyword) maxlength="100" placeholder=(l.t("如：（盖章）", "e.g. (seal)")) aria-label=(l.t("关键字", "Keyword"));
                        @if count > 1 || !pdf {
                            label.choice { input type="radio" name="mode" value="riding" checked[mode == "riding"]; (l.t("骑缝章（每页右边缘一部分）", "Riding seal (a slice at each page's right edge)")) }
                            label { (l.t("距上边（毫米）", "From top (mm)")) input #riding_y type="number" name="riding_y" step="0.1" min="0" value=(if keep.riding_y.is_empty() { "120" } else { keep.riding_y.as_str() }); }
                        }
                    }
                    @if pdf {
                        fieldset #pdf-options {
                            legend { (l.t("PDF 签名", "PDF signature")) }
                            label.choice { input type="radio" name="form" value="ses" checked[keep.form != "cms"]; (l.t("电子签章数据（GB/T 38540，印章数据在签名内）", "Seal signature data (GB/T 38540, the seal inside)")) }
                            label.choice { input type="radio" name="form" value="cms" checked[keep.form == "cms"]; (l.t("CMS 签名（SM2/SM3，通用 PDF 阅读器可识别）", "CMS signature (SM2/SM3, as PDF readers know it)")) }
                            label for="certify" { (l.t("认证签名（公文等，限文件的第一个签名）", "Certify (official documents; only a file's first signature)")) }
                            select #certify name="certify" {
                                option value="" selected[keep.certify.is_empty()] { (l.t("不认证", "Do not certify")) }
                                option value="1" selected[keep.certify == "1"] { (l.t("认证：其后不允许任何修改", "Certify: no later change")) }
                                option value="2" selected[keep.certify == "2"] { (l.t("认证：只允许填表和签名", "Certify: form filling and signatures only")) }
                                option value="3" selected[keep.certify == "3"] { (l.t("认证：还允许批注", "Certify: also annotations")) }
                            }
                        }
                    }
                    label for="purpose" { (l.t("用途", "Purpose")) }
                    input #purpose type="text" name="purpose" value=(keep.purpose) maxlength="200" required;
                    label for="counterparty" { (l.t("相对方（可选）", "Counterparty (optional)")) }
                    input #counterparty type="text" name="counterparty" value=(keep.counterparty) maxlength="200";
                    @if official {
                        label for="use_request" { (l.t("已批准的用印申请", "Approved use request")) }
                        @if requests.is_empty() {
                            div.notice.error { (l.t("没有覆盖这些文件的已批准用印申请。单位印章须先申请用印、经审批后才能盖章。", "No approved use request covers these files. An official seal is used only under an approved request.")) " " a href={ "/seals/" (seal.id) } { (l.t("去申请", "Ask for one")) } }
                        }
                        select #use_request name="use_request" required {
                            @for r in &requests {
                                option value=(r.id) selected[keep.use_request == r.id] { (r.id) " · " (r.purpose) " · " (l.t("剩余 ", "left: ")) (r.stamps - r.used) " · " (l.t("至 ", "until ")) (local_time(&crate::views::rfc(r.not_after))) }
                            }
                        }
                    }
                    @if position {
                        label for="document_type" { (l.t("文件类型（授权范围内）", "Document type (within the scope)")) }
                        input #document_type type="text" name="document_type" value=(keep.document_type) maxlength="100" required;
                        label for="business_category" { (l.t("业务类别（可选）", "Business category (optional)")) }
                        input #business_category type="text" name="business_category" value=(keep.business_category) maxlength="100";
                        label for="amount" { (l.t("金额（元，可选）", "Amount (yuan, optional)")) }
                        input #amount type="number" name="amount" min="0" value=(keep.amount);
                    }
                    @if let Some((_, until)) = &unlocked {
                        div.notice #unlocked { (l.t("本印章已解锁：", "This seal is unlocked: ")) (local_time(&crate::views::rfc(*until))) (l.t(" 前签署无需再输入口令。", " until then no PIN is asked.")) }
                        input type="hidden" name="pin" value="";
                    } @else {
                        label for="pin" { (l.t("印章口令", "The seal's PIN")) }
                        input #pin type="password" name="pin" inputmode="numeric" autocomplete="off" required;
                        label.check {
                            input #keep_unlocked type="checkbox" name="keep_unlocked" value="1";
                            " " (l.t("保持解锁 10 分钟（此间用本印章签署无需再输入口令）", "Keep the seal unlocked for 10 minutes (no PIN for it until then)"))
                        }
                    }
                    button type="submit" { @if n > 1 { (l.t("签署全部 ", "Sign all ")) (n) (l.t(" 份文件", " files")) } @else { (l.t("盖章", "Stamp")) } }
                }
            }
        },
    ))
}

fn size(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / f64::from(1u32 << 20))
    } else {
        format!("{:.0} KB", (n as f64 / 1024.0).ceil())
    }
}

/// The placement the form chose.
fn placement(l: Lang, f: &SignForm) -> Result<eseal_doc::Placement, String> {
    let num = |v: &str, zh: &str, en: &str| -> Result<f32, String> {
        v.trim()
            .parse::<f32>()
            .ok()
            .filter(|n| n.is_finite() && (0.0..=5000.0).contains(n))
            .ok_or_else(|| l.t(zh, en).to_owned())
    };
    match f.mode.as_str() {
        "keyword" => {
            let k = f.keyword.trim();
            if k.is_empty() {
                return Err(l.t("请填写关键字", "Give the keyword").to_owned());
            }
            Ok(eseal_doc::Placement::Keyword(k.to_owned()))
        }
        "riding" => Ok(eseal_doc::Placement::Riding {
            y: num(
                &f.riding_y,
                "骑缝章位置须为 0 到 5000 毫米",
                "the riding seal's position must be 0–5000 mm",
            )?,
        }),
        _ => Ok(eseal_doc::Placement::Page {
            page: f
                .page
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| {
                    l.t("页码须为正整数", "The page must be a whole number from 1")
                        .to_owned()
                })?,
            x: num(
                &f.x,
                "距左边须为 0 到 5000 毫米",
                "from left must be 0–5000 mm",
            )?,
            y: num(
                &f.y,
                "距上边须为 0 到 5000 毫米",
                "from top must be 0–5000 mm",
            )?,
        }),
    }
}

/// The placing page again, with what was typed and why it was not signed.
async fn back(
    s: &AppState,
    ctx: &Ctx,
    seal: &Seal,
    draft_id: &str,
    draft: &Draft,
    f: &SignForm,
    why: &str,
) -> Response {
    let page = f.page.trim().parse().unwrap_or(1);
    let mut r = place_page(s, ctx, seal, draft_id, draft, page, f, Some(why)).await;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// Signs the draft's files (once), then shows the results.
pub async fn sign(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, draft_id)): Path<(String, String)>,
    Form(f): Form<SignForm>,
) -> Response {
    if let Err(r) = ctx.require_csrf(&s, &f.csrf).await {
        return r;
    }
    let seal = match usable(&s, &ctx, &id).await {
        Ok(seal) => seal,
        Err(r) => return r,
    };
    let Some(c) = ctx.caller.clone() else {
        return super::to_login(&ctx);
    };
    let l = ctx.lang;
    // Take the draft for signing: only one submission signs.
    let now = s.now();
    let Some(taken) = DRAFTS.with(&draft_id, owner(&ctx), now, |d| {
        if d.seal != id {
            return None;
        }
        let before = d.stage;
        if before == Stage::Placing {
            d.stage = Stage::Signing;
        }
        Some((before, d.clone()))
    }) else {
        return expired(&ctx, &id);
    };
    let Some((before, draft)) = taken else {
        return expired(&ctx, &id);
    };
    if before != Stage::Placing {
        return Redirect::to(&format!("/seals/{}/sign/{draft_id}", super::urlencode(&id)))
            .into_response();
    }
    let release = |stage: Stage| {
        DRAFTS.with(&draft_id, owner(&ctx), s.now(), |d| d.stage = stage);
    };
    let placement = match placement(l, &f) {
        Ok(p) => p,
        Err(why) => {
            release(Stage::Placing);
            return back(&s, &ctx, &seal, &draft_id, &draft, &f, &why).await;
        }
    };
    let amount = match f.amount.trim() {
        "" => None,
        a => match a.parse::<u64>() {
            Ok(a) => Some(a),
            Err(_) => {
                release(Stage::Placing);
                let why = l.t("金额须为整数（元）", "The amount must be whole yuan");
                return back(&s, &ctx, &seal, &draft_id, &draft, &f, why).await;
            }
        },
    };
    let pdf = crate::documents::PdfOptions {
        placement: None,
        certify: match f.certify.trim() {
            "1" => Some(1),
            "2" => Some(2),
            "3" => Some(3),
            _ => None,
        },
        form: match f.form.as_str() {
            "cms" => eseal_doc::PdfForm::Cms,
            _ => eseal_doc::PdfForm::Ses,
        },
        hashed: None,
    };
    let opt = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut documents = Vec::with_capacity(draft.docs.len());
    for d in &draft.docs {
        match crate::documents::visible(d.bytes.to_vec(), &placement, pdf.clone()) {
            Ok(v) => documents.push(v),
            Err(e) => {
                release(Stage::Placing);
                let why = l.t(&e.detail.zh, &e.detail.en);
                return back(&s, &ctx, &seal, &draft_id, &draft, &f, why).await;
            }
        }
    }
    let inputs: Vec<SignInput> = draft
        .docs
        .iter()
        .zip(documents)
        .map(|(d, document)| SignInput {
            document_sm3: d.sm3,
            document_name: d.name.clone(),
            purpose: f.purpose.trim().to_owned(),
            counterparty: opt(&f.counterparty),
            use_request: opt(&f.use_request),
            claim: eseal_core::UseClaim {
                document_type: opt(&f.document_type),
                business_category: opt(&f.business_category),
                amount,
            },
            document: Some(document),
        })
        .collect();
    let signing = s.signing();
    // A signing session already open in this console session stands for the PIN; one is
    // opened when asked for; else the PIN.
    let open = super::unlock::current(&s, &ctx, &id).filter(|_| f.pin.trim().is_empty());
    let by_session = open.is_some() || f.keep_unlocked.is_some();
    let credential = match open {
        Some((token, _)) => Credential::Session(token),
        None if f.keep_unlocked.is_some() => {
            match super::unlock::open(&s, &ctx, &c, &id, &f.pin).await {
                Ok(token) => Credential::Session(token),
                Err(e) => {
                    release(Stage::Placing);
                    let why = l.t(&e.detail.zh, &e.detail.en);
                    return back(&s, &ctx, &seal, &draft_id, &draft, &f, why).await;
                }
            }
        }
        None => Credential::Pin(f.pin.clone()),
    };
    let results: Result<Vec<Result<crate::service::Signed, Failure>>, Failure> =
        if inputs.len() == 1 {
            let mut inputs = inputs;
            match inputs.pop() {
                Some(one) => signing
                    .sign(&c, &id, credential, one)
                    .await
                    .map(|r| vec![Ok(r)]),
                None => Ok(Vec::new()),
            }
        } else {
            signing.sign_batch(&c, &id, credential, inputs).await
        };
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            release(Stage::Placing);
            if by_session {
                // The session ended or was refused: the PIN is asked for again.
                super::unlock::forget(&s, &ctx, &id);
            }
            if e.kind == crate::failure::Kind::Forbidden {
                super::audit_refusal(&s, &ctx, "role").await;
            }
            let why = l.t(&e.detail.zh, &e.detail.en);
            return back(&s, &ctx, &seal, &draft_id, &draft, &f, why).await;
        }
    };
    let mut grown = 0;
    DRAFTS.with(&draft_id, owner(&ctx), s.now(), |d| {
        for (doc, r) in d.docs.iter_mut().zip(results) {
            doc.result = Some(match r {
                Ok(signed) => {
                    grown += signed.signature.len();
                    Ok(Arc::new(signed.signature))
                }
                Err(e) => Err(e),
            });
        }
        d.stage = Stage::Signed;
        grown += d.docs.iter().map(|d| d.bytes.len()).sum::<usize>();
    });
    DRAFTS.resize(&draft_id, grown);
    Redirect::to(&format!("/seals/{}/sign/{draft_id}", super::urlencode(&id))).into_response()
}

fn results(ctx: &Ctx, seal: &Seal, draft_id: &str, draft: &Draft) -> Response {
    let l = ctx.lang;
    let ok = draft
        .docs
        .iter()
        .filter(|d| matches!(d.result, Some(Ok(_))))
        .count();
    super::html(layout::page(
        ctx,
        l.t("盖章结果", "Stamped"),
        html! {
            div.notice { (l.t("已签署 ", "Signed ")) (ok) " / " (draft.docs.len()) (l.t(" 份文件。签署后的文件保留 30 分钟供下载，平台不保存。", " files. The signed files can be downloaded for 30 minutes; the platform does not keep them.")) }
            table.list {
                tr { th { (l.t("文件", "File")) } th { (l.t("结果", "Result")) } th {} }
                @for (i, d) in draft.docs.iter().enumerate() {
                    tr {
                        td { (d.name) }
                        @match &d.result {
                            Some(Ok(_)) => {
                                td { span.badge.valid { (l.t("已签署", "signed")) } }
                                td { a.download href={ "/seals/" (seal.id) "/sign/" (draft_id) "/file/" (i + 1) } { (l.t("下载已签章文件", "Download the signed file")) } }
                            }
                            Some(Err(e)) => { td { span.badge.revoked { (l.t("未签署", "not signed")) } } td { (l.t(&e.detail.zh, &e.detail.en)) } }
                            None => { td { (l.t("未签署", "not signed")) } td {} }
                        }
                    }
                }
            }
            p {
                a href="/verify" { (l.t("验证签章文件", "Verify a signed file")) } " · "
                a href={ "/seals/" (seal.id) "#ledger" } { (l.t("查看用印记录", "See the usage ledger")) } " · "
                a href={ "/seals/" (seal.id) "/sign" } { (l.t("继续盖章", "Stamp more files")) }
            }
        },
    ))
}

/// Downloads signed file `n` (1-based) of a draft.
pub async fn download(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, draft_id, n)): Path<(String, String, usize)>,
) -> Response {
    if ctx.caller.is_none() {
        return super::to_login(&ctx);
    }
    let file = draft_of(&s, &ctx, &id, &draft_id).and_then(|d| {
        let doc = d.docs.get(n.checked_sub(1)?)?.clone();
        match doc.result {
            Some(Ok(bytes)) => Some((doc.name, bytes)),
            _ => None,
        }
    });
    let Some((name, bytes)) = file else {
        return expired(&ctx, &id);
    };
    let (ext, media) = if eseal_doc::FileKind::sniff(&bytes) == eseal_doc::FileKind::Pdf {
        ("pdf", "application/pdf")
    } else {
        ("ofd", "application/ofd")
    };
    let stem = match name.rsplit_once('.') {
        Some((stem, e)) if e.eq_ignore_ascii_case(ext) => stem,
        _ => &name,
    };
    let signed_name = format!("{stem}-{}.{ext}", ctx.lang.t("已签章", "signed"));
    let mut r = bytes.to_vec().into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"signed.{ext}\"; filename*=UTF-8''{}",
        super::urlencode(&signed_name).replace('/', "%2F")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
