# shellcheck shell=bash
# What the tools/compare-*.sh scripts share (sourced, not run), so that each
# script is only what it compares: paths and defaults, the build, the
# open-file limit, loopback ports, rounds in alternating order, one
# hermes-bench run against a fresh hub, the peers of ../shared/bench
# (started and stopped by its peers/peers.sh, used from where it is), the
# shared fanout's scenario arguments, and the header of a results file.
# Starting and stopping hermesd itself is tools/bench/hub-process.sh,
# sourced from here.
#
# The caller sets ROOT (the repository) and any defaults of its own (RUNS,
# TP_M...) before sourcing, then installs
#   trap bench_cleanup EXIT; trap 'bench_cleanup; exit 130' INT TERM
# so that every hub and peer it started is stopped by PID, also on failure.
#
#   bench_log MSG...                a time-stamped line on stderr
#   bench_build TARGET...           builds the release targets when one is
#                                   missing from BUILD_DIR (BUILD_DIR is then
#                                   build/release); sets HUB_BIN, BENCH_BIN
#   bench_fanout                    builds ../shared/bench's fanout into
#                                   RESULTS; sets FANOUT
#   bench_raise_nofile              open-file limit up to the hard limit (a
#                                   15,000-client room needs 15,000 sockets
#                                   on each side); sets NOFILE
#   bench_order RUN A B             "A B" in odd rounds, "B A" in even ones,
#                                   so drift on a shared machine favours
#                                   neither side
#   bench_hermes TAG CONFIG ARG...  a fresh hub on CONFIG, hermes-bench
#                                   --json --timeout BENCH_TIMEOUT (240)
#                                   ARG... against it (bounded); its
#                                   result line, with TAG's JSON members
#                                   ('"run":1,"label":"T1"') put first, is
#                                   appended to JSONL; the hub is stopped
#   bench_fanout_args SCENARIO      fanout's arguments for throughput,
#                                   latency or idle, as run-peers.sh gives
#                                   them (TP_M, LAT_R, LAT_T, IDLE_C)
#   bench_peer_start NAME LOG [CONF] / bench_peer_stop
#                                   one peer (redis, ngircd, nats...) on its
#                                   fixed loopback port; sets SERVER_PID
#   bench_describe                  "commit X; N cores, CPU; load average"
#   bench_cleanup                   stops the hub and the peer, by PID
#
# Defaults (environment): BUILD_DIR (build/release), RESULTS (bench-results),
# SHARED_BENCH (../shared/bench, or beside the main worktree of a git
# worktree), the first two made absolute; STAMP (now).

BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$PWD/$BUILD_DIR ;; esac
RESULTS=${RESULTS:-$ROOT/bench-results}
case "$RESULTS" in /*) ;; *) RESULTS=$PWD/$RESULTS ;; esac
if [ -z "${SHARED_BENCH:-}" ]; then
  # Beside the repository; from a git worktree elsewhere, beside its main one.
  SHARED_BENCH=$ROOT/../shared/bench
  [ -d "$SHARED_BENCH" ] ||
    SHARED_BENCH=$(cd "$ROOT" && cd "$(git rev-parse --git-common-dir)/.." && pwd)/../shared/bench
fi
STAMP=${STAMP:-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"
HUB_BIN=${HUB_BIN:-$BUILD_DIR/hermesd/hermesd}
BENCH_BIN=${BENCH_BIN:-$BUILD_DIR/tools/hermes-bench}

# shellcheck source=hub-process.sh
. "$ROOT/tools/bench/hub-process.sh"

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

bench_build() { # TARGET...
  local target missing=0
  for target in "$@"; do
    case $target in
      hermesd) [ -x "$BUILD_DIR/hermesd/hermesd" ] || missing=1 ;;
      *) [ -x "$BUILD_DIR/tools/$target" ] || missing=1 ;;
    esac
  done
  if [ "$missing" = 1 ]; then
    bench_log "building $* (release preset)"
    (cd "$ROOT" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target "$@")
    BUILD_DIR=$ROOT/build/release
  fi
  HUB_BIN=$BUILD_DIR/hermesd/hermesd
  BENCH_BIN=$BUILD_DIR/tools/hermes-bench
}

bench_fanout() {
  [ -x "$SHARED_BENCH/build.sh" ] || { bench_log "no $SHARED_BENCH/build.sh"; exit 2; }
  FANOUT=$(BUILD_DIR=$RESULTS "$SHARED_BENCH/build.sh" | tail -1)
  [ -x "$FANOUT" ] || { bench_log "fanout did not build"; exit 2; }
}

bench_raise_nofile() {
  local hard
  hard=$(ulimit -Hn)
  ulimit -n "$hard" 2>/dev/null || true
  NOFILE=$(ulimit -n)
  bench_log "open-file limit raised to $NOFILE (the hard limit); hubs and peers started from here inherit it"
}

bench_order() { # RUN A B
  if [ $(($1 % 2)) -eq 1 ]; then echo "$2 $3"; else echo "$3 $2"; fi
}

bench_hermes() { # TAG CONFIG ARG...
  local tag=$1 config=$2
  shift 2
  hub_new_dir
  hub_launch "$config"
  sleep 0.5 # the settling time run-peers.sh gives its peers before the CPU baseline
  bench_log "hermesd: $tag"
  timeout -k 5 300 "$BENCH_BIN" --port "$HUB_PORT" --hub-pid "$HUB_PID" --json \
    --timeout "${BENCH_TIMEOUT:-240}" "$@" |
    sed "s/^{/{$tag,/" >>"$JSONL" ||
    { bench_log "hermes-bench ($tag) failed; hub log:"; tail -5 "$HUB_DIR/hermesd.log" >&2; }
  hub_stop
}

bench_fanout_args() { # SCENARIO
  case $1 in
    throughput) echo "--mode throughput -n 100 -s 100 -m ${TP_M:-200} -b 64 -w 16 --timeout 60" ;;
    latency) echo "--mode latency -n 100 -s 100 -r ${LAT_R:-2000} -t ${LAT_T:-10} -b 64 --timeout 60" ;;
    idle) echo "--mode idle -c ${IDLE_C:-5000} --join-timeout 60 --hold 1" ;;
    *) bench_log "unknown fanout scenario $1"; return 1 ;;
  esac
}

# peers.sh wants a log function and BENCH (its own folder) when it starts a
# peer; BENCH is given only for that call (callers use BENCH for other things).
# It is written for scripts without `set -e` (its `wait` returns the peer's
# exit status), so its functions run in a condition, where errexit is off.
log() { bench_log "$@"; }
# shellcheck source=/dev/null
[ -r "$SHARED_BENCH/peers/peers.sh" ] && . "$SHARED_BENCH/peers/peers.sh"
SERVER_PID=${SERVER_PID:-}
bench_peer_start() { # NAME LOG [CONF]
  declare -F start_peer >/dev/null || { bench_log "no $SHARED_BENCH/peers/peers.sh"; return 1; }
  if BENCH=$SHARED_BENCH start_peer "$@"; then return 0; else return 1; fi
}
bench_peer_stop() {
  if declare -F stop_peer >/dev/null; then stop_peer || true; fi
}

bench_describe() {
  echo "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (with uncommitted changes)'); $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average at the start $BENCH_LOAD0"
}
BENCH_LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

bench_cleanup() {
  hub_stop
  bench_peer_stop
}
