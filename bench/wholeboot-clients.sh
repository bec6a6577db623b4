#!/usr/bin/env bash
# bench/wholeboot-clients.sh: N simulated PXE clients fetching files at once, each with a real
# client of the protocol (curl's TFTP with the block size pxelinux asks for, or curl's HTTP),
# every byte compared with the reference copy. Run by scripts/bench --whole-boot inside the
# client namespace. All N clients are started first and wait at a barrier (a FIFO), so that
# starting a thousand processes is not part of the phase's time; the phase starts when the
# barrier opens. Writes to OUT a first line "# start EPOCH_S" (the barrier's opening), then one
# line per client: "INDEX END_EPOCH_S OK(1|0) BYTES".
# Usage: wholeboot-clients.sh N tftp|http HOST REFDIR TIMEOUT_S OUT FILE...
# Bounded: N clients, each file at most TIMEOUT_S seconds (curl --max-time); no retries; the
# barrier waits at most 120 s for the clients to be ready.
set -uo pipefail
n=$1 proto=$2 host=$3 ref=$4 tmo=$5 out=$6; shift 6
files=("$@")
if [ "$n" -lt 1 ] || [ "$n" -gt 4096 ]; then echo "wholeboot-clients: N must be 1..4096" >&2; exit 2; fi
bar=$(mktemp -d /tmp/aoe-wb-barrier.XXXXXX)
trap 'rm -rf "$bar"' EXIT
mkfifo "$bar/go"
: >"$out.tmp"
for i in $(seq 1 "$n"); do
    (
        echo "$i" >>"$bar/ready"
        : <"$bar/go" # blocks until the barrier opens (a writer opens the FIFO)
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
        echo "$i $EPOCHREALTIME $ok $bytes" >>"$out.tmp"
    ) &
done
for _ in $(seq 1200); do
    [ "$(wc -l <"$bar/ready" 2>/dev/null || echo 0)" -ge "$n" ] && break
    sleep 0.1
done
[ "$(wc -l <"$bar/ready")" -ge "$n" ] || echo "wholeboot-clients: only $(wc -l <"$bar/ready") of $n clients ready after 120 s; starting them anyway" >&2
sleep 0.2 # the last ready client reaches its open of the FIFO
t0=$EPOCHREALTIME
exec 3>"$bar/go" # opens every waiting reader's open()
sleep 0.1
exec 3>&-        # and their reads see end of file
wait
{ echo "# start $t0"; cat "$out.tmp"; } >"$out"
rm -f "$out.tmp"
