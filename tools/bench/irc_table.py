#!/usr/bin/env python3
"""Side-by-side table of hermesd's IRC gateway against ngIRCd (compare-irc.sh).

Usage: irc_table.py RESULTS.kv

RESULTS.kv: key=value lines written by ../shared/bench/fanout --kv, with peer
"hermesd-irc" (hermesd's IRC port) and "ngircd", modes throughput (T1) and
latency (L1). Prints Markdown: medians over runs (min-max in brackets), the
ratio hermesd / ngIRCd, and the goal of issue 18 (beat ngIRCd's deliveries/s
and CPU per delivery) marked met or not.
"""
import math
import sys

from benchlib import NAN, cell, figures, load_kv, med, num, ratio, table, verdict

HERMES, NGIRCD = "hermesd-irc", "ngircd"


def complete(rows):
    if not rows:
        return "n/a"
    expected = sum(figures(r.get("expected") for r in rows))
    received = sum(figures(r.get("received") for r in rows))
    odd = sum(figures(r.get(k, 0) for r in rows for k in ("dup", "bad", "self", "disconnects", "reord")))
    text = "{:.2f} % of {} run(s)".format(100 * received / expected if expected else NAN, len(rows))
    return text + (", {:.0f} anomalies".format(odd) if odd else "")


def main():
    rows = load_kv(sys.argv[1])
    lines = [
        # label, mode, key, format, scale, better ("high" or "low")
        ("T1 deliveries/s", "throughput", "deliv_per_s", "{:,.0f}", 1, "high"),
        ("T1 server CPU-s per 1 M deliveries", "throughput", "srv_cpu_s_per_M", "{:.3f}", 1, "low"),
        ("T1 server peak RSS (MiB)", "throughput", "srv_hwm_kb", "{:.1f}", 1 / 1024, "low"),
        ("L1 latency p50 (ms)", "latency", "p50_us", "{:.2f}", 1e-3, "low"),
        ("L1 latency p99 (ms)", "latency", "p99_us", "{:.2f}", 1e-3, "low"),
        ("L1 server CPU-s per 1 M deliveries", "latency", "srv_cpu_s_per_M", "{:.3f}", 1, "low"),
        ("L1 server peak RSS (MiB)", "latency", "srv_hwm_kb", "{:.1f}", 1 / 1024, "low"),
    ]
    medians, out = {}, []
    for label, mode, key, fmt, scale, _ in lines:
        h = [num(r.get(key)) * scale for r in rows[(HERMES, mode)]]
        n = [num(r.get(key)) * scale for r in rows[(NGIRCD, mode)]]
        medians[label] = (med(h), med(n))
        out.append([label, cell(h, fmt), cell(n, fmt), ratio(med(h), med(n))])
    for mode, name in (("throughput", "T1"), ("latency", "L1")):
        out.append([name + " complete", complete(rows[(HERMES, mode)]), complete(rows[(NGIRCD, mode)]), ""])
    print(table(["scenario", "hermesd (IRC port)", "ngIRCd", "hermesd / ngIRCd"], out))
    print()
    goals = [
        ("T1 deliveries/s above ngIRCd's", "T1 deliveries/s", "{:,.0f}"),
        ("T1 CPU-s per delivery below ngIRCd's", "T1 server CPU-s per 1 M deliveries", "{:.3f}"),
        ("L1 CPU-s per delivery below ngIRCd's", "L1 server CPU-s per 1 M deliveries", "{:.3f}"),
        ("L1 p50 below ngIRCd's", "L1 latency p50 (ms)", "{:.2f}"),
        ("L1 p99 below ngIRCd's", "L1 latency p99 (ms)", "{:.2f}"),
    ]
    better = {label: b for label, _, _, _, _, b in lines}
    out = []
    for goal, label, fmt in goals:
        h, n = medians[label]
        met = None if math.isnan(h) or math.isnan(n) else (h > n if better[label] == "high" else h < n)
        out.append([goal, fmt.format(h), fmt.format(n), verdict(met)])
    print(table(["goal (issue 18)", "hermesd", "ngIRCd", "verdict"], out, ["---", "--:", "--:", "---"]))
    print()
    print("deliveries/s = unique deliveries / (last delivery - first send); CPU and RSS are the "
          "server process's, sampled from /proc/PID by fanout. IRC does not echo to the sender: "
          "S*M*(N-1) deliveries expected. L1 delivers 2,000 x 99 a second whichever server: its "
          "deliveries/s is the rate asked for, so CPU per delivery is its figure of cost.")


if __name__ == "__main__":
    main()
