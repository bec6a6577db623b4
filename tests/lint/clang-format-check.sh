#!/usr/bin/env bash
# Fails if any tracked C++ source differs from what clang-format makes of it; prints the files.
set -euo pipefail
clang_format=$1; root=$2
cd "$root"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
((${#files[@]})) || { echo "lint: no C++ files found under $root"; exit 1; }
bad=0
for f in "${files[@]}"; do
  if ! "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "lint: $f is not clang-format clean (run: clang-format -i $f)"; bad=1
  fi
done
echo "lint: checked ${#files[@]} files"
exit $bad
