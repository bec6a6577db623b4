#!/usr/bin/env python3
"""The tests' one reader of a target's counters, for both platforms.

aoe-target (hal/dpdk) publishes its counters on the DPDK telemetry v2 socket of its process
(/var/run/dpdk/aoe-PID/dpdk_telemetry.v2: what `aoe-target --stats=PID --json` reads);
aoe-firmware (hal/metal) prints one line `AOE-STATS {json}`, with the key names of aoe-target's
/aoe/stats, when its serial console (a unix socket under QEMU) gets the key `j`.

As a module (tests/hardening/badframes.py, scripts/e2e/fault-test):
    Telemetry(pid).stats() / .exports() / .query("/aoe/...")
    Telemetry(pid, keep=True)          one connection held open for polling
    FirmwareConsole(path).stats() / .key("q")
As a command (scripts/e2e/firmware.sh):
    aoe_telemetry.py console-json SOCKET       prints the firmware's AOE-STATS JSON
    aoe_telemetry.py console-key SOCKET KEY    sends one key to the firmware's console
Errors name the socket and what is wrong; the command exits 1.
"""
import json
import socket
import sys
import time


class Telemetry:
    """DPDK telemetry v2 socket of one aoe-target. keep=True holds one connection open (the
    telemetry library answers any number of commands on it), for polling every few ms."""

    def __init__(self, pid, keep=False):
        self.path = f"/var/run/dpdk/aoe-{pid}/dpdk_telemetry.v2"
        self.sock = self._connect() if keep else None

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(self.path)
        s.recv(4096)  # greeting
        return s

    def query(self, cmd):
        s = self.sock or self._connect()
        try:
            s.send(cmd.encode())
            data = s.recv(1 << 20)
        finally:
            if s is not self.sock:
                s.close()
        return json.loads(data)[cmd]

    def stats(self):
        return self.query("/aoe/stats")

    def exports(self):
        return self.query("/aoe/exports")

    def export_reads(self, name):
        """Read commands served so far for export `name` (e.g. "e0.1")."""
        e = self.exports()
        return sum(r for n, r in zip(e["export"], e["reads"]) if n == name)


class FirmwareConsole:
    """aoe-firmware's serial console (a unix socket): `j` makes it print one line
    `AOE-STATS {json}` with the key names of aoe-target's /aoe/stats."""

    def __init__(self, path, wait=5.0):
        self.path = path
        self.wait = wait

    def key(self, k):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        s.sendall(k.encode())
        s.close()

    def stats_line(self):
        """The JSON text of the AOE-STATS line the firmware answers to `j`."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        s.settimeout(self.wait)
        s.sendall(b"j")
        buf = b""
        end = time.monotonic() + self.wait
        try:
            while time.monotonic() < end:
                buf += s.recv(65536)
                i = buf.find(b"AOE-STATS ")
                if i >= 0 and b"\n" in buf[i:]:
                    return buf[i + 10:buf.index(b"\n", i)].decode().strip()
        finally:
            s.close()
        raise RuntimeError(f"no AOE-STATS line from the firmware console {self.path} within {self.wait:g} s")

    def stats(self):
        return json.loads(self.stats_line())


def main(argv):
    usage = "usage: aoe_telemetry.py console-json SOCKET | console-key SOCKET KEY"
    try:
        if len(argv) == 2 and argv[0] == "console-json":
            print(FirmwareConsole(argv[1]).stats_line())
        elif len(argv) == 3 and argv[0] == "console-key":
            FirmwareConsole(argv[1]).key(argv[2])
        else:
            print(usage, file=sys.stderr)
            return 2
    except (OSError, RuntimeError) as e:
        print(f"aoe_telemetry.py: {argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
