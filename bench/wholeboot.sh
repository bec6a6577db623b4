# shellcheck shell=bash
# bench/wholeboot.sh: `scripts/bench --whole-boot`, sourced by scripts/bench (uses its ROOT,
# TARGET, BENCH, OUT, RAW, WB_SHARE, WB_CLIENTS and say). The whole-boot storm:
#   N clients on one veth pair (server namespace / client namespace) first fetch the KIWI ISO's
#   real kernel and initrd, by TFTP from dnsmasq (curl's TFTP client, blksize 1408 as pxelinux
#   asks) or by HTTP from lighttpd (curl), every byte compared; then read their root, either
#   the recorded KIWI boot replayed over AoE from aoe-target (aoe-bench --replay, every reply
#   verified against the ISO) or, as KIWI's `root=live:http://` does, the whole ISO over HTTP.
#   Every file and the replay are the same share, 1/WB_SHARE, of the real ones at every N (a
#   thousand real boots move 61 GB of kernel+initrd alone). Each phase starts when the previous
#   one has finished for every client, so each has its own time.
#   The link's byte-time: bytes ÷ the rate this link gave in the same run, measured with the
#   same clients (8 curl downloads of the whole ISO at once for HTTP/TFTP bytes; aoe-bench's
#   sequential reads from 16 MACs for AoE bytes).
# Servers on CPU 1, clients on CPU 0. Bounded: each curl --max-time, each phase `timeout`.

WB_NET=10.79.0
# shellcheck source=tests/lib/netns.sh
. "$ROOT/tests/lib/netns.sh" # veth_link, netns_remove: the one way namespaces are made

wholeboot_cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${wb_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.5
    netns_remove "$WB_NS_S" "$WB_NS_C"
    rm -rf "$WB_DIR"
    exit "$rc"
}

# wholeboot_fetch NAME N PROTO FILE...: one fetch phase; raw/whole-boot/NAME-cN.txt gets one
# line per client and a header with the phase's start.
wholeboot_fetch() {
    local name=$1 n=$2 proto=$3; shift 3
    local f=$WB_RAW/$name-c$n.txt t0 t1
    timeout 1200 ip netns exec "$WB_NS_C" taskset -c 0 "$ROOT/bench/wholeboot-clients.sh" \
        "$n" "$proto" "$WB_NET.1" "$WB_DIR/root" 600 "$f.clients" "$@" ||
        echo "bench: whole-boot: $name with $n clients did not finish (recorded as such)" >&2
    t1=$EPOCHREALTIME
    # The phase starts when the clients' barrier opens (their first line), not at their launch.
    t0=$(sed -n 's/^# start //p' "$f.clients" 2>/dev/null)
    [ -n "$t0" ] || t0=$t1
    { echo "# start $t0 end $t1 proto $proto files $*"; grep -v '^#' "$f.clients" | sort -n; } >"$f"
    rm -f "$f.clients"
    awk -v t0="$t0" -v n="$n" '!/^#/ { c++; ok += $3; t = $2 - t0; if (t > m) m = t; b += $4 }
        END { printf "    %d/%d clients ok, %.1f MB, all done after %.2f s\n", ok, n, b / 1e6, m }' "$f"
}

