#!/bin/sh
# Exactly the symbols listed in src/fsem.map are exported by libfsem.so:
# nothing internal leaks, nothing public is missing.
set -eu
lib=$1 map=$2
want=$(sed -n 's/^[[:space:]]*\(fsem_[a-z_]*\);$/\1/p' "$map" | sort)
have=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ { sub(/@.*/, "", $3); print $3 }' | sort)
if [ "$want" != "$have" ]; then
	echo "exported symbols differ from $map:"
	diff -u /dev/fd/3 /dev/fd/4 3<<EOF3 4<<EOF4 || true
$want
EOF3
$have
EOF4
	exit 1
fi
echo "$(echo "$have" | wc -l) symbols exported, all listed in the map"
