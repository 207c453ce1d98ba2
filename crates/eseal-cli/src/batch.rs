//! Many documents at once (issue 15 item 9): `eseal verify DIR/` or several files, with a
//! progress line and a summary table (or one JSON line per file), and `eseal sign ofd --in
//! DIR --out NEW_DIR` with one placement for all.

use crate::i18n::{self, Lang};
use anyhow::{Result, bail};
use eseal_core::text::printable;
use eseal_ses::Indication;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The OFD files directly in `dir`, by name.
pub fn ofd_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| crate::said::io(crate::files::READ, dir, &e))? {
        let p = e?.path();
        let ofd = p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("ofd"));
        if p.is_file() && ofd {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Every file named, directories replaced by their OFD files.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(ofd_files(p)?);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// A progress line on standard error, when it is a terminal.
struct Progress {
    total: usize,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            shown: std::io::stderr().is_terminal(),
        }
    }

    fn step(&self, done: usize, name: &str) {
        if self.shown {
            let width = 30;
            let filled = done * width / self.total.max(1);
            errout!(
                "\r[{}{}] {done}/{} {:<40.40}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total,
                printable(name)
            );
        }
    }

    fn finish(&self) {
        if self.shown {
            errln!();
        }
    }
}

/// One file's outcome.
struct Row {
    file: String,
    /// `None`: the file could not be verified at all (the note says why).
    indication: Option<Indication>,
    signatures: usize,
    note: String,
}

/// Verifies every file; prints a table (or JSON lines); exit 0 all PASSED, 1 any FAILED, 3 any
/// file that cannot be verified, 2 otherwise.
pub fn verify_many(
    files: &[PathBuf],
    trust: Option<&Path>,
    at: Option<time::OffsetDateTime>,
    json: bool,
    lang: Lang,
) -> Result<u8> {
    if files.is_empty() {
        bail!(
            "{}",
            lang.t("没有要验证的 OFD 文件", "no OFD file to verify")
        );
    }
    let mut policy = crate::trust::policy(trust)?;
    policy.now = at;
    let progress = Progress::new(files.len());
    let mut rows = Vec::new();
    // One for the run: a signer's key verified 16 times in any of the files gets its table.
    let verifier = eseal_gm::keytables::KeyTableVerifier::default();
    for (i, file) in files.iter().enumerate() {
        progress.step(i, &file.display().to_string());
        let row = verify_one(file, &policy, &verifier, lang);
        if json {
            outln!(
                "{}",
                serde_json::json!({
                    "file": row.file,
                    "indication": row.indication,
                    "signatures": row.signatures,
                    "note": row.note,
                })
            );
        }
        rows.push(row);
    }
    progress.step(files.len(), "");
    progress.finish();
    if !json {
        print_table(&rows, lang);
    }
    let any = |f: &dyn Fn(&Row) -> bool| rows.iter().any(f);
    Ok(if any(&|r| r.indication == Some(Indication::Failed)) {
        1
    } else if any(&|r| r.indication.is_none()) {
        3
    } else if any(&|r| r.indication == Some(Indication::Indeterminate)) {
        2
    } else {
        0
    })
}

fn verify_one(
    file: &Path,
    policy: &eseal_ses::VerifyPolicy,
    verifier: &eseal_gm::keytables::KeyTableVerifier,
    lang: Lang,
) -> Row {
    use eseal_doc::FileKind as K;
    let name = file.display().to_string();
    let refused = |note: String| Row {
        file: name.clone(),
        indication: None,
        signatures: 0,
        note,
    };
    let kind = match crate::doc::kind_of(file, lang) {
        Ok(k) => k,
        Err(e) => return refused(e.to_string()),
    };
    if let Some(why) = crate::doc::wrong_kind(file, kind, &[K::Ofd, K::Zip], lang) {
        return refused(why);
    }
    match crate::doc::check_ofd(file, policy, verifier) {
        Ok(report) => {
            let note = report
                .signatures
                .iter()
                .flat_map(|s| s.report.checks.iter())
                .find(|c| {
                    matches!(
                        c.outcome,
                        eseal_ses::Outcome::Failed | eseal_ses::Outcome::Indeterminate
                    )
                })
                .map(|c| {
                    format!(
                        "{}: {}",
                        i18n::check_label(lang, c.id),
                        printable(c.detail_in(lang == Lang::Zh))
                    )
                })
                .unwrap_or_default();
            Row {
                file: name,
                indication: Some(report.indication()),
                signatures: report.signatures.len(),
                note,
            }
        }
        Err(e @ eseal_doc::DocError::Incomplete(_)) => {
            refused(printable(lang.t(&e.zh(), &e.to_string())).into())
        }
        Err(e) => Row {
            file: name,
            indication: Some(Indication::Failed),
            signatures: 0,
            note: printable(lang.t(&e.zh(), &e.to_string())).into(),
        },
    }
}

