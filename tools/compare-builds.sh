#!/usr/bin/env bash
# Measures two builds of hermesd side by side in one run: the same
# hermes-bench drives scenarios T1, L1 and I1 against a fresh hub of each
# build in turn (the order alternates between rounds, so drift on a shared
# machine favours neither), and one Markdown table gives medians (min-max)
# and the ratio new / old. For a refactoring that must cost nothing:
#
#   git worktree add --detach /tmp/hermes-base main
#   (cd /tmp/hermes-base && cmake --preset release && cmake --build --preset release --target hermesd)
#   OLD_HUB=/tmp/hermes-base/build/release/hermesd/hermesd RUNS=5 tools/compare-builds.sh
#
# Knobs (environment): OLD_HUB (required), NEW_HUB (build/release's hermesd),
# BENCH (build/release's hermes-bench), RUNS (5), SCENARIOS ("T1 L1 I1"),
# TP_M (200), L1_T (10), IDLE_C (5000), RESULTS (bench-results), PERSIST
# (false; true: durable history, each hub's database in its own temporary
# directory, e.g. to compare two builds' SQLite history). Each hub runs
# tools/bench/hermesd-bench.properties (no rate limit, history in memory
# unless PERSIST) on 127.0.0.1; every run is bounded in time; the hubs this script
# starts are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${OLD_HUB:?set OLD_HUB to the hermesd binary to compare against}"
NEW_HUB=${NEW_HUB:-$ROOT/build/release/hermesd/hermesd}
BENCH=${BENCH:-$ROOT/build/release/tools/hermes-bench}
RUNS=${RUNS:-5}
SCENARIOS=${SCENARIOS:-T1 L1 I1}
TP_M=${TP_M:-200}
L1_T=${L1_T:-10}
IDLE_C=${IDLE_C:-5000}
RESULTS=${RESULTS:-$ROOT/bench-results}
case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
PERSIST=${PERSIST:-false}
STAMP=$(date +%Y%m%d-%H%M%S)
JSONL=$RESULTS/builds-$STAMP.jsonl
OUT=$RESULTS/builds-$STAMP.md
mkdir -p "$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
for binary in "$OLD_HUB" "$NEW_HUB" "$BENCH"; do
  [ -x "$binary" ] || { log "not executable: $binary"; exit 2; }
done

ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# shellcheck source=bench/hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"
trap hub_stop EXIT
trap 'hub_stop; exit 130' INT TERM

run_one() { # run build scenario args...
  local run=$1 build=$2 scenario=$3
  shift 3
  if [ "$build" = old ]; then HUB_BIN=$OLD_HUB; else HUB_BIN=$NEW_HUB; fi
  hub_new_dir
  # history.path is relative: a durable hub's database lands in its own directory.
  sed "s/^history\.persist = .*/history.persist = $PERSIST/" "$ROOT/tools/bench/hermesd-bench.properties" \
    >"$HUB_DIR/hermesd.properties"
  hub_launch "$HUB_DIR/hermesd.properties"
  log "$build / $scenario / run $run"
  timeout -k 5 300 "$BENCH" --port "$HUB_PORT" --hub-pid "$HUB_PID" --json --timeout 240 "$@" |
    sed "s/^{/{\"run\":$run,\"build\":\"$build\",\"label\":\"$scenario\",/" >>"$JSONL" ||
    log "hermes-bench $scenario ($build) run $run failed"
  hub_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  order="old new"
  [ $((run % 2)) -eq 0 ] && order="new old"
  for scenario in $SCENARIOS; do
    for build in $order; do
      case $scenario in
        T1) run_one "$run" "$build" T1 --scenario T1 -m "$TP_M" ;;
        L1) run_one "$run" "$build" L1 --scenario L1 -t "$L1_T" ;;
        I1) run_one "$run" "$build" I1 --scenario I1 -n "$IDLE_C" ;;
        *) log "unknown scenario $scenario"; exit 2 ;;
      esac
    done
  done
done
T1_END=$(date +%s)

{
  echo "# two builds of hermesd side by side, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- old: \`$OLD_HUB\`; new: \`$NEW_HUB\` (commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ', with uncommitted changes'))"
  echo "- $(nproc) cores; $RUNS round(s), $((T1_END - T0)) s; command: \`PERSIST=$PERSIST RUNS=$RUNS TP_M=$TP_M L1_T=$L1_T IDLE_C=$IDLE_C tools/compare-builds.sh\`; hermes-bench T1 -m $TP_M, L1 -t $L1_T, I1 -n $IDLE_C against a fresh hub each, tools/bench/hermesd-bench.properties"
  echo "- raw figures: \`$(basename "$JSONL")\`"
  echo
  python3 "$ROOT/tools/bench/ab_table.py" "$JSONL" build old new "old" "new"
} >"$OUT"
cat "$OUT"
log "written: $OUT"
