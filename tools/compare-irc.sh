#!/usr/bin/env bash
# Measures hermesd's IRC gateway side by side with ngIRCd in one run: the
# shared load generator ../shared/bench/fanout (--proto irc, the same IRC
# client for both) drives scenarios T1 and L1 against ngIRCd (started by
# ../shared/bench/run-peers.sh with its config in peers/ngircd) and against
# a fresh hermesd whose IRC port the members use. The order alternates
# between rounds, so drift on a shared machine favours neither. One Markdown
# table gives medians (min-max): deliveries/s, server CPU-s per million
# deliveries, L1 p50/p99, peak RSS, and the ratio hermesd / ngIRCd.
#
#   tools/compare-irc.sh                   # RUNS=3 rounds
#   RUNS=1 TP_M=50 tools/compare-irc.sh    # a quick look
#
# Knobs (environment): RUNS (3), BUILD_DIR (build/release), RESULTS
# (bench-results), SHARED_BENCH (../shared/bench), TP_M (200), LAT_R (2000),
# LAT_T (10), SCENARIOS ("throughput latency"), IRC_SEND_INTERVALS (""):
# irc.send_interval_ms values to compare in the same rounds, e.g. "0 2"
# (each hermesd run once per value, labelled hermesd-irc-Nms, the order
# alternating too; empty: one hermesd with the config's own value, labelled
# hermesd-irc). T1 = -n 100 -s 100 -m TP_M
# -b 64 -w 16; L1 = -n 100 -s 100 -r LAT_R -t LAT_T -b 64: run-peers.sh's.
# hermesd runs tools/bench/hermesd-bench.properties with its IRC listener on
# a free loopback port: no rate limit (hub.rate_per_second = 0, which the
# gateway's own bucket follows), as ngIRCd's config lifts its penalties.
# Everything runs on 127.0.0.1 and every run is bounded in time; the servers
# this script starts are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
TP_M=${TP_M:-200}
LAT_R=${LAT_R:-2000}
LAT_T=${LAT_T:-10}
SCENARIOS=${SCENARIOS:-throughput latency}
IRC_SEND_INTERVALS=${IRC_SEND_INTERVALS:-}
# shellcheck source=bench/lib.sh
. "$ROOT/tools/bench/lib.sh"
KV=$RESULTS/compare-irc-$STAMP.kv
FANOUT_LOG=$RESULTS/compare-irc-$STAMP.log
OUT=$RESULTS/compare-irc-$STAMP.md

[ -x "$SHARED_BENCH/run-peers.sh" ] || { bench_log "no $SHARED_BENCH/run-peers.sh"; exit 2; }
bench_build hermesd
bench_fanout
bench_raise_nofile
trap bench_cleanup EXIT
trap 'bench_cleanup; exit 130' INT TERM

# The bench config with the IRC listener on: a free loopback port (0 would
# mean "no listener"), in the hub's own temporary directory.
start_hub() { # [irc.send_interval_ms]
  hub_new_dir
  IRC_PORT=$(hub_free_port)
  grep -v '^irc\.\(port\|host\) *=' "$ROOT/tools/bench/hermesd-bench.properties" >"$HUB_DIR/irc.properties"
  printf 'irc.port = %s\nirc.host = 127.0.0.1\n' "$IRC_PORT" >>"$HUB_DIR/irc.properties"
  if [ -n "${1:-}" ]; then
    grep -v '^irc\.send_interval_ms *=' "$HUB_DIR/irc.properties" >"$HUB_DIR/irc.tmp"
    printf 'irc.send_interval_ms = %s\n' "$1" >>"$HUB_DIR/irc.tmp"
    mv "$HUB_DIR/irc.tmp" "$HUB_DIR/irc.properties"
  fi
  hub_launch "$HUB_DIR/irc.properties"
  for _ in $(seq 100); do
    ss -Hltn "sport = :$IRC_PORT" | grep -q . && break
    sleep 0.05
  done
  sleep 0.5 # same settling time run-peers.sh gives its peers before the CPU baseline
}

run_hermes() { # run scenario [irc.send_interval_ms]
  local run=$1 scenario=$2 interval=${3:-} label=hermesd-irc
  [ -z "$interval" ] || label=hermesd-irc-${interval}ms
  start_hub "$interval"
  bench_log "$label / $scenario / run $run"
  # shellcheck disable=SC2046
  timeout -k 5 300 "$FANOUT" --proto irc --port "$IRC_PORT" --pid "$HUB_PID" \
    --label "$label" --run "$run" --kv "$KV" --concurrency 64 $(bench_fanout_args "$scenario") \
    2>>"$FANOUT_LOG" ||
    { bench_log "fanout $scenario run $run against hermesd failed; hub log:"; tail -5 "$HUB_DIR/hermesd.log" >&2; }
  hub_stop
}

run_ngircd() { # run scenario
  local run=$1 scenario=$2
  RESULTS=$RESULTS/peers RAW=$KV OUT=$RESULTS/compare-irc-$STAMP.peers.md RUNS=1 PEERS=ngircd \
    SCENARIOS=$scenario LAT_RATES=$LAT_R LAT_T=$LAT_T TP_M=$TP_M FANOUT=$FANOUT NO_BUILD=1 \
    NO_INSTALL=1 "$SHARED_BENCH/run-peers.sh" >&2
}

run_hermes_all() { # run scenario: each interval asked for, reversed in even rounds
  local run=$1 scenario=$2 intervals
  if [ -z "$IRC_SEND_INTERVALS" ]; then
    run_hermes "$run" "$scenario"
    return
  fi
  intervals=$IRC_SEND_INTERVALS
  if [ $((run % 2)) -eq 0 ]; then
    intervals=$(echo "$IRC_SEND_INTERVALS" | tr ' ' '\n' | tac | tr '\n' ' ')
  fi
  for interval in $intervals; do
    run_hermes "$run" "$scenario" "$interval"
  done
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  for scenario in $SCENARIOS; do
    for server in $(bench_order "$run" ngircd hermes_all); do
      "run_$server" "$run" "$scenario"
    done
  done
done
T1_END=$(date +%s)

{
  echo "# hermesd's IRC gateway vs ngIRCd, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- $(bench_describe); $RUNS round(s), $((T1_END - T0)) s"
  echo "- command: \`RUNS=$RUNS TP_M=$TP_M${IRC_SEND_INTERVALS:+ IRC_SEND_INTERVALS=\"$IRC_SEND_INTERVALS\"} tools/compare-irc.sh\`; both driven by \`../shared/bench/fanout --proto irc\` (T1 $(bench_fanout_args throughput); L1 $(bench_fanout_args latency)); $(ngircd --version 2>&1 | head -1)"
  echo "- hermesd: \`$HUB_BIN\`; raw figures: \`$(basename "$KV")\`; fanout's log: \`$(basename "$FANOUT_LOG")\`"
  echo
  python3 "$ROOT/tools/bench/irc_table.py" "$KV"
} >"$OUT"
cat "$OUT"
bench_log "written: $OUT"
