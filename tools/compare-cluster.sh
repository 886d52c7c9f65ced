#!/usr/bin/env bash
# T1 and L1 through a cluster of HUBS hermesd hubs on one Redis, side by
# side with the same hermesd alone, in one run: the cost of the backplane
# (docs/CLUSTER.md "Cost and size").
#
#   tools/compare-cluster.sh                     # RUNS=3, HUBS=3, FSYNC=everysec
#   RUNS=5 HUBS=3 FSYNC=always tools/compare-cluster.sh
#
# The clients are spread over the hubs (hermes-bench --port P1,P2,P3: client
# i through hub i mod HUBS), all in one room, so every message is ordered by
# Redis and delivered by every hub to its own members; the hub CPU figures
# are the hubs' summed. Redis's CPU over each cluster run (its join phase
# included) is added to the run's figures as redis_cpu_s and
# redis_cpu_s_per_million.
#
# Each round starts fresh hubs (the order alternates between rounds) with
# tools/bench/hermesd-bench.properties (history in memory); the cluster's
# hubs add cluster.redis and cluster.hub_name, and Redis is emptied before
# each cluster run. Redis is this script's own redis-server on a free
# loopback port, with AOF (appendfsync FSYNC) in a temporary directory.
#
# Knobs (environment): RUNS (3), HUBS (3), FSYNC (everysec | always | no),
# TP_M (messages per sender in T1, 200), L1_T (seconds of L1, 5; 0 skips
# it), BUILD_DIR, RESULTS. Loopback only; every run is bounded in time; the
# hubs and the redis-server this script starts are stopped by PID, also on
# failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
HUBS=${HUBS:-3}
FSYNC=${FSYNC:-everysec}
TP_M=${TP_M:-200}
L1_T=${L1_T:-5}
# shellcheck source=bench/lib.sh
. "$ROOT/tools/bench/lib.sh"
JSONL=$RESULTS/cluster-$STAMP.jsonl
OUT=$RESULTS/cluster-$STAMP.md
CONFIG=$ROOT/tools/bench/hermesd-bench.properties

command -v redis-server >/dev/null || { bench_log "no redis-server (apt-get install redis-server)"; exit 2; }
bench_build hermesd hermes-bench

REDIS_PID=""
REDIS_DIR=""
CLUSTER_PIDS=()
CLUSTER_DIRS=()

cluster_stop() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  CLUSTER_PIDS=()
  local dir
  for dir in "${CLUSTER_DIRS[@]}"; do rm -rf "$dir"; done
  CLUSTER_DIRS=()
}

