#!/usr/bin/env bash
# Measures hermesd side by side with the servers people would otherwise use
# (redis-server pub/sub and ngIRCd, set up and driven by ../shared/bench/run-peers.sh)
# on the same scenarios, in one run, and writes one Markdown table with medians,
# ratios to redis-server and each goal of the performance issue marked met or not.
# Scenarios: T1, L1, I1, and B1 (a burst: 100 senders each send 50 messages of
# 1 KiB at once; redis only, since IRC lines stop at 512 bytes).
#
#   tools/compare-peers.sh                 # RUNS=3 rounds: peers, then hermesd, per round
#   RUNS=1 TP_M=50 tools/compare-peers.sh  # a quick look
#
# Knobs (environment): RUNS (3), BUILD_DIR (build/release), RESULTS (bench-results),
# SHARED_BENCH (../shared/bench), PEERS ("redis ngircd"), TP_M (200), IDLE_C (5000).
# Everything runs on 127.0.0.1 and every run is bounded in time; the hubs this
# script starts are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
RESULTS=${RESULTS:-$ROOT/bench-results}
case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
SHARED_BENCH=${SHARED_BENCH:-$ROOT/../shared/bench}
export PEERS=${PEERS:-"redis ngircd"}
TP_M=${TP_M:-200}
IDLE_C=${IDLE_C:-5000}
STAMP=$(date +%Y%m%d-%H%M%S)
PEERS_KV=$RESULTS/compare-$STAMP.peers.kv
BURST_KV=$RESULTS/compare-$STAMP.burst.kv
HERMES_JSONL=$RESULTS/compare-$STAMP.hermes.jsonl
OUT=$RESULTS/compare-$STAMP.md
mkdir -p "$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

[ -x "$SHARED_BENCH/run-peers.sh" ] || { log "no $SHARED_BENCH/run-peers.sh"; exit 2; }
if [ ! -x "$BUILD_DIR/hermesd/hermesd" ] || [ ! -x "$BUILD_DIR/tools/hermes-bench" ]; then
  log "building hermesd and hermes-bench (release preset)"
  (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" --target hermesd hermes-bench)
  BUILD_DIR=$ROOT/build/release
fi
HUB_BIN=$BUILD_DIR/hermesd/hermesd
BENCH_BIN=$BUILD_DIR/tools/hermes-bench

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# shellcheck source=bench/hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"
trap hub_stop EXIT
trap 'hub_stop; exit 130' INT TERM

start_hub() {
  hub_new_dir
  hub_launch "$ROOT/tools/bench/hermesd-bench.properties"
  sleep 0.5 # same settling time run-peers.sh gives its peers before the CPU baseline
}

run_hermes() { # run scenario args...
  local run=$1 scenario=$2
  shift 2
  start_hub
  log "hermesd / $scenario / run $run"
  timeout -k 5 300 "$BENCH_BIN" --port "$HUB_PORT" --hub-pid "$HUB_PID" --json --timeout 240 "$@" |
    sed "s/^{/{\"run\":$run,\"label\":\"$scenario\",/" >>"$HERMES_JSONL" ||
    { log "hermes-bench $scenario run $run failed; hub log:"; tail -5 "$HUB_DIR/hermesd.log" >&2; }
  hub_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  log "round $run of $RUNS: peers"
  RESULTS=$RESULTS/peers RAW=$PEERS_KV OUT=$RESULTS/compare-$STAMP.peers.md RUNS=1 \
    SCENARIOS="throughput latency idle" LAT_RATES=2000 TP_M=$TP_M IDLE_C=$IDLE_C \
    NO_BUILD=$([ "$run" -gt 1 ] && echo 1 || echo 0) "$SHARED_BENCH/run-peers.sh" >&2
  log "round $run of $RUNS: peers, burst"
  RESULTS=$RESULTS/peers RAW=$BURST_KV OUT=$RESULTS/compare-$STAMP.burst.md RUNS=1 PEERS=redis \
    SCENARIOS=throughput TP_N=100 TP_S=100 TP_M=50 TP_B=1024 TP_W=50 \
    NO_BUILD=1 "$SHARED_BENCH/run-peers.sh" >&2
  log "round $run of $RUNS: hermesd"
  run_hermes "$run" T1 --scenario T1 -m "$TP_M"
  run_hermes "$run" L1 --scenario L1
  run_hermes "$run" I1 --scenario I1 -n "$IDLE_C"
  run_hermes "$run" B1 --scenario B1
done
T1_END=$(date +%s)

{
  echo "# hermesd vs peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (with uncommitted changes)'); $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $RUNS round(s), $((T1_END - T0)) s"
  echo "- command: \`RUNS=$RUNS tools/compare-peers.sh\`; peers by \`../shared/bench/run-peers.sh\` (fanout), hermesd by \`hermes-bench\` with the same parameters (T1 -n 100 -s 100 -m $TP_M -b 64 -w 16; L1 -r 2000 -t 10; I1 -c $IDLE_C; B1 -n 100 -s 100 -m 50 -b 1024 -w 50)"
  echo "- raw figures: \`$(basename "$PEERS_KV")\`, \`$(basename "$HERMES_JSONL")\`; peers' own tables: \`$(basename "$OUT" .md).peers.md\`"
  echo
  python3 "$ROOT/tools/bench/compare_table.py" "$PEERS_KV" "$HERMES_JSONL" "$BURST_KV"
} >"$OUT"
cat "$OUT"
log "written: $OUT"
