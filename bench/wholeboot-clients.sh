#!/usr/bin/env bash
# bench/wholeboot-clients.sh: N simulated PXE clients fetching files at once, each with a real
# client of the protocol (curl's TFTP with the block size pxelinux asks for, or curl's HTTP),
# every byte compared with the reference copy. Run by scripts/bench --whole-boot inside the
# client namespace; one line per client to OUT: "INDEX END_EPOCH_S OK(1|0) BYTES".
# Usage: wholeboot-clients.sh N tftp|http HOST REFDIR TIMEOUT_S OUT FILE...
# Bounded: N clients, each file at most TIMEOUT_S seconds (curl --max-time); no retries.
set -uo pipefail
n=$1 proto=$2 host=$3 ref=$4 tmo=$5 out=$6; shift 6
files=("$@")
if [ "$n" -lt 1 ] || [ "$n" -gt 4096 ]; then echo "wholeboot-clients: N must be 1..4096" >&2; exit 2; fi
: >"$out"
for i in $(seq 1 "$n"); do
    (
        ok=1 bytes=0
        for f in "${files[@]}"; do
            if [ "$proto" = tftp ]; then
                # 1408: the blksize pxelinux.0 and lpxelinux.0 ask for (a string in the binary).
                url=tftp://$host/$f opt=(--tftp-blksize 1408)
            else
                url=http://$host/$f opt=()
            fi
            # cmp reads all of curl's output: a short or wrong transfer is a failed client.
            if ! curl -sS --max-time "$tmo" "${opt[@]}" "$url" | cmp -s - "$ref/$f"; then ok=0; fi
            bytes=$((bytes + $(stat -c %s "$ref/$f")))
        done
        echo "$i $EPOCHREALTIME $ok $bytes" >>"$out"
    ) &
done
wait
