#!/usr/bin/env bash
# The uncontended fast path: instructions per wait+post pair by callgrind
# (exact, repeatable), futex system calls by strace (must be none), and time
# side by side with glibc and the two-lock-xadd floor.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc meson ninja-build pkg-config valgrind strace
setup_build build-bench -Dtests=disabled
ninja -C build-bench bench/fastpath >/dev/null
exe=build-bench/bench/fastpath
pairs=1000000
echo "== instructions per pair (callgrind, $pairs pairs, loop included)"
for k in empty floor fsem glibc; do
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect="cg_$k*" "$exe" "$k" "$pairs" 2>/dev/null
	ir=$(awk '/^summary:/ { print $2 }' "$out")
	rm -f "$out"
	awk -v k="$k" -v ir="$ir" -v n="$pairs" \
		'BEGIN { printf "  %-6s %6.2f\n", k, ir / n }'
done
echo "== futex system calls (strace -f -c): the whole process, 0 pairs and $pairs"
for n in 0 "$pairs"; do
	calls=$(strace -f -c -e trace=futex "$exe" fsem "$n" 2>&1 >/dev/null |
		awk '$NF == "futex" { print $(NF-1) == "" ? 0 : $4 }')
	echo "  $n pairs: ${calls:-0} futex calls (pthread_join's own)"
done
echo "== time"
"$exe" time "${1:-20000000}" "${2:-7}"
