#!/bin/sh
# stress-ng's POSIX semaphore stressor (threads hammering one sem_t with
# sem_getvalue, sem_trywait, sem_timedwait and sem_post; any unexpected
# errno fails it) passes under the preload library, at several instance
# and thread counts:   stress_ng.sh LIBFSEM_PRELOAD
set -eu
lib=$1
command -v stress-ng >/dev/null || { echo "stress-ng not installed"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for cfg in "1 2" "2 4" "4 16"; do
	set -- $cfg
	LD_PRELOAD=$lib stress-ng --sem "$1" --sem-procs "$2" -t 3s \
		--metrics-brief >"$out" 2>&1 || { cat "$out"; exit 1; }
	grep -q "successful run completed" "$out" || { cat "$out"; exit 1; }
	echo "ok: --sem $1 --sem-procs $2: $(awk '$4 == "sem" { print $5 }' "$out") bogo ops"
done
# It really ran on fsem: its sem_post binds to the preload library.
LD_DEBUG=bindings LD_PRELOAD=$lib stress-ng --sem 1 --sem-procs 2 -t 1s \
	>/dev/null 2>"$out" || exit 1
grep -q "libfsem-preload.so.*normal symbol \`sem_post'" "$out" ||
	{ echo "stress-ng's sem_post did not bind to fsem"; exit 1; }
echo "ok: stress-ng's sem_* bind to fsem"
