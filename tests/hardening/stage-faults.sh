#!/usr/bin/env bash
# stage-pxe under faults. Usage: stage-faults.sh STAGE_PXE MODE [ITERATIONS]
# MODE:
#   concurrent  two stage-pxe runs on one TFTP root at the same time (different names), looped:
#               both succeed, both entries end up in the config and the manifest, bytes right
#   sigkill     SIGKILL at a random point of a run, looped (default 30 per scenario): the config
#               is always the old one or the new one byte for byte, loadable (check_pxe_root.py:
#               every LABEL's kernel and initrd are the bytes of ONE ISO), and the next run
#               succeeds and leaves no orphan (every file under boot/ is named by a LABEL or
#               the manifest: the killed run's files of a new name are swept). Scenarios: a
#               new name next to an existing one; the existing name re-staged from a new ISO
#   enospc      a small tmpfs TFTP root in a private mount namespace (unshare -m); a second
#               image (new name, then an update of the existing name) staged with less and less
#               free space: every failure names ENOSPC ("No space left on device"), exits 1,
#               leaves the previous config intact and loadable, and leaves no orphan under
#               boot/ (the refused run removes what it created; so does every later run)
# Every check compares staged files with files extracted from the ISO by xorriso.
set -euo pipefail
STAGE=$1 MODE=$2 ITER=${3:-30}
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="python3 $HERE/check_pxe_root.py"
command -v xorriso >/dev/null || { echo "FAIL: xorriso missing (scripts/setup)"; exit 1; }
[ -x "$STAGE" ] || { echo "FAIL: stage-pxe not built: $STAGE"; exit 1; }
PXE=/usr/lib/PXELINUX/pxelinux.0 LDL=/usr/lib/syslinux/modules/bios/ldlinux.c32
[ -f $PXE ] && [ -f $LDL ] || { echo "FAIL: pxelinux/syslinux-common not installed"; exit 1; }

WORK=$(mktemp -d /tmp/aoe-stagefault.XXXXXX)
cleanup() { local rc=$?; rm -rf "$WORK"; exit $rc; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# make_iso NAME KERNEL_BYTES INITRD_BYTES: a KIWI-layout ISO and the reference files.
make_iso() {
    local d=$WORK/src-$1
    mkdir -p "$d/boot/x86_64/loader" "$WORK/ref-$1"
    head -c "$2" /dev/urandom > "$d/boot/x86_64/loader/linux"
    head -c "$3" /dev/urandom > "$d/boot/x86_64/loader/initrd"
    xorriso -as mkisofs -R -J -V "HARD_$1" -o "$WORK/$1.iso" "$d" 2>/dev/null || fail "xorriso $1"
    xorriso -osirrox on -indev "$WORK/$1.iso" -extract /boot/x86_64/loader/linux "$WORK/ref-$1/linux" \
        -extract /boot/x86_64/loader/initrd "$WORK/ref-$1/initrd" 2>/dev/null || fail "xorriso extract $1"
    rm -rf "$d"
}
new_root() { rm -rf "$1"; mkdir -p "$1"; cp $PXE $LDL "$1/"; }
refs=(--ref a="$WORK/ref-a" --ref b="$WORK/ref-b")
# The entry `a` after an update from a2.iso: loadable only if kernel AND initrd come from a2.
refs2=(--ref a="$WORK/ref-a2" --ref b="$WORK/ref-b")

case $MODE in
concurrent)
    make_iso a $((8 << 20)) $((24 << 20))
    make_iso b $((8 << 20)) $((24 << 20))
    R=$WORK/root
    for i in $(seq "$ITER"); do
        new_root "$R"
        "$STAGE" -q "$WORK/a.iso" --tftp-root "$R" --name a > "$WORK/a.log" 2>&1 & pa=$!
        "$STAGE" -q "$WORK/b.iso" --tftp-root "$R" --name b > "$WORK/b.log" 2>&1 & pb=$!
        ra=0 rb=0
        wait $pa || ra=$?
        wait $pb || rb=$?
        [ $ra = 0 ] && [ $rb = 0 ] || { cat "$WORK/a.log" "$WORK/b.log"; fail "iteration $i: exit codes $ra/$rb"; }
        $CHECK "$R" "${refs[@]}" --labels a,b > "$WORK/check" || { cat "$WORK/check"; fail "iteration $i: root not loadable"; }
        # The two runs picked distinct AoE slots (lowest free slot on shelf 0, docs/decisions.md).
        slots=$("$STAGE" --tftp-root "$R" --list --json | python3 -c \
            'import json,sys; m=json.load(sys.stdin)["images"]; print(" ".join(sorted(v["aoe"] for v in m.values())))')
        [ "$slots" = "e0.1 e0.2" ] || fail "iteration $i: slots '$slots', expected e0.1 e0.2"
        "$STAGE" --tftp-root "$R" --check > "$WORK/chk" 2>&1 || { cat "$WORK/chk"; fail "iteration $i: --check"; }
    done
    echo "concurrent: $ITER iterations of two simultaneous runs: both entries staged every time (slots $slots)"
    ;;
