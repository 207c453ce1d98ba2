//! `eseal impression render|compare`.

use crate::files;
use crate::i18n::Lang;
use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use eseal_image::{Font, ImpressionSpec, Style};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StyleArg {
    Round,
    Oval,
    Square,
    Rect,
}

#[derive(Subcommand, Debug)]
pub enum ImpressionCommand {
    /// Render a seal impression to SVG or PNG (by the extension of --out).
    Render {
        #[arg(long, value_enum)]
        style: StyleArg,
        /// The organisation name (round, oval) or the person's name (square, rect).
        #[arg(long)]
        text: String,
        /// Text under the star (round) or at the bottom (oval), e.g. 合同专用章.
        #[arg(long)]
        center_text: Option<String>,
        /// The filing code (round, lower arc) or taxpayer ID (oval, middle).
        #[arg(long)]
        code: Option<String>,
        /// Size in mm: `42` (diameter / side) or `40x30` (width x height).
        #[arg(long)]
        size_mm: Option<String>,
        /// 阴文: white characters on red (square).
        #[arg(long)]
        inverse: bool,
        /// Aged / worn texture with this seed.
        #[arg(long)]
        aged: Option<u64>,
        /// Font file (TTF/OTF/TTC); default $ESEAL_FONT, then the fonts-noto-cjk package.
        #[arg(long)]
        font: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 300)]
        dpi: u32,
    },
    /// Compare two impressions (PNG or JPEG): exit 0 match, 1 mismatch.
    Compare {
        a: PathBuf,
        b: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

/// The font: --font, else $ESEAL_FONT, else the default package paths.
pub fn load_font(explicit: Option<&Path>) -> Result<Font> {
    let env = std::env::var_os("ESEAL_FONT").map(PathBuf::from);
    let candidates: Vec<PathBuf> = match explicit.map(Path::to_path_buf).or(env) {
        Some(p) => vec![p],
        None => eseal_image::font::DEFAULT_FONT_PATHS
            .iter()
            .map(PathBuf::from)
            .collect(),
    };
    for p in &candidates {
        if p.is_file() {
            let bytes =
                std::fs::read(p).map_err(|e| crate::said::io(("读取字体", "read font"), p, &e))?;
            return Font::from_bytes(bytes).map_err(|e| {
                crate::said::said(
                    format!("{}：不是可用的字体文件", p.display()),
                    format!("font {}: {e:#}", p.display()),
                )
            });
        }
    }
    let looked = candidates
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Err(crate::said::said(
        format!(
            "找不到中文字体（查找了 {looked}）：请安装 Debian 软件包 fonts-noto-cjk（`apt-get install fonts-noto-cjk`），或用 --font / ESEAL_FONT 指定"
        ),
        format!(
            "no CJK font found (looked at {looked}); install the Debian package fonts-noto-cjk (`apt-get install fonts-noto-cjk`) or give --font / ESEAL_FONT"
        ),
    ))
}

fn parse_size(s: &str) -> Result<(f32, Option<f32>)> {
    let bad = || {
        crate::said::said(
            format!("--size-mm {s:?}：请给出毫米数，或“宽x高”，例如 40x30"),
            format!("--size-mm {s:?}: give a number of mm, or WIDTHxHEIGHT such as 40x30"),
        )
    };
    match s.split_once(['x', 'X', '×']) {
        Some((w, h)) => Ok((
            w.trim().parse().map_err(|_| bad())?,
            Some(h.trim().parse().map_err(|_| bad())?),
        )),
        None => Ok((s.trim().parse().map_err(|_| bad())?, None)),
    }
}

pub fn run(cmd: ImpressionCommand, lang: Lang) -> Result<u8> {
    match cmd {
        ImpressionCommand::Render {
            style,
            text,
            center_text,
            code,
            size_mm,
            inverse,
            aged,
            font,
            out,
            dpi,
        } => {
            let mut spec = ImpressionSpec::new(
                match style {
                    StyleArg::Round => Style::Round,
                    StyleArg::Oval => Style::Oval,
                    StyleArg::Square => Style::Square,
                    StyleArg::Rect => Style::Rect,
                },
                &text,
            );
            spec.center_text = center_text;
            spec.code = code;
            spec.inverse = inverse;
            spec.aged_seed = aged;
            if let Some(s) = size_mm {
                let (w, h) = parse_size(&s)?;
                spec.width_mm = Some(w);
                spec.height_mm = h;
            }
            let ext = out
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            if ext != "svg" && ext != "png" {
                return Err(crate::said::said(
                    "--out 的文件名必须以 .svg 或 .png 结尾",
                    "--out must end in .svg or .png",
                ));
            }
            let font = load_font(font.as_deref())?;
            let impression = eseal_image::render(&spec, &font)?;
            let bytes = if ext == "svg" {
                impression.to_svg().into_bytes()
            } else {
                impression.to_png(dpi)?
            };
            files::write_new(&out, &bytes)?;
            outln!(
                "{} ({:.1} × {:.1} mm)",
                out.display(),
                impression.width_mm,
                impression.height_mm
            );
            Ok(0)
        }
        ImpressionCommand::Compare { a, b, json } => {
            let c = eseal_image::compare_images(&files::read(&a)?, &files::read(&b)?)
                .with_context(|| format!("{} / {}", a.display(), b.display()))?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&c)?);
            } else {
                outln!(
                    "{}: {:.3} ({} {:.2}); {}",
                    lang.t("相似度", "similarity"),
                    c.score,
                    lang.t("阈值", "threshold"),
                    c.threshold,
                    if c.matches {
                        lang.t("一致 (MATCH)", "MATCH")
                    } else {
                        lang.t("不一致 (MISMATCH)", "MISMATCH")
                    }
                );
                let words = match lang {
                    Lang::Zh => &c.differences_zh,
                    Lang::En => &c.differences,
                };
                for d in words {
                    outln!("  - {d}");
                }
            }
            Ok(if c.matches { 0 } else { 1 })
        }
    }
}
