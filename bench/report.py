#!/usr/bin/env python3
"""Writes bench/results/results.md and the gnuplot data files from scripts/bench's raw JSON.
Usage: report.py RAW_DIR OUT_DIR   (hand-written findings come from the findings file in OUT_DIR, bench/results/findings.md for a recorded run)"""
import glob
import json
import os
import sys

raw, out = sys.argv[1], sys.argv[2]
cond = json.load(open(os.path.join(raw, "conditions.json")))
runs = {}
for f in glob.glob(os.path.join(raw, "*.json")):
    name = os.path.basename(f)[:-5]
    if name in ("conditions", "callgrind"):
        continue
    runs[name] = json.load(open(f))
cg = json.load(open(os.path.join(raw, "callgrind.json")))
DEPTHS = [1, 8, 32, 128]


def get(transport, server, mtu, d):
    return runs.get(f"{transport}-{server}-mtu{mtu}-d{d}")


# gnuplot data
for server in ("aoe-target", "vblade"):
    for mtu in (1500, 9000):
        with open(os.path.join(out, f"veth-{server}-{mtu}.dat"), "w") as fh:
            for d in DEPTHS:
                j = get("veth", server, mtu, d)
                if j:
                    lat = j["latency_us"]
                    fh.write(f"{d} {j['cmds_per_s']:.0f} {j['mb_per_s']:.2f} {lat['p50']:.2f} {lat['p99']:.2f}\n")

L = []
w = L.append
w("# aoe-target benchmark results")
w("")
w(f"Measured by `scripts/bench` on {cond['date']} in one run (raw JSON in `raw/`, one file per point;")
w("plots `throughput.png`, `latency.png`). Throughput and latency are reported, never asserted")
w("(docs/decisions.md, docs/benchmarks.md); on a shared 2-core VM they are noisy, so compare numbers of the same run only.")
w("")
w("## Conditions")
w("")
w("| | |")
w("|---|---|")
w(f"| CPU | {cond['cpu']}, {cond['cpus']} vCPUs (no KVM inside; this is itself a VM) |")
w(f"| Kernel | {cond['kernel']} |")
w(f"| DPDK | {cond['dpdk']} (Debian), EAL `--no-huge`, one lcore per process |")
w(f"| vblade | {cond['vblade']} (Debian), `vblade -b 128 0 1 IFACE IMAGE` |")
w("| Image | 256 MiB + 3 sectors of random data, in the page cache |")
w("| Pinning | server (aoe-target / vblade / reflector) on CPU 1, aoe-bench on CPU 0 |")
w("| veth PMD | aoe-target and aoe-bench: `net_af_packet` (`qdisc_bypass=1`; jumbo: 16 KiB ring frames) |")
w("| memif PMD | `net_memif` server (aoe-target or reflector) / client (aoe-bench); `bsize=16384` at MTU 9000 |")
w(f"| Time per point | {cond['duration_per_point_s']:g} s |")
la = [j["run"]["loadavg_before"] for j in runs.values()]
w(f"| Load average | {' '.join(cond['loadavg_start'])} at start; during points {min(la):.2f} to {max(la):.2f} "
  "(1-min average, includes our own two pollers, i.e. about 2.0 is an otherwise idle machine) |")
w("")

w("## Goals")
w("")
findings_path = f"{out}/findings.md"
goals = []


def ratio(mtu, d):
    a, b = get("veth", "aoe-target", mtu, d), get("veth", "vblade", mtu, d)
    return a["cmds_per_s"] / b["cmds_per_s"] if a and b and b["cmds_per_s"] else float("nan")


r1500, r9000 = ratio(1500, 32), ratio(9000, 32)
goals.append(("≥ 5× vblade's cmds/s at depth 32, MTU 1500", f"{r1500:.2f}×", r1500 >= 5))
goals.append(("≥ 5× vblade's cmds/s at depth 32, MTU 9000", f"{r9000:.2f}×", r9000 >= 5))
# memif: the link limit is the reflector's best rate over the depths measured; aoe-target's
# best rate over the same depths is compared with it.
def best_rate(transport, server, mtu, depths):
    v = [get(transport, server, mtu, d) for d in depths]
    return max((x["cmds_per_s"] for x in v if x), default=0)


