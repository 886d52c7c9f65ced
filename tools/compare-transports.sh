#!/usr/bin/env bash
# Browsers against terminals: the same hermes-bench scenarios with every
# member on WebSocket (hermes-bench --ws, through hermesd's http.port) and on
# TCP, against a fresh hub each time, alternating which goes first, and one
# Markdown table of medians (min-max) and the ratio ws / tcp. Issue 15's
# goals: T1's hub CPU per delivery within 1.5x of TCP's, and I1 with 1,000
# browser sessions within 4 KiB of hub memory (RSS) per client.
# TRANSPORTS="tcp tls" compares TLS instead (hermes-bench --tls against a hub
# with tls.enabled and its self-signed certificate): issue 16's goal, T1's
# hub CPU per delivery with TLS at most 2.5x plaintext.
#
#   RUNS=5 tools/compare-transports.sh
#   RUNS=5 TRANSPORTS="tcp tls" SCENARIOS="T1 L1 I1" tools/compare-transports.sh
#
# Knobs (environment): HUB (build/release's hermesd), BENCH (build/release's
# hermes-bench), RUNS (5), SCENARIOS ("T1 I1"), TP_M (200), IDLE_C (1000),
# RESULTS (bench-results), TRANSPORTS ("tcp ws": two of tcp, ws, tls). Each hub runs tools/bench/hermesd-bench.properties
# (no rate limit, history in memory) with its HTTP listener on a free port,
# on 127.0.0.1; every run is bounded in time; the hubs this script starts
# are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HUB_BIN=${HUB:-$ROOT/build/release/hermesd/hermesd}
BENCH=${BENCH:-$ROOT/build/release/tools/hermes-bench}
RUNS=${RUNS:-5}
SCENARIOS=${SCENARIOS:-T1 I1}
TP_M=${TP_M:-200}
IDLE_C=${IDLE_C:-1000}
RESULTS=${RESULTS:-$ROOT/bench-results}
TRANSPORTS=${TRANSPORTS:-tcp ws}
read -r TRANSPORT_A TRANSPORT_B <<<"$TRANSPORTS"
case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
STAMP=$(date +%Y%m%d-%H%M%S)
JSONL=$RESULTS/transports-$STAMP.jsonl
OUT=$RESULTS/transports-$STAMP.md
mkdir -p "$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
for binary in "$HUB_BIN" "$BENCH"; do
  [ -x "$binary" ] || { log "not executable: $binary"; exit 2; }
done

ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

HUB_HTTP=1
# shellcheck source=bench/hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"
trap hub_stop EXIT
trap 'hub_stop; exit 130' INT TERM

run_one() { # run transport scenario args...
  local run=$1 transport=$2 scenario=$3
  shift 3
  hub_new_dir
  local config=$ROOT/tools/bench/hermesd-bench.properties
  if [ "$transport" = tls ]; then
    # The same settings with TLS on; the self-signed certificate is made in
    # the hub's directory at its start (before the run is measured).
    cat "$config" >"$HUB_DIR/tls.properties"
    echo "tls.enabled = true" >>"$HUB_DIR/tls.properties"
    config=$HUB_DIR/tls.properties
  fi
  hub_launch "$config"
  local target=(--port "$HUB_PORT")
  [ "$transport" = ws ] && target=(--ws --port "$HUB_HTTP_PORT")
  [ "$transport" = tls ] && target=(--tls --port "$HUB_PORT")
  log "$transport / $scenario / run $run"
  timeout -k 5 300 "$BENCH" "${target[@]}" --hub-pid "$HUB_PID" --json --timeout 240 "$@" |
    sed "s/^{/{\"run\":$run,\"transport_run\":\"$transport\",\"label\":\"$scenario\",/" >>"$JSONL" ||
    log "hermes-bench $scenario ($transport) run $run failed"
  hub_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  order="$TRANSPORT_A $TRANSPORT_B"
  [ $((run % 2)) -eq 0 ] && order="$TRANSPORT_B $TRANSPORT_A"
  for scenario in $SCENARIOS; do
    for transport in $order; do
      case $scenario in
        T1) run_one "$run" "$transport" T1 --scenario T1 -m "$TP_M" ;;
        L1) run_one "$run" "$transport" L1 --scenario L1 ;;
        I1) run_one "$run" "$transport" I1 --scenario I1 -n "$IDLE_C" ;;
        *) log "unknown scenario $scenario"; exit 2 ;;
      esac
    done
  done
done
T_END=$(date +%s)

{
  echo "# $TRANSPORT_A and $TRANSPORT_B members side by side, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- hub: \`$HUB_BIN\` (commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ', with uncommitted changes'))"
  echo "- $(nproc) cores; $RUNS round(s), $((T_END - T0)) s; command: \`RUNS=$RUNS TP_M=$TP_M IDLE_C=$IDLE_C TRANSPORTS=\"$TRANSPORTS\" SCENARIOS=\"$SCENARIOS\" tools/compare-transports.sh\`; hermes-bench $SCENARIOS (T1 -m $TP_M, I1 -n $IDLE_C) over $TRANSPORT_A and $TRANSPORT_B, against a fresh hub each, tools/bench/hermesd-bench.properties"
  echo "- raw figures: \`$(basename "$JSONL")\`"
  echo
  title() { case $1 in tcp) echo "TCP members" ;; ws) echo "WebSocket members" ;; tls) echo "TLS members" ;; *) echo "$1" ;; esac; }
  python3 "$ROOT/tools/bench/ab_table.py" "$JSONL" transport_run "$TRANSPORT_A" "$TRANSPORT_B" "$(title "$TRANSPORT_A")" "$(title "$TRANSPORT_B")"
} >"$OUT"
cat "$OUT"
log "written: $OUT"
