#!/usr/bin/env bash
# tests/pxe/real-initrds.sh STAGE_PXE REPO --live | --kis
#
# stage-pxe's initrd check on the initrds KIWI really builds (scripts/fixture/build-kiwi-iso,
# cached; the ctest fixtures build them first):
#   --live  the KIWI live ISO's initrd reports kiwi-live and the aoe module, and stages.
#   --kis   the KIS build's initrd reports kiwi-overlay, aoe and bash as /bin/sh, from the folder
#           and from the bundle (which --inspect leaves as it was: nothing unpacked); then the
#           same initrd unpacked with cpio, changed one way at a time and packed again (aoe.ko
#           removed; /bin/sh relinked to dash; kiwi-overlay taken out), is refused with the
#           reason, and staged with --no-initrd-check.
# Prints PASS/FAIL lines; any FAIL fails the ctest (FAIL_REGULAR_EXPRESSION) and the exit code.
set -uo pipefail
stage=${1:?usage: real-initrds.sh STAGE_PXE REPO --live|--kis}
repo=${2:?usage: real-initrds.sh STAGE_PXE REPO --live|--kis}
mode=${3:?usage: real-initrds.sh STAGE_PXE REPO --live|--kis}
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
has() { grep -qF -- "$2" <<<"$1"; }
work=$(mktemp -d /tmp/aoeboot-real-initrds.XXXXXX)
trap 'rm -rf "$work"' EXIT

