#!/usr/bin/env python3
"""Writes golden.txt: an independent RFC 9162 Merkle tree over SM3 (Python's hashlib, i.e.
OpenSSL 3's SM3), straight from the recursive definitions of RFC 9162 §2.1.1, §2.1.3.1 and
§2.1.4.1. Leaf i's data is the ASCII text "leaf <i>". Run: python3 make_golden.py > golden.txt
"""
import hashlib


def h(b):
    return hashlib.new("sm3", b).digest()


def leaf(d):
    return h(b"\x00" + d)


def node(l, r):
    return h(b"\x01" + l + r)


def k_of(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(ds):
    if not ds:
        return h(b"")
    if len(ds) == 1:
        return leaf(ds[0])
    k = k_of(len(ds))
    return node(mth(ds[:k]), mth(ds[k:]))


def path(m, ds):
    if len(ds) <= 1:
        return []
    k = k_of(len(ds))
    if m < k:
        return path(m, ds[:k]) + [mth(ds[k:])]
    return path(m - k, ds[k:]) + [mth(ds[:k])]


def subproof(m, ds, b):
    n = len(ds)
    if m == n:
        return [] if b else [mth(ds)]
    k = k_of(n)
    if m <= k:
        return subproof(m, ds[:k], b) + [mth(ds[k:])]
    return subproof(m - k, ds[k:], False) + [mth(ds[:k])]


data = [b"leaf %d" % i for i in range(1000)]
print("# RFC 9162 Merkle tree over SM3; leaf i = 'leaf <i>'. Made by make_golden.py.")
print("empty", h(b"").hex())
for i in range(4):
    print("leaf", i, leaf(data[i]).hex())
for n in list(range(1, 17)) + [100, 1000]:
    print("root", n, mth(data[:n]).hex())
for (m, n) in [(0, 1), (5, 13), (12, 13), (0, 1000), (999, 1000), (511, 1000)]:
    print("inclusion", m, n, " ".join(x.hex() for x in path(m, data[:n])))
for (m, n) in [(1, 2), (4, 8), (6, 13), (7, 8), (100, 1000), (512, 1000)]:
    print("consistency", m, n, " ".join(x.hex() for x in subproof(m, data[:n], True)))
