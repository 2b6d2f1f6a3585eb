#!/bin/sh
# Each manual page renders with groff and gives no warning at all:
#   check_man.sh GROFF PAGE...
set -eu
groff=$1
shift
for page; do
	out=$("$groff" -man -Tutf8 -ww -z "$page" 2>&1) || { echo "$out"; exit 1; }
	[ -z "$out" ] || { echo "$page: $out"; exit 1; }
	echo "ok: $page"
done