case "$mode" in
--live)
    dir=$("$repo/scripts/fixture/build-kiwi-iso") || { echo "FAIL: build-kiwi-iso failed"; exit 1; }
    iso=$(ls "$dir"/*.iso 2>/dev/null | head -1)
    [ -f "$iso" ] || { echo "FAIL: no ISO in $dir"; exit 1; }
    out=$("$stage" --inspect "$iso") || fail "--inspect $iso exits 0"
    echo "$out"
    check "the live initrd is dracut's" has "$out" "  dracut:    usr/lib/dracut/modules.txt"
    check "it mounts root=live:AOEINTERFACE= (kiwi-live)" \
        has "$out" "network roots: kiwi-live (root=live:AOEINTERFACE=eS.L)"
    check "it carries the aoe module" has "$out" "/kernel/drivers/block/aoe/aoe.ko"
    check "no refusal" bash -c '! grep -q "verdict:" <<<"$1"' _ "$out"
    json=$("$stage" --inspect --json "$iso")
    check "json: kiwi_live and aoe_module" bash -c \
        'grep -q "\"kiwi_live\": true" <<<"$1" && grep -q "\"aoe_module\": true" <<<"$1"' _ "$json"
    r=$("$stage" "$iso" --tftp-root "$work/tftp" 2>&1) || fail "staging the live ISO exits 0: $r"
    check "staging reports the roots" has "$r" "  initrd: dracut initrd; network roots: kiwi-live"
    ;;
--kis)
    dir=$("$repo/scripts/fixture/build-kiwi-iso" --kis) ||
        { echo "FAIL: build-kiwi-iso --kis failed"; exit 1; }
    initrd=$(ls "$dir"/*.initrd | head -1)
    kernel=$(ls "$dir"/*.kernel | head -1)
    bundle=$(ls "$dir"/*.tar.xz | head -1)
    base=$(basename "$initrd" .initrd)
    image=$dir/$base
    [ -f "$initrd" ] && [ -f "$kernel" ] && [ -f "$image" ] && [ -f "$bundle" ] ||
        { echo "FAIL: $dir does not hold KIWI's KIS files"; exit 1; }
    out=$("$stage" --inspect "$dir") || fail "--inspect $dir exits 0"
    echo "$out"
    check "the KIS initrd is dracut's" has "$out" "  dracut:    usr/lib/dracut/modules.txt"
    check "it mounts root=overlay:aoe= (kiwi-overlay)" \
        has "$out" "network roots: kiwi-overlay (root=overlay:aoe=eS.L)"
    check "it carries the aoe module" has "$out" "/kernel/drivers/block/aoe/aoe.ko"
    check "/bin/sh is bash (the image adds dracut's bash module)" has "$out" "(bash)"
    check "verdict: stages" has "$out" "verdict:     stage-pxe stages it"
    before=$(ls -l --time-style=+%s.%N "$dir")
    bout=$("$stage" --inspect "$bundle") || fail "--inspect $bundle exits 0"
    echo "$bout"
    check "the bundle's initrd says the same" has "$bout" "verdict:     stage-pxe stages it"
    check "--inspect of the bundle unpacked nothing" test "$before" = "$(ls -l --time-style=+%s.%N "$dir")"

    # Variants of the real initrd: one compressed cpio, as KIWI 9.24's dracut writes it (zstd
    # with tests/kiwi/kis's dracut.conf.d, gzip by Debian's default), packed again the same way.
    magic=$(od -An -tx1 -N4 "$initrd" | tr -d ' \n')
    case $magic in
        28b52ffd) unpack=(zstd -dcq) pack=(zstd -q -c) ;;
        1f8b*) unpack=(zcat) pack=(gzip -n -c) ;;
        *) echo "FAIL: $initrd is neither one zstd nor one gzip cpio (first bytes $magic)"; exit 1 ;;
    esac
    tree=$work/tree
    mkdir -p "$tree"
    (cd "$tree" && "${unpack[@]}" "$initrd" | cpio -idm --quiet) || { echo "FAIL: cannot unpack $initrd"; exit 1; }
    variant() { # variant NAME: pack $tree into a KIS folder $work/NAME
        local v=$work/$1
        mkdir -p "$v"
        ln -s "$kernel" "$v/$(basename "$kernel")"
        ln -s "$image" "$v/$base"
        (cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | "${pack[@]}") >"$v/$base.initrd"
        echo "$v"
    }
    refused() { # refused NAME REASON...
        local v=$1 r reason
        shift
        r=$("$stage" "$work/$v" --tftp-root "$work/tftp-$v" 2>&1)
        local st=$?
        echo "$r"
        check "$v: exit 1" test "$st" = 1
        for reason in "$@"; do check "$v: names '$reason'" has "$r" "$reason"; done
        check "$v: nothing written" test ! -e "$work/tftp-$v"
        r=$("$stage" "$work/$v" --tftp-root "$work/tftp-$v" --no-initrd-check 2>&1)
        check "$v: --no-initrd-check stages it with a warning" \
            bash -c '[ "$1" = 0 ] && grep -q "staged anyway: --no-initrd-check" <<<"$2"' _ $? "$r"
    }
    aoe=$(cd "$tree" && find . -name 'aoe.ko*' | head -1)
    [ -n "$aoe" ] || { echo "FAIL: no aoe.ko in the real initrd"; exit 1; }
    mv "$tree/$aoe" "$work/aoe.ko.saved"
    variant noaoe >/dev/null
    refused noaoe "it has no aoe kernel module (aoe.ko), so /dev/etherd/ never appears"
    mv "$work/aoe.ko.saved" "$tree/$aoe"

    sh_link=$(readlink "$tree/usr/bin/sh")
    printf 'placeholder\n' >"$tree/usr/bin/dash"
    ln -sfn dash "$tree/usr/bin/sh"
    variant dash >/dev/null
    refused dash "its kiwi-overlay scripts use bash-only syntax ('function NAME'" \
        "/bin/sh is /usr/bin/dash, not bash" "add_dracutmodules+=\" bash \""
    ln -sfn "$sh_link" "$tree/usr/bin/sh"
    rm -f "$tree/usr/bin/dash"

    sed -i '/^kiwi-overlay$/d' "$tree/usr/lib/dracut/modules.txt"
    find "$tree" -name '*kiwi-overlay*' -delete
    variant nooverlay >/dev/null
    refused nooverlay "it has no kiwi-overlay dracut module, which is what reads root=overlay:aoe="
    ;;
*)
    echo "usage: real-initrds.sh STAGE_PXE REPO --live|--kis" >&2
    exit 2
    ;;
esac
[ "$fails" = 0 ] || { echo "FAIL: $fails check(s) failed"; exit 1; }
echo "real-initrds $mode: all checks passed"
