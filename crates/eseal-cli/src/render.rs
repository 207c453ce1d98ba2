//! `eseal render`: the pages of an OFD (with their seals) drawn as PNG or SVG, and the pages
//! that `eseal verify --html` shows.

use crate::i18n::Lang;
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use eseal_render::{Document, FontBook, FontCandidate, FontRule, RenderOptions, Verdict};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RenderFormat {
    Png,
    Svg,
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The OFD document.
    pub file: PathBuf,
    /// The page to draw (1-based; default 1).
    #[arg(long, conflicts_with = "all")]
    pub page: Option<usize>,
    /// Draw every page.
    #[arg(long)]
    pub all: bool,
    /// Resolution of PNG pages (dots per inch).
    #[arg(long, default_value_t = 150.0)]
    pub dpi: f32,
    /// Output format (default: from the extension of --out, else png).
    #[arg(long, value_enum)]
    pub format: Option<RenderFormat>,
    /// Where to write: a file for one page, or a directory for several (made if missing;
    /// files NAME-N.png). Default: NAME-N.png in the current directory. Never overwrites.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw the pages without their seals.
    #[arg(long)]
    pub no_seals: bool,
    /// Verify the document and frame each stamp in its verdict's colour (green passed, red
    /// failed, grey indeterminate).
    #[arg(long)]
    pub verdicts: bool,
    /// Trust store for --verdicts: a directory of CA certificates and CRLs.
    #[arg(long, requires = "verdicts")]
    pub trust: Option<PathBuf>,
    /// Draw a font the document only names with this installed font file: NAME=FILE
    /// (repeatable; checked before the built-in rules).
    #[arg(long = "font")]
    pub fonts: Vec<String>,
}

/// The font book: the built-in rules for Debian's fonts, after the --font mappings.
pub fn font_book(mappings: &[String]) -> Result<FontBook> {
    let mut book = FontBook::new(Arc::new(eseal_server::fonts::DiskFonts));
    for m in mappings.iter().rev() {
        let Some((name, file)) = m.split_once('=') else {
            return Err(crate::said::said(
                format!("--font {m:?}：应为“字体名=文件”"),
                format!("--font {m:?}: expected NAME=FILE"),
            ));
        };
        if !Path::new(file).is_file() {
            return Err(crate::said::said(
                format!("--font {m:?}：{file} 不是文件"),
                format!("--font {m:?}: {file} is not a file"),
            ));
        }
        book.prefer(FontRule {
            names: vec![name.trim().to_owned()],
            candidates: vec![FontCandidate {
                path: file.to_owned(),
                face: String::new(),
            }],
            generic: "serif".to_owned(),
        });
    }
    Ok(book)
}

fn open(file: &Path) -> Result<eseal_doc::Package<std::io::BufReader<std::fs::File>>> {
    let f = std::fs::File::open(file).map_err(|e| crate::said::io(crate::files::OPEN, file, &e))?;
    eseal_doc::Package::open(std::io::BufReader::new(f))
        .map_err(|e| crate::said::about(file, e.zh(), &e))
}

/// Each signature's verdict by its ID.
pub fn verdicts(report: &eseal_doc::OfdReport) -> HashMap<String, Verdict> {
    report
        .signatures
        .iter()
        .map(|s| {
            let v = match s.indication {
                eseal_ses::Indication::Passed => Verdict::Passed,
                eseal_ses::Indication::Failed => Verdict::Failed,
                eseal_ses::Indication::Indeterminate => Verdict::Indeterminate,
            };
            (s.id.clone(), v)
        })
        .collect()
}

fn say(lang: Lang, e: &eseal_render::RenderError) -> String {
    lang.t(&e.zh(), &e.to_string()).to_owned()
}

