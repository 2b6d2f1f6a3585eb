#!/usr/bin/env bash
# Build fsem and run its whole test suite (the library's and the bench
# harness's), installing what it needs first.
#   scripts/test.sh                     plain build in ./build
#   BUILDDIR=b scripts/test.sh -Db_sanitize=thread   other dir, meson options
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc g++ meson ninja-build pkg-config libcmocka-dev binutils \
	liburcu-dev libconcurrentqueue-dev stress-ng groff-base musl-tools \
	musl-dev systemtap-sdt-dev
dir=${BUILDDIR:-build}
setup_build "$dir" -Dtests=enabled -Dbench=enabled "$@"
ninja -C "$dir"
meson test -C "$dir" --print-errorlogs
