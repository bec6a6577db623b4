#!/usr/bin/env python3
"""Writes the fuzz seed corpus: a few frames of every command, in the harness's input format
(byte 0 options, byte 1 time step, then [u16 length][frame] records). Frames are built from
docs/aoe-protocol.md's offsets. Usage: make_corpus.py OUTDIR"""
import os
import struct
import sys

TARGET = bytes([0x02, 0, 0, 0, 0, 0x01])
CLIENT = bytes([0x02, 0, 0, 0, 0, 0xAA])
BCAST = b"\xff" * 6


def frame(cmd, arg=b"", shelf=0, slot=1, dst=TARGET, src=CLIENT, verflags=0x10, tag=0x12345678, vlan=None, pad=True):
    f = dst + src
    if vlan is not None:
        f += struct.pack(">HH", 0x8100, vlan)
    f += struct.pack(">HBBHBBI", 0x88A2, verflags, 0, shelf, slot, cmd, tag) + arg
    if pad and len(f) < 60:
        f += bytes(60 - len(f))
    return f


def ata(aflags, scnt, op, lba, data=b"", **kw):
    return frame(0, bytes([aflags, 0, scnt, op]) + lba.to_bytes(6, "little") + b"\0\0" + data, **kw)


def cfg(ccmd, s=b"", **kw):
    return frame(1, struct.pack(">HHBBH", 0, 0, 0, ccmd, len(s)) + s, **kw)


def mask(mcmd, dirs=(), **kw):
    return frame(2, bytes([0, mcmd, 0, len(dirs)]) + b"".join(bytes([0, d]) + m for d, m in dirs), **kw)


def rsv(rcmd, macs=(), **kw):
    return frame(3, bytes([rcmd, len(macs)]) + b"".join(macs), **kw)


def seed(flags, frames, step=1):
    return bytes([flags, step]) + b"".join(struct.pack(">H", len(f)) + f for f in frames)


OTHER = bytes([0x02, 0, 0, 0, 0, 0xBB])
seeds = {
    "ata-identify": seed(0, [ata(0, 1, 0xEC, 0xA0 << 24)]),
    "ata-read28": seed(0, [ata(0, 2, 0x20, (0xE0 << 24) | 5)]),
    "ata-read48": seed(8, [ata(0x40, 17, 0x24, 40)]),
    "ata-write48": seed(0, [ata(0x41, 2, 0x34, 3, bytes(1024), slot=2)]),
    "ata-write28-ro": seed(0, [ata(0x01, 1, 0x30, 0, bytes(512))]),
    "ata-flush": seed(0, [ata(0, 0, 0xE7, 0, slot=2), ata(0x40, 0, 0xEA, 0, slot=2)]),
    "ata-checkpower": seed(0, [ata(0, 0, 0xE5, 0)]),
    "ata-unknown": seed(0, [ata(0, 1, 0xB0, 0)]),
    "ata-range": seed(0, [ata(0x40, 2, 0x24, 63), ata(0, 1, 0x20, 0xFFFFFFF)]),
    "ata-retransmit": seed(0, [ata(0x40, 1, 0x24, 9), ata(0x40, 1, 0x24, 9, tag=7)]),
    "cfg-discover": seed(0, [cfg(0, dst=BCAST, shelf=0xFFFF, slot=0xFF, tag=0)]),
    "cfg-set-test": seed(1, [cfg(3, b"host-a"), cfg(1, b"host-a"), cfg(2, b"host"), cfg(3, b"host-b"), cfg(4, b"x")]),
    "cfg-admin-off": seed(0, [cfg(3, b"nope"), cfg(4, b"nope"), cfg(9)]),
    "cfg-flood": seed(32, [cfg(0, dst=BCAST, shelf=0xFFFF, slot=0xFF)] * 4, step=0),
    "mask-edit": seed(1, [mask(1, [(1, CLIENT), (1, OTHER), (2, OTHER), (7, OTHER)]), mask(0)]),
    "mask-read": seed(0, [mask(0), mask(1, [(1, OTHER)])]),
    "rsv-set": seed(1, [rsv(1, [OTHER]), ata(0x40, 1, 0x24, 0), rsv(2, [CLIENT]), rsv(1, []), rsv(0)]),
    "rsv-read": seed(0, [rsv(0), rsv(2, [OTHER])]),
    "vlan": seed(2, [ata(0, 1, 0xEC, 0, vlan=(3 << 13) | 5), cfg(0, vlan=5)]),
    "qinq": seed(2, [TARGET + CLIENT + struct.pack(">HHHH", 0x88A8, 0x123, 0x8100, 5) + frame(0, bytes([0, 0, 1, 0xEC]) + bytes(8))[12:]]),
    "bad-version": seed(0, [frame(0, bytes(12), verflags=0x20), frame(9), frame(0xF0)]),
    "truncated": seed(0, [frame(0, bytes(4), pad=False), frame(1, pad=False), frame(3, pad=False)]),
    "allow-worker": seed(4 | 16, [ata(0, 1, 0x20, 0), cfg(0), ata(0, 1, 0x20, 0, src=bytes([2, 9, 9, 9, 9, 9]))]),
    "adverts": seed(0, [cfg(0)] * 3, step=20),
    # Another target serving 0.1: its advert, then replies to our IDENTIFY probe (tag
    # 0xAE0B0000: entry 0) with the same serial, another serial and an error status.
    "peers": seed(0, [cfg(0, dst=BCAST, src=OTHER, verflags=0x18, tag=0),
                      frame(0, bytes([0, 0, 1, 0x40]) + bytes(8) + bytes(20) + b"ufzz" + b" " * 16 + bytes(472),
                            src=OTHER, verflags=0x18, tag=0xAE0B0000),
                      frame(0, bytes([0, 0, 1, 0x40]) + bytes(8) + bytes(20) + b"XXXXXXXXXX" + bytes(482),
                            src=OTHER, verflags=0x18, tag=0xAE0B0000),
                      frame(0, bytes([0, 0, 1, 0x41]) + bytes(520), src=OTHER, verflags=0x18, tag=0xAE0B0000),
                      cfg(0, src=OTHER, verflags=0x18, tag=0xAE0BFFFF, slot=2)], step=30),
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as fh:
        fh.write(data)
print(f"make_corpus: wrote {len(seeds)} seeds to {out}")
