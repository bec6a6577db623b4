#!/usr/bin/env python3
"""Rebuilds the fuzz findings listed in README.md from the seed ISOs, as a few byte patches each,
so no crash input has to be committed (they are 70-90 KiB).

    make_finding_inputs.py SEED_DIR OUT_DIR     (SEED_DIR from make_iso_seeds.sh)

Each patch is located by the bytes around it, not by offset, and checked, so a change in the seeds
fails here instead of producing an input that shows nothing. Replay one with
    build/fuzz-pxe/tests/pxe/fuzz_pxe_iso -runs=1 -timeout=5 OUT_DIR/NAME.iso
(ASAN_OPTIONS=fast_unwind_on_malloc=0 for whole allocation stacks through libisofs).
"""
import os
import sys


def find_one(data, pattern):
    i = data.find(pattern)
    if i < 0 or data.find(pattern, i + 1) >= 0:
        sys.exit(f"make_finding_inputs: pattern {pattern!r} not found exactly once; seeds changed?")
    return i


def ecma_records(data, block):
    """(offset, length, name) of the directory records in one 2048-byte block."""
    out, i, base = [], 0, block * 2048
    while i < 2048 and data[base + i] != 0:
        length = data[base + i]
        name_len = data[base + i + 32]
        out.append((base + i, length, bytes(data[base + i + 33:base + i + 33 + name_len])))
        i += length
    return out


def empty_rr_name(seed_dir):
    """Ours (iso/image.cpp walk): a Rock Ridge NM whose name starts with NUL, i.e. a directory
    libisofs names "" (/boot/isolinux becomes /boot/). Image::walk joins "/boot" + "" = "/boot/",
    node_at("/boot/") is /boot again, and the walk lists /boot forever: stage-pxe hangs (100 % CPU,
    constant memory) when no kernel is found and discovery walks the tree."""
    d = bytearray(open(os.path.join(seed_dir, "isolinux-only.iso"), "rb").read())
    i = find_one(d, b"NM\x0d\x01\x00isolinux")
    d[i + 5] = 0
    return d


def leak_canceled_import(seed_dir):
    """libisofs: iso_image_import is cancelled by a malformed Joliet directory record (the name
    length of /images set to 1, odd for UCS-2) after Rock Ridge was dropped (ER signature
    RRIP_1992A, unknown); the partly built tree and the image filesystem leak."""
    d = bytearray(open(os.path.join(seed_dir, "fedora.iso"), "rb").read())
    i = find_one(d, b"RRIP_1991A")
    d[i + 8] = ord("2")
    j = find_one(d, b"\x0c\x00i\x00m\x00a\x00g\x00e\x00s")
    d[j] = 0x01
    return d


def leak_multi_extent(seed_dir):
    """libisofs: after the last record of /EFI/BOOT's ECMA-119 directory, a 1-byte "record" whose
    flags byte (offset 25) says multi-extent + hidden (0x81). The import succeeds; the section
    list of the never-finished multi-extent file leaks."""
    d = bytearray(open(os.path.join(seed_dir, "fedora.iso"), "rb").read())
    i = find_one(d, b"GRUB.CFG;1")
    block = i // 2048
    recs = ecma_records(d, block)
    if [r[2] for r in recs][-1] != b"GRUB.CFG;1":
        sys.exit("make_finding_inputs: GRUB.CFG;1 is not the last record of its block")
    end = recs[-1][0] + recs[-1][1]
    if any(d[end:end + 34]):
        sys.exit("make_finding_inputs: no free space after GRUB.CFG;1")
    d[end] = 0x01
    d[end + 25] = 0x81
    return d


def hang_joliet_dir_loop(seed_dir):
    """libisofs: a Joliet directory loop. Rock Ridge dropped (ER signature RRIP_1992A), and the
    Joliet record of /EFI/BOOT/grub.cfg made a directory (flags 0x02) whose extent is /EFI's:
    iso_image_import recurses /EFI/BOOT/grub.cfg/BOOT/grub.cfg/... without end (thousands of
    frames deep, memory growing)."""
    d = bytearray(open(os.path.join(seed_dir, "fedora.iso"), "rb").read())
    i = find_one(d, b"RRIP_1991A")
    d[i + 8] = ord("2")
    efi = find_one(d, b"\x06\x00E\x00F\x00I") - 32  # Joliet record of /EFI (name length 6)
    cfg = find_one(d, b"\x10\x00g\x00r\x00u\x00b\x00.\x00c\x00f\x00g") - 32
    d[cfg + 2:cfg + 6] = d[efi + 2:efi + 6]  # extent, little-endian half (what libisofs reads)
    d[cfg + 25] = 0x02  # file flags: directory
    return d


FINDINGS = {
    "ours-empty-rr-name-walk-hang": empty_rr_name,
    "libisofs-leak-canceled-import": leak_canceled_import,
    "libisofs-leak-multi-extent": leak_multi_extent,
    "libisofs-hang-joliet-dir-loop": hang_joliet_dir_loop,
}


def main():
    seed_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for name, make in FINDINGS.items():
        path = os.path.join(out_dir, name + ".iso")
        with open(path, "wb") as f:
            f.write(make(seed_dir))
        print(f"make_finding_inputs: {path}")


if __name__ == "__main__":
    main()
