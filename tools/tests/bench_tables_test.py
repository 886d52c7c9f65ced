#!/usr/bin/env python3
"""The benchmark scripts' tables and charts, on results written here by hand.

The compare-*.sh scripts take minutes and real servers; what they conclude
is decided by the Python in tools/bench from their result files. These
cases feed those scripts results in the formats fanout (key=value) and
hermes-bench (JSON lines) write, and check the verdicts, the rows a reader
relies on (a server that could not join is shown so, never left out), and
that gnuplot draws the three charts as SVG.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench")
sys.path.insert(0, BENCH)

import benchlib  # noqa: E402


def kv_line(**fields):
    return " ".join("{}={}".format(k, v) for k, v in fields.items()) + "\n"


def hermes_line(**fields):
    return json.dumps(fields) + "\n"


def run_script(name, *args):
    done = subprocess.run([sys.executable, os.path.join(BENCH, name)] + list(args), capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise AssertionError("{} failed: {}".format(name, done.stderr))
    return done.stdout


def goal_row(markdown, goal):
    for line in markdown.splitlines():
        if line.startswith("| " + goal):
            return line
    raise AssertionError("no row '{}' in:\n{}".format(goal, markdown))


class BenchLibTest(unittest.TestCase):
    def test_cells_leave_out_missing_figures(self):
        self.assertEqual(benchlib.cell([3.0, None, "n/a", 1.0, 2.0], "{:.1f}"), "2.0 (1.0-3.0)")
        self.assertEqual(benchlib.cell([float("nan")], "{:.1f}"), "n/a")
        self.assertEqual(benchlib.cell([True], "{:.1f}"), "n/a")

    def test_dotted_keys_and_ratios(self):
        row = {"latency_ms": {"p99": 1.5}, "joined": 10, "join_s": 4}
        self.assertEqual(benchlib.get(row, "latency_ms.p99"), 1.5)
        self.assertIsNone(benchlib.get(row, "latency_ms.p50"))
        self.assertEqual(benchlib.get(row, "=joined/join_s"), 2.5)

    def test_completeness_and_verdicts(self):
        rows = [{"expected": "100", "received": "99"}, {"expected": "100", "received": "100"}]
        self.assertEqual(benchlib.complete(rows), "99.50 %")
        self.assertEqual(benchlib.complete([]), "n/a")
        self.assertEqual(benchlib.verdict(None), "n/a")
        self.assertEqual(benchlib.verdict(False), "**not met**")


class CompareTableTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bench-tables-test.")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as fh:
            fh.write(text)
        return self.path(name)

    def peers(self, redis_dps):
        text = ""
        for peer, dps, cpu in (("redis", redis_dps, 0.25), ("nats", 3.9e6, 0.35)):
            text += kv_line(peer=peer, mode="throughput", run=1, expected=1000, received=1000, deliv_per_s=dps,
                            srv_cpu_s_per_M=cpu)
            text += kv_line(peer=peer, mode="latency", run=1, expected=1000, received=1000, p50_us=560,
                            p99_us=1580, p999_us=3000)
            text += kv_line(peer=peer, mode="idle", run=1, C=5000, joined=5000, join_s=0.43, kib_per_client=19.3)
        return self.write("peers.kv", text)

    def hermes(self):
        return self.write("hermes.jsonl", "".join([
            hermes_line(run=1, label="T1", deliveries_per_s=12.6e6, hub_cpu_s_per_million=0.040, expected=1000,
                        received=1000, ok=True),
            hermes_line(run=1, label="L1", latency_ms={"p50": 0.38, "p99": 1.20, "p99_9": 2.5}, expected=1000,
                        received=1000, ok=True),
            hermes_line(run=1, label="I1", join_s=1.5, hub_kib_per_client=1.1, joined=5000, clients=5000,
                        members_listed=5000, expected=0, received=0, ok=True),
        ]))

    def sweep(self, hermes_join_s):
        kv = self.write("sweep.kv", "".join([
            kv_line(peer="nats", mode="idle", run=1, C=1000, joined=1000, join_s=0.1, kib_per_client=9.0),
            kv_line(peer="nats", mode="idle", run=1, C=15000, joined=15000, join_s=0.9, kib_per_client=9.5),
            kv_line(peer="ngircd", mode="idle", run=1, C=1000, joined=640, join_s=30.0, kib_per_client=5.0),
        ]))
        jsonl = self.write("sweep.jsonl", "".join([
            hermes_line(run=1, label="I1", sweep=1000, clients=1000, joined=1000, join_s=0.2, hub_kib_per_client=1.2,
                        members_listed=1000),
            hermes_line(run=1, label="I1", sweep=15000, clients=15000, joined=15000, join_s=hermes_join_s,
                        hub_kib_per_client=1.4, members_listed=15000),
        ]))
        skips = self.write("skips.tsv", "redis\t15000\tneeds 30000 sockets (2 a client) in one process\n"
                                        "ngircd\t15000\tdid not join all of 1000 within 30 s\n")
        return ["--sweep-kv", kv, "--sweep-jsonl", jsonl, "--sweep-skips", skips, "--join-deadline", "30"]

    def table(self, redis_dps=3.9e6, hermes_join_s=10.9):
        summary = self.path("summary.json")
        out = run_script("compare_table.py", "--peers", self.peers(redis_dps), "--hermes", self.hermes(),
                         *self.sweep(hermes_join_s), "--previous", os.path.join(BENCH, "previous-table.json"),
                         "--summary", summary)
        return out, summary

    def test_todays_large_room_is_not_met_and_every_server_has_its_row(self):
        out, _ = self.table(hermes_join_s=10.9)
        self.assertIn("**not met**", goal_row(out, "I1 15,000 joined within 3 s"))
        self.assertIn("15,000 in the member list", goal_row(out, "I1 15,000 joined within 3 s"))
        self.assertIn("**met**", goal_row(out, "I1 15,000: hub memory ≤ 1.5 KiB per client"))
        row = goal_row(out, "I1 at 15,000: wall s until all joined")
        self.assertIn("10.90", row)
        self.assertIn("0.90", row)  # nats-server
        self.assertIn("not run: needs 30000 sockets", row)  # redis, with why
        by_size = goal_row(out, "1,000 |")
        self.assertIn("0.20 s, 1.20 KiB", by_size)  # hermesd
        self.assertIn("only 640 of 1,000 joined within the 30 s deadline", by_size)  # ngIRCd
        self.assertIn("not run: did not join all of 1000", goal_row(out, "15,000 |"))

    def test_a_fast_join_meets_the_goal(self):
        out, _ = self.table(hermes_join_s=2.5)
        self.assertIn("**met**", goal_row(out, "I1 15,000 joined within 3 s"))

    def test_no_worse_than_before_is_judged_against_redis_in_the_same_run(self):
        # hermesd's 12.6 M against redis's 3.9 M is 3.2x, above the baseline's 3.0x (20.6 M / 6.8 M).
        out, _ = self.table(redis_dps=3.9e6)
        self.assertIn("**met**", goal_row(out, "T1 deliveries/s ÷ redis's, no worse than before"))
        # The same hermesd figure next to a redis twice as fast is worse.
        out, _ = self.table(redis_dps=7.8e6)
        self.assertIn("**not met**", goal_row(out, "T1 deliveries/s ÷ redis's, no worse than before"))

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed (tools/install-deps.sh)")
    def test_charts_are_svg_and_name_what_was_not_run(self):
        _, summary = self.table()
        charts = self.path("charts")
        printed = run_script("charts.py", summary, charts, "test")
        for name in ("peers-throughput.svg", "peers-latency.svg", "peers-rooms.svg"):
            self.assertIn(name, printed)
            root = ElementTree.parse(os.path.join(charts, name)).getroot()
            self.assertTrue(root.tag.endswith("svg"), name)
        with open(os.path.join(charts, "peers-rooms.svg")) as fh:
            rooms = fh.read()
        self.assertIn("redis-server at 15,000: not run", rooms)
        self.assertIn("ngIRCd at 1,000: 640 of 1,000 joined", rooms)


    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot is not installed (tools/install-deps.sh)")
    def test_a_sweep_alone_draws_only_its_chart(self):
        # RUNS=0: no T1, L1 or I1 rounds, only the sweep.
        summary = self.path("summary.json")
        run_script("compare_table.py", "--peers", self.write("none.kv", ""), "--hermes",
                   self.write("none.jsonl", ""), *self.sweep(2.0), "--summary", summary)
        printed = run_script("charts.py", summary, self.path("charts"))
        self.assertIn("peers-rooms.svg", printed)
        self.assertNotIn("peers-throughput.svg", printed)


class OtherTablesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bench-tables-test.")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_irc_table_judges_against_ngircd(self):
        path = os.path.join(self.dir, "irc.kv")
        with open(path, "w") as fh:
            for peer, dps, cpu in (("hermesd-irc", 5e6, 0.1), ("ngircd", 3e6, 0.3)):
                fh.write(kv_line(peer=peer, mode="throughput", run=1, expected=10, received=10, deliv_per_s=dps,
                                 srv_cpu_s_per_M=cpu, srv_hwm_kb=2048))
        out = run_script("irc_table.py", path)
        self.assertIn("**met**", goal_row(out, "T1 deliveries/s above ngIRCd's"))
        self.assertIn("n/a", goal_row(out, "L1 p50 below ngIRCd's"))  # no L1 runs: not judged

    def test_ab_and_persistence_tables_give_ratios(self):
        path = os.path.join(self.dir, "ab.jsonl")
        with open(path, "w") as fh:
            fh.write(hermes_line(build="old", persist=False, label="T1", deliveries_per_s=100.0, ok=True))
            fh.write(hermes_line(build="new", persist=True, label="T1", deliveries_per_s=80.0, ok=True))
        out = run_script("ab_table.py", path, "build", "old", "new", "old", "new")
        self.assertIn("| T1 deliveries/s | 100 | 80 | 0.800 |", out)
        out = run_script("persistence_table.py", path)
        self.assertIn("cut 20.0% (medians) - **not met**", out)


if __name__ == "__main__":
    unittest.main()