wholeboot_main() {
    local kiwi iso trace=$ROOT/bench/traces/kiwi-bios.trace.gz share=$WB_SHARE n f full rb
    [ -f "$trace" ] || { echo "bench: $trace missing" >&2; exit 1; }
    for t in dnsmasq lighttpd curl xorriso taskset gnuplot; do
        command -v $t >/dev/null || { echo "bench: $t missing (scripts/setup installs it)" >&2; exit 1; }
    done
    WB_RAW=$RAW/whole-boot WB_NS_S=bwS$$ WB_NS_C=bwC$$ wb_pids=()
    local vs=bws$$ vc=bwc$$
    mkdir -p "$WB_RAW" && rm -f "$WB_RAW"/*
    WB_DIR=$(mktemp -d /tmp/aoe-wholeboot.XXXXXX)
    chmod 755 "$WB_DIR"
    trap wholeboot_cleanup EXIT
    trap 'exit 130' INT TERM
    # A thousand TFTP transfers and HTTP connections at once: one socket each (and lighttpd's
    # max-fds below): the soft limit raised to the hard one, which must allow that.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null
    [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 8192 ] ||
        { echo "bench: whole-boot needs 8192 open files; the hard limit here is $(ulimit -Hn) (raise it: ulimit -Hn, limits.conf)" >&2; exit 1; }
    kiwi=$("$ROOT/scripts/fixture/build-kiwi-iso") || { echo "bench: KIWI ISO build failed" >&2; exit 1; }
    # shellcheck disable=SC1091 # written by build-kiwi-iso
    . "$kiwi/kiwi.env"
    iso=$kiwi/$KIWI_ISO
    mkdir -p "$WB_DIR/root"
    xorriso -osirrox on -indev "$iso" -extract /boot/x86_64/loader/linux "$WB_DIR/linux.full" \
        -extract /boot/x86_64/loader/initrd "$WB_DIR/initrd.full" >"$WB_DIR/xorriso.log" 2>&1 ||
        { cat "$WB_DIR/xorriso.log" >&2; echo "bench: cannot extract kernel/initrd from $iso" >&2; exit 1; }
    for f in linux initrd; do
        full=$(stat -c %s "$WB_DIR/$f.full")
        head -c $((full / share)) "$WB_DIR/$f.full" >"$WB_DIR/root/$f"
    done
    head -c $(($(stat -c %s "$iso") / share)) "$iso" >"$WB_DIR/root/live.iso"
    cp "$iso" "$WB_DIR/root/full.iso" # the HTTP rate measurement's file (the cache is root's)
    chmod -R a+rX "$WB_DIR/root"
    cat "$WB_DIR"/root/* >/dev/null
    # The replay's share: the trace's read bytes ÷ share.
    rb=$(zcat "$trace" | awk '!/^#/ && $3 == "24" { s += $5 } END { printf "%d", s * 512 / '"$share"' }')
    python3 - "$WB_RAW/conditions.json" "$share" "$rb" "$iso" "$WB_DIR" "$WB_CLIENTS" <<'PY'
import json, os, subprocess, sys
out, share, rb, iso, d, clients = sys.argv[1:]
size = lambda p: os.stat(p).st_size
json.dump({"date": subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip(),
           "loadavg_start": open("/proc/loadavg").read().split()[:3], "share": int(share),
           "clients": [int(c) for c in clients.split()],
           "replay_bytes": int(rb), "iso": os.path.basename(iso), "iso_bytes": size(iso),
           "kernel_bytes": size(f"{d}/linux.full"), "initrd_bytes": size(f"{d}/initrd.full"),
           "kernel_share_bytes": size(f"{d}/root/linux"), "initrd_share_bytes": size(f"{d}/root/initrd"),
           "iso_share_bytes": size(f"{d}/root/live.iso"),
           "dnsmasq": subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dnsmasq-base"], capture_output=True, text=True).stdout,
           "lighttpd": subprocess.run(["dpkg-query", "-W", "-f=${Version}", "lighttpd"], capture_output=True, text=True).stdout,
           "curl": subprocess.run(["dpkg-query", "-W", "-f=${Version}", "curl"], capture_output=True, text=True).stdout},
          open(out, "w"), indent=1)
PY
    say "whole-boot: $iso, share 1/$share: kernel $(stat -c %s "$WB_DIR/root/linux"), initrd $(stat -c %s "$WB_DIR/root/initrd"), ISO $(stat -c %s "$WB_DIR/root/live.iso"), AoE replay $rb bytes per client"

    if ! { ip netns add "$WB_NS_S" && ip netns add "$WB_NS_C" &&
        veth_link "$WB_NS_S" "$vs" "$WB_NS_C" "$vc" &&
        ip -n "$WB_NS_S" addr add "$WB_NET.1/24" dev "$vs" && ip -n "$WB_NS_C" addr add "$WB_NET.2/24" dev "$vc" &&
        ip -n "$WB_NS_S" link set lo up && ip -n "$WB_NS_C" link set lo up; }; then
        echo "bench: whole-boot: network set-up failed" >&2
        exit 1
    fi
    # dnsmasq: TFTP only (no DHCP range, no DNS), as many transfers at once as there are clients.
    ip netns exec "$WB_NS_S" taskset -c 1 dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root \
        --interface="$vs" --bind-interfaces --enable-tftp --tftp-root="$WB_DIR/root" --tftp-max=4096 \
        >"$WB_DIR/dnsmasq.log" 2>&1 &
    wb_pids+=($!)
    {
        echo "server.document-root = \"$WB_DIR/root\""
        echo "server.bind = \"$WB_NET.1\""
        echo 'server.port = 80'
        echo 'server.username = "nobody"'
        echo 'server.groupname = "nogroup"'
        echo 'server.max-connections = 4096'
        echo 'server.max-fds = 8192'
        echo 'mimetype.assign = ("" => "application/octet-stream")'
    } >"$WB_DIR/lighttpd.conf"
    ip netns exec "$WB_NS_S" taskset -c 1 lighttpd -D -f "$WB_DIR/lighttpd.conf" >"$WB_DIR/lighttpd.log" 2>&1 &
    wb_pids+=($!)
    ip netns exec "$WB_NS_S" taskset -c 1 "$TARGET" --iface "$vs" --export 0.1="$iso" --buffer-count 64 \
        2>"$WB_DIR/target.log" &
    wb_pids+=($!)
    local i
    for i in $(seq 100); do
        grep -q "aoe-target: ready" "$WB_DIR/target.log" 2>/dev/null && grep -q "TFTP root is" "$WB_DIR/dnsmasq.log" 2>/dev/null &&
            [ "$(ip netns exec "$WB_NS_C" curl -s -o /dev/null -w '%{http_code}' "http://$WB_NET.1/linux")" = 200 ] && break
        sleep 0.1
    done
    [ "$i" -lt 100 ] || { tail -3 "$WB_DIR"/*.log >&2; echo "bench: whole-boot: servers not ready" >&2; exit 1; }

    # The link's rates, with the same clients and the same servers.
    say "whole-boot: HTTP rate of the link (8 curl clients, the whole ISO each)"
    wholeboot_fetch rate-http 8 http full.iso
    say "whole-boot: AoE rate of the link (aoe-target, aoe-bench sequential, 16 MACs, depth 64)"
    ip netns exec "$WB_NS_C" taskset -c 0 "$BENCH" --target 0.1 --depth 64 --clients 16 --duration 5 \
        --no-progress --json "$vc" >"$WB_RAW/rate-aoe.json" 2>"$WB_DIR/bench.err" ||
        { cat "$WB_DIR/bench.err" >&2; echo "bench: whole-boot: AoE rate failed" >&2; exit 1; }

    for n in $WB_CLIENTS; do
        say "whole-boot: $n clients: kernel+initrd by TFTP (dnsmasq)"
        wholeboot_fetch tftp "$n" tftp linux initrd
        say "whole-boot: $n clients: kernel+initrd by HTTP (lighttpd)"
        wholeboot_fetch http "$n" http linux initrd
        say "whole-boot: $n clients: root by AoE (the recorded boot's reads, $rb bytes each)"
        timeout 1200 ip netns exec "$WB_NS_C" taskset -c 0 "$BENCH" --target 0.1 --replay "$trace" \
            --replay-bytes "$rb" --clients "$n" --verify "$iso" --json \
            --clients-out "$WB_RAW/aoe-c$n.clients.json" "$vc" >"$WB_RAW/aoe-c$n.json" 2>"$WB_DIR/bench.err" ||
            { grep -v "^EAL\|TELEMETRY" "$WB_DIR/bench.err" | tail -3 >&2; echo "bench: whole-boot: AoE replay with $n clients failed (recorded as such)" >&2; }
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(f"    {j[\"finished\"]}/{j[\"clients\"]} clients, {j[\"bytes\"]/1e6:.1f} MB, all done after {j[\"total_s\"]:.2f} s, mismatches {j[\"mismatches\"]}")' \
            "$WB_RAW/aoe-c$n.json" 2>/dev/null || true
        say "whole-boot: $n clients: root by downloading the whole ISO over HTTP (KIWI's root=live:http)"
        wholeboot_fetch iso "$n" http live.iso
    done
    python3 "$ROOT/bench/wholeboot_report.py" "$WB_RAW" "$OUT"
    say "whole-boot: wrote its section of $OUT/results.md, $OUT/whole-boot.png, raw/whole-boot/"
}
