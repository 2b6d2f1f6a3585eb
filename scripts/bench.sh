#!/usr/bin/env bash
# Build fsem-bench and run the comparison: fsem against glibc sem_t, musl's
# sem_t (through the helper fsem-bench-musl) and the pthread semaphores, all
# workloads, ratios against glibc in one run.
# Installs what it needs first. Arguments go to fsem-bench (see --help):
#   scripts/bench.sh                      the default comparison (< 3 min)
#   scripts/bench.sh -w pingpong -r 9     one workload, more repetitions
#   scripts/bench.sh -f json > run.json   for scripts/plot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc g++ meson ninja-build pkg-config liburcu-dev \
	libconcurrentqueue-dev musl-tools musl-dev
setup_build build-bench -Dbench=enabled -Dtests=disabled -Dexamples=false \
	-Dbuildtype=release
ninja -C build-bench bench/fsem-bench bench/fsem-bench-musl >/dev/null
exec ./build-bench/bench/fsem-bench "$@"
