#!/usr/bin/env python3
"""Malformed-frame suite against a live aoe-target (docs/aoe-protocol.md §3, first action of
each row).

Runs inside the client network namespace. Every frame is built here by hand from the field
tables of docs/aoe-protocol.md §1 (never by our own C++ code), sent over a raw AF_PACKET socket,
and the reply (or silence) is checked field by field. After each frame the target's telemetry
(/aoe/stats over the DPDK telemetry socket of aoe-target PID) must show the frame counted
exactly once, under the expected counter.

Usage: badframes.py --iface IF (--pid PID | --serial SOCKET) --ro FILE --rw FILE [--flood-seconds S]
  --serial SOCKET  the target is aoe-firmware (hal/metal) in QEMU: its counters come from the
                   JSON line its serial console (a unix socket) prints for the key `j`
  --ro FILE  the image exported as e0.1 (read-only); --rw FILE the image exported as e0.2,rw
Prints one line per case (PASS/FAIL: ...) and exits 1 if any case failed.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from aoe_telemetry import FirmwareConsole, Telemetry  # noqa: E402 (the tests' one counter reader)

ETH_P_AOE = 0x88A2
ETH_P_ALL = 0x0003
BCAST = b"\xff" * 6
SHELF, SLOT_RO, SLOT_RW = 0, 1, 2

# AoE r11 header (frame offsets, docs/aoe-protocol.md §1.1)
OFF_VERFLAGS, OFF_ERROR, OFF_MAJOR, OFF_MINOR, OFF_CMD, OFF_TAG = 14, 15, 16, 18, 19, 20
FLAG_R, FLAG_E = 0x08, 0x04
CMD_ATA, CMD_CFG, CMD_MASK, CMD_RSV = 0, 1, 2, 3
# ATA arg (§1.2)
OFF_AFLAGS, OFF_FEAT, OFF_SCNT, OFF_CMDSTAT, OFF_LBA, OFF_DATA = 24, 25, 26, 27, 28, 36
AF_EXT, AF_WRITE = 0x40, 0x01
ST_OK, ST_FAIL = 0x40, 0x41
ERR_ABRT, ERR_IDNF = 0x04, 0x10

failures = []


def log(msg):
    print(msg, flush=True)


def check(cond, case, what):
    cond = bool(cond)
    if not cond:
        failures.append(f"{case}: {what}")
        log(f"FAIL: {case}: {what}")
    return cond


class Link:
    def __init__(self, iface):
        self.iface = iface
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((iface, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.mac = self.sock.getsockname()[4]

    def send(self, frame):
        self.sock.send(frame)

    def drain(self):
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recv(65536)
        except BlockingIOError:
            pass
        self.sock.setblocking(True)

    def collect(self, tag, wait, want=None):
        """AoE responses carrying `tag` (R set) that arrive within `wait` seconds; returns early
        once `want` replies are in (then lingers briefly to catch extra replies)."""
        got = []
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return got
            self.sock.settimeout(left)
            try:
                f, addr = self.sock.recvfrom(65536)
            except socket.timeout:
                return got
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            if len(f) < 24 or struct.unpack_from("!H", f, 12)[0] != ETH_P_AOE:
                continue
            if not f[OFF_VERFLAGS] & FLAG_R or f[OFF_TAG:OFF_TAG + 4] != tag:
                continue
            got.append(f)
            if want is not None and len(got) >= want:
                end = min(end, time.monotonic() + 0.05)


def kernel_counters(iface, target_link):
    """The kernel's counters along the flood's path: this side's veth (sysfs of this netns),
    the target's veth (`ip -n NETNS`), and the softnet backlog drops (all CPUs)."""
    import subprocess

    def sysfs(name):
        with open(f"/sys/class/net/{iface}/statistics/{name}") as f:
            return int(f.read())

    ns, tif = target_link
    j = json.loads(subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", tif], check=True,
                                  capture_output=True, text=True).stdout)
    softnet = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            softnet += int(line.split()[1], 16)
    return {"tx_packets": sysfs("tx_packets"), "tx_dropped": sysfs("tx_dropped"),
            "rx_packets": j[0]["stats64"]["rx"]["packets"], "softnet_dropped": softnet}


def aoe_hdr(dst, src, shelf, slot, cmd, tag, verflags=0x10, error=0, ethertype=ETH_P_AOE):
    return (dst + src + struct.pack("!H", ethertype) + bytes([verflags, error]) +
            struct.pack("!HBB", shelf, slot, cmd) + tag)


def ata_arg(op, scnt, lba, aflags=0, feat=0):
    lba_b = struct.pack("<Q", lba)[:6]  # LBA0..LBA5, least significant first
    return bytes([aflags, feat, scnt, op]) + lba_b + b"\0\0"


