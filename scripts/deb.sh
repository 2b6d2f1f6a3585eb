#!/usr/bin/env bash
# The Debian packages, end to end: build them from a copy of the tracked
# files (dpkg-buildpackage writes into the parent directory, so never in
# the working tree), check them with lintian (no E: tag), install them,
# build a program with pkg-config against them, run an unmodified sem_t
# program under the preload library, and purge them again.
#   scripts/deb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
start=$SECONDS
# debian/control's Build-Depends (dpkg-checkbuilddeps below says if this
# list falls behind), lintian, and what the installed-package test needs.
need_packages build-essential dpkg-dev debhelper meson ninja-build cmake \
	systemtap-sdt-dev lintian pkg-config man-db
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
tmp=$(mktemp -d)
pkgs=(libfsem0 libfsem-dev libfsem-preload)
cleanup() {
	if dpkg-query -W "${pkgs[@]}" >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq \
			"${pkgs[@]}" >/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$tmp/src"
(cd "$tmp/src" && dpkg-checkbuilddeps &&
	dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1) ||
	{ tail -40 "$tmp/build.log"; fail "dpkg-buildpackage"; }
echo "ok: built $(cd "$tmp" && echo libfsem*_*.deb)"

lintian --pedantic "$tmp"/fsem_*.changes >"$tmp/lintian" 2>/dev/null || true
sed 's/^/  lintian: /' "$tmp/lintian"
if grep -q '^E:' "$tmp/lintian"; then fail "lintian reports errors"; fi
echo "ok: lintian: no errors ($(grep -c '^W:' "$tmp/lintian" || true) warnings)"

DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	"$tmp"/libfsem0_*.deb "$tmp"/libfsem-dev_*.deb \
	"$tmp"/libfsem-preload_*.deb >/dev/null

# A program against the installed -dev package: counting and bounded.
cat >"$tmp/use.c" <<'EOF'
#include <errno.h>
#include <fsem.h>
#include <pthread.h>
#include <stdio.h>

static fsem_t ready = FSEM_INITIALIZER(0);

static void *poster(void *arg)
{
	(void)arg;
	return (void *)(long)fsem_post(&ready);
}

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "use.c:%d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void)
{
	fsem_t s;
	fsem_bounded_t b;
	pthread_t t;
	void *ret;
	int v;

	CHECK(pthread_create(&t, NULL, poster, NULL) == 0);
	CHECK(fsem_wait(&ready) == 0);
	CHECK(pthread_join(t, &ret) == 0 && ret == NULL);
	CHECK(fsem_init(&s, 0, 1) == 0);
	CHECK(fsem_post(&s) == 0 && fsem_getvalue(&s, &v) == 0 && v == 2);
	CHECK(fsem_wait(&s) == 0 && fsem_trywait(&s) == 0);
	CHECK(fsem_trywait(&s) == -1 && errno == EAGAIN);
	CHECK(fsem_destroy(&s) == 0);
	CHECK(fsem_bounded_init(&b, 0, 2) == 0);
	CHECK(fsem_bounded_tryrelease(&b) == -1 && errno == EAGAIN);
	CHECK(fsem_bounded_acquire(&b) == 0 && fsem_bounded_acquire(&b) == 0);
	CHECK(fsem_bounded_tryacquire(&b) == -1 && errno == EAGAIN);
	CHECK(fsem_bounded_given_out(&b, &v) == 0 && v == 2);
	CHECK(fsem_bounded_release(&b) == 0 && fsem_bounded_release(&b) == 0);
	CHECK(fsem_bounded_getvalue(&b, &v) == 0 && v == 2);
	CHECK(fsem_bounded_destroy(&b) == 0);
	puts("fsem ok");
	return 0;
}
EOF
# shellcheck disable=SC2046
cc -Wall -Werror -o "$tmp/use" "$tmp/use.c" $(pkg-config --cflags --libs fsem)
[ "$("$tmp/use")" = "fsem ok" ] || fail "program built with pkg-config"
echo "ok: a program built with pkg-config --cflags --libs fsem ran"

# An unmodified sem_t program under the preload library: fsem's sem_t
# keeps its spin budget at byte 20, glibc's has 0 there (as in
# tests/preload/sem_prog.c), and sem_wait binds to the preload library.
cat >"$tmp/sem.c" <<'EOF'
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	union { sem_t s; unsigned char b[sizeof(sem_t)]; } u;
	unsigned int spin;

	memset(&u, 0, sizeof(u));
	if (sem_init(&u.s, 0, 0) || sem_post(&u.s) || sem_wait(&u.s) ||
	    sem_trywait(&u.s) == 0)
		return 1;
	memcpy(&spin, u.b + 20, sizeof(spin));
	puts(spin ? "fsem" : "glibc");
	return sem_destroy(&u.s);
}
EOF
cc -Wall -Werror -o "$tmp/sem" "$tmp/sem.c" -pthread
lib=$(dpkg -L libfsem-preload | grep '/libfsem-preload\.so$')
[ "$("$tmp/sem")" = glibc ] || fail "sem_t program without preload"
[ "$(LD_PRELOAD=$lib "$tmp/sem")" = fsem ] ||
	fail "sem_t program under LD_PRELOAD=$lib did not run on fsem"
LD_DEBUG=bindings LD_PRELOAD=$lib "$tmp/sem" 2>&1 >/dev/null |
	grep -q "libfsem-preload\.so.*normal symbol \`sem_wait'" ||
	fail "sem_wait did not bind to $lib"
echo "ok: an unmodified sem_t program ran on fsem under LD_PRELOAD=$lib"

dpkg -L libfsem-dev | grep -q '/man3/fsem_wait\.3\.gz$' ||
	fail "no fsem_wait(3) in libfsem-dev"
page=$(man -w fsem_wait) || fail "man fsem_wait"
[ -e "$page" ] || fail "man fsem_wait: $page is missing"
echo "ok: man fsem_wait is $(readlink -f "$page")"

dpkg -L libfsem-dev | grep -q '/cmake/fsem/fsemConfig\.cmake$' ||
	fail "no CMake package config in libfsem-dev"
echo "ok: libfsem-dev has find_package(fsem)'s files"

echo "== debian packages: built, lintian clean, installed program ran" \
	"($((SECONDS - start)) s)"
