#!/usr/bin/env python3
"""hermesd with and without durable history side by side (compare-persistence.sh).

Usage: persistence_table.py RUNS.jsonl

RUNS.jsonl: hermes-bench --json lines tagged with "persist" (true or false)
and "label" (T1, L1). Prints Markdown: medians (min-max), the ratio true /
false, each scenario's runs complete and in order, and the goal of the
goals of issue 21 (persistence cuts T1 deliveries/s by at most 5 %; L1 p99
with persistence at most 1.5x without) marked met or not.
"""
import sys

from benchlib import cell, figures, get, load_jsonl, med, ratio, table, verdict

TABLE = [
    ("T1 deliveries/s", "T1", "deliveries_per_s", "{:,.0f}"),
    ("T1 hub CPU-s per 1 M deliveries", "T1", "hub_cpu_s_per_million", "{:.3f}"),
    ("T1 wall s", "T1", "wall_s", "{:.3f}"),
    ("T1 bench CPU-s", "T1", "bench_cpu_s", "{:.3f}"),
    # The hub's threads by name (hermes-bench's hub_thread_cpu_s): where
    # durable history's CPU goes.
    ("T1 hub event-loop thread CPU-s", "T1", "hub_thread_cpu_s.event-loop", "{:.3f}"),
    ("T1 hub hist-writer thread CPU-s", "T1", "hub_thread_cpu_s.hist-writer", "{:.3f}"),
    ("T1 hub hist-checkpoint thread CPU-s", "T1", "hub_thread_cpu_s.hist-checkpoint", "{:.3f}"),
    ("L1 latency p50 (ms)", "L1", "latency_ms.p50", "{:.2f}"),
    ("L1 latency p99 (ms)", "L1", "latency_ms.p99", "{:.2f}"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = load_jsonl(sys.argv[1])

    def runs(persist, label):
        return [r for r in rows if r.get("persist") == persist and r.get("label") == label]

    def values(persist, label, key):
        return figures(get(r, key) for r in runs(persist, label))

    out = []
    for title, label, key, fmt in TABLE:
        off, on = values(False, label, key), values(True, label, key)
        if off or on:
            out.append([title, cell(off, fmt), cell(on, fmt), ratio(med(on), med(off))])
    for label in ("T1", "L1"):
        if runs(False, label) or runs(True, label):
            out.append(["{} complete and in order".format(label)] +
                       ["{}/{} runs".format(sum(1 for r in runs(p, label) if r.get("ok")), len(runs(p, label)))
                        for p in (False, True)] + [""])
    print(table(["scenario", "persist = false", "persist = true", "true / false"], out))
    print()
    off, on = values(False, "T1", "deliveries_per_s"), values(True, "T1", "deliveries_per_s")
    if off and on:
        cut = 1 - med(on) / med(off)
        print("Goal: persistence cuts T1 deliveries/s by at most 5%: cut {:.1f}% (medians) - {}".format(
            cut * 100, verdict(cut <= 0.05)))
    off, on = values(False, "L1", "latency_ms.p99"), values(True, "L1", "latency_ms.p99")
    if off and on and med(off):
        print()
        print("Goal: L1 p99 with persistence at most 1.5x without: {:.2f}x (medians) - {}".format(
            med(on) / med(off), verdict(med(on) / med(off) <= 1.5)))


if __name__ == "__main__":
    main()
