#!/usr/bin/env bash
# Benchmarks hermesd on this machine: starts a release hermesd on 127.0.0.1
# with tools/bench/hermesd-bench.properties (no rate limit, room for 6,000
# clients), runs hermes-bench's scenarios T1, L1 and I1 against it (sampling
# the hub's CPU time and memory from /proc), writes the tables to
# bench-results/hermes-YYYYMMDD-HHMMSS.md, and always stops the hub it
# started (by PID, also on failure or Ctrl-C).
#
#   tools/run-bench.sh                       # all three scenarios
#   SCENARIOS=T1 tools/run-bench.sh          # one of them
#   BUILD_DIR=build/tools-rel tools/run-bench.sh
#
# Knobs (environment):
#   BUILD_DIR      build tree with hermesd and hermes-bench (build/release;
#                  built with the release preset if they are missing)
#   SCENARIOS      scenarios to run, in order ("T1 L1 I1")
#   RESULTS_DIR    where the Markdown file goes (bench-results)
#   BENCH_TIMEOUT  bound on each hermes-bench run, seconds (300)
#   BENCH_ARGS     extra hermes-bench options for every run (e.g. "-t 5")
#   HUB_ARGS       extra hermesd options (e.g. "--no-persist")
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
SCENARIOS=${SCENARIOS:-T1 L1 I1}
RESULTS_DIR=${RESULTS_DIR:-bench-results}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
BENCH_ARGS=${BENCH_ARGS:-}
HUB_ARGS=${HUB_ARGS:-}
CONFIG=$ROOT/tools/bench/hermesd-bench.properties
HUB_BIN=$BUILD_DIR/hermesd/hermesd
BENCH_BIN=$BUILD_DIR/tools/hermes-bench

log() { printf 'run-bench: %s\n' "$*" >&2; }

if [ ! -x "$HUB_BIN" ] || [ ! -x "$BENCH_BIN" ]; then
    log "building hermesd and hermes-bench in $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$BUILD_DIR" -j"$(nproc)" --target hermesd hermes-bench >/dev/null
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
case "$build_type" in
    Release|RelWithDebInfo) ;;
    *) log "warning: $BUILD_DIR is a '${build_type:-unknown}' build; figures are not comparable" ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-bench.XXXXXX")
# shellcheck source=bench/hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"
cleanup() {
    hub_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# I1 holds 5,000 connections in the hub and 5,000 in the bench; the hub
# inherits this limit (hermes-bench raises its own).
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# In its own temporary directory: history.path is relative, so the hub's
# database is temporary too.
# shellcheck disable=SC2086  # HUB_ARGS is a list of options
hub_launch "$CONFIG" $HUB_ARGS
log "hermesd pid $HUB_PID listening on 127.0.0.1:$HUB_PORT"
HUB_LOG=$HUB_DIR/hermesd.log

mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/hermes-$(date +%Y%m%d-%H%M%S).md
{
    echo "# hermesd benchmark, $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo
    echo "- commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "- machine: $(nproc) cores, $(uname -sr), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "- hub: \`$HUB_BIN\` (${build_type:-unknown build}), config \`tools/bench/hermesd-bench.properties\`, 127.0.0.1"
    echo "- bench: \`hermes-bench --scenario S --hub-pid PID --timeout $BENCH_TIMEOUT $BENCH_ARGS\`, scenarios: $SCENARIOS"
    echo
} >"$OUT"

failed=0
for scenario in $SCENARIOS; do
    room=bench-$(printf '%s' "$scenario" | tr 'A-Z' 'a-z')
    log "scenario $scenario"
    rc=0
    # shellcheck disable=SC2086  # BENCH_ARGS is a list of options
    timeout $((BENCH_TIMEOUT + 30)) "$BENCH_BIN" --port "$HUB_PORT" --scenario "$scenario" --room "$room" \
        --hub-pid "$HUB_PID" --timeout "$BENCH_TIMEOUT" $BENCH_ARGS >"$WORK/$scenario.md" \
        2>"$WORK/$scenario.err" || rc=$?
    cat "$WORK/$scenario.md" >>"$OUT"
    if [ "$rc" -ne 0 ]; then
        failed=1
        log "scenario $scenario: hermes-bench exited $rc"
        { echo; echo "**$scenario: hermes-bench exited $rc**"; echo; echo '```'; tail -20 "$WORK/$scenario.err"; echo '```'; } >>"$OUT"
    fi
    echo >>"$OUT"
    if ! kill -0 "$HUB_PID" 2>/dev/null; then
        log "hermesd died during $scenario"
        { echo "**hermesd died during $scenario**"; echo '```'; tail -20 "$HUB_LOG"; echo '```'; } >>"$OUT"
        failed=1
        break
    fi
    # Let the hub finish the quits of this scenario's clients before the next.
    sleep 1
done

if [ -s "$HUB_LOG" ]; then
    { echo "### hub log (warnings and errors)"; echo; echo '```'; tail -30 "$HUB_LOG"; echo '```'; } >>"$OUT"
fi
hub_stop
cat "$OUT"
log "results written to $OUT"
exit "$failed"
