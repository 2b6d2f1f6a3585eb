#!/usr/bin/env bash
# fsem as its users take it, each way proven by building and running a
# small program: (1) a CMake project with find_package(fsem) against a
# meson install; (2) a meson project with fsem as a subproject, which must
# build the library, the preload library and fsem_dep and nothing else,
# unless the parent asks for more.
#   scripts/consumers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc meson ninja-build pkg-config cmake
src=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The program both consumers build: one permit of each type moves.
cat > "$tmp/app.c" <<'EOF'
#include <fsem.h>
#include <stdio.h>

int main(void)
{
	fsem_t s = FSEM_INITIALIZER(0);
	fsem_bounded_t b;
	int v = -1, g = -1;

	if (fsem_post(&s) || fsem_wait(&s) || fsem_getvalue(&s, &v) || v != 0)
		return 1;
	if (fsem_bounded_init(&b, 0, 2) || fsem_bounded_acquire(&b) ||
	    fsem_bounded_given_out(&b, &g) || g != 1 ||
	    fsem_bounded_release(&b) || fsem_bounded_destroy(&b))
		return 2;
	puts("fsem: ok");
	return 0;
}
EOF

echo "== CMake: find_package(fsem) against a meson install"
meson setup "$tmp/build" --prefix="$tmp/prefix" -Dtests=disabled \
	-Dbench=disabled -Dexamples=false >/dev/null
meson install -C "$tmp/build" >/dev/null
mkdir "$tmp/cmake"
cp "$tmp/app.c" "$tmp/cmake/"
cat > "$tmp/cmake/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(app C)
find_package(fsem 0.3 REQUIRED)
add_executable(app app.c)
target_link_libraries(app PRIVATE fsem::fsem)
EOF
for kind in shared static; do
	b=$tmp/cmake-$kind
	opt=()
	[ $kind = static ] && opt=(-Dfsem_USE_STATIC_LIBS=TRUE)
	cmake -S "$tmp/cmake" -B "$b" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
		"${opt[@]}" >/dev/null
	cmake --build "$b" --target app >/dev/null
	if [ $kind = shared ]; then
		ldd "$b/app" | grep -q "$tmp/prefix/.*libfsem.so" ||
			{ echo "app does not load the installed libfsem.so"; exit 1; }
	else
		! ldd "$b/app" | grep -q libfsem ||
			{ echo "the static build loads libfsem.so"; exit 1; }
	fi
	[ "$("$b/app")" = "fsem: ok" ]
	echo "  $kind: built and ran"
done

echo "== meson subproject: dependency('fsem', fallback: ['fsem', 'fsem_dep'])"
parent=$tmp/parent
mkdir -p "$parent/subprojects/fsem"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$parent/subprojects/fsem"
cp "$tmp/app.c" "$parent/"
cat > "$parent/meson.build" <<'EOF'
project('parent', 'c')
fsem_dep = dependency('fsem', fallback: ['fsem', 'fsem_dep'])
executable('app', 'app.c', dependencies: fsem_dep)
EOF
# targets of the parent's build, one "name type" per line, sorted
targets() {
	meson introspect --targets "$1" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    print(t["name"], t["type"])' | sort
}
meson setup "$parent/build" "$parent" --force-fallback-for=fsem >"$tmp/setup.log" ||
	{ cat "$tmp/setup.log"; exit 1; }
want=$(printf '%s\n' "app executable" "fsem shared library" \
	"fsem static library" "fsem-preload shared library" | sort)
have=$(targets "$parent/build")
if [ "$have" != "$want" ]; then
	echo "a subproject build makes more than the library:"
	echo "$have"
	exit 1
fi
steps=$(ninja -C "$parent/build" -t commands | wc -l)
ninja -C "$parent/build" >/dev/null
[ "$("$parent/build/app")" = "fsem: ok" ]
echo "  default: $(echo "$have" | wc -l) targets ($steps build steps): app and" \
	"the library, static and shared, and the preload library; app ran"
# The parent asks for more by name.
meson setup "$parent/more" "$parent" --force-fallback-for=fsem \
	-Dfsem:examples=true >"$tmp/setup.log" || { cat "$tmp/setup.log"; exit 1; }
targets "$parent/more" | grep -q '^work_queue executable$' ||
	{ echo "-Dfsem:examples=true did not build the examples"; exit 1; }
echo "  -Dfsem:examples=true: the examples are built too"
echo "== consumers: CMake and meson subproject ok"
