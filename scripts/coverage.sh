#!/usr/bin/env bash
# Line and branch coverage of src/ by the whole test suite (gcovr), with
# the lines never run listed. Installs what it needs first.
#   scripts/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
need_packages gcc g++ meson ninja-build pkg-config libcmocka-dev binutils \
	liburcu-dev libconcurrentqueue-dev stress-ng groff-base gcovr python3
dir=build-coverage
setup_build "$dir" -Db_coverage=true -Dtests=enabled -Dbench=enabled \
	-Dbuildtype=debug
ninja -C "$dir" >/dev/null
meson test -C "$dir" --print-errorlogs >/dev/null
# The library only: the seam copy (tests) and the preload copy count too,
# since the same source lines run through them.
gcovr --root . --filter 'src/' --object-directory "$dir" --txt \
	--exclude-unreachable-branches --exclude-throw-branches
gcovr --root . --filter 'src/' --object-directory "$dir" --txt \
	--branches --exclude-unreachable-branches --exclude-throw-branches
echo "== lines never run, with their source"
gcovr --root . --filter 'src/' --object-directory "$dir" --json \
	--exclude-unreachable-branches --exclude-throw-branches |
	python3 -c '
import json, sys
for f in json.load(sys.stdin)["files"]:
    src = open(f["file"]).read().split("\n")
    for l in f["lines"]:
        if l["count"] == 0 and not l.get("gcovr/noncode"):
            n = l["line_number"]
            print("%s:%d: %s" % (f["file"], n, src[n - 1].strip()))
'
