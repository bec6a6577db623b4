#!/usr/bin/env bash
# bench/wholeboot-clients.sh: N simulated PXE clients fetching files at once, each with a real
# client of the protocol (curl's TFTP with the block size pxelinux asks for, or curl's HTTP),
# the files one after the other as a PXE loader does, every byte compared with the reference
# copy. Run by scripts/bench --whole-boot inside the client namespace.
# Every client's curl and cmp are started before the phase does: each curl blocks reading its
# configuration (the URLs) from a FIFO of its own, so that starting a thousand processes on the
# one client CPU is not part of the phase's time; the phase starts when the URLs are written.
# Writes to OUT a first line "# start EPOCH_S", then one line per client:
# "INDEX END_EPOCH_S OK(1|0) BYTES".
# Usage: wholeboot-clients.sh N tftp|http HOST REFDIR TIMEOUT_S OUT FILE...
# Bounded: N clients, each file at most TIMEOUT_S seconds (curl --max-time); no retries; the
# clients get at most 120 s to start.
set -uo pipefail
n=$1 proto=$2 host=$3 ref=$4 tmo=$5 out=$6; shift 6
files=("$@")
if [ "$n" -lt 1 ] || [ "$n" -gt 4096 ]; then echo "wholeboot-clients: N must be 1..4096" >&2; exit 2; fi
case "$proto" in
# 1408: the blksize pxelinux.0 and lpxelinux.0 ask for (a string in the binary).
tftp) opt=(--tftp-blksize 1408) ;;
http) opt=() ;;
*) echo "wholeboot-clients: protocol must be tftp or http" >&2; exit 2 ;;
esac
bar=$(mktemp -d /tmp/aoe-wb-clients.XXXXXX)
trap 'rm -rf "$bar"' EXIT
# What every client must receive: the files, one after the other.
for f in "${files[@]}"; do
    [ -f "$ref/$f" ] || { echo "wholeboot-clients: $ref/$f: no such file" >&2; exit 2; }
    cat "$ref/$f"
done >"$bar/expected"
bytes=$(stat -c %s "$bar/expected")
config=
for f in "${files[@]}"; do config+="url = \"$proto://$host/$f\""$'\n'; done
: >"$out.tmp"
for i in $(seq 1 "$n"); do
    mkfifo "$bar/cfg.$i"
    (
        ok=0
        # curl opens its configuration FIFO and waits there; cmp reads all of curl's output: a
        # short or wrong transfer is a failed client.
        if curl -sS --max-time "$tmo" "${opt[@]}" -K "$bar/cfg.$i" | cmp -s - "$bar/expected"; then ok=1; fi
        echo "$i $EPOCHREALTIME $ok $bytes" >>"$out.tmp"
    ) &
done
# Ready: every client's curl is running (then blocked on its FIFO); a moment more for the last
# ones to reach the open().
for _ in $(seq 1200); do
    [ "$(pgrep -c -f -- "-K $bar/cfg\.")" -ge "$n" ] && break
    sleep 0.1
done
[ "$(pgrep -c -f -- "-K $bar/cfg\.")" -ge "$n" ] ||
    echo "wholeboot-clients: only $(pgrep -c -f -- "-K $bar/cfg\.") of $n clients started after 120 s; starting anyway" >&2
sleep 1
t0=$EPOCHREALTIME
for i in $(seq 1 "$n"); do printf '%s' "$config" >"$bar/cfg.$i"; done
wait
{ echo "# start $t0"; cat "$out.tmp"; } >"$out"
rm -f "$out.tmp"
