#!/usr/bin/env python3
"""Side-by-side table of hermesd against its peers, with the performance goals.

Usage: compare_table.py PEERS.kv HERMES.jsonl [BURST.kv]

PEERS.kv: key=value lines written by ../shared/bench/fanout (run-peers.sh).
HERMES.jsonl: one hermes-bench --json object a line, each with "label" T1, L1, I1
or B1.
BURST.kv: the peers' throughput runs with B1's parameters (optional).
Prints Markdown: medians over runs (min-max in brackets), ratios to redis-server,
and each goal of the performance issue marked met or not.
"""
import json
import math
import statistics
import sys
from collections import defaultdict

NAN = float("nan")


def load_peers(path):
    rows = defaultdict(list)  # (peer, mode) -> [dict]
    with open(path) as fh:
        for line in fh:
            kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
            if "peer" in kv and "mode" in kv:
                rows[(kv["peer"], kv["mode"])].append(kv)
    return rows


def load_hermes(path):
    rows = defaultdict(list)  # label -> [dict]
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("{"):
                obj = json.loads(line)
                rows[obj["label"]].append(obj)
    return rows


def num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


def med(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else NAN


def cell(values, fmt):
    values = [v for v in values if v == v]
    if not values:
        return "n/a"
    if len(values) == 1:
        return fmt.format(values[0])
    return "{} ({}-{})".format(fmt.format(med(values)), fmt.format(min(values)), fmt.format(max(values)))


def complete(expected, received):
    exp, got = sum(expected), sum(received)
    return "n/a" if exp == 0 else "{:.2f} %".format(100.0 * got / exp)


def verdict(ok):
    if ok is None:
        return "n/a"
    return "**met**" if ok else "**not met**"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    peers = load_peers(sys.argv[1])
    hermes = load_hermes(sys.argv[2])
    burst = load_peers(sys.argv[3]) if len(sys.argv) == 4 else {}
    names = sorted({peer for peer, _ in peers})

    def peer_vals(peer, mode, key, scale=1.0):
        return [num(r.get(key)) * scale for r in peers.get((peer, mode), [])]

    def hermes_vals(label, getter):
        return [getter(r) for r in hermes.get(label, [])]

    t1 = {
        "dps": {p: peer_vals(p, "throughput", "deliv_per_s") for p in names},
        "cpu": {p: peer_vals(p, "throughput", "srv_cpu_s_per_M") for p in names},
        "p50": {p: peer_vals(p, "latency", "p50_us", 1e-3) for p in names},
        "p99": {p: peer_vals(p, "latency", "p99_us", 1e-3) for p in names},
        "join": {p: peer_vals(p, "idle", "join_s") for p in names},
        "kib": {p: peer_vals(p, "idle", "kib_per_client") for p in names},
    }
    h = {
        "dps": hermes_vals("T1", lambda r: num(r["deliveries_per_s"])),
        "cpu": hermes_vals("T1", lambda r: num(r["hub_cpu_s_per_million"])),
        "p50": hermes_vals("L1", lambda r: num(r["latency_ms"]["p50"])),
        "p99": hermes_vals("L1", lambda r: num(r["latency_ms"]["p99"])),
        "join": hermes_vals("I1", lambda r: num(r["join_s"])),
        "kib": hermes_vals("I1", lambda r: num(r["hub_kib_per_client"])),
    }

    def completeness_peer(peer, mode):
        rows = peers.get((peer, mode), [])
        return complete([num(r.get("expected")) for r in rows], [num(r.get("received")) for r in rows])

    def completeness_hermes(label):
        rows = hermes.get(label, [])
        return complete([num(r["expected"]) for r in rows], [num(r["received"]) for r in rows])

    def joined_peer(peer):
        rows = peers.get((peer, "idle"), [])
        return ", ".join(sorted({"{}/{}".format(r.get("joined"), r.get("C")) for r in rows})) or "n/a"

    def joined_hermes():
        rows = hermes.get("I1", [])
        return ", ".join(sorted({"{}/{}".format(r["joined"], r["clients"]) for r in rows})) or "n/a"

    columns = ["hermesd"] + names
    print("| scenario | " + " | ".join(columns) + " |")
    print("|---|" + "--:|" * len(columns))

    def row(title, key, fmt):
        cells = [cell(h[key], fmt)] + [cell(t1[key][p], fmt) for p in names]
        print("| {} | {} |".format(title, " | ".join(cells)))

    row("T1 deliveries/s", "dps", "{:,.0f}")
    row("T1 server CPU-s per 1 M deliveries", "cpu", "{:.3f}")
    print("| T1 complete | {} | {} |".format(
        completeness_hermes("T1"), " | ".join(completeness_peer(p, "throughput") for p in names)))
    row("L1 latency p50 (ms)", "p50", "{:.2f}")
    row("L1 latency p99 (ms)", "p99", "{:.2f}")
    print("| L1 complete | {} | {} |".format(
        completeness_hermes("L1"), " | ".join(completeness_peer(p, "latency") for p in names)))
    row("I1 wall s until all joined", "join", "{:.2f}")
    row("I1 server KiB per connected client", "kib", "{:.2f}")
    print("| I1 joined / clients | {} | {} |".format(joined_hermes(), " | ".join(joined_peer(p) for p in names)))
    if hermes.get("B1") or burst:
        def burst_vals(peer, key, scale=1.0):
            return [num(r.get(key)) * scale for r in burst.get((peer, "throughput"), [])]

        def burst_row(title, hermes_getter, peer_key, fmt, scale=1.0):
            cells = [cell(hermes_vals("B1", hermes_getter), fmt)]
            cells += [cell(burst_vals(p, peer_key, scale), fmt) if (p, "throughput") in burst else "n/a"
                      for p in names]
            print("| {} | {} |".format(title, " | ".join(cells)))

        def burst_complete(peer):
            rows = burst.get((peer, "throughput"), [])
            return complete([num(r.get("expected")) for r in rows], [num(r.get("received")) for r in rows])

        burst_row("B1 deliveries/s", lambda r: num(r["deliveries_per_s"]), "deliv_per_s", "{:,.0f}")
        print("| B1 complete | {} | {} |".format(
            completeness_hermes("B1"), " | ".join(burst_complete(p) for p in names)))
        burst_row("B1 members cut", lambda r: num(r["disconnects"]), "disconnects", "{:.0f}")
        burst_row("B1 server peak RSS (MiB)", lambda r: num(r.get("hub_peak_rss_mib")), "srv_hwm_kb",
                  "{:.1f}", 1.0 / 1024)
    print()

    redis = "redis" if "redis" in names else None
    print("## Goals (against redis-server, medians of this run)")
    print()
    print("| goal | hermesd | target | verdict |")
    print("|---|--:|--:|---|")
    if redis:
        r_dps, r_cpu = med(t1["dps"][redis]), med(t1["cpu"][redis])
        r_p50, r_p99 = med(t1["p50"][redis]), med(t1["p99"][redis])
        h_dps, h_cpu, h_p50, h_p99 = med(h["dps"]), med(h["cpu"]), med(h["p50"]), med(h["p99"])
        t1_complete = all(r["received"] == r["expected"] and r["ok"] for r in hermes.get("T1", []))
        l1_complete = all(r["received"] == r["expected"] and r["ok"] for r in hermes.get("L1", []))
        ratio = h_dps / r_dps if r_dps else NAN
        print("| T1 deliveries/s ≥ 2× redis | {:,.0f} ({:.2f}×) | {:,.0f} | {} |".format(
            h_dps, ratio, 2 * r_dps, verdict(ratio >= 2)))
        cpu_ratio = h_cpu / r_cpu if r_cpu else NAN
        print("| T1 CPU-s per 1 M ≤ 0.3× redis | {:.3f} ({:.2f}×) | {:.3f} | {} |".format(
            h_cpu, cpu_ratio, 0.3 * r_cpu, verdict(cpu_ratio <= 0.3)))
        print("| T1 100% complete and in order | {} | 100 % | {} |".format(
            completeness_hermes("T1"), verdict(t1_complete and bool(hermes.get("T1")))))
        print("| L1 p50 ≤ redis | {:.2f} ms | {:.2f} ms | {} |".format(h_p50, r_p50, verdict(h_p50 <= r_p50)))
        print("| L1 p99 ≤ redis | {:.2f} ms | {:.2f} ms | {} |".format(h_p99, r_p99, verdict(h_p99 <= r_p99)))
        print("| L1 100% complete | {} | 100 % | {} |".format(
            completeness_hermes("L1"), verdict(l1_complete and bool(hermes.get("L1")))))
    h_join, h_kib = med(h["join"]), med(h["kib"])
    i1_rows = hermes.get("I1", [])
    all_listed = bool(i1_rows) and all(
        r["joined"] == r["clients"] and r["members_listed"] == r["clients"] for r in i1_rows)
    print("| I1 all joined within 3 s | {:.2f} s | 3 s | {} |".format(h_join, verdict(h_join <= 3 and all_listed)))
    print("| I1 member lists correct | {} | all | {} |".format(joined_hermes(), verdict(all_listed)))
    print("| I1 hub memory ≤ 4 KiB per client | {:.2f} KiB | 4 KiB | {} |".format(h_kib, verdict(h_kib <= 4)))
    print()
    print("Notes: deliveries/s = unique deliveries / (last delivery - first send). CPU and memory are")
    print("the server process's, sampled from /proc/PID. Peers that do not echo to the sender (IRC)")
    print("are expected S*M*(N-1) deliveries, the others S*M*N. The machine is shared: compare ratios.")


if __name__ == "__main__":
    main()
