#!/usr/bin/env bash
# Measures what a member that stops reading costs everyone else: scenario L1
# (100 clients, 2,000 messages/s) against hermesd alone, and with one more
# member in the room that joined and then stopped reading (a hermes-cat
# --follow stopped with SIGSTOP, as a suspended terminal client would be).
# Writes one Markdown table: latency medians of each setting, their ratio,
# and the goal of issue 12 (others' latency within 2x with a stalled member)
# marked met or not.
#
#   tools/compare-stalled.sh            # RUNS=5 rounds, alternating
#   RUNS=3 L1_T=5 tools/compare-stalled.sh
#
# The stalled member's socket fills within a few seconds at L1's rate, then
# its queue grows in the hub until the write stall (10 s) cuts it; L1_T (10 s)
# keeps the measured phase inside that window.
#
# Knobs (environment): RUNS (5), BUILD_DIR (build/release), RESULTS
# (bench-results), L1_T (10). Loopback only; every run is bounded in time;
# the hubs and clients this script starts are stopped by PID, also on
# failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
RESULTS=${RESULTS:-$ROOT/bench-results}
case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
L1_T=${L1_T:-10}
STAMP=$(date +%Y%m%d-%H%M%S)
JSONL=$RESULTS/stalled-$STAMP.jsonl
OUT=$RESULTS/stalled-$STAMP.md
mkdir -p "$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [ ! -x "$BUILD_DIR/hermesd/hermesd" ] || [ ! -x "$BUILD_DIR/tools/hermes-bench" ] ||
  [ ! -x "$BUILD_DIR/tools/hermes-cat" ]; then
  log "building hermesd, hermes-bench and hermes-cat (release preset)"
  (cd "$ROOT" && cmake --preset release >/dev/null &&
    cmake --build --preset release -j"$(nproc)" --target hermesd hermes-bench hermes-cat)
  BUILD_DIR=$ROOT/build/release
fi
HUB_BIN=$BUILD_DIR/hermesd/hermesd
BENCH_BIN=$BUILD_DIR/tools/hermes-bench
CAT_BIN=$BUILD_DIR/tools/hermes-cat

CAT_PID=""
stop_cat() {
  if [ -n "$CAT_PID" ]; then
    kill -CONT "$CAT_PID" 2>/dev/null || true
    kill -TERM "$CAT_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$CAT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CAT_PID" 2>/dev/null || true
    wait "$CAT_PID" 2>/dev/null || true
    CAT_PID=""
  fi
}

# shellcheck source=bench/hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"
trap 'stop_cat; hub_stop' EXIT
trap 'stop_cat; hub_stop; exit 130' INT TERM

# A member of room "bench" that reads until it has joined, then stops.
start_stalled_member() {
  "$CAT_BIN" --host 127.0.0.1 --port "$HUB_PORT" --nick stalled --room bench --follow --json \
    </dev/null >"$HUB_DIR/stalled.out" 2>"$HUB_DIR/stalled.err" &
  CAT_PID=$!
  for _ in $(seq 100); do
    grep -q '"type":"members"' "$HUB_DIR/stalled.out" 2>/dev/null && break
    kill -0 "$CAT_PID" 2>/dev/null || break
    sleep 0.05
  done
  grep -q '"type":"members"' "$HUB_DIR/stalled.out" ||
    { log "the stalled member did not join: $(tail -3 "$HUB_DIR/stalled.err")"; exit 1; }
  kill -STOP "$CAT_PID"
}

run_l1() { # run setting
  local run=$1 setting=$2
  hub_new_dir
  hub_launch "$ROOT/tools/bench/hermesd-bench.properties"
  sleep 0.5
  [ "$setting" = stalled ] && start_stalled_member
  log "L1 / $setting / run $run"
  timeout -k 5 120 "$BENCH_BIN" --port "$HUB_PORT" --hub-pid "$HUB_PID" --json --timeout 90 \
    --scenario L1 -t "$L1_T" |
    sed "s/^{/{\"run\":$run,\"setting\":\"$setting\",/" >>"$JSONL" ||
    log "hermes-bench failed (run $run, $setting)"
  grep -h "stalled" "$HUB_DIR/hermesd.log" | grep -i "closed" >&2 || true
  stop_cat
  hub_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  if [ $((run % 2)) -eq 1 ]; then order="alone stalled"; else order="stalled alone"; fi
  for setting in $order; do
    run_l1 "$run" "$setting"
  done
done

{
  echo "# L1 with a stalled member, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (with uncommitted changes)'); $(nproc) cores; $RUNS round(s), $(($(date +%s) - T0)) s"
  echo "- command: \`RUNS=$RUNS L1_T=$L1_T tools/compare-stalled.sh\`; hermes-bench --scenario L1 -t $L1_T against tools/bench/hermesd-bench.properties, alone and with one more member (hermes-cat --follow, then SIGSTOP)"
  echo
  python3 - "$JSONL" <<'PY'
import json, statistics, sys
rows = {"alone": [], "stalled": []}
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        r = json.loads(line)
        rows[r["setting"]].append(r)
def med(values):
    return statistics.median(values) if values else float("nan")
def cell(values):
    if not values:
        return "n/a"
    return "{:.2f} ({:.2f}-{:.2f})".format(med(values), min(values), max(values))
print("| figure | alone | with a stalled member | ratio |")
print("|---|--:|--:|--:|")
for key in ("p50", "p99"):
    a = [r["latency_ms"][key] for r in rows["alone"]]
    s = [r["latency_ms"][key] for r in rows["stalled"]]
    print("| L1 {} (ms) | {} | {} | {:.2f}x |".format(key, cell(a), cell(s), med(s) / med(a)))
for setting in ("alone", "stalled"):
    done = sum(r["received"] for r in rows[setting])
    want = sum(r["expected"] for r in rows[setting])
    print("| L1 complete, {} | {:.2f} % | | |".format(setting, 100.0 * done / want if want else 0))
ok = all(med([r["latency_ms"][k] for r in rows["stalled"]]) <=
         2 * med([r["latency_ms"][k] for r in rows["alone"]]) for k in ("p50", "p99"))
print()
print("Goal: the others' latency with a stalled member within 2x of without: **{}**".format(
    "met" if ok else "not met"))
PY
} >"$OUT"
cat "$OUT"
log "written: $OUT"
