#!/usr/bin/env bash
# Fails when any C++ file differs from what clang-format (root .clang-format) would write.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find app ui models services tests -name '*.cpp' -o -name '*.h')
if [ ${#files[@]} -eq 0 ]; then
    exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
    echo "Formatting differs from .clang-format: run 'clang-format -i' on the files above." >&2
    exit 1
fi
echo "format ok: ${#files[@]} files"
