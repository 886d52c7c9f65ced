# Starting and stopping one hermesd for the benchmark scripts (sourced by
# tools/bench/lib.sh and the tools/*.sh benchmarks; not run alone).
#
#   hub_new_dir                 a fresh temporary directory in HUB_DIR, the
#                               hub's working directory (a relative
#                               history.path stays in it)
#   hub_launch CONFIG [ARG...]  starts $HUB_BIN there on 127.0.0.1 with a
#                               free port (and any further hermesd options);
#                               sets HUB_PID and HUB_PORT, or exits 1 with
#                               the log's tail. The log is $HUB_DIR/hermesd.log.
#                               With HUB_HTTP=1 the HTTP listener is on too,
#                               on another free port: HUB_HTTP_PORT.
#                               With HUB_LOW_PORT=1 the hub listens below
#                               32768, outside the ephemeral range: a
#                               15,000-client run's source ports could
#                               otherwise take the listener's
#   hub_free_port [low]         a free port on 127.0.0.1 (below 32768 with
#                               "low")
#   hub_stop                    SIGTERM, up to 5 s, then SIGKILL, by PID;
#                               removes HUB_DIR. Safe to call twice.
#
# The caller sets HUB_BIN and installs `trap hub_stop EXIT`.

HUB_PID=""
HUB_DIR=""
HUB_PORT=""
HUB_HTTP_PORT=""

hub_free_port() { # [low]
  python3 - "${1:-}" <<'EOF'
import random, socket, sys
low = sys.argv[1] == "low"
for _ in range(200):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randrange(20000, 32000) if low else 0))
    except OSError:
        continue
    print(s.getsockname()[1])
    sys.exit(0)
sys.exit("no free port on 127.0.0.1")
EOF
}

hub_new_dir() {
  HUB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hermes-bench-hub.XXXXXX")
}

hub_launch() { # CONFIG [ARG...]
  [ -n "$HUB_DIR" ] || hub_new_dir
  local config=$1
  shift
  if [ "${HUB_HTTP:-0}" = 1 ]; then
    # A free loopback port for http.port (0 would mean "no listener").
    HUB_HTTP_PORT=$(hub_free_port)
    grep -v '^http\.\(port\|host\) *=' "$config" >"$HUB_DIR/http.properties"
    printf 'http.port = %s\nhttp.host = 127.0.0.1\n' "$HUB_HTTP_PORT" >>"$HUB_DIR/http.properties"
    config=$HUB_DIR/http.properties
  fi
  local port=0
  [ "${HUB_LOW_PORT:-0}" = 1 ] && port=$(hub_free_port low)
  (cd "$HUB_DIR" && exec "$HUB_BIN" --config "$config" --port "$port" --port-file "$HUB_DIR/port" "$@") \
    >"$HUB_DIR/hermesd.log" 2>&1 &
  HUB_PID=$!
  for _ in $(seq 100); do
    [ -s "$HUB_DIR/port" ] && break
    kill -0 "$HUB_PID" 2>/dev/null || break # exited at start: no need to wait
    sleep 0.05
  done
  if [ ! -s "$HUB_DIR/port" ]; then
    echo "hermesd did not start: $(tail -3 "$HUB_DIR/hermesd.log")" >&2
    exit 1
  fi
  HUB_PORT=$(cat "$HUB_DIR/port")
}

hub_stop() {
  if [ -n "$HUB_PID" ]; then
    kill -TERM "$HUB_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
    HUB_PID=""
  fi
  if [ -n "$HUB_DIR" ]; then
    rm -rf "$HUB_DIR"
    HUB_DIR=""
  fi
}