/// How many terminal columns `s` takes (CJK and other wide characters two).
fn columns(s: &str) -> usize {
    s.chars()
        .map(|c| if u32::from(c) >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// `s` padded with spaces to `width` columns.
fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(columns(s))))
}

fn print_table(rows: &[Row], lang: Lang) {
    let result = |r: &Row| match r.indication {
        Some(i) => i18n::indication_label(lang, i).to_owned(),
        None => lang.t("无法验证", "not verified").to_owned(),
    };
    let head = (lang.t("结论", "result"), lang.t("签章", "sigs"));
    let width = rows
        .iter()
        .map(|r| columns(&result(r)))
        .chain([columns(head.0)])
        .max()
        .unwrap_or(0);
    outln!(
        "{}  {}  {}",
        pad(head.0, width),
        pad(head.1, 4),
        lang.t("文件 / 说明", "file / note")
    );
    for r in rows {
        outln!(
            "{}  {:>4}  {}",
            pad(&result(r), width),
            r.signatures,
            printable(&r.file)
        );
        if !r.note.is_empty() {
            outln!("{}  {:>4}  └ {}", pad("", width), "", r.note);
        }
    }
    let count = |i: Option<Indication>| rows.iter().filter(|r| r.indication == i).count();
    outln!(
        "{}: {} {}, {} {}, {} {}, {} {}",
        lang.t("合计", "total"),
        count(Some(Indication::Passed)),
        i18n::indication_label(lang, Indication::Passed),
        count(Some(Indication::Failed)),
        i18n::indication_label(lang, Indication::Failed),
        count(Some(Indication::Indeterminate)),
        i18n::indication_label(lang, Indication::Indeterminate),
        count(None),
        lang.t("无法验证", "not verified"),
    );
}

/// Signs every OFD of `input` into the new directory `out` (same names, one placement);
/// exit 0 when all were signed, 1 otherwise.
#[allow(clippy::too_many_arguments)] // the command line's options, passed through
pub fn sign_many(
    seal: Option<&Path>,
    sign_only: bool,
    cert: &Path,
    key: &Path,
    input: &Path,
    out: &Path,
    placement: eseal_doc::Placement,
    clock: &dyn eseal_gm::provider::Clock,
    lang: Lang,
) -> Result<u8> {
    crate::files::ensure_new(Some(out))?;
    let files = ofd_files(input)?;
    if files.is_empty() {
        bail!(
            "{} {}",
            input.display(),
            lang.t("中没有 OFD 文件", "holds no OFD file")
        );
    }
    std::fs::create_dir(out).map_err(|e| crate::said::io(("创建", "create"), out, &e))?;
    let progress = Progress::new(files.len());
    let mut failed = 0;
    for (i, file) in files.iter().enumerate() {
        progress.step(i, &file.display().to_string());
        let target = out.join(file.file_name().unwrap_or_default());
        match crate::doc::sign_ofd_file(
            seal,
            sign_only,
            cert,
            key,
            file,
            &target,
            placement.clone(),
            clock,
        ) {
            Ok(()) => outln!(
                "{}  {} → {}",
                lang.t("已签章", "signed"),
                printable(&file.display().to_string()),
                target.display()
            ),
            Err(e) => {
                failed += 1;
                outln!(
                    "{}  {}: {}",
                    lang.t("失败", "failed"),
                    printable(&file.display().to_string()),
                    printable(&format!("{e:#}"))
                );
            }
        }
    }
    progress.step(files.len(), "");
    progress.finish();
    outln!(
        "{}: {} {}, {} {}",
        lang.t("合计", "total"),
        files.len() - failed,
        lang.t("已签章", "signed"),
        failed,
        lang.t("失败", "failed")
    );
    Ok(if failed == 0 { 0 } else { 1 })
}
