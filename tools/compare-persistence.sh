#!/usr/bin/env bash
# Measures what durable history costs the hub's fan-out: scenario T1 (and L1)
# against hermesd with history.persist = false and = true, side by side in one
# run, and writes one Markdown table with medians and the ratio, marking the
# goal of the durable-history issue (persistence cuts T1 deliveries/s by at
# most 10%) met or not.
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
TP_M=${TP_M:-200}
L1_T=${L1_T:-5}
# shellcheck source=bench/lib.sh
. "$ROOT/tools/bench/lib.sh"
JSONL=$RESULTS/persistence-$STAMP.jsonl
OUT=$RESULTS/persistence-$STAMP.md

bench_build hermesd hermes-bench
trap bench_cleanup EXIT
trap 'bench_cleanup; exit 130' INT TERM

# The bench config with history.persist set, in the hub's own directory
# (history.path is relative: the database lands there too).
persist_config() { # persist
  local config=$RESULTS/persistence-$STAMP.persist-$1.properties
  sed "s/^history\.persist = .*/history.persist = $1/" "$ROOT/tools/bench/hermesd-bench.properties" >"$config"
  grep -q "^history.persist = $1\$" "$config" ||
    { bench_log "tools/bench/hermesd-bench.properties has no history.persist line"; exit 2; }
  echo "$config"
}
CONFIG_OFF=$(persist_config false)
CONFIG_ON=$(persist_config true)

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  for persist in $(bench_order "$run" false true); do
    config=$CONFIG_OFF
    [ "$persist" = true ] && config=$CONFIG_ON
    bench_hermes "\"run\":$run,\"persist\":$persist,\"label\":\"T1\"" "$config" --scenario T1 -m "$TP_M"
    if [ "$L1_T" -gt 0 ]; then
      bench_hermes "\"run\":$run,\"persist\":$persist,\"label\":\"L1\"" "$config" --scenario L1 -t "$L1_T"
    fi
  done
done
T1_END=$(date +%s)

{
  echo "# hermesd with and without durable history, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- $(bench_describe); $RUNS round(s), $((T1_END - T0)) s"
  echo "- command: \`RUNS=$RUNS TP_M=$TP_M L1_T=$L1_T tools/compare-persistence.sh\`; hermes-bench T1 -n 100 -s 100 -m $TP_M -b 64 -w 16, L1 -r 2000 -t $L1_T; a fresh hermesd per run with tools/bench/hermesd-bench.properties and history.persist set"
  echo "- raw figures: \`$(basename "$JSONL")\`"
  echo
  python3 "$ROOT/tools/bench/persistence_table.py" "$JSONL"
} >"$OUT"
cat "$OUT"
bench_log "written: $OUT"
