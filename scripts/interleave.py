#!/usr/bin/env python3
"""Runs commands interleaved (each once per round) and prints the median wall time and the
children's CPU time of each, and its wall time as a multiple of the first command's.

Usage: scripts/interleave.py ROUNDS NAME=COMMAND... (a COMMAND is split on spaces), e.g.
  scripts/interleave.py 40 "openssl=openssl dgst -sm3 s100.ofd" "eseal=target/release/eseal verify s100.ofd --trust demo"
"""
import subprocess, sys, time, resource, statistics
rounds = int(sys.argv[1])
cmds = {}
for spec in sys.argv[2:]:
    name, cmd = spec.split('=', 1)
    cmds[name] = cmd.split()
wall = {n: [] for n in cmds}; cpu = {n: [] for n in cmds}
for r in range(rounds):
    for n, c in cmds.items():
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1 = time.perf_counter()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert p.returncode == 0, (n, p.returncode)
        wall[n].append((t1 - t0) * 1000)
        cpu[n].append((ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime) * 1000)
base = statistics.median(wall[list(cmds)[0]])
for n in cmds:
    w = statistics.median(wall[n]); c = statistics.median(cpu[n])
    print(f"{n:10s} wall {w:7.1f} ms  cpu {c:7.1f} ms  x{w/base:5.2f}")
