#!/bin/sh
# hermesd as a one-hub cluster, for tools/compare-builds.sh: takes the
# bench's --config, adds cluster.redis (127.0.0.1:$REDIS_PORT, a
# redis-server you started) and cluster.hub_name, empties that Redis (each
# run's room starts at seq 1, as the hub's memory history does) and execs
# $CLUSTER_HERMESD with the rest of the arguments (same PID: the bench
# samples it). docs/CLUSTER.md "Cost and size":
#
#   REDIS_PORT=6390 CLUSTER_HERMESD=build/release/hermesd/hermesd \
#   OLD_HUB=build/release/hermesd/hermesd NEW_HUB=tools/bench/cluster-hermesd.sh \
#   RUNS=5 SCENARIOS="T1 L1" L1_T=5 tools/compare-builds.sh
set -eu
: "${REDIS_PORT:?the port of a redis-server on 127.0.0.1}"
: "${CLUSTER_HERMESD:?the hermesd binary}"
cfg=""
rest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config) cfg=$2; shift 2 ;;
    *) rest="$rest $1"; shift ;;
  esac
done
# POCO picks the file type by its extension.
new=$(mktemp --suffix=.properties "${TMPDIR:-/tmp}/hermes-cluster-bench.XXXXXX")
cat "$cfg" >"$new"
printf 'cluster.redis = 127.0.0.1:%s\ncluster.hub_name = bench\n' "$REDIS_PORT" >>"$new"
# cluster-hermesd-wait.sh: the same hub acking after the replicas (WAIT).
if [ -n "${CLUSTER_REPLICAS_ACKED:-}" ]; then
  printf 'cluster.replicas_acked = %s\n' "$CLUSTER_REPLICAS_ACKED" >>"$new"
fi
redis-cli -p "$REDIS_PORT" FLUSHALL >/dev/null
redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT >/dev/null
# shellcheck disable=SC2086 # the hub's own options, split as given
exec "$CLUSTER_HERMESD" --config "$new" $rest
