#!/usr/bin/env python3
"""Writes the boot-storm section of bench/results/results.md and bench/results/storm.png from
scripts/bench's raw/storm/*.json (the recorded KIWI boots, live ISO and KIS, replayed by 10, 100
and 1,000 clients).
Usage: storm_report.py STORM_RAW_DIR OUT_DIR
The section sits between the markers below in the results file of OUT_DIR (appended when missing), so a
`scripts/bench --storm` run replaces only it and report.py's own sections stay as they are."""
import json
import os
import sys

import results_section

raw, out = sys.argv[1], sys.argv[2]
BEGIN, END = "<!-- storm: begin (bench/storm_report.py) -->", "<!-- storm: end -->"
CLIENTS = [10, 100, 1000]
# (file key suffix, label): the prefix at every count, then whole boots at whatever count ran.
WHOLE = sorted(set(int(f.split("-whole-c")[1].split(".")[0]) for f in os.listdir(raw)
               if "-whole-c" in f and f.endswith(".json") and not f.endswith(".clients.json")))
CONFIGS = [("veth-aoe-target", "aoe-target", "veth", "veth"),
           ("veth-aoe-target-ring512", "aoe-target --ring-frames 512", "veth", "veth"),
           ("veth-vblade", "vblade -b 64", "veth", "veth"),
           ("memif-aoe-target", "aoe-target", "memif", "memif"),
           # The KIS boot (bench/traces/kis-bios.trace.gz): an overlay root over a squashfs image.
           ("veth-aoe-target-kis", "aoe-target, KIS boot", "veth", "veth"),
           ("veth-vblade-kis", "vblade -b 64, KIS boot", "veth", "veth")]


def load(name):
    p = os.path.join(raw, name + ".json")
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None


cond = load("conditions") or {}
# The saturated rate of a link: the better of its two measurements (depth 64 and 512).
sat_points = {t: [j for j in (load(f"saturation-{t}-d{d}") for d in (64, 512)) if j]
              for t in ("veth", "memif")}
sat = {t: max(v, key=lambda j: j["mb_per_s"]) if v else None for t, v in sat_points.items()}
L = []
w = L.append
w(BEGIN)
w("## 6. Boot storm: recorded KIWI boots replayed by 10, 100 and 1,000 clients")
w("")
trace = "bench/traces/kiwi-bios.trace.gz"
kistrace = "bench/traces/kis-bios.trace.gz"
sb = cond.get("storm_bytes", "?")
whole = sb == "0"
w(f"Measured by `scripts/bench --storm` on {cond.get('date', '?')}, one run per point (raw JSON in "
  "`raw/storm/`, per-client times in `raw/storm/*.clients.json`, plot `storm.png`). "
  f"Each simulated client is a Linux aoe initiator (`aoe-bench --replay {trace}`, the live "
  f"ISO's boot, or `{kistrace}`, the KIS image's (*KIS boot* rows: an overlay root over a "
  "squashfs filesystem image, which reads other blocks, fewer of them): own MAC, "
  "window of the target's buffer count (64) grown from 1 as Linux does, Linux's retransmit "
  "timer, 2 sectors per frame at MTU 1500), all clients start at once, and every reply is "
  "verified against the image. " +
  ("Each client replays the whole boot. " if whole else
   f"**Each client replays the same prefix of the boot: its first {sb} of reads** (a thousand "
   "whole boots, 84 GB, take too long for this machine; the prefix is the start of the real "
   "boot's read sequence, the same at every client count)" +
   (f"; the *whole boot* rows are {', '.join(map(str, WHOLE))} clients replaying the whole "
    "boot. " if WHOLE else ". ")) +
  "Think time is not replayed: each client reads as fast as its window allows, the worst case "
  "for the target. Image: random data of the recorded image's size "
  f"({cond.get('image_sectors', 0):,} sectors for the ISO, {cond.get('kis_image_sectors', 0):,} for "
  "the KIS filesystem image) in the page cache; aoe-target `--buffer-count 64`, vblade `-b 64`; server on CPU 1, aoe-bench on CPU 0 "
  f"(load average {' '.join(cond.get('loadavg_start', ['?']))} at start, on a 2-core VM shared "
  "with other work: compare numbers of this run only).")
w("")
w("**Goal** (from the physical limit): the physical limit is the storm's bytes at the "
  "single-target saturated rate measured in the same run (aoe-bench's sequential reads from 16 "
  "MACs at depth 64 and at depth 512 against aoe-target on that link, the better of the two); "
  "the storm should take at most 1.25× that, its slowest client at most 1.5× the median "
  "client, with zero errors.")
w("")
for t in ("veth", "memif"):
    j = sat[t]
    if j:
        each = ", ".join(f"depth {p['config']['depth']}: {p['mb_per_s']:.1f} MB/s" for p in sat_points[t])
        w(f"- saturated rate, aoe-target on {t}: {j['mb_per_s']:.1f} MB/s "
          f"({j['cmds_per_s']:.0f} reads/s; {each}; {j['retransmits']} retransmits, "
          f"{j['errors']} errors)")
    else:
        w(f"- saturated rate on {t}: not measured (the point failed)")
w("")
w("| server | link | per client | clients | MB moved | limit s | goal s (1.25×) | total s | median s | p90 s | p99 s | max s "
  "| slowest / median | retransmits | server drops | errors | verified MB | goal |")
