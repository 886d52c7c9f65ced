#!/usr/bin/env python3
"""Side-by-side table of hermesd's IRC gateway against ngIRCd (compare-irc.sh).

Usage: irc_table.py RESULTS.kv

RESULTS.kv: key=value lines written by ../shared/bench/fanout --kv, with peer
"hermesd-irc" (hermesd's IRC port; or one "hermesd-irc-Nms" per
irc.send_interval_ms compared, IRC_SEND_INTERVALS) and "ngircd", modes
throughput (T1) and latency (L1). Prints Markdown: medians over runs (min-max
in brackets), the ratio hermesd / ngIRCd, and the goal of issue 18 (beat
ngIRCd's deliveries/s and CPU per delivery) marked met or not, for each hermesd.
"""
import sys

from benchlib import NAN, cell, load_kv, med, num

HERMES, NGIRCD = "hermesd-irc", "ngircd"


def complete(rows):
    if not rows:
        return "n/a"
    expected = sum(num(r.get("expected")) for r in rows)
    received = sum(num(r.get("received")) for r in rows)
    odd = sum(num(r.get(k, 0)) for r in rows for k in ("dup", "bad", "self", "disconnects", "reord"))
    text = "{:.2f} % of {} run(s)".format(100 * received / expected if expected else NAN, len(rows))
    return text + (", {:.0f} anomalies".format(odd) if odd else "")


def hermes_peers(rows):
    """hermesd's labels in the file: hermesd-irc, or hermesd-irc-Nms by N."""
    peers = {peer for peer, _ in rows if peer.startswith(HERMES)}

    def interval(peer):
        tail = peer[len(HERMES):].lstrip("-").rstrip("ms")
        return num(tail) if tail else -1.0

    return sorted(peers, key=interval) or [HERMES]


def name(peer):
    return "hermesd (IRC port)" if peer == HERMES else "hermesd, irc.send_interval_ms = " + \
        peer[len(HERMES) + 1:-2]


def main():
    rows = load_kv(sys.argv[1])
    peers = hermes_peers(rows)
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
    ratios = " | ".join("{} / ngIRCd".format("hermesd" if len(peers) == 1 else peer[len(HERMES) + 1:])
                        for peer in peers)
    print("| scenario | {} | ngIRCd | {} |".format(" | ".join(name(p) for p in peers), ratios))
    print("|---|" + "--:|" * (2 * len(peers) + 1))
    medians = {}
    for label, mode, key, fmt, scale, _ in lines:
        n = [num(r.get(key)) * scale for r in rows[(NGIRCD, mode)]]
        hs = [[num(r.get(key)) * scale for r in rows[(peer, mode)]] for peer in peers]
        for peer, h in zip(peers, hs):
            medians[(peer, label)] = (med(h), med(n))
        ratio = " | ".join("{:.2f}".format(med(h) / med(n) if med(n) else NAN) for h in hs)
        print("| {} | {} | {} | {} |".format(label, " | ".join(cell(h, fmt) for h in hs),
                                             cell(n, fmt), ratio))
    for mode, scenario in (("throughput", "T1"), ("latency", "L1")):
        print("| {} complete | {} | {} |{}".format(
            scenario, " | ".join(complete(rows[(peer, mode)]) for peer in peers),
            complete(rows[(NGIRCD, mode)]), " |" * len(peers)))
    print()
    print("| goal (issue 18) | {} | ngIRCd | {} |".format(
        " | ".join(name(p) for p in peers),
        " | ".join("verdict" if len(peers) == 1 else "verdict, " + p[len(HERMES) + 1:]
                   for p in peers)))
    print("|---|" + "--:|" * (len(peers) + 1) + "---|" * len(peers))
    goals = [
        ("T1 deliveries/s above ngIRCd's", "T1 deliveries/s", "{:,.0f}"),
        ("T1 CPU-s per delivery below ngIRCd's", "T1 server CPU-s per 1 M deliveries", "{:.3f}"),
        ("L1 CPU-s per delivery below ngIRCd's", "L1 server CPU-s per 1 M deliveries", "{:.3f}"),
        ("L1 p50 below ngIRCd's", "L1 latency p50 (ms)", "{:.2f}"),
        ("L1 p99 below ngIRCd's", "L1 latency p99 (ms)", "{:.2f}"),
    ]
    better = {label: b for label, _, _, _, _, b in lines}
    for goal, label, fmt in goals:
        values, verdicts = [], []
        n = NAN
        for peer in peers:
            h, n = medians[(peer, label)]
            values.append(fmt.format(h))
            if h != h or n != n:
                verdicts.append("n/a")
            else:
                met = h > n if better[label] == "high" else h < n
                verdicts.append("**met**" if met else "**not met**")
        print("| {} | {} | {} | {} |".format(goal, " | ".join(values), fmt.format(n),
                                             " | ".join(verdicts)))
    print()
    print("deliveries/s = unique deliveries / (last delivery - first send); CPU and RSS are the "
          "server process's, sampled from /proc/PID by fanout. IRC does not echo to the sender: "
          "S*M*(N-1) deliveries expected. L1 delivers 2,000 x 99 a second whichever server: its "
          "deliveries/s is the rate asked for, so CPU per delivery is its figure of cost.")


if __name__ == "__main__":
    main()
