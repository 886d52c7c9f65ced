#!/usr/bin/env bash
# Measures what durable history costs the hub's fan-out: scenario T1 (and L1)
# against hermesd with history.persist = false and = true, side by side in one
# run, and writes one Markdown table with medians and the ratio, marking the
# goals of issue 21 (persistence cuts T1 deliveries/s by at most 5%; L1 p99
# with persistence at most 1.5x without) met or not.
#
#   tools/compare-persistence.sh                 # RUNS=5 rounds
#   RUNS=3 TP_M=500 tools/compare-persistence.sh
#
# Each round starts a fresh hub per setting (the order alternates between
# rounds, so drift on a shared machine does not favour one side), with
# tools/bench/hermesd-bench.properties and history.persist set, its database
# in a new temporary directory. With persistence on, a message is echoed only
# once it is committed to SQLite (docs/HUB.md, "Durability"), so T1's
# 16-message window per sender includes the commit.
#
# Knobs (environment): RUNS (5), BUILD_DIR (build/release), RESULTS
# (bench-results), TP_M (messages per sender in T1, 200), L1_T (seconds of
# L1, 5; 0 skips L1). Loopback only; every run is bounded in time; the hubs
# this script starts are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
RESULTS=${RESULTS:-$ROOT/bench-results}
case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
TP_M=${TP_M:-200}
L1_T=${L1_T:-5}
STAMP=$(date +%Y%m%d-%H%M%S)
JSONL=$RESULTS/persistence-$STAMP.jsonl
OUT=$RESULTS/persistence-$STAMP.md
mkdir -p "$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [ ! -x "$BUILD_DIR/hermesd/hermesd" ] || [ ! -x "$BUILD_DIR/tools/hermes-bench" ]; then
  log "building hermesd and hermes-bench (release preset)"
  (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" --target hermesd hermes-bench)
  BUILD_DIR=$ROOT/build/release
fi
HUB_BIN=$BUILD_DIR/hermesd/hermesd
BENCH_BIN=$BUILD_DIR/tools/hermes-bench

# shellcheck source=bench/hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"
trap hub_stop EXIT
trap 'hub_stop; exit 130' INT TERM

start_hub() { # persist
  hub_new_dir
  sed "s/^history\.persist = .*/history.persist = $1/" "$ROOT/tools/bench/hermesd-bench.properties" \
    >"$HUB_DIR/hermesd.properties"
  grep -q "^history.persist = $1\$" "$HUB_DIR/hermesd.properties" ||
    { log "tools/bench/hermesd-bench.properties has no history.persist line"; exit 2; }
  # history.path is relative: the database lands in the hub's own directory.
  hub_launch "$HUB_DIR/hermesd.properties"
}

run_one() { # run persist scenario args...
  local run=$1 persist=$2 scenario=$3
  shift 3
  start_hub "$persist"
  log "persist=$persist / $scenario / run $run"
  timeout -k 5 300 "$BENCH_BIN" --port "$HUB_PORT" --hub-pid "$HUB_PID" --json --timeout 240 "$@" |
    sed "s/^{/{\"run\":$run,\"persist\":$persist,\"label\":\"$scenario\",/" >>"$JSONL" ||
    log "hermes-bench $scenario (persist=$persist) run $run failed"
  hub_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  order="false true"
  [ $((run % 2)) -eq 0 ] && order="true false"
  for persist in $order; do
    run_one "$run" "$persist" T1 --scenario T1 -m "$TP_M"
    if [ "$L1_T" -gt 0 ]; then
      run_one "$run" "$persist" L1 --scenario L1 -t "$L1_T"
    fi
  done
done
T1_END=$(date +%s)

{
  echo "# hermesd with and without durable history, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (with uncommitted changes)'); $(nproc) cores; $RUNS round(s), $((T1_END - T0)) s"
  echo "- command: \`RUNS=$RUNS TP_M=$TP_M L1_T=$L1_T tools/compare-persistence.sh\`; hermes-bench T1 -n 100 -s 100 -m $TP_M -b 64 -w 16, L1 -r 2000 -t $L1_T; a fresh hermesd per run with tools/bench/hermesd-bench.properties and history.persist set"
  echo "- raw figures: \`$(basename "$JSONL")\`"
  echo
  python3 - "$JSONL" <<'EOF'
import json, statistics, sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]

def get(row, key):
    for part in key.split("."):
        if not isinstance(row, dict) or part not in row:
            return None
        row = row[part]
    return row

def values(persist, label, key):
    found = [get(r, key) for r in rows if r.get("persist") == persist and r.get("label") == label]
    return [v for v in found if v is not None]

def cell(vals, fmt):
    if not vals:
        return "n/a"
    text = fmt.format(statistics.median(vals))
    if len(vals) > 1:
        text += " (" + fmt.format(min(vals)) + "-" + fmt.format(max(vals)) + ")"
    return text

def complete(persist, label):
    done = [r for r in rows if r.get("persist") == persist and r.get("label") == label]
    ok = sum(1 for r in done if r.get("ok"))
    return f"{ok}/{len(done)} runs"

table = [
    ("T1 deliveries/s", "T1", "deliveries_per_s", "{:,.0f}"),
    ("T1 hub CPU-s per 1 M deliveries", "T1", "hub_cpu_s_per_million", "{:.3f}"),
    ("T1 wall s", "T1", "wall_s", "{:.3f}"),
    ("T1 bench CPU-s", "T1", "bench_cpu_s", "{:.3f}"),
    ("L1 latency p50 (ms)", "L1", "latency_ms.p50", "{:.2f}"),
    ("L1 latency p99 (ms)", "L1", "latency_ms.p99", "{:.2f}"),
]
print("| scenario | persist = false | persist = true | true / false |")
print("|---|--:|--:|--:|")
for title, label, key, fmt in table:
    off, on = values(False, label, key), values(True, label, key)
    if not off and not on:
        continue
    ratio = (f"{statistics.median(on) / statistics.median(off):.2f}"
             if off and on and statistics.median(off) else "n/a")
    print(f"| {title} | {cell(off, fmt)} | {cell(on, fmt)} | {ratio} |")
for label in ("T1", "L1"):
    if values(False, label, "wall_s") or values(True, label, "wall_s"):
        print(f"| {label} complete and in order | {complete(False, label)} | "
              f"{complete(True, label)} | |")
print()
off, on = values(False, "T1", "deliveries_per_s"), values(True, "T1", "deliveries_per_s")
if off and on:
    cut = 1 - statistics.median(on) / statistics.median(off)
    verdict = "**met**" if cut <= 0.05 else "**not met**"
    print(f"Goal: persistence cuts T1 deliveries/s by at most 5%: cut {cut * 100:.1f}% "
          f"(medians) - {verdict}")
off, on = values(False, "L1", "latency_ms.p99"), values(True, "L1", "latency_ms.p99")
if off and on:
    ratio = statistics.median(on) / statistics.median(off)
    verdict = "**met**" if ratio <= 1.5 else "**not met**"
    print()
    print(f"Goal: L1 p99 with persistence at most 1.5x without: {ratio:.2f}x (medians) - "
          f"{verdict}")
EOF
} >"$OUT"
cat "$OUT"
log "written: $OUT"
