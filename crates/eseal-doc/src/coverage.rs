//! Which files each signature of an OFD leaves unprotected (the coverage check), for all the
//! signatures of a list in time linear in the package's files (issue 22 item 4).
//!
//! A file is unprotected by signature `i` when no reference of `i` names it and it is none
//! of: `i`'s own files (its Signature.xml, its SignedValue, a seal file `.esl` in its
//! directory), the signature list, the GM/T 0099 integrity protection's files, or a file
//! under the directory of a later signature of the list (signatures added after `i` change
//! what `i` could not protect). Checking each file against each signature costs signatures ×
//! files (a hostile package of 1,000 records and 100,000 entries: 10^8 steps), and naming
//! every unprotected file in each report made gigabytes of text from a package of a few
//! megabytes. Instead:
//!
//! * each file is given the last record whose directory holds it (one sweep over the files
//!   in name order: a directory's files are one range of that order);
//! * the files are grouped by that record, so signature `i`'s candidates — the files under no
//!   later record's directory — are a prefix of the grouped order, and their number is known;
//! * from that number go the candidates `i` protects or owns (each found through `i`'s own
//!   references, files or directory group, never by scanning the others);
//! * at most [`COVERAGE_NAMES`] of the rest are named, with the number of them all.

use crate::error::Text;
use crate::package::Resolved;
use std::cmp::Ordering;

/// The most file names one coverage warning lists; the warning gives the number of them all.
pub const COVERAGE_NAMES: usize = 20;

/// Files marked for the signature being finished (protected or excluded), by archive index:
/// a stamp per file, so that starting the next signature costs nothing.
#[derive(Debug, Default)]
pub(crate) struct Marks {
    stamp: Vec<u32>,
    now: u32,
}

impl Marks {
    /// Marks for a package whose archive indices are below `len`.
    pub(crate) fn new(len: usize) -> Self {
        Self {
            stamp: vec![0; len],
            now: 1,
        }
    }

    /// Forget every mark (the next signature starts).
    pub(crate) fn clear(&mut self) {
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.now = 1;
        }
    }

    /// Marks `index`; whether it was not marked yet. An index beyond the package is never
    /// marked (and is new each time).
    pub(crate) fn set(&mut self, index: usize) -> bool {
        match self.stamp.get_mut(index) {
            Some(s) if *s == self.now => false,
            Some(s) => {
                *s = self.now;
                true
            }
            None => true,
        }
    }

    fn get(&self, index: usize) -> bool {
        self.stamp.get(index).is_some_and(|s| *s == self.now)
    }
}

/// The files of a package against the directories of one signature list's records.
#[derive(Debug)]
pub(crate) struct Coverage<'a> {
    /// Every file, sorted by name.
    files: &'a [Resolved<'a>],
    /// Positions in `files`, grouped by the last record whose directory holds the file
    /// (group 0: under no record's directory; group `j + 1`: record `j`), in name order
    /// within a group.
    order: Vec<u32>,
    /// Where each group starts in `order` (one more entry than groups: the end).
    start: Vec<usize>,
    /// Each file's group, by archive index.
    group_of: Vec<u32>,
}

/// Whether `name` sorts before `dir` followed by the byte `next` (and anything after it).
/// With `next` = `/`, the first name under `dir`; with `0` (the byte after `/`), the first
/// name past them.
fn before(name: &str, dir: &str, next: u8) -> bool {
    let (n, d) = (name.as_bytes(), dir.as_bytes());
    let k = n.len().min(d.len());
    match n.get(..k).cmp(&d.get(..k)) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => n.get(d.len()).is_none_or(|b| *b < next),
    }
}

