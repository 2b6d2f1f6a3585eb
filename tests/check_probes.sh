#!/bin/sh
# The library carries the USDT probes of src/probe.h: a stapsdt ELF note
# with provider fsem for each name below.
#   check_probes.sh true|false READELF LIB
# Exit 77 (skipped) only when the build has probes disabled.
set -eu
enabled=$1 readelf=$2 lib=$3
if [ "$enabled" != true ]; then
	echo "probes are disabled in this build (-Dprobes, <sys/sdt.h>)"
	exit 77
fi
notes=$("$readelf" -n "$lib" | awk '
	/Provider:/ { provider = $2 }
	/Name:/ && provider != "" { print provider ":" $2; provider = "" }')
status=0
for name in block wake wake_all spin_won spin_lost timeout interrupted starve yield \
	shutdown; do
	n=$(printf '%s\n' "$notes" | grep -c "^fsem:$name\$" || true)
	if [ "$n" -eq 0 ]; then
		echo "missing: probe fsem:$name in $lib"
		status=1
	else
		echo "ok: fsem:$name ($n sites)"
	fi
done
exit $status
