#!/usr/bin/env bash
# The uncontended fast path, the stable way: instructions per wait+post pair
# by callgrind (exact and repeatable; this VM has no hardware counters) for
# every implementation, and the futex system calls of a loop by strace
# (fsem must make none); then the same count for a sleep+wake hand-off.
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
# The slow path: a waiter asleep at each post (fsem-bench --callgrind-wake).
# Whole-process counts for two numbers of hand-offs; their difference is
# the hand-offs alone (with the poster's 100 us nanosleep, the same for
# all). fsem and fsem-fifo spin briefly now and then before sleeping, so
# their counts vary by a few instructions between runs.
lo=200 hi=1200
echo "== instructions per sleep+wake hand-off (callgrind, whole process," \
	"$hi - $lo hand-offs, the poster's nanosleep included)"
for k in fsem fsem-nospin fsem-fifo glibc condvar std-sem; do
	ir=()
	for n in $lo $hi; do
		out=$(mktemp)
		valgrind --tool=callgrind --callgrind-out-file="$out" "$exe" \
			--callgrind-wake "$k" --pairs "$n" >/dev/null 2>&1
		ir+=("$(awk '/^summary:/ { print $2 }' "$out")")
		rm -f "$out"
	done
	printf '  %-13s %8d\n' "$k" $(((ir[1] - ir[0]) / (hi - lo)))
done
calls=$(strace -f -c -e trace=futex "$exe" --callgrind-wake fsem-nospin \
	--pairs "$hi" 2>&1 >/dev/null | awk '$NF == "futex" { print $4 }')
echo "  (fsem-nospin, $hi hand-offs: ${calls:-0} futex calls, two per" \
	"hand-off if every post found the waiter asleep)"
