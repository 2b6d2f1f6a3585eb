#!/usr/bin/env bash
# The uncontended fast path, the stable way: instructions per wait+post pair
# by callgrind (exact and repeatable; this VM has no hardware counters) for
# every implementation, and the futex system calls of a loop by strace
# (fsem must make none).
#   scripts/fastpath.sh [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc g++ meson ninja-build pkg-config liburcu-dev \
	libconcurrentqueue-dev valgrind strace systemtap-sdt-dev
setup_build build-bench -Dbench=enabled -Dtests=disabled -Dexamples=false \
	-Dbuildtype=release
ninja -C build-bench bench/fsem-bench >/dev/null
exe=build-bench/bench/fsem-bench
pairs=${1:-1000000}
echo "== instructions per wait+post pair (callgrind, $pairs pairs, loop included)"
for k in 2xadd fsem fsem-fifo fsem-cpp glibc condvar std-sem fsem-bounded \
	fsem-bounded-fifo sem-pair countsem; do
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=pairs "$exe" --callgrind "$k" \
		--pairs "$pairs" >/dev/null 2>&1
	ir=$(awk -v n="$pairs" '/^summary:/ { printf "%.2f", $2 / n }' "$out")
	rm -f "$out"
	printf '  %-13s %8s\n' "$k" "$ir"
done
echo "== futex system calls of the whole process (strace -f -c)"
for n in 1 "$pairs"; do
	calls=$(strace -f -c -e trace=futex "$exe" --callgrind fsem \
		--pairs "$n" 2>&1 >/dev/null |
		awk '$NF == "futex" { print $4 }')
	echo "  fsem, $n pairs: ${calls:-0} futex calls"
done
echo "(the same count for 1 and $pairs pairs: the loop makes none; any" \
	"calls are thread start-up's)"