/// `eseal render`.
pub fn run(a: RenderArgs, lang: Lang) -> Result<u8> {
    let format = match (
        a.format,
        a.out
            .as_ref()
            .and_then(|o| o.extension())
            .and_then(|e| e.to_str()),
    ) {
        (Some(f), _) => f,
        (None, Some(e)) if e.eq_ignore_ascii_case("svg") => RenderFormat::Svg,
        _ => RenderFormat::Png,
    };
    if !(1.0..=1200.0).contains(&a.dpi) {
        bail!(
            "{}",
            lang.t(
                "--dpi 应在 1 到 1200 之间",
                "--dpi must be between 1 and 1200"
            )
        );
    }
    let fonts = font_book(&a.fonts)?;
    let mut pkg = open(&a.file)?;
    let mut doc = Document::open(&mut pkg)
        .map_err(|e| anyhow::anyhow!("{}: {}", a.file.display(), say(lang, &e)))?;
    let pages: Vec<usize> = if a.all {
        (1..=doc.page_count()).collect()
    } else {
        vec![a.page.unwrap_or(1)]
    };
    let mut opts = RenderOptions {
        seals: !a.no_seals,
        ..Default::default()
    };
    if a.verdicts {
        let policy = crate::trust::policy(a.trust.as_deref())?;
        let report = crate::doc::check_ofd(
            &a.file,
            &policy,
            &eseal_gm::keytables::KeyTableVerifier::default(),
        )
        .map_err(|e| {
            anyhow::anyhow!("{}: {}", a.file.display(), lang.t(&e.zh(), &e.to_string()))
        })?;
        opts.verdicts = verdicts(&report);
    }
    let ext = match format {
        RenderFormat::Png => "png",
        RenderFormat::Svg => "svg",
    };
    let stem = a
        .file
        .file_stem()
        .map_or_else(|| "page".to_owned(), |s| s.to_string_lossy().into_owned());
    // Where each page goes: --out as the file for one page, else a directory.
    let target = |n: usize| -> PathBuf {
        match &a.out {
            Some(o) if pages.len() == 1 && o.extension().is_some() => o.clone(),
            Some(o) => o.join(format!("{stem}-{n}.{ext}")),
            None => PathBuf::from(format!("{stem}-{n}.{ext}")),
        }
    };
    for n in &pages {
        let t = target(*n);
        if t.exists() {
            bail!(
                "{}",
                match lang {
                    Lang::Zh => format!("{} 已存在，不会覆盖", t.display()),
                    Lang::En => format!("{} exists; refusing to overwrite", t.display()),
                }
            );
        }
    }
    if let Some(o) = &a.out
        && (pages.len() > 1 || o.extension().is_none())
    {
        std::fs::create_dir_all(o).map_err(|e| crate::said::io(("创建", "create"), o, &e))?;
    }
    for w in doc.warnings() {
        errln!(
            "{}{}",
            lang.t("警告：", "warning: "),
            eseal_core::text::printable(lang.t(&w.text.zh, &w.text.en))
        );
    }
    let bar = (pages.len() > 1).then(|| {
        let b = indicatif::ProgressBar::new(pages.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{} {{bar:40}} {{pos}}/{{len}} {{msg}}",
                lang.t("绘制页面", "rendering")
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    for n in &pages {
        let page = doc
            .render_page(&mut pkg, &fonts, *n, &opts)
            .map_err(|e| anyhow::anyhow!("{}: {}", a.file.display(), say(lang, &e)))?;
        let bytes = match format {
            RenderFormat::Png => page
                .to_png(a.dpi)
                .map_err(|e| anyhow::anyhow!("{}", say(lang, &e)))?,
            RenderFormat::Svg => page.to_svg().into_bytes(),
        };
        let out = target(*n);
        crate::files::write_new(&out, &bytes)?;
        let report = |line: String| match &bar {
            Some(b) => b.println(line),
            None => errln!("{line}"),
        };
        for (from, to) in &page.substitutions {
            report(match lang {
                Lang::Zh => format!(
                    "说明（第 {n} 页）：字体“{}”未嵌入，以“{}”代替显示",
                    eseal_core::text::printable(from),
                    eseal_core::text::printable(to)
                ),
                Lang::En => format!(
                    "note (page {n}): font \"{}\" is not embedded; shown with \"{}\"",
                    eseal_core::text::printable(from),
                    eseal_core::text::printable(to)
                ),
            });
        }
        for w in &page.warnings {
            let file = if w.file.is_empty() {
                String::new()
            } else {
                format!(
                    "{}{}",
                    eseal_core::text::printable(&w.file),
                    lang.t("：", ": ")
                )
            };
            report(match lang {
                Lang::Zh => format!(
                    "警告（第 {n} 页）：{file}{}",
                    eseal_core::text::printable(&w.text.zh)
                ),
                Lang::En => format!(
                    "warning (page {n}): {file}{}",
                    eseal_core::text::printable(&w.text.en)
                ),
            });
        }
        match &bar {
            Some(b) => {
                b.inc(1);
                b.println(out.display().to_string());
            }
            None => outln!("{}", out.display()),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    outln!(
        "{}",
        lang.t(eseal_render::COPY_NOTICE.0, eseal_render::COPY_NOTICE.1)
    );
    Ok(0)
}

/// The pages that carry stamps (at most `max`), drawn with each stamp's verdict, as PNG at
/// `dpi`: what `eseal verify --html` shows.
pub fn stamped_pages(
    file: &Path,
    report: &eseal_doc::OfdReport,
    max: usize,
    dpi: f32,
    lang: Lang,
) -> Result<Vec<(usize, Vec<u8>)>> {
    let fonts = font_book(&[])?;
    let mut pkg = open(file)?;
    let mut doc = Document::open(&mut pkg).map_err(|e| anyhow::anyhow!("{}", say(lang, &e)))?;
    let opts = RenderOptions {
        verdicts: verdicts(report),
        ..Default::default()
    };
    let mut out = Vec::new();
    for n in doc.pages_with_stamps().into_iter().take(max) {
        let page = doc
            .render_page(&mut pkg, &fonts, n, &opts)
            .map_err(|e| anyhow::anyhow!("{}", say(lang, &e)))?;
        out.push((
            n,
            page.to_png(dpi)
                .map_err(|e| anyhow::anyhow!("{}", say(lang, &e)))?,
        ));
    }
    Ok(out)
}
