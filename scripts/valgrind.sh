#!/usr/bin/env bash
# Run the whole test suite under helgrind and under DRD, with the futex
# hand-off annotated for them (-Dvalgrind=true: src/annotate.h, and no
# inline fast paths), installing what it needs first. Any report fails.
#   scripts/valgrind.sh                 both tools, build in ./build-valgrind
#   scripts/valgrind.sh drd             one tool
#   BUILDDIR=b scripts/valgrind.sh      another build directory
# Suppressions (tests/valgrind.supp) cover glibc and valgrind only.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc g++ meson ninja-build pkg-config libcmocka-dev binutils \
	liburcu-dev libconcurrentqueue-dev stress-ng groff-base valgrind
dir=${BUILDDIR:-build-valgrind}
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(helgrind drd)
setup_build "$dir" -Dtests=enabled -Dbench=enabled -Dvalgrind=true
ninja -C "$dir"

# Valgrind runs one thread at a time, some 50 times slower than the clock:
# --fair-sched hands the CPU round in turn, as a machine with more CPUs
# would, and FSEM_TEST_SLOWDOWN stretches the tests that pace threads by
# the clock (tests/common.h). Helgrind checks stack accesses by default;
# DRD is told to as well.
export FSEM_TEST_SLOWDOWN=${FSEM_TEST_SLOWDOWN:-8}
common="--error-exitcode=1 --fair-sched=yes -q"
common+=" --suppressions=$PWD/tests/valgrind.supp"
declare -A extra=([helgrind]="" [drd]="--check-stack-var=yes")
for tool in "${tools[@]}"; do
	[ -n "${extra[$tool]+set}" ] || { echo "unknown tool: $tool" >&2; exit 2; }
	start=$SECONDS
	meson test -C "$dir" --print-errorlogs --timeout-multiplier 10 \
		--wrapper "valgrind --tool=$tool $common ${extra[$tool]}"
	echo "== $tool: clean in $((SECONDS - start)) s"
done
