#!/bin/sh
# tools/bench/cluster-hermesd.sh with cluster.replicas_acked (default 1): the
# same one-hub cluster acking only what that many replicas of the Redis at
# $REDIS_PORT have (WAIT). The Redis needs a replica (redis-server --port P2
# --replicaof 127.0.0.1 $REDIS_PORT). docs/CLUSTER.md "Acked on the replicas":
#
#   REDIS_PORT=6390 CLUSTER_HERMESD=build/release/hermesd/hermesd \
#   OLD_HUB=tools/bench/cluster-hermesd.sh NEW_HUB=tools/bench/cluster-hermesd-wait.sh \
#   RUNS=5 SCENARIOS="T1 L1" L1_T=5 tools/compare-builds.sh
set -eu
CLUSTER_REPLICAS_ACKED=${REPLICAS_ACKED:-1}
export CLUSTER_REPLICAS_ACKED
exec "$(dirname "$0")/cluster-hermesd.sh" "$@"
