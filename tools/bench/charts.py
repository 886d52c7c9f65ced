#!/usr/bin/env python3
"""Draws compare-peers.sh's results as SVG charts with gnuplot.

Usage: charts.py SUMMARY.json OUT_DIR [TITLE]

SUMMARY.json is what compare_table.py --summary wrote (medians by server, and
the room-size sweep). Writes into OUT_DIR:

- peers-throughput.svg: T1 deliveries/s and server CPU-s per 1 M deliveries;
- peers-latency.svg: L1 latency p50, p99 and p99.9 by server (log scale);
- peers-rooms.svg: I1 join time and server memory per client against room
  size, one line per server. A size where a server did not join every client
  within the deadline is an open marker at the time it gave up; a size not
  run (and why) is listed under the chart, never left out silently.

The data files and the gnuplot script stay next to the charts (*.dat,
charts.gp), so a chart can be redrawn or checked by hand. Needs gnuplot
(Debian's gnuplot-nox; tools/install-deps.sh installs it).
"""
import json
import math
import os
import subprocess
import sys

# One colour per server, the same in every chart; hermesd first.
COLOURS = {"hermesd": "#1f77b4", "redis": "#d62728", "nats": "#2ca02c", "ngircd": "#9467bd"}
OTHER_COLOURS = ["#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"]
NAMES = {"hermesd": "hermesd", "redis": "redis-server", "nats": "nats-server", "ngircd": "ngIRCd"}


def finite(value):
    return isinstance(value, (int, float)) and not math.isnan(value)


def fmt(value):
    return repr(float(value)) if finite(value) else "NaN"