def cfg_arg(ccmd=0, string=b"", length=None, bufcnt=0, fwver=0, scnt=0):
    n = len(string) if length is None else length
    return struct.pack("!HHBBH", bufcnt, fwver, scnt, (1 << 4) | ccmd, n) + string


class Suite:
    def __init__(self, args):
        self.link = Link(args.iface)
        self.tel = FirmwareConsole(args.serial) if args.serial else Telemetry(args.pid)
        self.ro = open(args.ro, "rb").read()
        self.rw_path = args.rw
        self.rw_before = open(args.rw, "rb").read()
        self.ro_sectors = len(self.ro) // 512
        self.frames_sent = 0
        self.target_mac = None
        self.tagn = random.randrange(1 << 20)
        self.start = self.tel.stats()

    def tag(self):
        self.tagn += 1
        return struct.pack("!I", 0x00A00000 | (self.tagn & 0xFFFFF))

    def send_expect(self, case, frame, tag, replies, counter, wait=0.4):
        """Send one frame; `replies` = number of replies expected (0 = silence). `counter`:
        the telemetry counter that must grow by exactly one (frames_in always does)."""
        before = self.tel.stats()
        self.link.send(frame)
        self.frames_sent += 1
        got = self.link.collect(tag, wait if replies == 0 else 2.0, want=replies or None)
        after = self.tel.stats()
        ok = check(len(got) == replies, case, f"{len(got)} replies, expected {replies}")
        d = {k: after[k] - before[k] for k in ("frames_in", "replies", "dropped", "silent")}
        # Counted exactly once: one frame in, and it is either replied (reply frames built =
        # replies received), or dropped, or silent, never two of them.
        ok &= check(d["frames_in"] == 1, case, f"frames_in grew by {d['frames_in']}, expected 1")
        if d["frames_in"] != 1:  # name what else came in (a stray frame on the segment, a retransmit)
            moved = {k: after[k] - before[k] for k in after
                     if isinstance(after[k], int) and isinstance(before.get(k), int) and after[k] != before[k]}
            print(f"       counters that moved during '{case}': {moved}")
        want = {"replies": len(got), "dropped": 0, "silent": 0}
        if counter.startswith("drop_"):
            want["dropped"] = 1
        elif counter.startswith("silent_"):
            want["silent"] = 1
        for k, v in want.items():
            ok &= check(d[k] == v, case, f"{k} grew by {d[k]}, expected {v}")
        if counter not in ("replies", "dropped", "silent"):
            dc = after[counter] - before[counter]
            ok &= check(dc == 1, case, f"{counter} grew by {dc}, expected 1")
        return ok, got

    # ---- reply hygiene (docs/aoe-protocol.md §3 "Response hygiene") ----
    def check_reply(self, case, req, f, slot, cmd, error=None, min_len=60):
        src = req[6:12]
        ok = check(f[0:6] == src, case, "reply dst is not the requester")
        ok &= check(f[6:12] == self.target_mac, case, "reply src is not the target port MAC")
        ok &= check(struct.unpack_from("!H", f, 12)[0] == ETH_P_AOE, case, "EtherType")
        ok &= check(f[OFF_VERFLAGS] >> 4 == 1, case, f"version {f[OFF_VERFLAGS] >> 4}")
        ok &= check(f[OFF_VERFLAGS] & FLAG_R, case, "R flag clear")
        ok &= check(f[OFF_VERFLAGS] & 0x03 == 0, case, "MBZ bits set in reply")
        ok &= check(struct.unpack_from("!H", f, OFF_MAJOR)[0] == SHELF and f[OFF_MINOR] == slot,
                    case, f"reply shelf.slot {struct.unpack_from('!H', f, OFF_MAJOR)[0]}.{f[OFF_MINOR]}")
        ok &= check(f[OFF_CMD] == cmd, case, f"command {f[OFF_CMD]} not echoed ({cmd})")
        ok &= check(f[OFF_TAG:OFF_TAG + 4] == req[OFF_TAG:OFF_TAG + 4], case, "tag not echoed")
        ok &= check(len(f) >= min_len, case, f"reply {len(f)} bytes < {min_len}")
        ok &= check(len(f) <= 1514, case, f"reply {len(f)} bytes > MTU")
        if error is None:
            ok &= check(not f[OFF_VERFLAGS] & FLAG_E, case, f"E set, error {f[OFF_ERROR]}")
        else:
            ok &= check(f[OFF_VERFLAGS] & FLAG_E and f[OFF_ERROR] == error, case,
                        f"expected E + Error {error}, got flags {f[OFF_VERFLAGS]:#x} error {f[OFF_ERROR]}")
        return ok

    def check_padding(self, case, f, used):
        if used < 60:
            check(f[used:60] == bytes(60 - used), case, "padding not zeroed")

    def me(self):
        return self.link.mac

    # ---- the cases ----
    def discover(self):
        t = self.tag()
        req = aoe_hdr(BCAST, self.me(), 0xFFFF, 0xFF, CMD_CFG, t) + cfg_arg()
        ok, got = self.send_expect("discover (broadcast config read)", req, t, 2, "replies")
        for f in got:
            self.target_mac = f[6:12]
            self.check_reply("discover", req, f, f[OFF_MINOR], CMD_CFG, min_len=60)
            self.check_padding("discover", f, 32 + struct.unpack_from("!H", f, 30)[0])
            bufcnt, fwver, scnt, vc, slen = struct.unpack_from("!HHBBH", f, 24)
            check(bufcnt >= 64, "discover", f"bufcnt {bufcnt} < 64")
            check(scnt == (1500 - 22) // 512, "discover", f"scnt {scnt}")
            check(vc >> 4 == 1, "discover", "AoE version nibble in ccmd byte")
            check(slen == 0, "discover", "config string not empty at start")
        check(sorted(f[OFF_MINOR] for f in got) == [SLOT_RO, SLOT_RW], "discover",
              f"slots {[f[OFF_MINOR] for f in got]}")
        log(f"target MAC {self.target_mac.hex(':')}")

    def ata_case(self, name, slot, arg, data=b"", expect_status=ST_OK, expect_err=0,
                 expect_data=None, counter="replies", dst=None, ver=0x10):
        t = self.tag()
        req = aoe_hdr(dst or self.target_mac, self.me(), SHELF, slot, CMD_ATA, t, verflags=ver) + arg + data
        ok, got = self.send_expect(name, req, t, 1, counter)
        if not got:
            return None
        f = got[0]
        ok &= self.check_reply(name, req, f, slot, CMD_ATA)
        ok &= check(f[OFF_CMDSTAT] == expect_status, name,
                    f"ATA status {f[OFF_CMDSTAT]:#x}, expected {expect_status:#x}")
        ok &= check(f[OFF_FEAT] == expect_err, name, f"ATA error {f[OFF_FEAT]:#x}, expected {expect_err:#x}")
        if expect_data is not None:
            body = f[OFF_DATA:OFF_DATA + len(expect_data)]
            ok &= check(body == expect_data, name, "data differs from the image")
            ok &= check(len(f) == OFF_DATA + len(expect_data), name,
                        f"reply {len(f)} bytes, expected exactly {OFF_DATA + len(expect_data)}")
        elif expect_status == ST_FAIL:
            ok &= check(len(f) == 60, name, f"error reply carries data ({len(f)} bytes)")
            self.check_padding(name, f, OFF_DATA)
        if ok:
            log(f"PASS {name}")
        return f

    def silent_case(self, name, frame, tag, counter):
        ok, _ = self.send_expect(name, frame, tag, 0, counter)
        if ok:
            log(f"PASS {name} (no reply; counted in {counter})")

    def error_case(self, name, frame, tag, slot, cmd, error, counter="replies"):
        ok, got = self.send_expect(name, frame, tag, 1, counter)
        if got:
            ok &= self.check_reply(name, frame, got[0], slot, cmd, error=error)
            if ok:
                log(f"PASS {name} (E, Error {error})")
        return got[0] if got else None

    def run(self):
        me, tm = self.me(), None
        self.discover()
        tm = self.target_mac
        ro = self.ro
        sec = lambda lba, n=1: ro[lba * 512:(lba + n) * 512]  # noqa: E731
        last = self.ro_sectors - 1

        # -- sane baseline --
        self.ata_case("read LBA48 2 sectors", SLOT_RO, ata_arg(0x24, 2, 1000, AF_EXT), expect_data=sec(1000, 2))
        self.ata_case("read last sector", SLOT_RO, ata_arg(0x24, 1, last, AF_EXT), expect_data=sec(last))
        self.ata_case("read LBA28 with lba3=0xE0 (mask 0x0FFFFFFF)", SLOT_RO,
                      ata_arg(0x20, 1, 0xE0000000 | 77), expect_data=sec(77))
        f = self.ata_case("IDENTIFY", SLOT_RO, ata_arg(0xEC, 1, 0xA0000000))
        if f is not None:
            w = struct.unpack_from("<256H", f, OFF_DATA)
            check(len(f) == OFF_DATA + 512, "IDENTIFY", "not 512 data bytes")
            check(w[83] & (1 << 10) and w[86] & (1 << 10), "IDENTIFY", "LBA48 bits 83/86")
            cap48 = struct.unpack_from("<Q", f, OFF_DATA + 200)[0]
            check(cap48 == self.ro_sectors, "IDENTIFY", f"words 100-103 {cap48} != {self.ro_sectors}")

        # -- Ethernet layer --
        t = self.tag()
        self.silent_case("EtherType not 0x88A2 (0x88A3)",
                         aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t, ethertype=0x88A3) + cfg_arg(), t, "drop_not_aoe")
        t = self.tag()
        self.silent_case("runt frame (20 bytes)", aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t)[:20], t, "drop_runt")
        t = self.tag()
        self.silent_case("802.1Q VID 7 while serving untagged",
                         tm + me + struct.pack("!HH", 0x8100, 7) + aoe_hdr(b"", b"", SHELF, SLOT_RO, CMD_CFG, t)
                         + cfg_arg(), t, "drop_wrong_vlan")
        t = self.tag()
        self.silent_case("foreign destination MAC", aoe_hdr(b"\x02\x11\x22\x33\x44\x55", me, SHELF, SLOT_RO,
                                                            CMD_ATA, t) + ata_arg(0x24, 1, 0, AF_EXT), t, "drop_foreign_dst")
        for src in (b"\x01\x00\x5e\x00\x00\x01", b"\x33\x33\x00\x00\x00\x01", BCAST):
            t = self.tag()
            self.silent_case(f"group source MAC {src.hex(':')} (config query)",
                             aoe_hdr(BCAST, src, 0xFFFF, 0xFF, CMD_CFG, t) + cfg_arg(), t, "drop_group_src")
            t = self.tag()
            self.silent_case(f"group source MAC {src.hex(':')} (unicast read)",
                             aoe_hdr(tm, src, SHELF, SLOT_RO, CMD_ATA, t) + ata_arg(0x24, 1, 0, AF_EXT), t,
                             "drop_group_src")

        # -- AoE header --
        t = self.tag()
        self.silent_case("R flag set (a response)", aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_ATA, t, verflags=0x18) +
                         ata_arg(0x24, 1, 0, AF_EXT), t, "silent_response")
        t = self.tag()
        self.silent_case("R flag set on a broadcast config response (another target's advert)",
                         aoe_hdr(BCAST, me, SHELF, SLOT_RO, CMD_CFG, t, verflags=0x18) + cfg_arg(), t, "silent_response")
        for ver in (0x00, 0x20, 0xF0):
            t = self.tag()
            req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_ATA, t, verflags=ver) + ata_arg(0x24, 1, 0, AF_EXT)
            self.error_case(f"version {ver >> 4} (ATA read)", req, t, SLOT_RO, CMD_ATA, 5, "aoe_error_5")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t, verflags=0x20) + cfg_arg()
        self.error_case("version 2 (config read)", req, t, SLOT_RO, CMD_CFG, 5, "aoe_error_5")
        self.ata_case("E and MBZ flag bits set in a request (ignored)", SLOT_RO, ata_arg(0x24, 1, 5, AF_EXT),
                      expect_data=sec(5), ver=0x17)
        t = self.tag()
        self.silent_case("shelf.slot not exported (0.9)", aoe_hdr(tm, me, SHELF, 9, CMD_ATA, t) +
                         ata_arg(0x24, 1, 0, AF_EXT), t, "silent_not_ours")
        t = self.tag()
        self.silent_case("shelf.slot not exported (7.1, config)", aoe_hdr(tm, me, 7, SLOT_RO, CMD_CFG, t) +
                         cfg_arg(), t, "silent_not_ours")

        # -- broadcast addressing on non-config commands --
        for (sh, sl, dst) in ((0xFFFF, 0xFF, BCAST), (0xFFFF, SLOT_RO, tm), (SHELF, 0xFF, tm), (SHELF, SLOT_RO, BCAST)):
            if dst == BCAST and sh == SHELF:
                # broadcast destination MAC but a real shelf.slot: served like unicast (the
                # address fields, not the MAC, are what §3 restricts); the data must be right.
                self.ata_case("read to dst ff:ff:ff:ff:ff:ff with real shelf.slot", SLOT_RO,
                              ata_arg(0x24, 1, 3, AF_EXT), expect_data=sec(3), dst=BCAST)
                continue
            t = self.tag()
            self.silent_case(f"broadcast-addressed ATA read {sh:#x}.{sl:#x}", aoe_hdr(dst, me, sh, sl, CMD_ATA, t) +
                             ata_arg(0x24, 1, 0, AF_EXT), t, "drop_broadcast_ata")
        t = self.tag()
        self.silent_case("broadcast-addressed ATA write 0xffff.0xff", aoe_hdr(BCAST, me, 0xFFFF, 0xFF, CMD_ATA, t) +
                         ata_arg(0x34, 1, 0, AF_EXT | AF_WRITE) + bytes(512), t, "drop_broadcast_ata")
        t = self.tag()
        self.silent_case("broadcast-addressed reserve read", aoe_hdr(BCAST, me, 0xFFFF, 0xFF, CMD_RSV, t) +
                         bytes(2), t, "drop_broadcast_ata")

        # -- commands --
        for cmd in (4, 0x10, 0x7F, 0xEF):
            t = self.tag()
            req = aoe_hdr(tm, me, SHELF, SLOT_RO, cmd, t) + bytes(12)
            self.error_case(f"unknown command {cmd:#x}", req, t, SLOT_RO, cmd, 1, "aoe_error_1")
        for cmd in (0xF0, 0xF7, 0xFF):
            t = self.tag()
            self.silent_case(f"vendor command {cmd:#x}", aoe_hdr(tm, me, SHELF, SLOT_RO, cmd, t) + bytes(12), t,
                             "drop_vendor")

        # -- truncated arguments of every command (ATA < 36, Config < 32, Mask < 28, Reserve < 26) --
        for cmd, full, name in ((CMD_ATA, ata_arg(0x24, 1, 0, AF_EXT), "ATA"), (CMD_CFG, cfg_arg(), "Query Config"),
                                (CMD_MASK, bytes(4), "Mac Mask"), (CMD_RSV, bytes(2), "Reserve")):
            for cut in sorted({0, 1, len(full) - 1}):
                t = self.tag()
                self.silent_case(f"truncated {name} argument ({24 + cut} bytes)",
                                 aoe_hdr(tm, me, SHELF, SLOT_RO, cmd, t) + full[:cut], t, "drop_truncated")

        # -- ATA argument errors: ATA status ERR with E clear (§3) --
        self.ata_case("read scnt 0", SLOT_RO, ata_arg(0x24, 0, 0, AF_EXT), expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("write scnt 0 (rw export)", SLOT_RW, ata_arg(0x34, 0, 0, AF_EXT | AF_WRITE),
                      expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("read scnt 3 > advertised 2", SLOT_RO, ata_arg(0x24, 3, 0, AF_EXT), expect_status=ST_FAIL,
                      expect_err=ERR_ABRT)
        self.ata_case("read scnt 255", SLOT_RO, ata_arg(0x24, 255, 0, AF_EXT), expect_status=ST_FAIL,
                      expect_err=ERR_ABRT)
        self.ata_case("read LBA past the end", SLOT_RO, ata_arg(0x24, 1, self.ro_sectors, AF_EXT),
                      expect_status=ST_FAIL, expect_err=ERR_IDNF)
        self.ata_case("read straddling the end", SLOT_RO, ata_arg(0x24, 2, last, AF_EXT),
                      expect_status=ST_FAIL, expect_err=ERR_IDNF)
        self.ata_case("read LBA 2^48-1", SLOT_RO, ata_arg(0x24, 1, (1 << 48) - 1, AF_EXT),
                      expect_status=ST_FAIL, expect_err=ERR_IDNF)
        self.ata_case("write to the read-only export", SLOT_RO, ata_arg(0x34, 1, 10, AF_EXT | AF_WRITE),
                      data=b"\xAA" * 512, expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("LBA28 write to the read-only export", SLOT_RO, ata_arg(0x30, 2, 0xE0000000 | 20, AF_WRITE),
                      data=b"\xBB" * 1024, expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("write with data shorter than scnt*512 (rw)", SLOT_RW, ata_arg(0x34, 2, 4, AF_EXT | AF_WRITE),
                      data=b"\xCC" * 700, expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("write opcode without W flag (rw)", SLOT_RW, ata_arg(0x34, 1, 4, AF_EXT),
                      data=b"\xDD" * 512, expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("read opcode with W flag", SLOT_RO, ata_arg(0x24, 1, 4, AF_EXT | AF_WRITE),
                      expect_status=ST_FAIL, expect_err=ERR_ABRT)
        self.ata_case("write past the end (rw)", SLOT_RW, ata_arg(0x34, 1, len(self.rw_before) // 512,
                                                                  AF_EXT | AF_WRITE),
                      data=b"\xEE" * 512, expect_status=ST_FAIL, expect_err=ERR_IDNF)
        self.ata_case("unknown ATA opcode 0x00 (NOP)", SLOT_RO, ata_arg(0x00, 0, 0), expect_status=ST_FAIL,
                      expect_err=ERR_ABRT)
        self.ata_case("SMART 0xB0", SLOT_RO, ata_arg(0xB0, 0, 0xC24F00, feat=0xD0), expect_status=ST_FAIL,
                      expect_err=ERR_ABRT)
        f = self.ata_case("CHECK POWER MODE", SLOT_RO, ata_arg(0xE5, 0, 0))
        if f is not None:
            check(f[OFF_SCNT] == 0xFF, "CHECK POWER MODE", f"count {f[OFF_SCNT]:#x} != 0xff")
        self.ata_case("FLUSH CACHE EXT on the read-only export", SLOT_RO, ata_arg(0xEA, 0, 0, AF_EXT))
        self.ata_case("IDENTIFY with scnt 0 (answered with 512 bytes)", SLOT_RO, ata_arg(0xEC, 0, 0xA0000000))
        self.ata_case("IDENTIFY with 1500 bytes of trailing junk (aoe-sancheck)", SLOT_RO,
                      ata_arg(0xEC, 1, 0xA0000000), data=os.urandom(1400))
        self.ata_case("READ with a trailing 1024-byte payload (Linux probe)", SLOT_RO, ata_arg(0x24, 2, 0, AF_EXT),
                      data=bytes(1024), expect_data=sec(0, 2))

        # -- Query Config --
        # length field larger than the string bytes present, or above 1024: E, Error 2
        for ccmd, ln, present, name in ((1, 40, 10, "test"), (2, 40, 10, "prefix test"), (3, 20, 19, "set"),
                                        (4, 5, 0, "force set"), (1, 1025, 1400, "test"), (4, 2000, 1400, "force set")):
            t = self.tag()
            req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t) + cfg_arg(ccmd, os.urandom(present), length=ln)
            f = self.error_case(f"config {name}: string length {ln}, {present} bytes present", req, t, SLOT_RO,
                                CMD_CFG, 2, "aoe_error_2")
            if f is not None:
                check(struct.unpack_from("!H", f, 30)[0] == 0, name, "reply does not carry the (empty) current string")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t) + cfg_arg(3, b"mine")
        self.error_case("config set with remote admin off", req, t, SLOT_RO, CMD_CFG, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t) + cfg_arg(9)
        self.error_case("config unknown ccmd 9", req, t, SLOT_RO, CMD_CFG, 2, "aoe_error_2")
        t = self.tag()
        self.silent_case("config test mismatch", aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t) + cfg_arg(1, b"xyz"), t,
                         "silent_config_mismatch")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t) + cfg_arg(2, b"")
        ok, got = self.send_expect("config prefix test, empty prefix (matches)", req, t, 1, "replies")
        if got and self.check_reply("config prefix empty", req, got[0], SLOT_RO, CMD_CFG):
            log("PASS config prefix test, empty prefix (matches)")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_CFG, t) + cfg_arg(0, b"ignored string", length=900)
        ok, got = self.send_expect("config read with a bogus string length (ignored)", req, t, 1, "replies")
        if got and self.check_reply("config read bogus length", req, got[0], SLOT_RO, CMD_CFG):
            log("PASS config read with a bogus string length (string ignored on read)")

        # -- Mac Mask List --
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_MASK, t) + bytes([0, 1, 0, 5]) + bytes(8 * 2)
        f = self.error_case("mask edit: Dir Count 5, 2 directives present", req, t, SLOT_RO, CMD_MASK, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_MASK, t) + bytes([0, 1, 0, 255])
        self.error_case("mask edit: Dir Count 255, none present", req, t, SLOT_RO, CMD_MASK, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_MASK, t) + bytes([0, 1, 0, 1]) + bytes([0, 1]) + me
        ok, got = self.send_expect("mask edit with remote admin off", req, t, 1, "replies")
        if got and self.check_reply("mask edit off", req, got[0], SLOT_RO, CMD_MASK):
            if check(got[0][26] == 1 and got[0][27] == 0, "mask edit off", f"MError {got[0][26]} dircount {got[0][27]}"):
                log("PASS mask edit with remote admin off (MError 1, list unchanged)")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_MASK, t) + bytes([0, 0, 0, 0])
        ok, got = self.send_expect("mask read", req, t, 1, "replies")
        if got and self.check_reply("mask read", req, got[0], SLOT_RO, CMD_MASK):
            if check(got[0][27] == 0, "mask read", "mask list not empty"):
                log("PASS mask read (empty list)")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_MASK, t) + bytes([0, 7, 0, 0])
        self.error_case("mask unknown MCmd 7", req, t, SLOT_RO, CMD_MASK, 2, "aoe_error_2")

        # -- Reserve/Release --
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_RSV, t) + bytes([1, 4]) + me * 2
        self.error_case("reserve set: NMacs 4, 2 MACs present", req, t, SLOT_RO, CMD_RSV, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_RSV, t) + bytes([2, 255])
        self.error_case("reserve force set: NMacs 255, none present", req, t, SLOT_RO, CMD_RSV, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_RSV, t) + bytes([1, 1]) + me
        self.error_case("reserve set with remote admin off", req, t, SLOT_RO, CMD_RSV, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_RSV, t) + bytes([5, 0])
        self.error_case("reserve unknown RCmd 5", req, t, SLOT_RO, CMD_RSV, 2, "aoe_error_2")
        t = self.tag()
        req = aoe_hdr(tm, me, SHELF, SLOT_RO, CMD_RSV, t) + bytes([0, 0])
        ok, got = self.send_expect("reserve read", req, t, 1, "replies")
        if got and self.check_reply("reserve read", req, got[0], SLOT_RO, CMD_RSV):
            if check(got[0][25] == 0, "reserve read", "reserve list not empty"):
                log("PASS reserve read (empty list)")

        # -- nothing changed where nothing may change --
        self.ata_case("read-only image unchanged at LBA 10 after the refused write", SLOT_RO,
                      ata_arg(0x24, 2, 10, AF_EXT), expect_data=sec(10, 2))
        self.ata_case("read-only image unchanged at LBA 20 after the refused LBA28 write", SLOT_RO,
                      ata_arg(0x20, 2, 20), expect_data=sec(20, 2))
        rw_now = open(self.rw_path, "rb").read()
        check(rw_now == self.rw_before, "rw image", "the rw image changed although every write was refused")

    def flood(self, seconds, src, alone, target_link=None):
        """Broadcast config queries from one source as fast as python sends them. Replies are
        rate-limited per source (TargetOptions: burst 8 per 100 ms window). `alone`: nothing
        else talks to the target, so every flood frame that reached the engine must be counted
        as answered or drop_rate_limited, exactly; and with `target_link` (netns, iface of the
        target's veth) every frame sent must be accounted for on its way (see kernel_path)."""
        before = self.tel.stats()
        k0 = kernel_counters(self.link.iface, target_link) if target_link else None
        t = self.tag()
        frame = aoe_hdr(BCAST, src, 0xFFFF, 0xFF, CMD_CFG, t) + cfg_arg()
        n = 0
        end = time.monotonic() + seconds
        t0 = time.monotonic()
        while time.monotonic() < end:
            for _ in range(200):
                self.link.send(frame)
            n += 200
        dt = time.monotonic() - t0
        got = self.link.collect(t, 0.5)
        time.sleep(0.3)
        after = self.tel.stats()
        k1 = kernel_counters(self.link.iface, target_link) if target_link else None
        self.frames_sent += n
        d = {k: after[k] - before[k] for k in ("frames_in", "drop_rate_limited", "replies")}
        windows = dt / 0.1 + 2
        accepted = len(got) // 2  # two exports answer each accepted broadcast query
        label = "flood alone" if alone else "flood with a reader"
        log(f"{label}: sent {n} queries in {dt:.2f} s ({n / dt:.0f}/s), {len(got)} replies "
            f"({accepted} queries answered, limit {8 * windows:.0f}), drop_rate_limited +{d['drop_rate_limited']}, "
            f"frames_in +{d['frames_in']}, imissed +{after['imissed'] - before['imissed']}, "
            f"rx_ring_dropped +{after.get('rx_ring_dropped', 0) - before.get('rx_ring_dropped', 0)}")
        check(len(got) % 2 == 0, label, "odd number of replies (2 exports)")
        check(accepted <= 8 * windows, label, f"{accepted} queries answered > {8 * windows:.0f} allowed")
        check(accepted >= 8, label, f"only {accepted} queries answered (the first burst of 8 must be)")
        if alone:
            check(d["drop_rate_limited"] + accepted == d["frames_in"], label,
                  f"answered {accepted} + drop_rate_limited {d['drop_rate_limited']} != frames_in +{d['frames_in']}")
            check(d["replies"] == len(got), label, f"replies +{d['replies']} != {len(got)} received")
            if target_link:
                self.kernel_path(label, n, before, after, k0, k1)
        return n, len(got)

    def kernel_path(self, label, n, before, after, k0, k1):
        """Where every flood frame went (finding 4). A frame python sent either (a) was dropped
        by the sending veth because the receiving CPU's backlog queue (netdev_max_backlog) was
        full: veth_xmit counts it as the sender's tx_dropped (and softnet_stat's drop column),
        or (b) was received by the target's veth (its rx_packets), then handed to the PMD's
        AF_PACKET socket, where it either (b1) got a slot in the PACKET_MMAP ring and was read by
        the PMD and counted by the engine (frames_in), or (b2) found the ring full and was
        dropped by the kernel (tp_drops: aoe-target's rx_ring_dropped). Nothing else reaches
        the target's veth in this test (IPv6 off, the replies go the other way), and the 0.8 s
        pause after the flood lets the PMD empty the ring, so these are equalities:
          sent = sender tx_packets + sender tx_dropped
          target veth rx_packets = frames_in + rx_ring_dropped
        Without rx_ring_dropped the second line would not hold: a flood loses 2-22 % of the
        frames in the kernel's ring, where the PMD never counts them."""
        if check("rx_ring_dropped" in after, label, "telemetry has no rx_ring_dropped (net_af_packet port)"):
            ring = after["rx_ring_dropped"] - before["rx_ring_dropped"]
            fin = after["frames_in"] - before["frames_in"]
            dk = {k: k1[k] - k0[k] for k in k0}
            log(f"{label}: kernel path: sent {n}; sender veth tx_packets +{dk['tx_packets']} tx_dropped "
                f"+{dk['tx_dropped']} (softnet backlog drops +{dk['softnet_dropped']}); target veth rx_packets "
                f"+{dk['rx_packets']}; engine frames_in +{fin}; af_packet ring dropped +{ring} "
                f"({100.0 * ring / max(dk['rx_packets'], 1):.1f} % of what the veth received)")
            check(n == dk["tx_packets"] + dk["tx_dropped"], label,
                  f"sent {n} != sender veth tx_packets +{dk['tx_packets']} + tx_dropped +{dk['tx_dropped']}")
            check(dk["rx_packets"] == fin + ring, label,
                  f"target veth rx_packets +{dk['rx_packets']} != frames_in +{fin} + rx_ring_dropped +{ring}")
            check(n == fin + ring + dk["tx_dropped"], label,
                  f"sent {n} != frames_in +{fin} + rx_ring_dropped +{ring} + veth tx_dropped +{dk['tx_dropped']}")

    def accounting(self):
        end = self.tel.stats()
        d_in = end["frames_in"] - self.start["frames_in"]
        log(f"accounting: frames_in={end['frames_in']} replies={end['replies']} dropped={end['dropped']} "
            f"silent={end['silent']} forwarded={end['forwarded']} imissed={end.get('imissed')}; "
            f"this run sent {self.frames_sent}, frames_in grew by {d_in}")
        # docs/decisions.md: every frame counts once as replied, dropped or silent. A broadcast
        # query gets one reply per export, so `replies` cannot stand in for `replied`: the
        # telemetry must publish the engine's `replied` counter for an outside check.
        if check("replied" in end, "accounting", "telemetry /aoe/stats has no 'replied' counter (frames that got "
                 "replies; EngineCounters::replied is not published by hal/dpdk/stats.cpp engine_values)"):
            total = end["replied"] + end["dropped"] + end["silent"] + end["forwarded"]
            check(end["frames_in"] == total, "accounting",
                  f"frames_in {end['frames_in']} != replied+dropped+silent+forwarded {total}")
        return d_in


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--pid", help="aoe-target's PID (DPDK telemetry)")
    who.add_argument("--serial", metavar="SOCKET", help="aoe-firmware's serial console socket")
    ap.add_argument("--ro", required=True)
    ap.add_argument("--rw", required=True)
    ap.add_argument("--mode", choices=["cases", "flood-alone", "flood"], default="cases")
    ap.add_argument("--flood-seconds", type=float, default=3.0)
    ap.add_argument("--target-link", metavar="NETNS:IFACE",
                    help="flood-alone: the target's veth, for the kernel-path accounting")
    args = ap.parse_args()
    s = Suite(args)
    if args.mode == "cases":
        s.run()
        d_in = s.accounting()
        check(d_in == s.frames_sent, "accounting", f"frames_in grew by {d_in}, the suite sent {s.frames_sent}")
    else:
        s.discover()
        s.flood(args.flood_seconds, b"\x02\xf1\x00\x00\x00\x01", alone=args.mode == "flood-alone",
                target_link=tuple(args.target_link.split(":", 1)) if args.target_link else None)
        # (the 'replied' counter gap is reported once, by the cases mode)
    if failures:
        log(f"badframes: {len(failures)} check(s) failed")
        return 1
    log("badframes: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