memif_target = best_rate("memif", "aoe-target", 1500, (1, 32, 128))
memif_limit = best_rate("memif", "reflector", 1500, (1, 32, 128))
memif_cached = best_rate("memif", "aoe-target-cached", 1500, (1, 32, 128))
if memif_limit:
    # The memif goals compare each server's best rate over the depths with the reflector's.
    if memif_cached:
        frac = memif_cached / memif_limit
        goals.append(("memif, cache-resident (1 MiB) image ≥ 80% of the reflector, MTU 1500",
                      f"{frac*100:.1f}% ({memif_cached:.0f} of {memif_limit:.0f} cmds/s)", frac >= 0.8))
    frac = memif_target / memif_limit
    goals.append(("memif, 256 MiB image ≥ 50% of the reflector, MTU 1500",
                  f"{frac*100:.1f}% ({memif_target:.0f} of {memif_limit:.0f} cmds/s)", frac >= 0.5))
ours = cg["ours_per_read"]
goals.append(("< 300 instructions per 2-sector read in our code", f"{ours:.0f}", ours < 300))
whole = cg["total_per_read"]
goals.append(("≤ 250 instructions per 2-sector read, whole lcore loop (DPDK helpers and PMD included)",
              f"{whole:.0f}", whole <= 250))
for mtu in (1500, 9000):
    a, b = get("veth", "aoe-target", mtu, 1), get("veth", "vblade", mtu, 1)
    if a and b:
        goals.append((f"latency at depth 1 below vblade's (p50, MTU {mtu})",
                       f"{a['latency_us']['p50']:.1f} vs {b['latency_us']['p50']:.1f} us",
                       a["latency_us"]["p50"] < b["latency_us"]["p50"]))
w("| Goal | Measured | Reached |")
w("|---|---|---|")
for g, m, ok in goals:
    w(f"| {g} | {m} | {'yes' if ok else '**no**'} |")