cleanup() {
  cluster_stop
  bench_cleanup
  if [ -n "$REDIS_PID" ]; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
  fi
  [ -n "$REDIS_DIR" ] && rm -rf "$REDIS_DIR"
  REDIS_DIR=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hermes-cluster-redis.XXXXXX")
REDIS_PORT=$(hub_free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --save '' \
  --appendonly yes --appendfsync "$FSYNC" --maxmemory-policy noeviction \
  >"$REDIS_DIR/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 100); do
  redis-cli -p "$REDIS_PORT" PING 2>/dev/null | grep -q PONG && break
  sleep 0.05
done
redis-cli -p "$REDIS_PORT" PING | grep -q PONG || { bench_log "redis-server did not start"; exit 1; }

cpu_of() { # PID: its utime + stime in seconds (/proc/PID/stat)
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

# HUBS hubs on Redis, each in its own directory; sets CLUSTER_PORTS and
# CLUSTER_PID_LIST (comma-separated), once every hub has joined the backplane.
cluster_start() {
  redis-cli -p "$REDIS_PORT" FLUSHALL >/dev/null
  local i dir ports=() pids=()
  for i in $(seq 1 "$HUBS"); do
    dir=$(mktemp -d "${TMPDIR:-/tmp}/hermes-cluster-hub.XXXXXX")
    CLUSTER_DIRS+=("$dir")
    cp "$CONFIG" "$dir/hub.properties"
    # The bench config logs warnings only: the cluster's logger says more,
    # for its "joined the backplane".
    printf '%s\n' "cluster.redis = 127.0.0.1:$REDIS_PORT" "cluster.hub_name = bench-$i" \
      "logging.loggers.cluster.name = hermesd.cluster" \
      "logging.loggers.cluster.level = information" >>"$dir/hub.properties"
    (cd "$dir" && exec "$HUB_BIN" --config "$dir/hub.properties" --port 0 --port-file "$dir/port") \
      >"$dir/hermesd.log" 2>&1 &
    CLUSTER_PIDS+=("$!")
    pids+=("$!")
  done
  for i in $(seq 0 $((HUBS - 1))); do
    dir=${CLUSTER_DIRS[$i]}
    for _ in $(seq 200); do
      [ -s "$dir/port" ] && grep -q "joined the backplane" "$dir/hermesd.log" && break
      kill -0 "${pids[$i]}" 2>/dev/null || break
      sleep 0.05
    done
    if ! [ -s "$dir/port" ] || ! grep -q "joined the backplane" "$dir/hermesd.log"; then
      bench_log "hub $((i + 1)) did not join the backplane: $(tail -3 "$dir/hermesd.log")"
      exit 1
    fi
    ports+=("$(cat "$dir/port")")
  done
  CLUSTER_PORTS=$(IFS=,; echo "${ports[*]}")
  CLUSTER_PID_LIST=$(IFS=,; echo "${pids[*]}")
}

bench_cluster() { # TAG ARG...
  local tag=$1
  shift
  cluster_start
  sleep 0.5 # as bench_hermes: settle before the CPU baseline
  bench_log "cluster of $HUBS: $tag"
  local redis0 line
  redis0=$(cpu_of "$REDIS_PID")
  if line=$(timeout -k 5 300 "$BENCH_BIN" --port "$CLUSTER_PORTS" --hub-pid "$CLUSTER_PID_LIST" \
    --json --timeout "${BENCH_TIMEOUT:-240}" "$@"); then
    python3 - "$tag" "$redis0" "$(cpu_of "$REDIS_PID")" "$line" >>"$JSONL" <<'EOF'
import json, sys
tag, before, after, line = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
run = json.loads("{" + tag + "}")
run.update(json.loads(line))
run["redis_cpu_s"] = round(after - before, 3)
received = run.get("received") or 0
run["redis_cpu_s_per_million"] = round(run["redis_cpu_s"] / (received / 1e6), 4) if received else None
print(json.dumps(run))
EOF
  else
    bench_log "hermes-bench ($tag) failed; hub logs:"
    local dir
    for dir in "${CLUSTER_DIRS[@]}"; do tail -3 "$dir/hermesd.log" >&2; done
  fi
  cluster_stop
}

T0=$(date +%s)
for run in $(seq 1 "$RUNS"); do
  for setup in $(bench_order "$run" alone cluster); do
    for scenario in T1 L1; do
      [ "$scenario" = L1 ] && [ "$L1_T" -eq 0 ] && continue
      args=(--scenario "$scenario")
      if [ "$scenario" = T1 ]; then args+=(-m "$TP_M"); else args+=(-t "$L1_T"); fi
      tag="\"run\":$run,\"setup\":\"$setup\",\"label\":\"$scenario\""
      if [ "$setup" = alone ]; then
        bench_hermes "$tag" "$CONFIG" "${args[@]}"
      else
        bench_cluster "$tag" "${args[@]}"
      fi
    done
  done
done
T_END=$(date +%s)

{
  echo "# hermesd alone and as a cluster of $HUBS hubs on one Redis, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- $(bench_describe); $RUNS round(s), $((T_END - T0)) s"
  echo "- command: \`RUNS=$RUNS HUBS=$HUBS FSYNC=$FSYNC TP_M=$TP_M L1_T=$L1_T tools/compare-cluster.sh\`; hermes-bench T1 -n 100 -s 100 -m $TP_M -b 64 -w 16, L1 -r 2000 -t $L1_T; fresh hubs per run with tools/bench/hermesd-bench.properties; the cluster's clients spread over its hubs, its hubs' CPU summed; redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') with appendonly yes, appendfsync $FSYNC"
  echo "- raw figures: \`$(basename "$JSONL")\`"
  echo
  python3 "$ROOT/tools/bench/ab_table.py" "$JSONL" setup alone cluster "one hub" "$HUBS hubs + Redis"
} >"$OUT"
cat "$OUT"
bench_log "written: $OUT"
