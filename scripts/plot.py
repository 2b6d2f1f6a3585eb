#!/usr/bin/env python3
"""Render an fsem-bench JSON run into one chart (SVG or PNG, by suffix).

Panels: work queue and pool throughput against thread count, pool acquire
p99 latency against thread count, ping-pong p50 round trip per placement,
idle workers' wake latency p50 against the mean gap between requests (the
smallest worker count of the run), and the bounded workload's throughput;
one line (or bar) per implementation, medians with the min-max range as
error bars.

    scripts/plot.py run.json chart.svg
"""
import json
import os
import subprocess
import sys
import tempfile


def series(results, workload, metric):
    """{impl: [(x, median, min, max), ...]} sorted by x."""
    out = {}
    for r in results:
        if r["workload"] == workload and r["metric"] == metric \
                and r["median"] is not None:
            out.setdefault(r["impl"], []).append(
                (r["x"], r["median"], r["min"], r["max"]))
    return {k: sorted(v) for k, v in out.items()}


def pingpong(results):
    """{impl: {placement: median}} for the p50 round trip."""
    out = {}
    for r in results:
        if r["workload"] == "pingpong" and r["metric"] == "p50" \
                and r["median"] is not None:
            out.setdefault(r["impl"], {})[r["config"]] = r["median"]
    return out


def idle(results, metric):
    """{impl: [(gap_us, median, min, max), ...]} for the fewest workers."""
    rows = [r for r in results if r["workload"] == "idle"
            and r["metric"] == metric and r["median"] is not None]
    if not rows:
        return {}
    fewest = min(r["x"] for r in rows)
    out = {}
    for r in rows:
        if r["x"] == fewest:
            gap = float(r["config"].split("gap=")[1].split("us")[0])
            out.setdefault(r["impl"], []).append(
                (gap, r["median"], r["min"], r["max"]))
    return {k: sorted(v) for k, v in out.items()}


def bounded(results):
    """[(impl, median, min, max)] of the bounded workload's throughput."""
    return [(r["impl"], r["median"], r["min"], r["max"]) for r in results
            if r["workload"] == "bounded" and r["metric"] == "throughput"
            and r["median"] is not None]


def line_panel(script, tmp, title, ylabel, data, logy=False,
               xlabel="threads"):
    if not data:
        return False
    script.append(f'set title "{title}"')
    script.append(f'set xlabel "{xlabel}"')
    script.append(f'set ylabel "{ylabel}"')
    script.append("set logscale x 2")
    script.append("set logscale y" if logy else "unset logscale y")
    plots = []
    for impl, pts in data.items():
        path = os.path.join(tmp, f"{title}-{impl}.dat".replace(" ", "_"))
        with open(path, "w") as f:
            for x, med, lo, hi in pts:
                f.write(f"{x} {med} {lo} {hi}\n")
        plots.append(f'"{path}" using 1:2:3:4 with yerrorlines '
                     f'title "{impl}"')
    script.append("plot " + ", ".join(plots))
    script.append("unset logscale x")
    return True


def bar_panel(script, tmp, data):
    if not data:
        return False
    places = ["2cpu", "1cpu", "unpinned"]
    impls = list(data)
    path = os.path.join(tmp, "pingpong.dat")
    with open(path, "w") as f:
        for p in places:
            vals = [str(data[i].get(p, "NaN")) for i in impls]
            f.write(p + " " + " ".join(vals) + "\n")
    script.append('set title "ping-pong round trip, p50 (log scale)"')
    script.append('set xlabel "placement"')
    script.append('set ylabel "ns"')
    script.append("set logscale y")
    script.append("set xrange [-0.6:2.6]")
    script.append("set style data histograms")
    script.append("set style fill solid 0.8 border -1")
    cols = ", ".join(f'"{path}" using {i + 2}:xtic(1) title "{impl}"'
                     for i, impl in enumerate(impls))
    script.append("plot " + cols)
    script.append("set style data points")
    script.append("set autoscale x")
    return True


def bounded_panel(script, tmp, data):
    if not data:
        return False
    path = os.path.join(tmp, "bounded.dat")
    with open(path, "w") as f:
        for i, (impl, med, lo, hi) in enumerate(data):
            f.write(f"{i} {med} {lo} {hi} {impl}\n")
    script.append('set title "bounded semaphore, acquirers + releasers"')
    script.append('set xlabel ""')
    script.append('set ylabel "M ops/s"')
    script.append("unset logscale y")
    script.append(f"set xrange [-0.6:{len(data) - 0.4}]")
    script.append("set style fill solid 0.8 border -1")
    script.append("set boxwidth 0.7")
    script.append("set xtics rotate by -25")
    script.append(f'plot "{path}" using 1:2:xtic(5) with boxes notitle, '
                  f'"{path}" using 1:2:3:4 with yerrorbars notitle')
    script.append("set autoscale x")
    script.append("set xtics norotate")
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        run = json.load(f)
    res = run["results"]
    out = sys.argv[2]
    term = "pngcairo size 1400,1500" if out.endswith(".png") \
        else "svg size 1400,1500 dynamic"
    with tempfile.TemporaryDirectory() as tmp:
        info = run.get("run", {})
        script = [f"set terminal {term}", f'set output "{out}"',
                  "set key top left", "set grid",
                  'set multiplot layout 3,2 title "fsem-bench: '
                  f'{info.get("cpu", "")}, {info.get("kernel", "")}"']
        panels = 0
        panels += line_panel(script, tmp, "work queue throughput",
                             "M transfers/s",
                             series(res, "workqueue", "throughput"))
        panels += line_panel(script, tmp, "pool throughput", "M ops/s",
                             series(res, "pool", "throughput"))
        panels += line_panel(script, tmp, "pool acquire latency p99",
                             "us", series(res, "pool", "acquire-p99"),
                             logy=True)
        panels += bar_panel(script, tmp, pingpong(res))
        panels += line_panel(script, tmp, "idle workers: wake latency p50",
                             "us", idle(res, "latency-p50"), logy=True,
                             xlabel="mean gap between requests, us")
        panels += bounded_panel(script, tmp, bounded(res))
        script.append("unset multiplot")
        if not panels:
            sys.exit("plot.py: no workqueue, pool or pingpong results in "
                     + sys.argv[1])
        subprocess.run(["gnuplot"], input="\n".join(script) + "\n",
                       text=True, check=True)
    print(f"wrote {out} ({panels} panels)")


if __name__ == "__main__":
    main()
