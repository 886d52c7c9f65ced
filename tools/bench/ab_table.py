#!/usr/bin/env python3
"""Two settings of hermesd side by side: medians, min-max and the ratio B / A.

Usage: ab_table.py RUNS.jsonl FIELD A B "A title" "B title"

RUNS.jsonl: one hermes-bench --json object a line, each tagged by the calling
script with "label" (T1, L1, I1) and FIELD = A or B (compare-builds.sh tags
"build": old | new, compare-transports.sh "transport_run": tcp | ws | tls).
Prints a Markdown table of every figure some run has, then each scenario's
count of runs complete and in order.
"""
import json
import statistics
import sys

FIGURES = [
    ("T1 deliveries/s", "T1", "deliveries_per_s", "{:,.0f}"),
    ("T1 hub CPU-s per 1 M deliveries", "T1", "hub_cpu_s_per_million", "{:.4f}"),
    ("T1 hub peak RSS (MiB)", "T1", "hub_peak_rss_mib", "{:.1f}"),
    ("L1 latency p50 (ms)", "L1", "latency_ms.p50", "{:.3f}"),
    ("L1 latency p99 (ms)", "L1", "latency_ms.p99", "{:.3f}"),
    ("L1 hub CPU-s per 1 M deliveries", "L1", "hub_cpu_s_per_million", "{:.3f}"),
    ("I1 wall s until all joined", "I1", "join_s", "{:.2f}"),
    ("I1 handshakes/s (connect, [TLS,] Hello/Welcome, Join)", "I1", "=joined/join_s", "{:,.0f}"),
    ("I1 hub CPU-s for all the joins", "I1", "hub_cpu_s", "{:.3f}"),
    ("I1 hub KiB per connected client", "I1", "hub_kib_per_client", "{:.3f}"),
]


def get(row, key):
    if key.startswith("="):  # a ratio of two figures: "=a/b"
        top, bottom = (get(row, k) for k in key[1:].split("/"))
        ok = all(isinstance(v, (int, float)) for v in (top, bottom))
        return top / bottom if ok and bottom else None
    for part in key.split("."):
        if not isinstance(row, dict) or part not in row:
            return None
        row = row[part]
    return row


def cell(vals, fmt):
    if not vals:
        return "n/a"
    text = fmt.format(statistics.median(vals))
    if len(vals) > 1:
        text += " (" + fmt.format(min(vals)) + "-" + fmt.format(max(vals)) + ")"
    return text


def main(path, field, a, b, a_title, b_title):
    rows = [json.loads(line) for line in open(path) if line.strip()]

    def runs(variant, label):
        return [r for r in rows if r.get(field) == variant and r.get("label") == label]

    def values(variant, label, key):
        found = [get(r, key) for r in runs(variant, label)]
        return [v for v in found if isinstance(v, (int, float)) and not isinstance(v, bool)]

    print(f"| scenario | {a_title} | {b_title} | {b} / {a} |")
    print("|---|--:|--:|--:|")
    for title, label, key, fmt in FIGURES:
        va, vb = values(a, label, key), values(b, label, key)
        if not va and not vb:
            continue
        ratio = (f"{statistics.median(vb) / statistics.median(va):.3f}"
                 if va and vb and statistics.median(va) else "n/a")
        print(f"| {title} | {cell(va, fmt)} | {cell(vb, fmt)} | {ratio} |")
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
