#!/usr/bin/env bash
# Render an fsem-bench JSON run into a chart with gnuplot (SVG, or PNG if
# the name ends in .png). Installs gnuplot and python3 if missing.
#   scripts/bench.sh -f json > run.json && scripts/plot.sh run.json chart.svg
set -euo pipefail
here=$(dirname "$0")
. "$here/deps.sh"
need_packages gnuplot-nox python3
exec python3 "$here/plot.py" "$@"