w("")
def fill_findings(text):
    """Numbers in bench/results/findings.md come from this run's data (placeholders __NAME__)."""
    hz = os.sysconf("SC_CLK_TCK")
    def kshare(server):
        v = []
        for mtu in (1500, 9000):
            for d in DEPTHS:
                j = get("veth", server, mtu, d)
                u, sy = (j["run"].get("server_user_ticks", 0), j["run"].get("server_sys_ticks", 0)) if j else (0, 0)
                if u + sy:
                    v.append(sy / (u + sy) * 100)
        return f"{min(v):.0f}–{max(v):.0f}%" if v else "?"
    sub = {"KS_T": kshare("aoe-target"), "KS_V": kshare("vblade")}
    def cpu(j):
        t = (j["run"]["server_user_ticks"] + j["run"]["server_sys_ticks"]) / hz
        return t / j["seconds"] * 100, t / max(1, j["commands"]) * 1e6
    for mtu in (1500, 9000):
        a, b = get("veth", "aoe-target", mtu, 32), get("veth", "vblade", mtu, 32)
        if a and b:
            (ca, pa), (cb, pb) = cpu(a), cpu(b)
            sub[f"CPU_T{mtu}"] = f"{ca:.0f}%"
            sub[f"CPU_V{mtu}"] = f"{cb:.0f}%"
            sub[f"US_T{mtu}"] = f"{pa:.2f}"
            sub[f"US_V{mtu}"] = f"{pb:.2f}"
            sub[f"EFF{mtu}"] = f"{pb / pa:.1f}×"
    sub["R1"] = f"{ratio(1500, 1):.1f}×"
    vb_best = best_rate("veth", "vblade", 1500, DEPTHS)
    sub["MEMIF"] = f"{memif_target:.0f}"
    mb = max((get("memif", "aoe-target", 1500, d) for d in (1, 32, 128) if get("memif", "aoe-target", 1500, d)),
             key=lambda j: j["cmds_per_s"], default=None)
    if mb:
        c, u = cpu(mb)
        sub["MCPU"], sub["MUS"] = f"{c:.0f}%", f"{u:.2f}"
    sub["MEMIFX"] = f"{memif_target / vb_best:.0f}×" if vb_best else "?"
    if memif_limit:
        sub["MLIMIT"] = f"{memif_limit:.0f}"
        sub["MFRAC"] = f"{memif_target / memif_limit * 100:.1f}%"
        if memif_cached:
            sub["MCACHED"] = f"{memif_cached:.0f}"
            sub["MCFRAC"] = f"{memif_cached / memif_limit * 100:.1f}%"
    sub["WHOLE"] = f"{cg['total_per_read']:.0f}"
    for d in (1, 32, 128):
        a, x = get("veth", "aoe-target", 1500, d), get("veth", "aoe-target-xdp", 1500, d)
        if a and x:
            sub[f"XDP{d}"] = f"{x['cmds_per_s'] / a['cmds_per_s']:.2f}×"
            sub[f"XDPUS{d}"] = f"{cpu(x)[1]:.2f} vs {cpu(a)[1]:.2f}"
    sub.update(IPR=f"{cg['ours_per_read']:.0f}", CORE=f"{cg['per_read'].get('core (target/)', 0):.0f}",
               HAL=f"{cg['per_read'].get('HAL (hal/dpdk)', 0):.0f}",
               DPDKI=f"{cg['per_read'].get('DPDK mbuf/mempool inlined in our code', 0):.0f}")
    lat = []
    for mtu in (1500, 9000):
        x, y = get("veth", "aoe-target", mtu, 1), get("veth", "vblade", mtu, 1)
        if x and y:
            lat.append(f"{x['latency_us']['p50']:.1f} vs {y['latency_us']['p50']:.1f} µs at MTU {mtu}")
    sub["LAT"] = ", ".join(lat)
    for k, v in sub.items():
        text = text.replace(f"__{k}__", v)
    return text


if os.path.exists(findings_path):
    w(fill_findings(open(findings_path).read().rstrip()))
    w("")

w("## 1. aoe-target vs vblade on one veth pair (aoe-bench through net_af_packet)")
w("")
w("`aoe-target` serves through net_af_packet (`--iface`), `aoe-target-xdp` through net_af_xdp")
w("(`--xdp`, copy mode: veth has no AF_XDP zero-copy; MTU 1500 only, an AF_XDP frame is one page),")
w("both on the same veth pair in the same run.")
w("")
w("Sequential reads of the advertised sector count (2 at MTU 1500, 17 at MTU 9000).")
w("")
w("Server CPU: the server process's user + system time during the point, as a share of its core")
w("('CPU'), per command ('µs/cmd') and the system part of it ('kernel'). With af_packet on veth,")
w("sending a frame runs the whole veth path and the peer's packet-socket delivery in the sender's")
w("system call. A CPU share well below 100% means the server waited for requests: the client")
w("(one vCPU, paying the same kernel path for every request) set the pace.")
w("")
w("| MTU | depth | server | cmds/s | MB/s | p50 µs | p99 µs | p99.9 µs | rexmit | errors | load | CPU | µs/cmd | kernel | ours/vblade |")
w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for mtu in (1500, 9000):
    for d in DEPTHS:
        for server in ("aoe-target", "aoe-target-xdp", "vblade"):
            j = get("veth", server, mtu, d)
            if not j:
                continue
            lat = j["latency_us"]
            rr = f"{ratio(mtu, d):.2f}×" if server == "vblade" else ""
            if server == "aoe-target-xdp":
                a = get("veth", "aoe-target", mtu, d)
                rr = f"AF_XDP/af_packet {j['cmds_per_s'] / a['cmds_per_s']:.2f}×" if a and a["cmds_per_s"] else ""
            u, sy = j["run"].get("server_user_ticks", 0), j["run"].get("server_sys_ticks", 0)
            ks = f"{sy / (u + sy) * 100:.0f}%" if u + sy else "–"
            hz = os.sysconf("SC_CLK_TCK")
            cpu = f"{(u + sy) / hz / j['seconds'] * 100:.0f}%"
            per = f"{(u + sy) / hz / max(1, j['commands']) * 1e6:.2f}"
            w(f"| {mtu} | {d} | {server} | {j['cmds_per_s']:.0f} | {j['mb_per_s']:.1f} | {lat['p50']:.1f} | "
              f"{lat['p99']:.1f} | {lat['p999']:.1f} | {j['retransmits']} | {j['errors']} | "
              f"{j['run']['loadavg_before']:.2f} | {cpu} | {per} | {ks} | {rr} |")
