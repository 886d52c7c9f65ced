#!/usr/bin/env bash
# Measures hermesd side by side with the servers people would otherwise use
# (redis-server pub/sub and ngIRCd, set up and driven by
# ../shared/bench/run-peers.sh; nats-server, driven by its fanout directly
# with tools/bench/nats.conf) on the same scenarios, in one run; then I1 at
# each room size of a sweep (1,000 to 15,000 clients) for every server.
# Writes one Markdown table with medians, ratios to redis-server and each
# goal of issue 21 marked met or not, and draws the results as SVG charts
# with gnuplot (deliveries/s and CPU per delivery, latency percentiles, join
# time and memory per client against room size) next to the table.
# Scenarios: T1, L1, I1 (IDLE_C clients), and B1 (a burst: 100 senders each
# send 50 messages of 1 KiB at once; redis only, since IRC lines stop at 512
# bytes).
#
#   tools/compare-peers.sh                 # RUNS=3 rounds, then the sweep
#   RUNS=1 TP_M=50 SWEEP_SIZES="1000 5000" tools/compare-peers.sh  # a quick look
#
# Knobs (environment): RUNS (3), BUILD_DIR (build/release), RESULTS
# (bench-results), SHARED_BENCH (../shared/bench), PEERS ("redis ngircd":
# run-peers.sh's), NATS (1: nats-server too), TP_M (200), IDLE_C (5000),
# SWEEP_SIZES ("1000 2500 5000 10000 15000"; empty: no sweep),
# SWEEP_SERVERS ("hermesd redis nats ngircd"), SWEEP_RUNS (1), JOIN_DEADLINE
# (60: seconds a sweep run may take, joins and the member-list check; a
# server that has not joined every client by then is shown so, and its
# larger sizes are not run),
# CHARTS (the folder for the SVGs: next to the table).
#
# The open-file limit is raised to the hard limit (20,000 here) for every
# process started from here: 15,000 clients are 15,000 sockets on each side.
# redis-server's clients hold 2 connections each (SUBSCRIBE, PUBLISH), so a
# size that needs more than the limit is listed as not run, with why. Every
# server listens below 32768 (outside the ephemeral range 32768-60999), so
# the clients' source ports cannot collide with it. Everything runs on
# 127.0.0.1 and every run is bounded in time; the servers this script starts
# are stopped by PID, also on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
export PEERS=${PEERS:-"redis ngircd"}
NATS=${NATS:-1}
TP_M=${TP_M:-200}
IDLE_C=${IDLE_C:-5000}
SWEEP_SIZES=${SWEEP_SIZES-1000 2500 5000 10000 15000}
SWEEP_SERVERS=${SWEEP_SERVERS:-hermesd redis nats ngircd}
SWEEP_RUNS=${SWEEP_RUNS:-1}
JOIN_DEADLINE=${JOIN_DEADLINE:-60}
# shellcheck source=bench/lib.sh
. "$ROOT/tools/bench/lib.sh"
PEERS_KV=$RESULTS/compare-$STAMP.peers.kv
BURST_KV=$RESULTS/compare-$STAMP.burst.kv
JSONL=$RESULTS/compare-$STAMP.hermes.jsonl
SWEEP_KV=$RESULTS/compare-$STAMP.sweep.kv
SWEEP_JSONL=$RESULTS/compare-$STAMP.sweep.jsonl
SWEEP_SKIPS=$RESULTS/compare-$STAMP.sweep-skips.tsv
FANOUT_LOG=$RESULTS/compare-$STAMP.fanout.log
OUT=$RESULTS/compare-$STAMP.md
CHARTS=${CHARTS:-$RESULTS/compare-$STAMP-charts}
CONFIG=$ROOT/tools/bench/hermesd-bench.properties
NATS_CONF=$ROOT/tools/bench/nats.conf

[ -x "$SHARED_BENCH/run-peers.sh" ] || { bench_log "no $SHARED_BENCH/run-peers.sh"; exit 2; }
command -v gnuplot >/dev/null || bench_log "no gnuplot (tools/install-deps.sh installs gnuplot-nox): no charts"
if [ "$NATS" = 1 ] && ! command -v nats-server >/dev/null; then
  bench_log "no nats-server (tools/install-deps.sh installs it): left out"
  NATS=0
