#!/usr/bin/env python3
"""Two settings of hermesd side by side: medians, min-max and the ratio B / A.

Usage: ab_table.py RUNS.jsonl FIELD A B "A title" "B title"

RUNS.jsonl: one hermes-bench --json object a line, each tagged by the calling
script with "label" (T1, L1, I1) and FIELD = A or B (compare-builds.sh tags
"build": old | new, compare-transports.sh "transport_run": tcp | ws | tls).
Prints a Markdown table of every figure some run has, then each scenario's
count of runs complete and in order.
"""
import sys

from benchlib import cell, figures, get, load_jsonl, med, ratio, table

FIGURES = [
    ("T1 deliveries/s", "T1", "deliveries_per_s", "{:,.0f}"),
    ("T1 hub CPU-s per 1 M deliveries", "T1", "hub_cpu_s_per_million", "{:.4f}"),
    ("T1 hub peak RSS (MiB)", "T1", "hub_peak_rss_mib", "{:.1f}"),
    ("T1 Redis CPU-s per 1 M deliveries (a cluster's)", "T1", "redis_cpu_s_per_million", "{:.4f}"),
    ("L1 latency p50 (ms)", "L1", "latency_ms.p50", "{:.3f}"),
    ("L1 latency p99 (ms)", "L1", "latency_ms.p99", "{:.3f}"),
    ("L1 hub CPU-s per 1 M deliveries", "L1", "hub_cpu_s_per_million", "{:.3f}"),
    ("I1 wall s until all joined", "I1", "join_s", "{:.2f}"),
    ("I1 handshakes/s (connect, [TLS,] Hello/Welcome, Join)", "I1", "=joined/join_s", "{:,.0f}"),
    ("I1 hub CPU-s for all the joins", "I1", "hub_cpu_s", "{:.3f}"),
    ("I1 hub KiB per connected client", "I1", "hub_kib_per_client", "{:.3f}"),
]


def main(path, field, a, b, a_title, b_title):
    rows = load_jsonl(path)

    def runs(variant, label):
        return [r for r in rows if r.get(field) == variant and r.get("label") == label]

    def values(variant, label, key):
        return figures(get(r, key) for r in runs(variant, label))

    out = []
    for title, label, key, fmt in FIGURES:
        va, vb = values(a, label, key), values(b, label, key)
        if va or vb:
            out.append([title, cell(va, fmt), cell(vb, fmt), ratio(med(vb), med(va), "{:.3f}")])
    print(table(["scenario", a_title, b_title, "{} / {}".format(b, a)], out))
    for label in ("T1", "L1", "I1"):
        for variant in (a, b):
            done = runs(variant, label)
            if done:
                ok = sum(1 for r in done if r.get("ok"))
                print(f"\n{label} {variant}: {ok}/{len(done)} runs complete and in order", end="")
    print()


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
