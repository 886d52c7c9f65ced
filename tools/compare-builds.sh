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
# TP_M (200), L1_T (10), IDLE_C (5000), PERSIST (false: history in memory;
# true: durable), RESULTS (bench-results). Each hub
# runs tools/bench/hermesd-bench.properties (no rate limit, history in
# memory) on 127.0.0.1; every run is bounded in time; the hubs this script
# starts are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${OLD_HUB:?set OLD_HUB to the hermesd binary to compare against}"
NEW_HUB=${NEW_HUB:-$ROOT/build/release/hermesd/hermesd}
BENCH_BIN=${BENCH:-$ROOT/build/release/tools/hermes-bench}
RUNS=${RUNS:-5}
SCENARIOS=${SCENARIOS:-T1 L1 I1}
TP_M=${TP_M:-200}
L1_T=${L1_T:-10}
IDLE_C=${IDLE_C:-5000}
PERSIST=${PERSIST:-false}
# shellcheck source=bench/lib.sh
. "$ROOT/tools/bench/lib.sh"
JSONL=$RESULTS/builds-$STAMP.jsonl
OUT=$RESULTS/builds-$STAMP.md

for binary in "$OLD_HUB" "$NEW_HUB" "$BENCH_BIN"; do
  [ -x "$binary" ] || { bench_log "not executable: $binary"; exit 2; }
done
bench_raise_nofile
trap bench_cleanup EXIT
trap 'bench_cleanup; exit 130' INT TERM

# history.persist as PERSIST says (false: the bench config as it is); the
# database lands in each hub's own directory (history.path is relative).
CONFIG=$RESULTS/builds-$STAMP.properties
sed "s/^history\.persist = .*/history.persist = $PERSIST/" "$ROOT/tools/bench/hermesd-bench.properties" >"$CONFIG"
grep -q "^history.persist = $PERSIST\$" "$CONFIG" ||
  { bench_log "tools/bench/hermesd-bench.properties has no history.persist line"; exit 2; }
T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  for scenario in $SCENARIOS; do
    for build in $(bench_order "$run" old new); do
      HUB_BIN=$NEW_HUB
      [ "$build" = old ] && HUB_BIN=$OLD_HUB
      tag="\"run\":$run,\"build\":\"$build\",\"label\":\"$scenario\""
      case $scenario in
        T1) bench_hermes "$tag" "$CONFIG" --scenario T1 -m "$TP_M" ;;
        L1) bench_hermes "$tag" "$CONFIG" --scenario L1 -t "$L1_T" ;;
        I1) bench_hermes "$tag" "$CONFIG" --scenario I1 -n "$IDLE_C" ;;
        *) bench_log "unknown scenario $scenario"; exit 2 ;;
      esac
    done
  done
done
T1_END=$(date +%s)

{
  echo "# two builds of hermesd side by side, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- old: \`$OLD_HUB\`; new: \`$NEW_HUB\` (commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ', with uncommitted changes'))"
  echo "- $(nproc) cores; $RUNS round(s), $((T1_END - T0)) s; command: \`PERSIST=$PERSIST RUNS=$RUNS TP_M=$TP_M L1_T=$L1_T IDLE_C=$IDLE_C tools/compare-builds.sh\`; hermes-bench T1 -m $TP_M, L1 -t $L1_T, I1 -n $IDLE_C against a fresh hub each, tools/bench/hermesd-bench.properties with history.persist = $PERSIST"
  echo "- raw figures: \`$(basename "$JSONL")\`"
  echo
  python3 "$ROOT/tools/bench/ab_table.py" "$JSONL" build old new "old" "new"
} >"$OUT"
cat "$OUT"
bench_log "written: $OUT"
