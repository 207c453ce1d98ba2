#!/usr/bin/env python3
"""Slow clients (docs/known-attacks.md, "Slow clients").

Against a running server, from loopback addresses, within WAIT seconds each:
  1. a request head that never ends: when is the connection closed?
  2. a verification upload that stops after its first bytes (declaring 20,000,000): when is
     it answered?
  3. CONNS idle connections from one address, then one request from that address and one
     from another: how many were held open, and were the requests served? With the
     server's open file descriptors at the peak (SERVER_PID).

Usage: scripts/attack-slow.py PORT WAIT CONNS SERVER_PID
  e.g. eseal serve --demo --listen 127.0.0.1:18080 --data /tmp/d & sleep 5
       scripts/attack-slow.py 18080 40 3000 $!
"""
import os
import resource
import socket
import sys
import time

port, wait, conns, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
resource.setrlimit(resource.RLIMIT_NOFILE, (conns + 256, conns + 256))


def closed_after(s):
    """Seconds until the server closes `s` (None: still open after WAIT), and what it sent."""
    began, got = time.time(), b""
    s.settimeout(0.2)
    while time.time() - began < wait:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.time() - began, got
        if not b:
            return time.time() - began, got
        got += b
    return None, got


def fds():
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return "?"


s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.2", 0))
s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
t, _ = closed_after(s)
print(f"1. unfinished head: {'closed after %.1f s' % t if t is not None else 'still open after %g s' % wait}")

s = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.3", 0))
s.sendall(
    b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Content-Length: 20000000\r\n\r\n" + b'{"ofd":"AAAA'
)
t, got = closed_after(s)
status = got.split(b"\r\n", 1)[0].decode(errors="replace") if got else "nothing"
print(
    f"2. stopped upload: {'answered after %.1f s (%s)' % (t, status) if t is not None else 'no answer after %g s' % wait}"
)
s.close()

idle = []
for i in range(conns):
    try:
        c = socket.create_connection(("127.0.0.1", port), source_address=("127.0.0.4", 0))
    except OSError as e:
        print(f"   connect {i}: {e}")
        break
    idle.append(c)
time.sleep(0.5)
peak = fds()
alive = 0
for c in idle:
    c.setblocking(False)
    try:
        b = c.recv(1)
        alive += 0 if b == b"" else 0
    except BlockingIOError:
        alive += 1
    except OSError:
        pass


def health(source):
    try:
        r = socket.create_connection(("127.0.0.1", port), source_address=(source, 0), timeout=wait)
        r.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    except OSError as e:
        return f"no connection ({e})"
    t, got = closed_after(r)
    if not got:
        return "nothing" if t is not None else f"no answer after {wait:g} s"
    return got.split(b"\r\n", 1)[0].decode(errors="replace")


print(
    f"3. {len(idle)} idle connections from one address: {alive} held open by the server "
    f"(server descriptors {peak}); a request from that address then got: {health('127.0.0.4')}; "
    f"from another address: {health('127.0.0.5')}"
)