impl<'a> Coverage<'a> {
    /// `files` sorted by name (as [`crate::package::Names::files`] gives them); `dirs` the
    /// directory of each record of the list, in document order ("" for a record at the
    /// package root, which holds no later signature's files).
    pub(crate) fn new(files: &'a [Resolved<'a>], dirs: &[&str]) -> Self {
        // Each record's directory is one range of positions in name order.
        let mut ranges: Vec<(usize, usize, u32)> = dirs
            .iter()
            .zip(0u32..)
            .filter(|(d, _)| !d.is_empty())
            .map(|(d, j)| {
                let lo = files.partition_point(|f| before(f.name, d, b'/'));
                let hi = files.partition_point(|f| before(f.name, d, b'0'));
                (lo, hi.max(lo), j)
            })
            .filter(|(lo, hi, _)| lo < hi)
            .collect();
        ranges.sort_unstable();
        // Sweep: the last record among the ranges holding each position.
        let mut open = std::collections::BinaryHeap::new();
        let mut next = ranges.iter().peekable();
        let mut group = Vec::with_capacity(files.len());
        for pos in 0..files.len() {
            while let Some(&&(lo, hi, j)) = next.peek() {
                if lo > pos {
                    break;
                }
                open.push((j, hi));
                next.next();
            }
            while open.peek().is_some_and(|&(_, hi)| hi <= pos) {
                open.pop();
            }
            group.push(open.peek().map_or(0, |&(j, _)| j + 1));
        }
        // Grouped order (a counting sort keeps name order within a group).
        let groups = dirs.len() + 1;
        let mut start = vec![0usize; groups + 1];
        for g in &group {
            if let Some(c) = start.get_mut(*g as usize + 1) {
                *c += 1;
            }
        }
        for g in 1..start.len() {
            let before = start.get(g - 1).copied().unwrap_or(0);
            if let Some(c) = start.get_mut(g) {
                *c += before;
            }
        }
        let mut fill = start.clone();
        let mut order = vec![0u32; files.len()];
        for (pos, g) in group.iter().enumerate() {
            if let Some(at) = fill.get_mut(*g as usize) {
                if let Some(slot) = order.get_mut(*at) {
                    *slot = pos as u32;
                }
                *at += 1;
            }
        }
        let len = files.iter().map(|f| f.index + 1).max().unwrap_or(0);
        let mut group_of = vec![0u32; len];
        for (f, g) in files.iter().zip(&group) {
            if let Some(slot) = group_of.get_mut(f.index) {
                *slot = *g;
            }
        }
        Self {
            files,
            order,
            start,
            group_of,
        }
    }

    /// The candidates of record `record`: the files under no later record's directory.
    fn candidates(&self, record: usize) -> usize {
        self.start
            .get(record + 2)
            .or(self.start.last())
            .copied()
            .unwrap_or(0)
    }

    fn candidate(&self, record: usize, index: usize) -> bool {
        self.group_of
            .get(index)
            .is_some_and(|g| (*g as usize) <= record + 1)
    }

    /// What record `record` leaves unprotected: `protected` the files its references name
    /// (each once, as marked in `marks`), `own` the files it may leave out (its own, the list,
    /// the integrity protection's; marked here), `own_dir` its directory (whose seal files
    /// it owns). `None` when every candidate is protected or its own; else the warning's
    /// text, naming at most [`COVERAGE_NAMES`] files.
    pub(crate) fn unprotected(
        &self,
        record: usize,
        marks: &mut Marks,
        protected: &[usize],
        own: &[usize],
        own_dir: &str,
    ) -> Option<Text> {
        let mut covered = protected
            .iter()
            .filter(|i| self.candidate(record, **i))
            .count();
        for &i in own {
            if marks.set(i) && self.candidate(record, i) {
                covered += 1;
            }
        }
        // Seal files in its own directory are in its own group (the directory holds them
        // and no later record's does, or they would not be candidates).
        if !own_dir.is_empty() {
            let group = self
                .start
                .get(record + 1)
                .copied()
                .unwrap_or(0)
                .min(self.candidates(record))..self.candidates(record);
            for pos in self.order.get(group).unwrap_or_default() {
                let Some(f) = self.files.get(*pos as usize) else {
                    continue;
                };
                let in_own = f
                    .name
                    .strip_prefix(own_dir)
                    .is_some_and(|r| r.starts_with('/'));
                if in_own && f.name.ends_with(".esl") && marks.set(f.index) {
                    covered += 1;
                }
            }
        }
        let count = self.candidates(record).saturating_sub(covered);
        if count == 0 {
            return None;
        }
        let mut names = Vec::new();
        for pos in self
            .order
            .get(..self.candidates(record))
            .unwrap_or_default()
        {
            if names.len() == COVERAGE_NAMES {
                break;
            }
            match self.files.get(*pos as usize) {
                Some(f) if !marks.get(f.index) => names.push(f.name),
                _ => {}
            }
        }
        Some(unprotected_text(&names, count))
    }
}