w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def drops(j):
    r = j.get("run", {})
    v = [r.get(k) for k in ("server_ring_dropped", "server_imissed") if r.get(k) is not None]
    return str(sum(v)) if v else "–"


cdf = {}
summary = []
rows = [(key, key, label, link, t, n) for key, label, link, t in CONFIGS for n in CLIENTS]
rows += [(key + "-whole", key, label, link, t, n) for key, label, link, t in CONFIGS for n in WHOLE
         if not key.endswith("-ring512")]  # the ring comparison replays the prefix only
for fkey, key, label, link, t, n in rows:
    j = load(f"{fkey}-c{n}")
    what = "whole boot" if fkey.endswith("-whole") else "prefix"
    if not j:
        w(f"| {label} | {link} | {what} | {n} | – | – | – | failed | | | | | | | | | | **no** |")
        summary.append((label + (" whole" if fkey != key else ""), link, n, None))
        continue
    per = j["trace"]["bytes_per_client"]
    total_bytes = per * n
    rate = sat[t]["mb_per_s"] * 1e6 if sat[t] else 0
    limit = total_bytes / rate if rate else float("nan")
    c = j["completion_s"]
    som = j["slowest_over_median"]
    ok_total = rate and j["total_s"] <= 1.25 * limit
    ok_fair = som <= 1.5
    unfinished = j.get("unfinished", 0)
    ok_err = j["errors"] == 0 and j["failed"] == 0 and j["finished"] == n
    ok = ok_total and ok_fair and ok_err
    why = [] if ok else [x for x, bad in (("time", not ok_total), ("fairness", not ok_fair),
                                          ("errors", j["errors"] or j["failed"]),
                                          (f"{unfinished} clients unfinished at the time limit",
                                           unfinished)) if bad]
    what = f"{'prefix ' if j['trace']['prefix'] else 'whole boot, '}{per / 1e6:.1f} MB"
    w(f"| {label} | {link} | {what} | {n} | {total_bytes / 1e6:.0f} | {limit:.2f} | {1.25 * limit:.2f} | "
      f"{j['total_s']:.2f} | {c['median']:.2f} | {c['p90']:.2f} | {c['p99']:.2f} | {c['max']:.2f} | "
      f"{som:.2f} | {j['retransmits']} | {drops(j)} | {j['errors']} | {j['verified_bytes'] / 1e6:.0f} | "
      f"{'yes' if ok else '**no** (' + ', '.join(why) + ')'} |")
    summary.append((label + (" whole" if fkey != key else ""), link, n, j))
    cl = load(f"{fkey}-c{n}.clients")
    if cl:
        cdf[(fkey, n)] = sorted(cl["completion_s"])
w("")
w("Columns: *limit* = MB moved ÷ the saturated rate of that link; *total* = first client's "
  "start to the last client's last reply; *median … max* = each client's own completion time; "
  "*retransmits* = frames the simulated Linux timers sent again (each one also drops that "
  "client's window to 1); *server drops* = requests aoe-target's kernel RX ring (af_packet) "
  "or its port (imissed) dropped, from its exit statistics (vblade has no such counter). `storm.png` shows each configuration's completion-time distribution "
  "(fraction of clients finished against time). What limits the storm and what would lift "
  "it: `bench/results/storm-findings.md` (hand-written for the recorded run).")
w(END)
section = "\n".join(L) + "\n"

# Plot: one panel per client count, one curve per configuration.
dats = []
for (key, n), times in cdf.items():
    p = os.path.join(out, f"storm-{key}-c{n}.dat")
    with open(p, "w") as fh:
        for i, t in enumerate(times):
            fh.write(f"{t:.6f} {(i + 1) / len(times):.6f}\n")
    dats.append(p)
panels = [(n, "", f"{n} clients") for n in CLIENTS]
panels += [(n, "-whole", f"{n} clients, whole boot") for n in WHOLE]
gp = [f'set terminal pngcairo size {400 * len(panels)},420 font "DejaVu Sans,10" noenhanced',
      'set output "storm.png"',
      f'set multiplot layout 1,{len(panels)} title "Boot storm: completion time of each client '
      '(replayed KIWI boot; ' + (f'first {sb} per client' if not whole else 'whole boot') + ')"',
      'set grid', 'set key bottom right', 'set ylabel "fraction of clients finished"',
      'set xlabel "seconds from the client\'s start (log scale)"', 'set yrange [0:1.02]',
      'set logscale x 10', 'set xrange [0.001:*]']
for n, suffix, title in panels:
    curves = []
    for i, (key, label, link, _) in enumerate(CONFIGS):
        if (key + suffix, n) in cdf:
            curves.append(f'"storm-{key}{suffix}-c{n}.dat" using 1:2 with steps lw 2 lc {i + 1} '
                          f'title "{label} ({link})"')
    gp.append(f'set title "{title}"')
    gp.append("plot " + ", ".join(curves) if curves else 'plot 2 notitle')
gp.append("unset multiplot")
results_section.plot(out, "storm", gp, dats)

results_section.replace(out, BEGIN, END, section)
for label, link, n, j in summary:
    if j:
        c = j["completion_s"]
        print(f"storm: {label:13} {link:5} {n:5} clients: total {j['total_s']:.2f} s, median {c['median']:.2f} s, "
              f"max {c['max']:.2f} s, slowest/median {j['slowest_over_median']:.2f}, errors {j['errors']}")
