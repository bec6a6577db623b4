#!/usr/bin/env python3
"""Readiness listener: what systemd does for Type=notify, without systemd.

Binds a unix datagram socket at argv[1] (the NOTIFY_SOCKET given to aoe-target) and appends
every datagram to argv[2], one line per datagram ("<monotonic seconds> <fields separated
by |>"), flushing each, until killed.
"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(log, "a", buffering=1) as out:
    out.write("%.3f LISTENING\n" % time.monotonic())
    while True:
        data = s.recv(4096).decode(errors="replace")
        out.write("%.3f %s\n" % (time.monotonic(), data.replace("\n", "|")))
