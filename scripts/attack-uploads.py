#!/usr/bin/env python3
"""Slow verification uploads (docs/known-attacks.md, "Uploads in progress").

Opens N uploads to POST /api/v1/verify on a running server, each declaring 20,000,000 bytes,
sends SENT bytes of each and stops, holding the connection; eight uploads come from each of
several loopback addresses (127.0.0.2, .3, …), so the per-address rate does not stop them.
Then prints how many were answered at once (refused) and the server's peak memory.

Usage: [HOLD=SECONDS] scripts/attack-uploads.py PORT N SENT SERVER_PID
  (HOLD: keep the connections open that long after printing, e.g. to try the console)
  e.g. eseal serve --demo --listen 127.0.0.1:18080 --data /tmp/d & sleep 5
       scripts/attack-uploads.py 18080 100 19000000 $!
"""
import os
import socket
import sys
import time

port, n, sent, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
head = (
    "POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Content-Length: 20000000\r\n\r\n"
).encode() + b'{"ofd":"'
conns, refused = [], 0
chunk = b"A" * (1 << 20)
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), source_address=(f"127.0.0.{2 + i // 8}", 0))
    s.sendall(head)
    s.settimeout(0.05)
    left = sent
    try:
        while left > 0:
            k = min(left, len(chunk))
            s.sendall(chunk[:k])
            left -= k
    except (socket.timeout, BrokenPipeError, ConnectionResetError):
        pass
    try:
        if s.recv(100):
            refused += 1
    except socket.timeout:
        pass
    conns.append(s)
time.sleep(2)
with open(f"/proc/{pid}/status") as f:
    peak = next(line.split()[1] for line in f if line.startswith("VmHWM"))
print(f"{n} uploads of {sent} bytes: {refused} answered at once; server peak memory {peak} KB")
sys.stdout.flush()
time.sleep(float(os.environ.get("HOLD", "0")))
