#!/usr/bin/env bash
# Build fsem and run its examples: both semaphores at work, including the
# two scenarios of the reference texts. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc meson ninja-build pkg-config
setup_build build-demo -Dtests=disabled
ninja -C build-demo >/dev/null
for ex in missed_signal count_semaphore work_queue; do
	echo "== $ex"
	./build-demo/examples/$ex
done
