#!/usr/bin/env python3
"""Writes the whole-boot storm section of bench/results/results.md and bench/results/whole-boot.png from
`scripts/bench --whole-boot`'s raw/whole-boot/ (bench/wholeboot.sh says what is measured).
Usage: wholeboot_report.py RAW_DIR OUT_DIR
The section sits between the markers below (appended when missing), so a run replaces only it."""
import json
import os
import statistics
import sys

import results_section

raw, out = sys.argv[1], sys.argv[2]
BEGIN, END = "<!-- whole-boot: begin (bench/wholeboot_report.py) -->", "<!-- whole-boot: end -->"
cond = json.load(open(os.path.join(raw, "conditions.json")))
CLIENTS = cond["clients"]
MB = 1e6


def fetch(name, n):
    """A fetch phase's clients: (ok, failed, bytes, all-done s, median s, max/median, times)."""
    p = os.path.join(raw, f"{name}-c{n}.txt")
    if not os.path.exists(p):
        return None
    t0, times, ok, bad, b = None, [], 0, 0, 0
    for line in open(p):
        if line.startswith("#"):
            t0 = float(line.split()[2])
            continue
        _, end, good, nbytes = line.split()
        times.append(float(end) - t0)
        ok += good == "1"
        bad += good != "1"
        b += int(nbytes)
    missing = n - len(times)
    if not times:
        return {"ok": 0, "failed": n, "bytes": 0, "total": None, "median": None, "spread": None, "times": []}
    med = statistics.median(times)
    return {"ok": ok, "failed": bad + missing, "bytes": b, "total": max(times), "median": med,
            "spread": max(times) / med if med > 0 else None, "times": sorted(times)}


def aoe(n):
    p = os.path.join(raw, f"aoe-c{n}.json")
    try:
        j = json.load(open(p))
    except (OSError, ValueError):
        return None
    c = j["completion_s"]
    times = []
    try:
        times = sorted(json.load(open(os.path.join(raw, f"aoe-c{n}.clients.json")))["completion_s"])
    except (OSError, ValueError, KeyError):
        pass
    return {"ok": j["finished"], "failed": j["clients"] - j["finished"],
            "bytes": j["bytes"], "total": j["total_s"], "median": c["median"],
            "spread": j["slowest_over_median"], "mismatches": j["mismatches"], "times": times}


rate_http_run = fetch("rate-http", 8)
rate_http = rate_http_run["bytes"] / rate_http_run["total"] if rate_http_run and rate_http_run["total"] else None
rate_aoe_j = json.load(open(os.path.join(raw, "rate-aoe.json")))
rate_aoe = rate_aoe_j["mb_per_s"] * MB


def byte_time(bytes_, rate):
    return bytes_ / rate if rate else None


def f2(x, fmt="{:.2f}"):
    return "–" if x is None else fmt.format(x)


L = []
w = L.append
w(BEGIN)
w("## 7. Whole-boot storm: kernel+initrd by TFTP or HTTP, root by AoE or a whole-ISO download")
w("")
sh = cond["share"]
w(f"Measured by `scripts/bench --whole-boot` on {cond['date']}, one run per point (raw data in "
  "`raw/whole-boot/`, plot `whole-boot.png`; what is measured: `bench/wholeboot.sh`). N simulated "
  "clients on one veth pair, all starting at once; each first fetches the KIWI ISO's kernel and "
  "initrd, by **TFTP** from dnsmasq " + cond["dnsmasq"] + " (curl " + cond["curl"] +
  "'s TFTP client, `--tftp-blksize 1408`, the block size pxelinux asks for) or by **HTTP** from "
  "lighttpd " + cond["lighttpd"] + " (curl), every byte compared with the file; when every "
  "client has them, each reads its root: **AoE**, the recorded KIWI boot "
  "(`bench/traces/kiwi-bios.trace.gz`) replayed by `aoe-bench --replay` against aoe-target "
  "serving the real ISO, every reply verified, or **ISO**, the whole ISO downloaded over HTTP as "
  "KIWI's `root=live:http://` (dracut `livenet`) does before it mounts anything. "
  f"**Every file and the replay are 1/{sh} of the real ones, the same at every N**: kernel "
  f"{cond['kernel_bytes'] / MB:.1f} → {cond['kernel_share_bytes'] / MB:.2f} MB, initrd "
  f"{cond['initrd_bytes'] / MB:.1f} → {cond['initrd_share_bytes'] / MB:.2f} MB, ISO "
  f"{cond['iso_bytes'] / MB:.1f} → {cond['iso_share_bytes'] / MB:.2f} MB, AoE reads "
  f"{cond['replay_bytes'] * sh / MB:.1f} → {cond['replay_bytes'] / MB:.2f} MB per client (a "
  "thousand real boots move 61 GB of kernel and initrd alone). Servers on CPU 1, clients on "
  f"CPU 0 of a 2-core VM shared with other work (load average {' '.join(cond['loadavg_start'])} "
  "at start). *byte-time* = the bytes ÷ this link's rate measured in the same run with the same "
  f"clients: HTTP {f2(rate_http and rate_http / MB, '{:.0f}')} MB/s (8 curl downloads of the "
  f"whole ISO at once; also used for the TFTP rows: the link's capacity for those bytes), AoE "
  f"{rate_aoe / MB:.0f} MB/s (aoe-bench, sequential reads from 16 MACs, depth 64). *all done* = "
  "from the phase's start to the last client's last byte; *median*, *slowest/median* over the "
  "clients' own finishing times. The TFTP and HTTP rows' clients are N `curl` processes, each "
  "piped into `cmp`, all started before the phase and waiting for their URLs (each curl reads "
  "its configuration from a FIFO of its own); the phase starts when the URLs are written, so "
  "starting the processes is not part of its time. The AoE rows' clients are one `aoe-bench` "
  "process. All N simulated clients share one CPU (a farm's clients each have their own).")
