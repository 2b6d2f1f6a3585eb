#!/usr/bin/env bash
# What LD_PRELOAD=libfsem-preload.so costs: uncontended sem_wait+sem_post
# pairs of a plain <semaphore.h> program on glibc and on the preload
# library, against the same loop calling fsem directly. Time: medians of
# interleaved repetitions (one process each); instructions: callgrind.
#   scripts/preload-cost.sh [REPS] [PAIRS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc meson ninja-build pkg-config valgrind
setup_build build-bench -Dbench=auto -Dtests=disabled -Dexamples=false \
	-Dbuildtype=release
ninja -C build-bench bench/preload_cost bench/preload_cost_fsem \
	src/libfsem-preload.so >/dev/null
b=build-bench
lib=$PWD/$b/src/libfsem-preload.so
reps=${1:-9} pairs=${2:-20000000}
declare -A t
for ((i = 0; i < reps; i++)); do
	t[glibc]+="$($b/bench/preload_cost "$pairs") "
	t[preload]+="$(LD_PRELOAD=$lib $b/bench/preload_cost "$pairs") "
	t[direct]+="$($b/bench/preload_cost_fsem "$pairs") "
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 }
	END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { tr ' ' '\n' | grep . | sort -g | sed -n '1p;$p' | paste -sd- -; }
echo "== ns per uncontended pair, median [min-max] of $reps interleaved runs"
for k in glibc preload direct; do
	printf '  %-8s %s [%s]\n' "$k" "$(echo "${t[$k]}" | median)" \
		"$(echo "${t[$k]}" | range)"
done
p=$(echo "${t[preload]}" | median) d=$(echo "${t[direct]}" | median)
g=$(echo "${t[glibc]}" | median)
awk -v p="$p" -v d="$d" -v g="$g" 'BEGIN {
	printf "  preload / direct fsem: %.2f   preload / glibc: %.2f\n",
		p / d, p / g }'
echo "== instructions per pair (callgrind, 1e6 pairs, loop included)"
for k in glibc preload direct; do
	out=$(mktemp)
	pre= exe=$b/bench/preload_cost
	[ $k = preload ] && pre=$lib
	[ $k = direct ] && exe=$b/bench/preload_cost_fsem
	LD_PRELOAD=$pre valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=pairs "$exe" 1000000 >/dev/null 2>&1
	awk -v k="$k" '/^summary:/ { printf "  %-8s %.2f\n", k, $2 / 1100000 }' "$out"
	rm -f "$out"
done
