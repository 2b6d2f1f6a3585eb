#!/usr/bin/env bash
# Fuzz the library with libFuzzer for a bounded time, starting from the
# seed corpus in tests/fuzz/corpus (new inputs go to a scratch copy).
#   scripts/fuzz.sh [SECONDS]        default 60
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages clang libclang-rt-14-dev meson ninja-build pkg-config
CC=clang CXX=clang++ setup_build build-fuzz -Dfuzz=true -Dtests=disabled \
	-Dbench=disabled -Dexamples=false -Dpreload=false -Dbuildtype=debugoptimized
ninja -C build-fuzz tests/fuzz/fuzz_ops >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/* "$work"/
./build-fuzz/tests/fuzz/fuzz_ops -max_total_time="${1:-60}" -max_len=512 \
	-print_final_stats=1 "$work" 2>&1 | tail -25
echo "fuzzing: no finding in ${1:-60} s (corpus $(ls "$work" | wc -l) inputs)"