sigkill)
    make_iso a $((2 << 20)) $((2 << 20))
    make_iso a2 $((8 << 20)) $((24 << 20))
    make_iso b $((8 << 20)) $((24 << 20))
    BASE=$WORK/base R=$WORK/root
    new_root "$BASE"
    "$STAGE" -q "$WORK/a.iso" --tftp-root "$BASE" --name a --default > /dev/null || fail "baseline staging"
    $CHECK "$BASE" "${refs[@]}" --labels a > /dev/null || fail "baseline not loadable"
    bad=0
    # scenario: ISO NAME LABELS-AFTER REFS-AFTER...
    for scenario in "new-name b.iso b a,b" "update a2.iso a a"; do
        set -- $scenario
        sname=$1 iso=$2 name=$3 after=$4
        if [ "$sname" = update ]; then ref_new=("${refs2[@]}"); else ref_new=("${refs[@]}"); fi
        NEW=$WORK/new-$sname
        cp -a "$BASE" "$NEW"
        t0=$(date +%s%N)
        "$STAGE" -q "$WORK/$iso" --tftp-root "$NEW" --name $name > /dev/null || fail "$sname: reference run"
        full_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        $CHECK "$NEW" "${ref_new[@]}" --labels $after > /dev/null || fail "$sname: reference run not loadable"
        echo "$sname: a complete run takes $full_ms ms; killing at random points in 0..$((full_ms + 5)) ms"
        old=0 new=0 mixed=0 leftovers=0 orphans=0
        # Random kill times, then one kill at each rename (stage-pxe's own test hook
        # STAGE_PXE_TEST_STOP_BEFORE_RENAME stops the run just before renaming a file whose
        # path ends with the hook), so every commit point is hit deterministically.
        # (an update of an existing name leaves the config text as it is: no config rename;
        # the new pair is written to boot/.stage-pxe-gen.a.<sha8>/, then boot/a is exchanged
        # with it in one step)
        if [ "$sname" = update ]; then hooks=(linux initrd boot/a stage-pxe.manifest.json)
        else hooks=(linux initrd default.bak default stage-pxe.manifest.json); fi
        for i in $(seq $((ITER + ${#hooks[@]}))); do
            rm -rf "$R"; cp -a "$BASE" "$R"
            if [ "$i" -le "$ITER" ]; then
                delay_us=$(( (RANDOM * 32768 + RANDOM) % ((full_ms + 5) * 1000) ))
                when="kill after $delay_us us"
                "$STAGE" -q "$WORK/$iso" --tftp-root "$R" --name $name > /dev/null 2>&1 & p=$!
                sleep "$(awk -v u=$delay_us 'BEGIN{printf "%.6f", u / 1e6}')"
            else
                hook=${hooks[i - ITER - 1]}
                when="kill just before the rename of .../$hook"
                # Emptied here, not only by the child's redirection: until the child has opened
                # it, the loop below would read the previous hook's "test hook" line and stop
                # waiting at once (seen under load: "never reached the rename ... still running").
                : > "$WORK/hook.err"
                STAGE_PXE_TEST_STOP_BEFORE_RENAME=$hook "$STAGE" -q "$WORK/$iso" --tftp-root "$R" --name $name \
                    > /dev/null 2> "$WORK/hook.err" & p=$!
                # (bounded: 30 s; a run takes < 0.1 s on a quiet machine)
                for _ in $(seq 600); do
                    grep -q "test hook" "$WORK/hook.err" && break
                    kill -0 $p 2>/dev/null || break
                    sleep 0.05
                done
                grep -q "test hook" "$WORK/hook.err" ||
                    { cat "$WORK/hook.err"; fail "$sname: the run never reached the rename of $hook ($(kill -0 $p 2>/dev/null && echo still running || echo exited))"; }
            fi
            kill -KILL $p 2>/dev/null || true
            wait $p 2>/dev/null || true
            cfg=$R/pxelinux.cfg/default
            # Old config and old files, or new config and new files; nothing in between.
            if cmp -s "$cfg" "$BASE/pxelinux.cfg/default" &&
               $CHECK "$R" "${refs[@]}" --labels a > "$WORK/check-old"; then
                old=$((old + 1))
            elif cmp -s "$cfg" "$NEW/pxelinux.cfg/default" &&
                 $CHECK "$R" "${ref_new[@]}" --labels $after > "$WORK/check-new"; then
                new=$((new + 1))
            else
                mixed=$((mixed + 1))
                echo "FAIL: $sname iteration $i ($when): neither the old entry nor the new one:"
                sed 's/^/  old? /' "$WORK/check-old" 2>/dev/null || true
                [ -f "$WORK/check-new" ] && sed 's/^/  new? /' "$WORK/check-new" || true
                diff "$BASE/pxelinux.cfg/default" "$cfg" | head -5 || true
            fi
            rm -f "$WORK/check-old" "$WORK/check-new"
            n=$(find "$R" -name '*.stage-pxe-tmp.*' | grep -c . || true)
            leftovers=$((leftovers + n))
            # Files under boot/ the kill left that no entry names (temp files, a versioned pair,
            # a new name's kernel/initrd): any next run sweeps them.
            n=$($CHECK "$R" --no-orphans 2>/dev/null | grep -c '^problem: orphan' || true)
            orphans=$((orphans + n))
            if [ "$sname" = new-name ]; then
                # A next run that is not a retry of b (an unchanged re-run of a) must remove what
                # the killed first staging of b left (a retry would just reuse the paths).
                "$STAGE" -q "$WORK/a.iso" --tftp-root "$R" --name a > "$WORK/after.log" 2>&1 ||
                    { cat "$WORK/after.log"; fail "$sname iteration $i: the run of a after the kill failed"; }
                $CHECK "$R" --no-orphans > "$WORK/check" ||
                    { cat "$WORK/check"; fail "$sname iteration $i ($when): orphans after the next run (of a)"; }
            fi
            # The next run must succeed and stage completely (the lock died with the process).
            "$STAGE" -q "$WORK/$iso" --tftp-root "$R" --name $name > "$WORK/after.log" 2>&1 ||
                { cat "$WORK/after.log"; fail "$sname iteration $i: the run after the kill failed"; }
            $CHECK "$R" "${ref_new[@]}" --labels $after --no-orphans > "$WORK/check" ||
                { cat "$WORK/check"; fail "$sname iteration $i: not loadable, or orphans, after the re-run"; }
            stale=$(find "$R" -name '*.stage-pxe-tmp.*')
            [ -z "$stale" ] || fail "$sname iteration $i: the re-run left the killed run's temporary files: $stale"
        done
        echo "sigkill $sname: $ITER random kills + ${#hooks[@]} at the renames: old entry $old, new entry $new, mixed/unloadable $mixed;" \
             "temporary files left by killed runs: $leftovers; files under boot/ no entry named after the kills: $orphans" \
             "(all swept by the next run); every re-run succeeded and left no orphan"
        [ $mixed = 0 ] || bad=1
    done
    [ $bad = 0 ] || fail "a killed run left an entry that is neither the old nor the new one"
    ;;
enospc)
    command -v unshare >/dev/null || fail "unshare missing"
    make_iso a $((1 << 20)) $((1 << 20))
    make_iso a2 $((1 << 20)) $((2 << 20))
    make_iso b $((1 << 20)) $((2 << 20))
    # Everything below runs in a private mount namespace: the tmpfs is invisible outside and
    # disappears with it.
    export STAGE WORK CHECK
    unshare -m --propagation private bash -uo pipefail -c '
        fail() { echo "FAIL: $*"; exit 1; }
        R=$WORK/small
        mkdir -p "$R"
        mount -t tmpfs -o size=8m hardening-tftp "$R" || fail "mount tmpfs"
        cp '"$PXE $LDL"' "$R/"
        "$STAGE" -q "$WORK/a.iso" --tftp-root "$R" --name a --default > /dev/null || fail "staging a"
        cp "$R/pxelinux.cfg/default" "$WORK/cfg-a"
        cp "$R/stage-pxe.manifest.json" "$WORK/man-a"
        refs="--ref a=$WORK/ref-a --ref b=$WORK/ref-b"
        bad=0
        # The second image needs ~3 MiB of files plus two small config files. Leave 0 .. 3.3 MiB
        # free in steps, so the failure lands in the kernel copy, the initrd copy, the config
        # and the manifest writes.
        for scenario in "new-name b.iso b" "update a2.iso a"; do
            set -- $scenario
            sname=$1 iso=$2 name=$3
            ok=0 refused=0 strays=0
            # The state every refused run must leave untouched.
            cp "$R/pxelinux.cfg/default" "$WORK/cfg-a"
            cp "$R/stage-pxe.manifest.json" "$WORK/man-a"
            for free_k in 0 4 64 512 1024 1028 1536 2048 2560 3068 3072 3076 3080 3084 3088 3092 3100 3200 3400; do
                rm -f "$R/filler"
                avail_k=$(df -k --output=avail "$R" | tail -1)
                fill_k=$(( avail_k - free_k ))
                [ $fill_k -gt 0 ] && { dd if=/dev/zero of="$R/filler" bs=1k count=$fill_k status=none 2>/dev/null || true; }
                touch "$WORK/marker"; sleep 0.01
                rc=0
                "$STAGE" "$WORK/$iso" --tftp-root "$R" --name $name > "$WORK/x.out" 2> "$WORK/x.err" || rc=$?
                rm -f "$R/filler"
                if [ $rc = 0 ]; then
                    ok=$((ok + 1))
                    if [ $sname = update ]; then
                        $CHECK "$R" --ref a=$WORK/ref-a2 --labels a --no-orphans > "$WORK/check" || { cat "$WORK/check"; fail "$sname free ${free_k}k: success but not loadable, or orphans"; }
                        # back to the original entry for the next step
                        "$STAGE" -q "$WORK/a.iso" --tftp-root "$R" --name a > /dev/null || fail "restage a"
                    else
                        $CHECK "$R" $refs --labels a,b --no-orphans > "$WORK/check" || { cat "$WORK/check"; fail "$sname free ${free_k}k: success but not loadable, or orphans"; }
                        "$STAGE" -q --tftp-root "$R" --remove b > /dev/null || fail "remove b"
                    fi
                    continue
                fi
                refused=$((refused + 1))
                msg="$sname, ${free_k} KiB free"
                [ $rc = 1 ] || { echo "FAIL: $msg: exit $rc, expected 1"; bad=1; }
                grep -q "No space left on device" "$WORK/x.err" || { cat "$WORK/x.err"; echo "FAIL: $msg: the error does not name ENOSPC"; bad=1; }
                cmp -s "$R/pxelinux.cfg/default" "$WORK/cfg-a" || { echo "FAIL: $msg: config changed by a failed run"; bad=1; }
                cmp -s "$R/stage-pxe.manifest.json" "$WORK/man-a" || { echo "FAIL: $msg: manifest changed by a failed run"; bad=1; }
                if ! $CHECK "$R" $refs --labels a > "$WORK/check"; then
                    echo "FAIL: $msg: the previous entry is not loadable any more:"; sed "s/^/  /" "$WORK/check"; bad=1
                    "$STAGE" -q "$WORK/a.iso" --tftp-root "$R" --name a > /dev/null || fail "restage a"
                fi
                # Files of the failed run that stay behind: none (a refused first staging must
                # not leave the new kernel under boot/b/). Every file under
                # boot/ is named by a LABEL or the manifest; nothing under boot/ is newer than
                # the start of the run.
                left=$(find "$R/boot" -newer "$WORK/marker" ! -type d | grep -c . || true)
                strays=$((strays + left))
                [ $left = 0 ] || { find "$R/boot" -newer "$WORK/marker" ! -type d | sed "s/^/  left: /"; echo "FAIL: $msg: the refused run left $left file(s)"; bad=1; }
                if ! $CHECK "$R" --no-orphans > "$WORK/check"; then
                    echo "FAIL: $msg: orphans under boot/ after the refused run:"; sed "s/^/  /" "$WORK/check"; bad=1
                fi
                [ -e "$R/boot/b" ] && { echo "FAIL: $msg: boot/b/ stays after a refused first staging of b"; bad=1; }
                echo "$msg: refused: $(head -1 "$WORK/x.err")"
            done
            echo "enospc $sname: $refused runs refused, $ok succeeded; files left behind by refused runs: $strays"
            [ $refused -ge 5 ] || { echo "FAIL: $sname: too few runs hit ENOSPC ($refused)"; bad=1; }
            [ $ok -ge 1 ] || { echo "FAIL: $sname: no run had enough space: the steps are wrong"; bad=1; }
        done
        exit $bad
    ' || fail "see above"
    ;;
*) fail "unknown mode $MODE" ;;
esac
echo "PASS $MODE"
