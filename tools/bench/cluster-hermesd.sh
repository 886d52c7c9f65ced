#!/bin/sh
# hermesd with the bench's config plus cluster.redis (a one-hub cluster):
# for tools/compare-builds.sh as NEW_HUB. Redis is emptied first, so each
# run's room starts at seq 1 as the hub's memory history does.
set -e
out=""
cfg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --config) cfg=$2; shift 2 ;;
    *) out="$out $1"; shift ;;
  esac
done
new=$(mktemp /tmp/cl/cluster-XXXXXX.properties)
cat "$cfg" > "$new"
printf 'cluster.redis = 127.0.0.1:%s\ncluster.hub_name = bench\n' "$REDIS_PORT" >> "$new"
redis-cli -p "$REDIS_PORT" FLUSHALL > /dev/null
redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT > /dev/null
exec "$CLUSTER_HERMESD" --config "$new" $out
