#!/bin/sh
# Lists the undefined symbols of the core library (what it needs from outside) and fails on
# anything but memcpy, memmove, memset, memcmp. Symbols defined by another object of the same
# archive are internal and not counted.
# Usage: check_core_symbols.sh NM LIBRARY
set -eu
nm_tool=$1
lib=$2
[ -f "$lib" ] || { echo "check_core_symbols: no library at $lib" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$nm_tool" -u --format=just-symbols "$lib" 2>/dev/null | grep -v ':$' | grep -v '^$' | sort -u >"$tmp/undef"
"$nm_tool" --defined-only --format=just-symbols "$lib" 2>/dev/null | grep -v ':$' | grep -v '^$' | sort -u >"$tmp/def"
comm -23 "$tmp/undef" "$tmp/def" >"$tmp/external"
echo "undefined symbols of $(basename "$lib") ($nm_tool):"
sed 's/^/  /' "$tmp/external"
bad=$(grep -vxE 'memcpy|memmove|memset|memcmp' "$tmp/external" || true)
if [ -n "$bad" ]; then
  echo "FAIL: the freestanding core needs symbols beyond memcpy/memmove/memset/memcmp:" >&2
  echo "$bad" | sed 's/^/  /' >&2
  exit 1
fi
[ -s "$tmp/def" ] || { echo "FAIL: no defined symbols: not the core library?" >&2; exit 1; }
echo "OK"
