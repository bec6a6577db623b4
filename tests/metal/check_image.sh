#!/bin/sh
# unit.metal-image: aoe-firmware links against nothing but itself, and how big it is.
# Usage: check_image.sh ELF BIN MAP
# Checks (each failure prints FAIL: and what was found):
#   - a static x86_64 executable: no program interpreter, no dynamic section, no undefined symbol
#   - the link map's inputs are the firmware's own objects only (no libc, libstdc++, libgcc, crt*)
#   - no SSE/AVX register anywhere in the code (-mgeneral-regs-only; the boot path never enables SSE)
#   - the flat image starts with a valid multiboot header (a.out kludge fields) in its first 8 KiB,
#     and the ELF carries the same bytes at its header's file offset (so it boots as it is too)
#   - text+data (everything loaded; bss and the served ISO excluded) under 256 KiB
set -eu
elf=$1 bin=$2 map=$3
for f in "$elf" "$bin" "$map"; do
    [ -f "$f" ] || { echo "FAIL: $f missing (build target aoe-firmware)"; exit 1; }
done
fail=0
bad() { echo "FAIL: $*"; fail=1; }

readelf -h "$elf" | grep -q "Class:.*ELF64" || bad "not an ELF64 file"
readelf -h "$elf" | grep -q "Machine:.*X86-64" || bad "not x86-64"
readelf -h "$elf" | grep -q "Type:.*EXEC" || bad "not a static executable (ET_EXEC)"
readelf -lW "$elf" | grep -q INTERP && bad "has a program interpreter (dynamically linked)"
readelf -dW "$elf" | grep -q "There is no dynamic section" || bad "has a dynamic section: $(readelf -dW "$elf" | grep NEEDED | tr -s ' ')"
undef=$(nm -u "$elf" | sed 's/^ *U //')
[ -z "$undef" ] || bad "undefined symbols: $undef"
echo "ELF: static, no interpreter, no dynamic section, 0 undefined symbols"

# The map lists every input the linker loaded ("LOAD file"); only our objects may appear.
inputs=$(awk '/^LOAD /{print $2}' "$map")
[ -n "$inputs" ] || bad "no LOAD lines in $map"
others=$(echo "$inputs" | grep -v 'CMakeFiles/aoe-firmware.dir/' || true)
[ -z "$others" ] || bad "linked with something else: $others"
echo "link inputs: $(echo "$inputs" | wc -l) objects, all the firmware's own ($(echo "$inputs" | sed 's|.*/||; s|\.obj$||' | tr '\n' ' '))"
found=$(grep -oE '(lib(c|m|stdc\+\+|supc\+\+|gcc|gcc_s|gcc_eh)\.(a|so[.0-9]*)|crt[1in]\.o|crtbegin[^ ]*\.o)' "$map" | sort -u | tr '\n' ' ')
[ -z "$found" ] || bad "the link map names runtime libraries or start files: $found"

sse=$(objdump -d --no-show-raw-insn "$elf" | grep -cE '%[xyz]mm[0-9]' || true)
[ "$sse" = 0 ] || bad "$sse instructions use SSE/AVX registers"
echo "SSE/AVX instructions: $sse"

python3 - "$bin" "$elf" <<'PY' || fail=1
import struct, sys
data = open(sys.argv[1], "rb").read()
for off in range(0, min(len(data), 8192) - 32, 4):
    magic, flags, chk = struct.unpack_from("<III", data, off)
    if magic == 0x1BADB002 and (magic + flags + chk) & 0xFFFFFFFF == 0:
        h, load, load_end, bss_end, entry = struct.unpack_from("<5I", data, off + 12)
        ok = flags & 0x10000 and load <= h and load < load_end <= bss_end and load <= entry < load_end
        ok = ok and load_end - load == len(data)
        print(f"multiboot header at offset {off}: flags {flags:#x}, load {load:#x}-{load_end:#x}, "
              f"bss end {bss_end:#x}, entry {entry:#x}" + ("" if ok else " FAIL: inconsistent"), flush=True)
        # A loader that finds the header in the ELF file (within its first 8 KiB) loads
        # load_end - load bytes from the header's file offset: they must be the flat image's.
        elf = open(sys.argv[2], "rb").read()
        at = elf.find(data[off:off + 32])
        same = 0 <= at < 8192 and elf[at - off:at - off + len(data)] == data
        print("the ELF boots as it is too (its loaded bytes at the header's file offset equal the "
              "flat image)" if same else "FAIL: the ELF's bytes at its multiboot header differ from the flat image")
        sys.exit(0 if ok and same else 1)
print("FAIL: no multiboot header in the first 8 KiB of the flat image")
sys.exit(1)
PY

# text + data: every allocated section the loader copies (size -A: sections with an address;
# .bss is zeroed memory, not image; debug sections have address 0).
loaded=$(size -A -d "$elf" | awk '$3 > 0 && $1 != ".bss" { s += $2 } END { print s + 0 }')
bss=$(size -A -d "$elf" | awk '$1 == ".bss" { print $2 }')
size "$elf" | sed 's/^/  /'
echo "image size: text+data $loaded bytes ($((loaded / 1024)) KiB) of the 256 KiB budget; bss $bss bytes; flat image $(stat -c %s "$bin") bytes"
[ "$loaded" -gt 0 ] || bad "could not read the section sizes"
[ "$loaded" -lt $((256 * 1024)) ] || bad "text+data $loaded bytes is over the 256 KiB budget"
[ $fail = 0 ] || exit 1
echo "OK"