/// The coverage warning for `count` unprotected files, naming `names` (the first of them).
pub(crate) fn unprotected_text(names: &[&str], count: usize) -> Text {
    let list = names.join(", ");
    let rest = count.saturating_sub(names.len());
    let (zh_rest, en_rest) = if rest > 0 {
        (
            format!("，另有 {rest} 个未列出"),
            format!(", and {rest} more not listed"),
        )
    } else {
        (String::new(), String::new())
    };
    Text::new(
        format!("{count} 个文件不受本签名保护（改动它们不会被发现）：{list}{zh_rest}"),
        format!(
            "{count} {} not protected by this signature (changes to them go unnoticed): {list}{en_rest}",
            if count == 1 { "file" } else { "files" }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule written as plainly as possible: every file against every later directory.
    fn plain(
        files: &[Resolved<'_>],
        dirs: &[&str],
        record: usize,
        protected: &[usize],
        own: &[usize],
        own_dir: &str,
    ) -> Vec<String> {
        files
            .iter()
            .filter(|f| !protected.contains(&f.index) && !own.contains(&f.index))
            .filter(|f| {
                !dirs.iter().skip(record + 1).any(|d| {
                    !d.is_empty() && f.name.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
                })
            })
            .filter(|f| {
                let in_own = f
                    .name
                    .strip_prefix(own_dir)
                    .is_some_and(|r| r.starts_with('/'));
                !(in_own && f.name.ends_with(".esl"))
            })
            .map(|f| f.name.to_owned())
            .collect()
    }

    #[test]
    fn agrees_with_the_plain_rule() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        let parts = [
            "a", "b", "Sign_0", "Sign_1", "Sign_10", "Sign_1-x", "s.esl", "Signs",
        ];
        for round in 0..300 {
            let mut names: Vec<String> = (0..rnd(40) + 1)
                .map(|_| {
                    (0..rnd(4) + 1)
                        .map(|_| parts[rnd(parts.len() as u64)])
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect();
            names.sort();
            names.dedup();
            // Archive indices in another order than the names' (a shuffle, from 3).
            let mut index: Vec<usize> = (3..names.len() + 3).collect();
            for i in (1..index.len()).rev() {
                index.swap(i, rnd(i as u64 + 1));
            }
            let mut files: Vec<Resolved<'_>> = names
                .iter()
                .zip(&index)
                .map(|(name, &index)| Resolved { name, index })
                .collect();
            files.sort_unstable_by(|a, b| a.name.cmp(b.name));
            let dir_names: Vec<String> = (0..rnd(6) + 1)
                .map(|_| {
                    (0..rnd(3))
                        .map(|_| parts[rnd(parts.len() as u64)])
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .collect();
            let dirs: Vec<&str> = dir_names.iter().map(String::as_str).collect();
            let cover = Coverage::new(&files, &dirs);
            let mut marks = Marks::new(names.len() + 3);
            for (record, own_dir) in dirs.iter().enumerate() {
                marks.clear();
                let mut protected = Vec::new();
                for _ in 0..rnd(names.len() as u64 + 1) {
                    let i = files[rnd(files.len() as u64)].index;
                    if marks.set(i) {
                        protected.push(i);
                    }
                }
                let own: Vec<usize> = (0..rnd(3))
                    .map(|_| files[rnd(files.len() as u64)].index)
                    .collect();
                let want = plain(&files, &dirs, record, &protected, &own, own_dir);
                let got = cover.unprotected(record, &mut marks, &protected, &own, own_dir);
                match got {
                    None => assert!(want.is_empty(), "{round}/{record}: {want:?} {dirs:?}"),
                    Some(text) => {
                        assert!(
                            text.en.starts_with(&format!("{} file", want.len())),
                            "{round}/{record}: {want:?} {dirs:?} {}",
                            text.en
                        );
                        let listed = text
                            .en
                            .split_once("unnoticed): ")
                            .map(|(_, l)| l.split(", and ").next().unwrap_or(l))
                            .unwrap_or_default();
                        for name in listed.split(", ") {
                            assert!(want.iter().any(|w| w == name), "{name} in {want:?}");
                        }
                        assert_eq!(listed.split(", ").count(), want.len().min(COVERAGE_NAMES));
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_list_is_cut_and_counted() {
        let names: Vec<String> = (0..1000).map(|i| format!("Doc_0/Res/{i:04}")).collect();
        let files: Vec<Resolved<'_>> = names
            .iter()
            .enumerate()
            .map(|(index, name)| Resolved { name, index })
            .collect();
        let cover = Coverage::new(&files, &["Doc_0/Signs/Sign_0"]);
        let mut marks = Marks::new(files.len());
        let text = cover.unprotected(0, &mut marks, &[], &[], "Doc_0/Signs/Sign_0");
        let text = text.unwrap_or_else(|| Text::new("", ""));
        assert!(
            text.en.starts_with("1000 files not protected"),
            "{}",
            text.en
        );
        assert!(
            text.en.ends_with(", and 980 more not listed"),
            "{}",
            text.en
        );
        assert!(text.zh.contains("另有 980 个未列出"), "{}", text.zh);
        assert!(text.en.len() < 1000, "{}", text.en);
    }
}