w("")
w("| clients | phase | by | MB moved | all done s | median s | slowest/median | byte-time s | ÷ byte-time | clients failed |")
w("|---|---|---|---|---|---|---|---|---|---|")
rows = {}
for n in CLIENTS:
    for key, phase, by, rate in (("tftp", "kernel+initrd", "TFTP (dnsmasq)", rate_http),
                                 ("http", "kernel+initrd", "HTTP (lighttpd)", rate_http),
                                 ("aoe", "root", "AoE (aoe-target)", rate_aoe),
                                 ("iso", "root", "whole ISO over HTTP", rate_http)):
        r = aoe(n) if key == "aoe" else fetch(key, n)
        if r is None:
            w(f"| {n} | {phase} | {by} | not run | | | | | | |")
            continue
        bt = byte_time(r["bytes"], rate)
        r["byte_time"] = bt
        rows[(key, n)] = r
        ratio = r["total"] / bt if r["total"] and bt else None
        fail = r["failed"] + (r.get("mismatches") or 0)
        w(f"| {n} | {phase} | {by} | {r['bytes'] / MB:.1f} | {f2(r['total'])} | {f2(r['median'])} | "
          f"{f2(r['spread'])} | {f2(bt)} | {f2(ratio)} | {fail if fail else 0} |")
w("")
w("The whole boot, phase after phase (sum of the two phases' *all done*; byte-time likewise "
  "summed; *RAM per client* is what the root costs each client's memory at full size: nothing "
  "for AoE beyond the page cache, the whole ISO for a download-to-RAM root):")
w("")
w("| clients | kernel+initrd | root | whole boot s | byte-time s | ÷ byte-time | MB moved | RAM per client for the root |")
w("|---|---|---|---|---|---|---|---|")
for n in CLIENTS:
    for ki, root in (("tftp", "aoe"), ("http", "aoe"), ("http", "iso")):
        a, b = rows.get((ki, n)), rows.get((root, n))
        if not a or not b or a["total"] is None or b["total"] is None:
            continue
        total = a["total"] + b["total"]
        bt = (a["byte_time"] or 0) + (b["byte_time"] or 0)
        ram = "– (reads on demand)" if root == "aoe" else f"{cond['iso_bytes'] / MB:.0f} MB (the ISO)"
        w(f"| {n} | {ki.upper()} | {'AoE' if root == 'aoe' else 'ISO over HTTP'} | {total:.2f} | "
          f"{bt:.2f} | {total / bt:.2f} | {(a['bytes'] + b['bytes']) / MB:.1f} | {ram} |")
w("")
w(END)
section = "\n".join(L) + "\n"

# Plot: all-done time against client count, one line per phase; dashed: its byte-time.
series = [("tftp", "kernel+initrd by TFTP", 1), ("http", "kernel+initrd by HTTP", 2),
          ("aoe", "root by AoE", 3), ("iso", "root: whole ISO over HTTP", 4)]
dats = []
for key, _, _ in series:
    p = os.path.join(out, f"whole-boot-{key}.dat")
    with open(p, "w") as fh:
        for n in CLIENTS:
            r = rows.get((key, n))
            if r and r["total"] and r["byte_time"]:
                fh.write(f"{n} {r['total']:.4f} {r['byte_time']:.4f}\n")
    dats.append(p)
gp = ['set terminal pngcairo size 800,500 font "DejaVu Sans,10" noenhanced', 'set output "whole-boot.png"',
      f'set title "Whole-boot storm (1/{sh} of each file and of the AoE reads): time until every client is done"',
      'set logscale xy 10', 'set grid', 'set key top left', 'set xlabel "clients"',
      'set ylabel "seconds (solid: measured, dashed: the link\'s byte-time)"', 'set xrange [5:2000]']
curves = []
for key, label, c in series:
    curves.append(f'"whole-boot-{key}.dat" using 1:2 with linespoints lw 2 lc {c} title "{label}"')
    curves.append(f'"whole-boot-{key}.dat" using 1:3 with lines dt 2 lc {c} notitle')
gp.append("plot " + ", ".join(curves))
results_section.plot(out, "whole-boot", gp, dats)

results_section.replace(out, BEGIN, END, section)
print(section)
