//! The public verification page: upload an OFD (or a file and its detached signature), read
//! the report — the verdict, the stamped pages drawn with each stamp's verdict, every check —
//! and download it as HTML or JSON. No login; the same rate limit, size limit and bounded
//! work as `POST /api/v1/verify`.

use super::layout;
use super::shelf::Shelf;
use super::upload::Upload;
use super::{Ctx, Lang};
use crate::state::AppState;
use crate::views::VerifyAnswer;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64ct::{Base64, Encoding};
use eseal_ses::{Indication, Outcome};
use maud::{Markup, html};
use time::OffsetDateTime;

/// The largest upload (the files together).
pub const UPLOAD_LIMIT: usize = 20 << 20;
/// Reports kept for download: 30 minutes, at most 20 and 64 MB together (the oldest goes
/// first).
static REPORTS: Shelf<Report> = Shelf::new(time::Duration::minutes(30), 20, 20, 64 << 20);

/// Beijing time (UTC+8, no daylight saving).
fn beijing() -> time::UtcOffset {
    time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC)
}

/// An RFC 3339 time as Beijing time, `2026-12-05 14:30:00`.
pub fn local_time(rfc3339: &str) -> String {
    OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(fmt_local)
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn fmt_local(t: OffsetDateTime) -> String {
    let t = t.to_offset(beijing());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-12-05 14:30` (or with seconds, or a date alone) in Beijing time.
pub fn parse_local_time(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    let (date, clock) = text.split_once([' ', 'T']).unwrap_or((text, "00:00"));
    let d: Vec<u32> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    let c: Vec<u32> = clock.split(':').filter_map(|p| p.parse().ok()).collect();
    let (&[y, mo, day], Some(h), Some(mi)) = (d.as_slice(), c.first(), c.get(1)) else {
        return None;
    };
    let date = time::Date::from_calendar_date(
        i32::try_from(y).ok()?,
        time::Month::try_from(u8::try_from(mo).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(*h).ok()?,
        u8::try_from(*mi).ok()?,
        u8::try_from(c.get(2).copied().unwrap_or(0)).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_offset(beijing()))
}

/// A report kept for download.
#[derive(Clone)]
struct Report {
    json: std::sync::Arc<String>,
    html: std::sync::Arc<String>,
}

/// The upload form.
pub async fn form(Extension(ctx): Extension<Ctx>) -> Response {
    let l = ctx.lang;
    super::html(layout::page(
        &ctx,
        l.t("验证签章文件", "Verify a signed file"),
        upload_forms(&ctx, None),
    ))
}

fn upload_forms(ctx: &Ctx, problem: Option<&str>) -> Markup {
    let l = ctx.lang;
    html! {
        @if let Some(p) = problem { div.notice.error role="alert" { (p) } }
        div.card {
            h2 { (l.t("OFD 或 PDF 文件", "An OFD or PDF file")) }
            p.muted { (l.t("上传加盖电子印章的 OFD 或 PDF 文件（不超过 20 MB），验证其中每个签章。文件不会保存。", "Upload an OFD or PDF file with electronic seals (up to 20 MB) to verify each of its signatures. The file is not kept.")) }
            form.stack method="post" action="/verify" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="ofd" { (l.t("选择文件", "Choose the file")) }
                input #ofd type="file" name="ofd" accept=".ofd,.pdf,application/ofd,application/pdf" required;
                button type="submit" { (l.t("验证", "Verify")) }
            }
        }
        div.card {
            h2 { (l.t("原文与分离式签名", "A file and its detached signature")) }
            form.stack method="post" action="/verify" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(ctx.csrf);
                label for="data" { (l.t("原文文件", "The signed file")) }
                input #data type="file" name="data" required;
                label for="signature" { (l.t("签名文件（SES_Signature）", "The signature (SES_Signature)")) }
                input #signature type="file" name="signature" required;
                button.secondary type="submit" { (l.t("验证", "Verify")) }
            }
        }
    }
}

/// Reads the upload, verifies, draws the stamped pages, shows the report.
pub async fn check(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    headers: axum::http::HeaderMap,
    mut parts: Multipart,
) -> Response {
    let l = ctx.lang;
    let title = l.t("验证签章文件", "Verify a signed file");
    let refuse = |status: StatusCode, why: &str| {
        (
            status,
            super::html(layout::page(&ctx, title, upload_forms(&ctx, Some(why)))),
        )
            .into_response()
    };
    // The same admission as the API's (rate, and the upload budget), held to the end.
    let _admitted = match s.limiters().admit(
        crate::limits::Class::Verify,
        ctx.client,
        crate::limits::content_length(&headers),
        UPLOAD_LIMIT,
    ) {
        Ok(a) => a,
        Err(crate::limits::Refused::Rate(wait)) => {
            let why = match l {
                Lang::Zh => format!("验证请求过多，请 {wait} 秒后再试"),
                Lang::En => format!("Too many verifications; try again in {wait} s."),
            };
            return refuse(StatusCode::TOO_MANY_REQUESTS, &why);
        }
        // The forms again with the reason, as for the rate: the person can try again.
        Err(refused) => {
            let why = refused.failure(ctx.client).detail;
            let why = match l {
                Lang::Zh => why.zh,
                Lang::En => super::sentence(&why.en),
            };
            return refuse(StatusCode::SERVICE_UNAVAILABLE, &why);
        }
    };
    let up = match Upload::read(&mut parts).await {
        Ok(up) => up,
        Err(t) => return upload_problem(&ctx, t, &refuse),
    };
    let (csrf, ofd, data, sig) = (
        up.text("csrf"),
        up.file("ofd"),
        up.file("data"),
        up.file("signature"),
    );
    if let Err(r) = ctx.require_csrf(&s, &csrf).await {
        return r;
    }
    let verification = s.verification();
    let cancel = crate::verifying::CancelOnDrop::default();
    let (answer, document) = match (ofd, sig, data) {
        (Some(doc), None, None) if !doc.is_empty() => match eseal_doc::FileKind::sniff(&doc) {
            eseal_doc::FileKind::Ofd => match verification.ofd(doc.clone(), cancel.flag()).await {
                Ok(a) => (a, Some(doc)),
                Err(e) => return ctx.failure(&e),
            },
            // PDF pages are not drawn (no PDF renderer in the platform yet).
            eseal_doc::FileKind::Pdf => match verification.pdf(doc, cancel.flag()).await {
                Ok(a) => (a, None),
                Err(e) => return ctx.failure(&e),
            },
            _ => {
                return refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    l.t(
                        "这既不是 OFD 文件（ZIP 文件包），也不是 PDF 文件。其他格式请用分离式签名验证。",
                        "This is neither an OFD file (a ZIP package) nor a PDF. Other files are verified with their detached signature.",
                    ),
                );
            }
        },
        (None, Some(sig), Some(data)) if !sig.is_empty() => {
            match verification
                .detached(&sig, eseal_gm::Sm3Digest::of(&data))
                .await
            {
                Ok(a) => (a, None),
                Err(e) => return ctx.failure(&e),
            }
        }
        _ => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                l.t(
                    "请选择一个 OFD 或 PDF 文件，或原文和签名两个文件",
                    "Choose an OFD or PDF file, or a file and its signature",
                ),
            );
        }
    };
    drop(cancel);
    let (pages, page_problems) = match document {
        Some(doc) => match verification.stamped_pages(doc, &answer, 96.0).await {
            Ok((p, w)) => (p, w),
            Err(e) => (
                Vec::new(),
                vec![eseal_render::Warning {
                    file: String::new(),
                    text: e.detail.clone(),
                }],
            ),
        },
        None => (Vec::new(), Vec::new()),
    };
    // The report for download: the same content, self-contained.
    let standalone = html! {
        (maud::DOCTYPE)
        html lang=(ctx.lang.code()) {
            head { meta charset="utf-8"; title { (title) } style { (maud::PreEscaped(include_str!("assets/console.css"))) } }
            body { main { h1 { (l.t("电子签章验证报告", "Electronic seal verification report")) } (report(&ctx, &answer, &pages, &page_problems, None)) } }
        }
    }
    .into_string();
    let json = serde_json::to_string_pretty(&answer).unwrap_or_default();
    let id = REPORTS.put(
        s.random(),
        None,
        s.now(),
        json.len() + standalone.len(),
        Report {
            json: json.into(),
            html: standalone.into(),
        },
    );
    let body = report(&ctx, &answer, &pages, &page_problems, id.as_deref());
    super::html(layout::page(
        &ctx,
        l.t("验证报告", "Verification report"),
        body,
    ))
}

fn upload_problem(
    ctx: &Ctx,
    t: super::upload::Trouble,
    refuse: &dyn Fn(StatusCode, &str) -> Response,
) -> Response {
    let l = ctx.lang;
    if t == super::upload::Trouble::TooLarge {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            l.t(
                "文件太大：上传的文件合计不能超过 20 MB。",
                "The files are too large: at most 20 MB together.",
            ),
        );
    }
    refuse(
        t.status(),
        l.t(
            "上传未完成或格式不对，请重新选择文件。",
            "The upload did not complete or is malformed; choose the file again.",
        ),
    )
}

fn indication_class(i: Indication) -> &'static str {
    match i {
        Indication::Passed => "passed",
        Indication::Failed => "failed",
        Indication::Indeterminate => "indeterminate",
    }
}

/// A check's evidence with each RFC 3339 time in a span kept on one line (a time broke at
/// its date's hyphens: "2036-06-" at the end of one line, "28T10:00:00+08:00" on the next).
fn evidence(text: &str) -> Markup {
    let mut parts: Vec<(bool, &str)> = Vec::new();
    let (mut plain, mut i) = (0, 0);
    while i < text.len() {
        match text.get(i..).and_then(time_len) {
            Some(n) => {
                parts.push((false, text.get(plain..i).unwrap_or_default()));
                parts.push((true, text.get(i..i + n).unwrap_or_default()));
                i += n;
                plain = i;
            }
            None => i += 1,
        }
    }
    parts.push((false, text.get(plain..).unwrap_or_default()));
    html! { @for (time, part) in parts { @if time { span.when { (part) } } @else { (part) } } }
}

/// The length of the RFC 3339 time `s` starts with (`2026-07-01T10:00:00` and `Z` or an
/// offset), if it starts with one.
fn time_len(s: &str) -> Option<usize> {
    const SHAPE: &[u8] = b"0000-00-00T00:00:00";
    let b = s.as_bytes();
    let fits = |at: usize, shape: &[u8]| {
        b.get(at..at + shape.len()).is_some_and(|got| {
            got.iter().zip(shape).all(|(g, p)| {
                if *p == b'0' {
                    g.is_ascii_digit()
                } else {
                    g == p
                }
            })
        })
    };
    if !fits(0, SHAPE) {
        return None;
    }
    let n = SHAPE.len();
    match b.get(n) {
        Some(b'Z') => Some(n + 1),
        Some(b'+' | b'-') if fits(n + 1, b"00:00") => Some(n + 6),
        _ => None,
    }
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "outcome-passed",
        Outcome::Failed => "outcome-failed",
        Outcome::Indeterminate => "outcome-indeterminate",
        Outcome::Warning => "outcome-warning",
        Outcome::NotChecked => "outcome-not_checked",
        Outcome::NotApplicable => "outcome-not_applicable",
    }
}

/// The report: verdict, pages, signatures. `download`: the id of the kept copy.
fn report(
    ctx: &Ctx,
    answer: &VerifyAnswer,
    pages: &[(usize, Vec<u8>)],
    page_problems: &[eseal_render::Warning],
    download: Option<&str>,
) -> Markup {
    let l = ctx.lang;
    let label = |i: Indication| {
        let (zh, en) = i.labels();
        l.t(zh, en).to_owned()
    };
    html! {
        div.card #verdict {
            p { (l.t("结论：", "Result: ")) span class={ "badge " (indication_class(answer.indication)) } { (label(answer.indication)) } }
            @if answer.signatures.is_empty() { p { (l.t("文件中没有签章。", "The file carries no signature.")) } }
            @if let Some(id) = download {
                p.small {
                    a href={ "/verify/report/" (id) ".html" } { (l.t("下载报告（HTML）", "Download the report (HTML)")) }
                    " · "
                    a href={ "/verify/report/" (id) ".json" } { (l.t("下载报告（JSON）", "Download the report (JSON)")) }
                    " · "
                    a href="/verify" { (l.t("验证另一个文件", "Verify another file")) }
                }
            }
        }
        @if !pages.is_empty() {
            h2 { (l.t("盖章页面", "Pages with stamps")) }
            div.notice.copy { (l.t(eseal_render::COPY_NOTICE.0, eseal_render::COPY_NOTICE.1)) }
            p.legend.small {
                (l.t("印章外框表示该签章的验证结论：", "The frame around each stamp is its signature's verdict:"))
                span.sw-passed {} (label(Indication::Passed))
                span.sw-failed {} (label(Indication::Failed))
                span.sw-indeterminate {} (label(Indication::Indeterminate))
            }
            @for (n, png) in pages {
                figure.page {
                    img alt={ (l.t("第 ", "Page ")) (n) (l.t(" 页（效果图）", " (rendering)")) } src={ "data:image/png;base64," (Base64::encode_string(png)) };
                    figcaption { (l.t("第 ", "Page ")) (n) (l.t(" 页（效果图）", " (rendering)")) }
                }
            }
        }
        @if !page_problems.is_empty() {
            details.small {
                summary { (l.t("绘制页面时遇到的问题", "Problems met drawing the pages")) " (" (page_problems.len()) ")" }
                ul { @for w in page_problems { li { @if !w.file.is_empty() { code { (w.file) } " " } (l.t(&w.text.zh, &w.text.en)) } } }
            }
        }
        @for (n, v) in answer.signatures.iter().enumerate() {
            div.card {
                h2 {
                    (l.t("签章 ", "Signature ")) (n + 1) " "
                    span class={ "badge " (indication_class(v.indication)) } { (label(v.indication)) }
                }
                @if let Some(r) = &v.registry {
                    dl.facts {
                        dt { (l.t("印章编码", "Seal ID")) } dd { code { (r.seal_id) } }
                        dt { (l.t("本平台制作", "Made here")) } dd { (if r.made_here { l.t("是", "yes") } else { l.t("否", "no") }) }
                        @if let Some(t) = r.signing_time { dt { (l.t("签章时间", "Signed at")) } dd { (fmt_local(t)) " " span.muted.small { (if r.time_source == "timestamp" { l.t("（时间戳证明）", "(proven by a timestamp)") } else { l.t("（签章者声称）", "(as the signer claims)") }) } } }
                        @if let (Some(zh), Some(en)) = (&r.verdict_zh, &r.verdict) { dt { (l.t("登记平台结论", "Registry")) } dd { (l.t(zh, en)) } }
                    }
                }
                table.list.checks {
                    tr { th { (l.t("检查项", "Check")) } th { (l.t("结果", "Outcome")) } th { (l.t("依据", "Evidence")) } }
                    @for c in &v.report.checks {
                        tr {
                            td { ({ let (zh, en) = c.id.labels(); l.t(zh, en).to_owned() }) }
                            td class=(outcome_class(c.outcome)) { ({ let (zh, en) = c.outcome.labels(); l.t(zh, en).to_owned() }) }
                            td { (evidence(c.detail_in(l == Lang::Zh))) }
                        }
                    }
                }
            }
        }
    }
}

/// `/verify/report/{id}.html|.json`: a report made in the last 30 minutes.
pub async fn download(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(file): Path<String>,
) -> Response {
    let (id, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
    let Some(Report { json, html: page }) = REPORTS.get(id, None, s.now()) else {
        return ctx.refusal(
            StatusCode::NOT_FOUND,
            ctx.lang.t(
                "报告已过期（保留 30 分钟），请重新验证文件。",
                "The report has expired (kept 30 minutes); verify the file again.",
            ),
        );
    };
    let (body, mime, name) = match ext {
        "json" => (json.to_string(), "application/json", "report.json"),
        _ => (page.to_string(), "text/html; charset=utf-8", "report.html"),
    };
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn evidence_times_stay_on_one_line() {
        let html = super::evidence(
            "有效期 2026-07-01T09:55:00+08:00 至 2036-06-28T02:00:00Z；序列号 2026-07",
        )
        .into_string();
        assert_eq!(
            html,
            "有效期 <span class=\"when\">2026-07-01T09:55:00+08:00</span> 至 \
             <span class=\"when\">2036-06-28T02:00:00Z</span>；序列号 2026-07"
        );
        assert_eq!(super::evidence("<b>").into_string(), "&lt;b&gt;");
    }
}
