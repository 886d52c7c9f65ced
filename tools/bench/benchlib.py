"""What the benchmark table scripts share: reading results, medians, cells.

Imported by compare_table.py, irc_table.py, ab_table.py and
persistence_table.py (run as scripts from this folder, so it is on their
path). Two result formats come in:

- key=value lines (../shared/bench/fanout --kv), grouped by (peer, mode);
- one JSON object a line (hermes-bench --json), tagged by the calling
  script with members such as "run", "label" and the variant it compares.

A figure that a run does not have is NaN or None and never counts in a
median; a cell with no figure at all reads "n/a", never 0.
"""
import json
import math
import statistics
from collections import defaultdict

NAN = float("nan")


def load_kv(*paths):
    """fanout's key=value lines: {(peer, mode): [dict]}; a missing file is empty."""
    rows = defaultdict(list)
    for path in paths:
        if not path:
            continue
        try:
            with open(path) as fh:
                for line in fh:
                    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
                    if "peer" in kv and "mode" in kv:
                        rows[(kv["peer"], kv["mode"])].append(kv)
        except FileNotFoundError:
            pass
    return rows


def load_jsonl(path):
    """hermes-bench --json lines, as tagged by the calling script; a missing file is empty."""
    rows = []
    try:
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if line.startswith("{"):
                    rows.append(json.loads(line))
    except FileNotFoundError:
        pass
    return rows


def num(value):
    """A float, or NaN for anything that is not a number (None, "", "n/a", a bool)."""
    if isinstance(value, bool):
        return NAN
    try:
        return float(value)
    except (TypeError, ValueError):
        return NAN


def get(row, key):
    """row's figure at a dotted key ("latency_ms.p99"), or a ratio "=a/b"; None if absent."""
    if key.startswith("="):
        top, bottom = (get(row, k) for k in key[1:].split("/"))
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (top, bottom))
        return top / bottom if ok and bottom else None
    for part in key.split("."):
        if not isinstance(row, dict) or part not in row:
            return None
        row = row[part]
    return row


def figures(values):
    """The numbers among values (NaN, None and bools dropped)."""
    out = []
    for v in values:
        v = num(v)
        if not math.isnan(v):
            out.append(v)
    return out


def med(values):
    values = figures(values)
    return statistics.median(values) if values else NAN


def cell(values, fmt):
    """Median, with min-max in brackets when there are several runs."""
    values = figures(values)
    if not values:
        return "n/a"
    if len(values) == 1:
        return fmt.format(values[0])
    return "{} ({}-{})".format(fmt.format(med(values)), fmt.format(min(values)), fmt.format(max(values)))


def ratio(top, bottom, fmt="{:.2f}"):
    if math.isnan(top) or math.isnan(bottom) or bottom == 0:
        return "n/a"
    return fmt.format(top / bottom)


def complete(rows, expected="expected", received="received"):
    """Share of the expected deliveries received over all rows, "n/a" with none."""
    exp = sum(figures(r.get(expected) for r in rows))
    got = sum(figures(r.get(received) for r in rows))
    return "n/a" if exp == 0 else "{:.2f} %".format(100.0 * got / exp)


def verdict(ok):
    """**met**, **not met**, or n/a when there was nothing to judge (None)."""
    if ok is None:
        return "n/a"
    return "**met**" if ok else "**not met**"


def table(header, rows, align=None):
    """A Markdown table: header cells, rows of cells; numbers right-aligned by default."""
    align = align or ["---"] + ["--:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
