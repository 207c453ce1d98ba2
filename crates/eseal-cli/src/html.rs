//! A self-contained HTML rendering of a verification report (styles inline, the seal picture
//! as a data URI), in the chosen language.

use crate::i18n::{self, Lang};
use base64ct::{Base64, Encoding};
use eseal_ses::{Indication, Outcome};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn colour(i: Indication) -> &'static str {
    match i {
        Indication::Passed => "#1a7f37",
        Indication::Failed => "#cf222e",
        Indication::Indeterminate => "#9a6700",
    }
}

/// One signature's section.
pub struct Section<'a> {
    /// Heading.
    pub title: String,
    /// Indication.
    pub indication: Indication,
    /// The checks.
    pub checks: &'a [eseal_ses::Check],
    /// The seal picture.
    pub picture: Option<(&'a str, &'a [u8])>,
    /// What a FAILED or INDETERMINATE verdict means and what to do.
    pub advice: Option<eseal_ses::Advice>,
}

/// The pages drawn for the report: each stamped page as PNG, or why they could not be drawn.
pub enum Pages {
    /// None (a detached signature has no pages).
    None,
    /// (page number, PNG).
    Drawn(Vec<(usize, Vec<u8>)>),
    /// The reason, in the report's language.
    Failed(String),
}

/// The whole page.
pub fn page(
    file: &str,
    overall: Indication,
    sections: &[Section<'_>],
    pages: &Pages,
    lang: Lang,
) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;color:#1f2328}}table{{border-collapse:collapse;width:100%}}\
td,th{{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}}td:nth-child(-n+2){{white-space:nowrap}}.seal{{float:right;width:12em;margin-left:1em}}\
.badge{{color:#fff;padding:.1em .5em;border-radius:.3em}}\
figure{{margin:1em 0}}figure img{{max-width:min(100%,48em);border:1px solid #d0d7de;box-shadow:0 1px 3px #0002}}\
.copy{{background:#fff8c5;border:1px solid #d4a72c;padding:.5em .8em;border-radius:.3em}}\
.legend span{{display:inline-block;width:1em;height:.8em;margin:0 .3em 0 1em;vertical-align:middle}}</style></head><body>",
        if lang == Lang::Zh { "zh-CN" } else { "en" },
        esc(lang.t("电子签章验证报告", "Electronic seal verification report"))
    ));
    out.push_str(&format!(
        "<h1>{}</h1><p>{}: <code>{}</code></p><p>{}: <span class=\"badge\" style=\"background:{}\">{}</span></p>",
        esc(lang.t("电子签章验证报告", "Electronic seal verification report")),
        esc(lang.t("文件", "File")),
        esc(file),
        esc(lang.t("结论", "Result")),
        colour(overall),
        esc(i18n::indication_label(lang, overall))
    ));
    match pages {
        Pages::None => {}
        Pages::Drawn(list) if list.is_empty() => {}
        Pages::Drawn(list) => {
            out.push_str(&format!(
                "<section><h2>{}</h2><p class=\"copy\">{}</p><p class=\"legend\">{}<span style=\"background:#16a34a\"></span>{}<span style=\"background:#dc2626\"></span>{}<span style=\"background:#787878\"></span>{}</p>",
                esc(lang.t("盖章页面", "Pages with stamps")),
                esc(lang.t(eseal_render::COPY_NOTICE.0, eseal_render::COPY_NOTICE.1)),
                esc(lang.t("印章外框表示该签章的验证结论：", "The frame around each stamp is its signature's verdict:")),
                esc(i18n::indication_label(lang, Indication::Passed)),
                esc(i18n::indication_label(lang, Indication::Failed)),
                esc(i18n::indication_label(lang, Indication::Indeterminate)),
            ));
            for (n, png) in list {
                out.push_str(&format!(
                    "<figure><img alt=\"{alt}\" src=\"data:image/png;base64,{}\"><figcaption>{alt}</figcaption></figure>",
                    Base64::encode_string(png),
                    alt = esc(&match lang {
                        Lang::Zh => format!("第 {n} 页（效果图）"),
                        Lang::En => format!("Page {n} (rendering)"),
                    }),
                ));
            }
            out.push_str("</section>");
        }
        Pages::Failed(why) => out.push_str(&format!(
            "<p class=\"copy\">{}{}</p>",
            esc(lang.t("页面无法绘制：", "The pages could not be drawn: ")),
            esc(why)
        )),
    }
    for s in sections {
        out.push_str("<section>");
        if let Some((mime, bytes)) = s.picture {
            out.push_str(&format!(
                "<img class=\"seal\" alt=\"seal\" src=\"data:{mime};base64,{}\">",
                Base64::encode_string(bytes)
            ));
        }
        out.push_str(&format!(
            "<h2>{} <span class=\"badge\" style=\"background:{}\">{}</span></h2><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            esc(&s.title),
            colour(s.indication),
            esc(i18n::indication_label(lang, s.indication)),
            esc(lang.t("检查项", "Check")),
            esc(lang.t("结果", "Outcome")),
            esc(lang.t("依据", "Evidence"))
        ));
        for c in s.checks {
            let col = match c.outcome {
                Outcome::Passed => "#1a7f37",
                Outcome::Failed => "#cf222e",
                Outcome::Indeterminate | Outcome::Warning => "#9a6700",
                Outcome::NotChecked | Outcome::NotApplicable => "#57606a",
            };
            out.push_str(&format!(
                "<tr><td>{}</td><td style=\"color:{col}\">{}</td><td>{}</td></tr>",
                esc(i18n::check_label(lang, c.id)),
                esc(i18n::outcome_label(lang, c.outcome)),
                esc(c.detail_in(lang == Lang::Zh))
            ));
        }
        out.push_str("</table>");
        if let Some(a) = &s.advice {
            out.push_str(&format!(
                "<p class=\"advice\"><strong>{}</strong>{}</p>",
                esc(lang.t("说明：", "What this means: ")),
                esc(match lang {
                    Lang::Zh => &a.zh,
                    Lang::En => &a.en,
                })
            ));
        }
        out.push_str("</section>");
    }
    out.push_str("</body></html>\n");
    out
}