w("")
st = runs.get("storm-aoe-target-mtu1500")
if st:
    lat = st["latency_us"]
    w(f"Boot storm (aoe-bench `--clients 256 --depth 128 --random --verify`, aoe-target, MTU 1500): "
      f"{st['cmds_per_s']:.0f} cmds/s, {st['mb_per_s']:.1f} MB/s, p50 {lat['p50']:.1f} µs, p99 {lat['p99']:.1f} µs, "
      f"{st['verified_bytes']} bytes verified, {st['errors']} errors, {st['retransmits']} retransmits.")
    w("")
w("![throughput](throughput.png)")
w("")
w("![latency](latency.png)")
w("")

w("## 2. aoe-target on net_memif vs the memif link limit")
w("")
w("Debian 12 ships no `dpdk-testpmd` (`apt-cache search testpmd` finds nothing), so the link limit is")
w("measured with `aoe-bench --reflect` on the same memif link: it answers each request in place with a")
w("reply of the size aoe-target sends (36 + 512 × count bytes), no image and no AoE logic beyond that.")
w("Same client (aoe-bench, memif client role), same frame sizes, same run. MTU 1500 only: net_memif in")
w("DPDK 22.11 refuses `rte_eth_dev_set_mtu(9000)` even with `bsize=16384`, so aoe-target (and aoe-bench)")
w("stay at MTU 1500 / 2 sectors on memif (`aoe-target: port 0 net_memif0: ... mtu 1500`).")
w("")
w("`aoe-target` serves the 256 MiB image, `aoe-target-cached` a 1 MiB one that stays in the CPU")
w("caches (same process, same options): the difference is what cold image bytes cost.")
w("")
w("| MTU | depth | server | cmds/s | reflector cmds/s | fraction | MB/s | p50 µs | reflector p50 µs |")
w("|---|---|---|---|---|---|---|---|---|")
for mtu in (1500, 9000):
    for d in (1, 32, 128):
        b = get("memif", "reflector", mtu, d)
        for server in ("aoe-target", "aoe-target-cached"):
            a = get("memif", server, mtu, d)
            if not (a and b):
                continue
            w(f"| {mtu} ({a['config']['sectors']} sectors) | {d} | {server} | {a['cmds_per_s']:.0f} | "
              f"{b['cmds_per_s']:.0f} | {a['cmds_per_s']/b['cmds_per_s']*100:.0f}% | {a['mb_per_s']:.1f} | "
              f"{a['latency_us']['p50']:.1f} | {b['latency_us']['p50']:.1f} |")
w("")

w("## 3. lcore scaling")
w("")
w("Not measurable here (docs/decisions.md): the machine has 2 vCPUs, one runs the load generator and one the")
w("target. A second target lcore would share a CPU with aoe-bench or with the first lcore, so any")
w("'scaling' number would measure the scheduler. Instructions per read (below) stand in: they are")
w("per-core work and do not depend on the other load.")
w("")

w("## 4. Instructions per served read (callgrind)")
w("")
w("`aoe-read-cost` builds aoe-target's real runtime (hal/dpdk set-up) on one rte_ring port and runs")
w("aoe-target's own lcore loop (`aoehal::lcore_main`) over N preloaded 2-sector READ SECTORS EXT")
w("requests; every reply is checked against the image. `valgrind --tool=callgrind")
w("--toggle-collect=aoehal::lcore_main*` counts instructions inside the loop only; the numbers are")
w(f"(run with 20000 reads − run with 10000 reads) / {cg['reads']}, so start-up and idle polls cancel.")
w("")
w("| Part | instructions per read |")
w("|---|---|")
for c, v in sorted(cg["per_read"].items(), key=lambda x: -x[1]):
    w(f"| {c} | {v:.0f} |")
