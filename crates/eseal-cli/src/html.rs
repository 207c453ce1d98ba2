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

/// The whole page.
pub fn page(file: &str, overall: Indication, sections: &[Section<'_>], lang: Lang) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;color:#1f2328}}table{{border-collapse:collapse;width:100%}}\
td,th{{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}}.seal{{float:right;width:12em;margin-left:1em}}\
.badge{{color:#fff;padding:.1em .5em;border-radius:.3em}}</style></head><body>",
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
