#!/usr/bin/env python3
"""Is a TFTP root that stage-pxe wrote loadable? Parses pxelinux.cfg/default the way pxelinux
reads it (DEFAULT, LABEL, kernel, append initrd=), checks the stage-pxe blocks are balanced,
the manifest is valid JSON, and every label's kernel and initrd exist with the bytes of the
reference files extracted from its ISO (never stage-pxe's own hashes).

Usage: check_pxe_root.py ROOT --ref LABEL=DIR ... [--labels a,b] [--no-orphans] [--quiet]
  --ref LABEL=DIR  DIR holds `linux` and `initrd` as extracted from LABEL's ISO (xorriso)
  --labels         the exact set of labels the config must have
  --no-orphans     every file under ROOT/boot must be a kernel or initrd that a LABEL of the
                   config or an entry of the manifest names (nothing a failed or killed run
                   left behind)
Prints `labels: a b` and exits 0 when loadable; prints the problem and exits 1 otherwise.
"""
import argparse
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--ref", action="append", default=[])
    ap.add_argument("--labels")
    ap.add_argument("--no-orphans", action="store_true")
    args = ap.parse_args()
    refs = dict(r.split("=", 1) for r in args.ref)
    problems = []
    cfg_path = os.path.join(args.root, "pxelinux.cfg", "default")
    try:
        text = open(cfg_path, "rb").read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"config unreadable: {e}")
        return 1
    labels, default, cur, depth = {}, None, None, []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("# BEGIN stage-pxe "):
            if depth:
                problems.append(f"line {n}: BEGIN inside block {depth[-1]}")
            depth.append(line.split()[3])
            continue
        if line.startswith("# END stage-pxe "):
            if not depth or depth[-1] != line.split()[3]:
                problems.append(f"line {n}: unbalanced END {line}")
            else:
                depth.pop()
            continue
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "DEFAULT":
            default = rest.strip()
        elif word == "LABEL":
            cur = rest.strip()
            labels[cur] = {}
        elif word in ("KERNEL", "LINUX") and cur:
            labels[cur]["kernel"] = rest.strip()
        elif word == "APPEND" and cur:
            for tok in rest.split():
                if tok.startswith("initrd="):
                    labels[cur]["initrd"] = tok[len("initrd="):]
            labels[cur]["append"] = rest
    if depth:
        problems.append(f"unterminated block {depth[-1]}")
    if not text.endswith("\n"):
        problems.append("config does not end with a newline (truncated?)")
    if default is not None and default not in labels:
        problems.append(f"DEFAULT {default} names no LABEL")
    for name, e in labels.items():
        for part, ref_name in (("kernel", "linux"), ("initrd", "initrd")):
            rel = e.get(part)
            if not rel:
                problems.append(f"LABEL {name}: no {part}")
                continue
            p = os.path.join(args.root, rel)
            try:
                data = open(p, "rb").read()
            except OSError as ex:
                problems.append(f"LABEL {name}: {part} {rel}: {ex.strerror}")
                continue
            if name in refs:
                ref = open(os.path.join(refs[name], ref_name), "rb").read()
                if data != ref:
                    problems.append(f"LABEL {name}: {part} {rel}: {len(data)} bytes differ from the ISO's "
                                    f"{len(ref)} bytes")
    named = set()  # files a config LABEL or the manifest names, relative to the root
    for e in labels.values():
        for part in ("kernel", "initrd"):
            if e.get(part):
                named.add(os.path.normpath(e[part].lstrip("/")))
    try:
        man = json.load(open(os.path.join(args.root, "stage-pxe.manifest.json")))
        for name in labels:
            if name not in man.get("images", {}):
                problems.append(f"LABEL {name} is not in the manifest")
        for e in man.get("images", {}).values():
            for part in ("kernel", "initrd"):
                if e.get(part, {}).get("path"):
                    named.add(os.path.normpath(e[part]["path"]))
    except FileNotFoundError:
        if labels:
            problems.append("manifest missing")
    except (OSError, ValueError) as e:
        problems.append(f"manifest unreadable: {e}")
    if args.no_orphans:
        for d, _, files in os.walk(os.path.join(args.root, "boot")):
            for f in files:
                rel = os.path.relpath(os.path.join(d, f), args.root)
                if rel not in named:
                    problems.append(f"orphan: {rel} (no LABEL and no manifest entry names it)")
    if args.labels is not None:
        want = sorted(x for x in args.labels.split(",") if x)
        if sorted(labels) != want:
            problems.append(f"labels {sorted(labels)}, expected {want}")
    print("labels: " + " ".join(sorted(labels)))
    for p in problems:
        print("problem: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
