#![doc = include_str!("../README.md")]

pub mod audit;
pub mod checkpoint;
pub mod seals;

pub use checkpoint::{Checkpoint, CheckpointError};

use eseal_gm::Sm3Hasher;

/// An SM3 digest: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// The hash of a leaf: `SM3(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sm3Hasher::new();
    h.update(&[0x00]);
    h.update(data);
    *h.finalize().as_bytes()
}

/// The hash of an interior node: `SM3(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sm3Hasher::new();
    h.update(&[0x01]);
    h.update(left);
    h.update(right);
    *h.finalize().as_bytes()
}

/// The root of the empty tree: `SM3("")`.
pub fn empty_root() -> Hash {
    *Sm3Hasher::new().finalize().as_bytes()
}

/// Why a proof was refused or could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or sizes are outside what the proof can speak of.
    #[error("out of range: {0}")]
    Range(String, String),
    /// The proof has the wrong number of hashes for these sizes.
    #[error("the proof has {got} hashes; these sizes need {want}")]
    Length {
        /// Hashes given.
        got: usize,
        /// Hashes the sizes imply.
        want: usize,
    },
    /// The proof's length does not fit these sizes.
    #[error("the proof's length does not fit these sizes")]
    Malformed,
    /// The proof does not lead to the given root(s).
    #[error("the proof does not match the root")]
    Mismatch,
}

impl ProofError {
    /// The error in Chinese.
    pub fn zh(&self) -> String {
        match self {
            Self::Range(_, zh) => format!("超出范围：{zh}"),
            Self::Length { got, want } => {
                format!("证明有 {got} 个哈希，这些大小需要 {want} 个")
            }
            Self::Malformed => "证明的长度与这些大小不符".to_owned(),
            Self::Mismatch => "证明与根哈希不符".to_owned(),
        }
    }
}

/// The largest power of two strictly smaller than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// An append-only Merkle tree. It keeps every complete subtree's hash (about two hashes per
/// leaf), so any earlier root and any proof costs O(log n) hashing.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// `levels[k][i]` is the hash of leaves `i·2^k .. (i+1)·2^k`.
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf by its data; returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_hash(leaf_hash(data))
    }

    /// Appends a leaf by its leaf hash; returns its index.
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut carry = leaf;
        let mut k = 0;
        loop {
            if self.levels.len() == k {
                self.levels.push(Vec::new());
            }
            let level = &mut self.levels[k];
            level.push(carry);
            if level.len() % 2 == 1 {
                break;
            }
            let n = level.len();
            carry = node_hash(&level[n - 2], &level[n - 1]);
            k += 1;
        }
        index
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()
            .and_then(|l| l.get(usize::try_from(index).ok()?))
            .copied()
    }

    /// The hash of the `n` leaves from `lo` (n ≥ 1; `lo` a multiple of the largest power of
    /// two not above n, as every range of the RFC 9162 recursion is).
    fn subtree(&self, lo: u64, n: u64) -> Hash {
        if n.is_power_of_two() {
            let k = n.trailing_zeros() as usize;
            if let Some(h) = self
                .levels
                .get(k)
                .and_then(|l| l.get(usize::try_from(lo >> k).ok()?))
            {
                return *h;
            }
        }
        let k = split(n);
        node_hash(&self.subtree(lo, k), &self.subtree(lo + k, n - k))
    }

    /// The root of the first `size` leaves (the tree as it was at that size).
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        if size > self.size() {
            return Err(ProofError::Range(
                format!("size {size} beyond the tree's {}", self.size()),
                format!("大小 {size} 超过了树的大小 {}", self.size()),
            ));
        }
        Ok(if size == 0 {
            empty_root()
        } else {
            self.subtree(0, size)
        })
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or_else(|_| empty_root())
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves
    /// (RFC 9162 §2.1.3.1), leaf-side first.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        if size > self.size() || index >= size {
            return Err(ProofError::Range(
                format!(
                    "leaf {index} in a tree of {size} (the log has {})",
                    self.size()
                ),
                format!(
                    "大小为 {size} 的树中的第 {index} 个叶子（日志共 {} 项）",
                    self.size()
                ),
            ));
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Ok(out)
    }

    fn path(&self, m: u64, lo: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, k, out);
            out.push(self.subtree(lo + k, n - k));
        } else {
            self.path(m - k, lo + k, n - k, out);
            out.push(self.subtree(lo, k));
        }
    }

    /// The consistency proof from the tree of the first `old` leaves to that of the first
    /// `new` (RFC 9162 §2.1.4.1); empty when they are equal.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        if old == 0 || old > new || new > self.size() {
            return Err(ProofError::Range(
                format!(
                    "from {old} to {new} (the log has {}; 0 < old ≤ new)",
                    self.size()
                ),
                format!(
                    "从 {old} 到 {new}（日志共 {} 项；须 0 < 旧 ≤ 新）",
                    self.size()
                ),
            ));
        }
        let mut out = Vec::new();
        if old < new {
            self.subproof(old, 0, new, true, &mut out);
        }
        Ok(out)
    }

    fn subproof(&self, m: u64, lo: u64, n: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !whole {
                out.push(self.subtree(lo, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, k, whole, out);
            out.push(self.subtree(lo + k, n - k));
        } else {
            self.subproof(m - k, lo + k, n - k, false, out);
            out.push(self.subtree(lo, k));
        }
    }
}

/// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves whose root
/// is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::Range(
            format!("leaf {index} in a tree of {size}"),
            format!("大小为 {size} 的树中的第 {index} 个叶子"),
        ));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::Length {
                got: proof.len(),
                want: inclusion_len(index, size),
            });
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Length {
            got: proof.len(),
            want: inclusion_len(index, size),
        });
    }
    if r != *root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}

/// How many hashes the audit path of `index` in a tree of `size` has.
fn inclusion_len(index: u64, size: u64) -> usize {
    let (mut n, mut m, mut len) = (size, index, 0);
    while n > 1 {
        let k = split(n);
        if m < k {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of the tree of
/// `new` leaves with root `new_root` (RFC 9162 §2.1.4.2). Equal sizes need an empty proof
/// and equal roots.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if old == 0 || old > new {
        return Err(ProofError::Range(
            format!("from {old} to {new} (0 < old ≤ new)"),
            format!("从 {old} 到 {new}（须 0 < 旧 ≤ 新）"),
        ));
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::Length {
                got: proof.len(),
                want: 0,
            });
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let Some(first) = path.first() else {
        return Err(ProofError::Malformed);
    };
    let (mut fr, mut sr) = (*first, *first);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::Malformed);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Malformed);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::Mismatch);
    }
    Ok(())
}