fi
bench_build hermesd hermes-bench
bench_fanout
bench_raise_nofile
trap bench_cleanup EXIT
trap 'bench_cleanup; exit 130' INT TERM

# One fanout run against a peer this script starts itself (nats-server, and
# every peer in the sweep), on the peer's fixed port (below 32768).
run_peer() { # peer run kv scenario-args...
  local peer=$1 run=$2 kv=$3
  shift 3
  local conf=()
  [ "$peer" = nats ] && conf=("$NATS_CONF")
  bench_peer_start "$peer" "$RESULTS/compare-$STAMP.$peer.log" "${conf[@]}" || return 0
  sleep 0.5 # the settling time run-peers.sh gives its peers before the CPU baseline
  bench_log "$peer: $* (run $run)"
  timeout -k 5 $((JOIN_DEADLINE + 300)) "$FANOUT" --proto "$(peer_proto "$peer")" --port "$(peer_port "$peer")" \
    --pid "$SERVER_PID" --label "$peer" --run "$run" --kv "$kv" --concurrency "$(peer_concurrency "$peer")" \
    "$@" 2>>"$FANOUT_LOG" || bench_log "fanout ($peer, $*) did not complete; see $FANOUT_LOG"
  bench_peer_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  bench_log "round $run of $RUNS: peers"
  RESULTS=$RESULTS/peers RAW=$PEERS_KV OUT=$RESULTS/compare-$STAMP.peers.md RUNS=1 \
    SCENARIOS="throughput latency idle" LAT_RATES=2000 TP_M=$TP_M IDLE_C=$IDLE_C FANOUT=$FANOUT \
    NO_BUILD=1 "$SHARED_BENCH/run-peers.sh" >&2
  bench_log "round $run of $RUNS: peers, burst"
  RESULTS=$RESULTS/peers RAW=$BURST_KV OUT=$RESULTS/compare-$STAMP.burst.md RUNS=1 PEERS=redis \
    SCENARIOS=throughput TP_N=100 TP_S=100 TP_M=50 TP_B=1024 TP_W=50 FANOUT=$FANOUT \
    NO_BUILD=1 "$SHARED_BENCH/run-peers.sh" >&2
  if [ "$NATS" = 1 ]; then
    for scenario in throughput latency idle; do
      # shellcheck disable=SC2046
      run_peer nats "$run" "$PEERS_KV" $(bench_fanout_args "$scenario")
    done
  fi
  bench_log "round $run of $RUNS: hermesd"
  bench_hermes "\"run\":$run,\"label\":\"T1\"" "$CONFIG" --scenario T1 -m "$TP_M"
  bench_hermes "\"run\":$run,\"label\":\"L1\"" "$CONFIG" --scenario L1
  bench_hermes "\"run\":$run,\"label\":\"I1\"" "$CONFIG" --scenario I1 -n "$IDLE_C"
  bench_hermes "\"run\":$run,\"label\":\"B1\"" "$CONFIG" --scenario B1
done
T_ROUNDS=$(date +%s)

# The sweep: I1 at each size, each server, smallest first. hermesd gets room
# for the largest size (hub.max_clients) and a listener below 32768.
SWEEP_CONFIG=$RESULTS/compare-$STAMP.sweep.properties
sed 's/^hub\.max_clients = .*/hub.max_clients = 19000/' "$CONFIG" >"$SWEEP_CONFIG"
grep -q '^hub.max_clients = 19000$' "$SWEEP_CONFIG" || { bench_log "$CONFIG has no hub.max_clients line"; exit 2; }
: >"$SWEEP_SKIPS"
for server in $SWEEP_SERVERS; do
  [ "$server" = nats ] && [ "$NATS" != 1 ] && continue
  failed=""
  for size in $SWEEP_SIZES; do
    if [ -n "$failed" ]; then
      printf '%s\t%s\t%s\n' "$server" "$size" "$failed" >>"$SWEEP_SKIPS"
      continue
    fi
    sockets=$size
    [ "$server" = redis ] && sockets=$((2 * size))
    if [ "$NOFILE" != unlimited ] && [ $((sockets + 64)) -gt "$NOFILE" ]; then
      printf '%s\t%s\t%s\n' "$server" "$size" \
        "needs $sockets sockets ($((sockets / size)) a client) in one process; the open-file limit is $NOFILE" >>"$SWEEP_SKIPS"
      continue
    fi
    for run in $(seq 1 "$SWEEP_RUNS"); do
      if [ "$server" = hermesd ]; then
        JSONL=$SWEEP_JSONL HUB_LOW_PORT=1 BENCH_TIMEOUT=$JOIN_DEADLINE bench_hermes "\"run\":$run,\"label\":\"I1\",\"sweep\":$size" \
          "$SWEEP_CONFIG" --scenario I1 -n "$size"
        joined=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; r=[x for x in r if x.get("sweep")==int(sys.argv[2])]; print(r[-1]["joined"] if r else "none")' "$SWEEP_JSONL" "$size" 2>/dev/null || echo none)
      else
        run_peer "$server" "$run" "$SWEEP_KV" --mode idle -c "$size" --join-timeout "$JOIN_DEADLINE" --hold 1
        joined=$(awk -v p="$server" -v c="$size" '$0 ~ "peer="p" " && $0 ~ " C="c" " { for (i = 1; i <= NF; i++) if ($i ~ /^joined=/) j = substr($i, 8) } END { print j == "" ? "none" : j }' "$SWEEP_KV" 2>/dev/null || echo none)
      fi
      if [ "$joined" = none ]; then
        # No result line at all (the server did not start, the generator
        # failed): said so in the table, and larger sizes are not run.
        printf '%s\t%s\t%s\n' "$server" "$size" "no result (see $(basename "$FANOUT_LOG") and the server's log)" >>"$SWEEP_SKIPS"
        failed="gave no result at $size"
      elif [ "$joined" -lt "$size" ]; then
        failed="did not join all of $size within $JOIN_DEADLINE s"
      fi
    done
  done
done
T_END=$(date +%s)

{
  echo "# hermesd vs peers, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- $(bench_describe); $RUNS round(s) in $((T_ROUNDS - T0)) s, the room-size sweep in $((T_END - T_ROUNDS)) s"
  echo "- command: \`RUNS=$RUNS TP_M=$TP_M SWEEP_SIZES=\"$SWEEP_SIZES\" tools/compare-peers.sh\`; peers by \`../shared/bench/run-peers.sh\` (fanout), nats-server $(nats-server --version 2>/dev/null | head -1 | sed 's/^nats-server: //') by fanout with tools/bench/nats.conf, hermesd by \`hermes-bench\` with the same parameters (T1 -n 100 -s 100 -m $TP_M -b 64 -w 16; L1 -r 2000 -t 10; I1 -c $IDLE_C; B1 -n 100 -s 100 -m 50 -b 1024 -w 50)"
  echo "- room-size sweep: I1 at $SWEEP_SIZES clients, $SWEEP_RUNS run(s) each, a fresh server each, join deadline $JOIN_DEADLINE s; every server listening below 32768; open-file limit $NOFILE (raised to the hard limit)"
  echo "- raw figures: \`$(basename "$PEERS_KV")\`, \`$(basename "$JSONL")\`, \`$(basename "$SWEEP_KV")\`, \`$(basename "$SWEEP_JSONL")\`; peers' own tables: \`$(basename "$OUT" .md).peers.md\`"
  echo
  python3 "$ROOT/tools/bench/compare_table.py" --peers "$PEERS_KV" --hermes "$JSONL" --burst "$BURST_KV" \
    --sweep-kv "$SWEEP_KV" --sweep-jsonl "$SWEEP_JSONL" --sweep-skips "$SWEEP_SKIPS" \
    --join-deadline "$JOIN_DEADLINE" --previous "$ROOT/tools/bench/previous-table.json" \
    --summary "$RESULTS/compare-$STAMP.summary.json"
} >"$OUT"
if command -v gnuplot >/dev/null; then
  python3 "$ROOT/tools/bench/charts.py" "$RESULTS/compare-$STAMP.summary.json" "$CHARTS" \
    "$(date -u '+%Y-%m-%d'), commit $(git -C "$ROOT" rev-parse --short HEAD)" >"$CHARTS.list" ||
    bench_log "the charts were not drawn; the table stands"
  {
    echo
    echo "Charts (\`$(basename "$CHARTS")/\`): $(xargs -r -n1 basename <"$CHARTS.list" 2>/dev/null | paste -sd, | sed 's/,/, /g')"
  } >>"$OUT"
  rm -f "$CHARTS.list"
fi
cat "$OUT"
bench_log "written: $OUT"
