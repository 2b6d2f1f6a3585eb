#!/bin/sh
# Including <fsem.h> in a 32-bit build stops with the message that says
# why (fsem is for 64-bit Linux only), not somewhere deeper:
#   check_32bit.sh HEADER CC [CC ARGS...]
# Skipped (77) when the compiler has no -m32 at all.
set -eu
header=$1
shift
out=$("$@" -m32 -fsyntax-only -x c "$header" 2>&1) && {
	echo "a 32-bit compile of $header succeeded"
	exit 1
}
case $out in
*"fsem is for 64-bit Linux only"*) echo "ok: $(echo "$out" | grep -m1 'error')" ;;
*"unrecognized"*"-m32"*|*"unsupported"*"-m32"*) echo "no -m32: $out"; exit 77 ;;
*) echo "$out"; exit 1 ;;
esac
