#!/usr/bin/env bash
# Configures and builds the core with the aarch64 preset (toolchains/aarch64-linux-gnu.cmake,
# build/aarch64), checks the objects are AArch64, and runs the undefined-symbol check with
# aarch64-linux-gnu-nm. Fails loudly if the cross toolchain is missing.
set -euo pipefail
src=$1
cd "$src"
for tool in aarch64-linux-gnu-g++ aarch64-linux-gnu-nm aarch64-linux-gnu-readelf; do
  command -v "$tool" >/dev/null || { echo "aarch64_core: $tool not found (scripts/setup installs it)" >&2; exit 1; }
done
cmake --preset aarch64 >/dev/null
nice -n 10 cmake --build --preset aarch64 --target aoe_core
lib=build/aarch64/target/libaoe_core.a
# awk reads all of readelf's output (no early exit): an early exit can SIGPIPE readelf, and
# pipefail then fails the script without a word.
machine=$(aarch64-linux-gnu-readelf -h "$lib" | awk -F: '/Machine/ && !seen {gsub(/^ +/, "", $2); print $2; seen = 1}')
echo "aarch64_core: $lib machine: $machine"
[ "$machine" = "AArch64" ] || { echo "aarch64_core: not an AArch64 library" >&2; exit 1; }
tests/target/check_core_symbols.sh aarch64-linux-gnu-nm "$lib"
