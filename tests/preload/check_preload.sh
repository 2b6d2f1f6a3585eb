#!/bin/sh
# Unmodified programs run on fsem under the preload library, and behave as
# on glibc:
#   check_preload.sh SEM_PROG SEM_PROG_AHEAD SEM_OLD LIBFSEM_PRELOAD
# SEM_PROG is linked normally against glibc; SEM_PROG_AHEAD is the same
# source linked with -lfsem-preload ahead of libc; SEM_OLD references the
# pre-2.34 symbol versions.
set -eu
prog=$1 ahead=$2 old=$3 lib=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. The calls reach fsem: its sem_t layout, and every binding of sem_*.
[ "$("$prog" layout)" = glibc ] || fail "without preload the layout is not glibc's"
[ "$(LD_PRELOAD=$lib "$prog" layout)" = fsem ] || fail "under preload the layout is not fsem's"
LD_DEBUG=bindings LD_PRELOAD=$lib "$prog" transcript >/dev/null 2>"$tmp/bind"
grep "normal symbol \`sem_" "$tmp/bind" >"$tmp/sem" || fail "no sem_* binding seen"
if grep -v libfsem-preload "$tmp/sem"; then fail "sem_* bound elsewhere"; fi
n=$(sed -n "s/.*symbol \`\(sem_[a-z]*\)'.*/\1/p" "$tmp/sem" | sort -u | wc -l)
[ "$n" -eq 11 ] || fail "$n of the 11 sem_* calls bound to the preload library"
echo "ok: all 11 sem_* calls of a program linked against glibc bind to fsem"

# 2. The same results and errno values, with and without it.
"$prog" transcript >"$tmp/glibc" || fail "sem_prog failed on glibc"
LD_PRELOAD=$lib "$prog" transcript >"$tmp/fsem" || fail "sem_prog failed on fsem"
diff -u "$tmp/glibc" "$tmp/fsem" || fail "transcripts differ"
echo "ok: $(wc -l <"$tmp/fsem") results and errno values identical"

# 3. Old binaries (sem_*@GLIBC_2.2.5, sem_clockwait@GLIBC_2.30).
[ "$("$old")" = glibc ] || fail "old-version program without preload"
[ "$(LD_PRELOAD=$lib "$old")" = fsem ] || fail "old-version program not on fsem"
LD_DEBUG=bindings LD_PRELOAD=$lib "$old" >/dev/null 2>"$tmp/bind-old"
grep -q "libfsem-preload.so.*sem_wait' \[GLIBC_2.2.5\]" "$tmp/bind-old" ||
	fail "sem_wait@GLIBC_2.2.5 did not bind to the preload library"
echo "ok: a pre-2.34 binary binds to fsem too"

# 4. Linked ahead of libc instead of preloaded.
[ "$("$ahead" layout)" = fsem ] || fail "-lfsem-preload program not on fsem"
"$ahead" transcript >"$tmp/ahead" || fail "-lfsem-preload program failed"
diff -u "$tmp/glibc" "$tmp/ahead" || fail "-lfsem-preload transcript differs"
echo "ok: linked with -lfsem-preload ahead of libc, the same"