def colour(server, servers):
    if server in COLOURS:
        return COLOURS[server]
    others = [s for s in servers if s not in COLOURS]
    return OTHER_COLOURS[others.index(server) % len(OTHER_COLOURS)]


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    with open(sys.argv[1]) as fh:
        summary = json.load(fh)
    out = sys.argv[2]
    title = sys.argv[3] if len(sys.argv) == 4 else ""
    os.makedirs(out, exist_ok=True)
    bars = summary["bars"]
    servers = [s for s in summary["servers"] if s in bars]
    sweep = summary.get("sweep", {})
    sweep_servers = [s for s in summary["servers"] if s in sweep] + sorted(set(sweep) - set(summary["servers"]))

    with open(os.path.join(out, "peers-bars.dat"), "w") as fh:
        fh.write("# server deliveries_per_s_M cpu_s_per_M p50_ms p99_ms p999_ms\n")
        for s in servers:
            b = bars[s]
            fh.write("{} {} {} {} {} {}\n".format(
                quote(NAMES.get(s, s)), fmt(b["dps"] / 1e6 if finite(b["dps"]) else b["dps"]), fmt(b["cpu"]),
                fmt(b["p50"]), fmt(b["p99"]), fmt(b["p999"])))
    notes = []
    for s in sweep_servers:
        with open(os.path.join(out, "peers-sweep-{}.dat".format(s)), "w") as fh:
            fh.write("# clients join_s kib_per_client status(0 all joined, 1 not all within the deadline)\n")
            for p in sweep[s]:
                if p["status"] == "not-run":
                    notes.append("{} at {:,}: not run, {}".format(NAMES.get(s, s), p["clients"], p["reason"]))
                    continue
                fh.write("{} {} {} {}\n".format(p["clients"], fmt(p["join_s"]), fmt(p["kib"]),
                                                0 if p["status"] == "ok" else 1))
                if p["status"] != "ok":
                    notes.append("{} at {:,}: {}".format(NAMES.get(s, s), p["clients"], p["reason"]))

    colours = ["set linetype {} lc rgb '{}'".format(i + 1, colour(s, servers + sweep_servers))
               for i, s in enumerate(servers)]
    gp = [
        "# Written by tools/bench/charts.py: gnuplot charts.gp (in this folder) redraws them.",
        "set terminal svg size 900,380 dynamic enhanced font 'sans,11' background rgb 'white'",
        "set datafile missing 'NaN'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set boxwidth 0.8",
        "set grid ytics lc rgb '#dddddd'",
        "set key noautotitle",
        "set xtics nomirror scale 0",
        "set ytics nomirror",
        "set border 3",
    ]
    gp += colours
    # A chart with no figure at all (say, a sweep-only run: RUNS=0) is left
    # out, with a line saying so; gnuplot refuses an empty plot.
    drawn = []
    if any(finite(bars[s][f]) for s in servers for f in ("dps", "cpu")):
        drawn.append("peers-throughput.svg")
        # T1: two panels, higher is better on the left, lower on the right; one
        # colour per server (a boxes plot: histograms colour by column, not row).
        gp += [
            "set output 'peers-throughput.svg'",
            "set multiplot layout 1,2 title {}".format(quote("T1: 100 members, 100 senders x M messages of 64 B"
                                                             + (" - " + title if title else ""))),
            "set xrange [-0.6:{}]".format(len(servers) - 0.4),
            "set yrange [0:*]",
            "set title 'deliveries/s (millions), higher is better'",
            "plot 'peers-bars.dat' using 0:2:($0+1):xtic(1) with boxes lc variable",
            "set title 'server CPU-s per 1 M deliveries, lower is better'",
            "plot 'peers-bars.dat' using 0:3:($0+1):xtic(1) with boxes lc variable",
            "unset multiplot",
            "set xrange [*:*]",
        ]
    if any(finite(bars[s][f]) for s in servers for f in ("p50", "p99", "p999")):
        drawn.append("peers-latency.svg")
        # L1: clustered p50/p99/p99.9 per server, log scale (they span 0.1-10 ms).
        gp += [
            "set output 'peers-latency.svg'",
            "set terminal svg size 900,380 dynamic enhanced font 'sans,11' background rgb 'white'",
            "set title {}".format(quote("L1 latency by server: 100 members, 2,000 messages/s for 10 s (ms, log scale)"
                                        + (" - " + title if title else ""))),
            "set logscale y",
            "set yrange [*:*]",
            "set key top left",
            "set style data histograms",
            "set style histogram clustered gap 1",
            "plot 'peers-bars.dat' using 4:xtic(1) title 'p50' lc rgb '#9ecae1', "
            "'' using 5 title 'p99' lc rgb '#3182bd', '' using 6 title 'p99.9' lc rgb '#08519c'",
            "unset logscale y",
        ]
    if any(p["status"] != "not-run" for s in sweep_servers for p in sweep[s]):
        drawn.append("peers-rooms.svg")
        # I1 against room size: join time and memory, one line per server.
        size_tics = sorted({p["clients"] for s in sweep_servers for p in sweep[s]})
        tics = ", ".join("'{}' {}".format("{:g}k".format(c / 1000), c) for c in size_tics)
        gp += [
            "set terminal svg size 1000,{} dynamic enhanced font 'sans,11' background rgb 'white'".format(
                480 + 16 * len(notes)),
            "set output 'peers-rooms.svg'",
            "set key inside top left horizontal maxcols 3 noautotitle samplen 2 font 'sans,10'",
            "set style data linespoints",
            "set xtics ({})".format(tics) if tics else "set xtics auto",
            "set xrange [0:{}]".format(int(max(size_tics) * 1.05) if size_tics else 16000),
            "set logscale y",
            "set bmargin {}".format(3 + len(notes)),
            "set multiplot layout 1,2 title {}".format(quote("I1: clients connect, handshake and join one room"
                                                             + (" - " + title if title else ""))),
        ]

        def lines(column, goal, goal_title):
            parts = []
            for s in sweep_servers:
                name = NAMES.get(s, s)
                c = colour(s, servers + sweep_servers)
                data = "'peers-sweep-{}.dat'".format(s)
                parts.append("{} using 1:($4==0?${}:NaN) with linespoints lw 2 pt 7 lc rgb '{}' title {}".format(
                    data, column, c, quote(name)))
                parts.append("{} using 1:($4==1?${}:NaN) with points pt 6 ps 1.6 lc rgb '{}' notitle".format(
                    data, column, c))
            parts.append("{} with lines dt 2 lc rgb 'black' title {}".format(goal, quote(goal_title)))
            return "plot " + ", \\\n  ".join(parts)

        deadline = summary.get("join_deadline")
        gp += [
            "set title 'seconds until all joined, by clients in the room (log scale)'",
            "set yrange [0.05:1000]",
            lines(2, summary["join_goal_s"], "goal: 15k within {:g} s".format(summary["join_goal_s"])),
            "set title 'server KiB per connected client, by clients in the room (log scale)'",
            "set yrange [0.5:500]",
            lines(3, summary["kib_goal"], "goal: {:g} KiB".format(summary["kib_goal"])),
            "unset multiplot",
        ]
        # The footnote: what the lines leave out, and why.
        foot = ["open marker: not every client joined within the deadline" +
                (" ({:g} s a run)".format(deadline) if finite(deadline) else "")] + notes
        foot = [f for f in foot if f]
        if foot:
            idx = gp.index("set output 'peers-rooms.svg'") + 1
            for i, text in enumerate(foot):
                gp.insert(idx + i, "set label {} {} at screen 0.01, screen {:.3f} font 'sans,10'".format(
                    i + 1, quote(text), (len(foot) - i) * 14 / (480 + 16 * len(notes))))
    with open(os.path.join(out, "charts.gp"), "w") as fh:
        fh.write("\n".join(gp) + "\n")
    # A server with no point of one kind (say, none incomplete) makes gnuplot
    # warn of an empty data set: expected, so not passed on.
    done = subprocess.run(["gnuplot", "charts.gp"], cwd=out, capture_output=True, text=True)
    for line in done.stderr.splitlines():
        if "no valid points" not in line:
            print(line, file=sys.stderr)
    if done.returncode != 0:
        sys.exit("gnuplot failed on {}".format(os.path.join(out, "charts.gp")))
    for name in ("peers-throughput.svg", "peers-latency.svg", "peers-rooms.svg"):
        if name in drawn:
            print(os.path.join(out, name))
        else:
            print("{}: not drawn, no figures for it".format(name), file=sys.stderr)


if __name__ == "__main__":
    main()