w(f"| **our code (core + HAL)** | **{cg['ours_per_read']:.0f}** |")
w(f"| our code + DPDK mbuf helpers inlined into it | {cg['with_inlined_dpdk_per_read']:.0f} |")
w(f"| whole lcore loop | {cg['total_per_read']:.0f} |")
w("")
w("Top functions (self cost, per read; inlined code is attributed to the function it was inlined into):")
w("")
w("| Ir/read | part | function |")
w("|---|---|---|")
for t in cg["top_functions"][:14]:
    w(f"| {t['ir_per_read']:.0f} | {t['category']} | `{t['function']}` |")
w("")

w("## 5. Line rate vs what aoe-target reached per core")
w("")
w("A read reply is one frame: Ethernet 14 + AoE/ATA 22 + 512 × count data bytes, plus FCS 4, preamble 8")
w("and inter-frame gap 12 on the wire. At MTU 1500 a reply carries 2 sectors (1084 bytes on the wire),")
w("at MTU 9000 17 sectors (8764 bytes). Requests are 60-byte frames (84 on the wire) in the other direction.")
w("")
w("| Link | MTU | sectors/reply | replies/s at line rate | data MB/s at line rate |")
w("|---|---|---|---|---|")
rates = {}
for gbps in (10, 25, 100):
    for mtu, n in ((1500, 2), (9000, 17)):
        wire = 14 + 22 + 512 * n + 4 + 8 + 12
        pps = gbps * 1e9 / 8 / wire
        rates[(gbps, mtu)] = pps
        w(f"| {gbps} GbE | {mtu} | {n} | {pps/1e6:.3f} M | {pps*512*n/1e6:.0f} |")
w("")


def best(transport, server, mtu):
    vals = [get(transport, server, mtu, d) for d in DEPTHS]
    vals = [v for v in vals if v]
    return max(vals, key=lambda v: v["cmds_per_s"]) if vals else None


w("What one aoe-target lcore reached here, and the cores a link would need at that rate:")
w("")
w("| measured on | MTU | aoe-target cmds/s (1 core) | MB/s | cores for 10 GbE | 25 GbE | 100 GbE |")
w("|---|---|---|---|---|---|---|")
for transport in ("memif", "veth"):
    for mtu in (1500, 9000):
        b = best(transport, "aoe-target", mtu)
        if not b:
            continue
        c = b["cmds_per_s"]
        cells = " | ".join(f"{rates[(g, mtu)]/c:.1f}" for g in (10, 25, 100))
        w(f"| {transport} (best depth {b['config']['depth']}) | {mtu} | {c:.0f} | {b['mb_per_s']:.0f} | {cells} |")
ghz = 3.0
ipr = cg["total_per_read"]
w("")
w(f"These per-core rates are bounded by the virtual links (kernel veth + af_packet syscalls, memif copies")
w(f"on a shared VM), not by aoe-target's own work: the whole lcore loop costs {ipr:.0f} instructions per")
w(f"2-sector read (callgrind), i.e. about {ghz*1e9/ipr/1e6:.1f} M reads/s per core at {ghz:.0f} GHz and 1 instruction")
w(f"per cycle, which would carry 10 GbE at MTU 1500 ({rates[(10,1500)]/1e6:.2f} M replies/s) on "
  f"{max(1, rates[(10,1500)]/(ghz*1e9/ipr)):.1f} core(s) and 100 GbE on {rates[(100,1500)]/(ghz*1e9/ipr):.1f}, "
  "if the NIC PMD adds little (on real NICs the PMD, not the engine, then dominates; zero-copy replies keep the "
  "per-read work independent of the sector count).")
w("")
with open(f"{out}/results.md", "w") as fh:
    fh.write("\n".join(L) + "\n")
