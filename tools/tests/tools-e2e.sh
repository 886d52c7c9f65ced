#!/usr/bin/env bash
# hermes-cat and hermes-bench against a real hermesd on 127.0.0.1: lines sent
# by one hermes-cat arrive at another in order, a taken nick is refused with
# exit 3, and small throughput, latency and idle runs of hermes-bench come out
# complete. Always stops what it started, by PID. Every wait has a deadline.
#
# usage: tools-e2e.sh HERMESD HERMES_CAT HERMES_BENCH CONFIG
set -euo pipefail
HUB_BIN=$1 CAT_BIN=$2 BENCH_BIN=$3 CONFIG=$4
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-tools-e2e.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...: one assertion
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "ok: $name"
    else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
wait_for() {  # wait_for SECONDS COMMAND...: polls until true or the deadline
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

"$HUB_BIN" --config "$CONFIG" --port 0 --port-file "$WORK/port" >"$WORK/hub.log" 2>&1 &
PIDS+=($!)
wait_for 10 test -s "$WORK/port" || { cat "$WORK/hub.log"; echo "hermesd did not start"; exit 1; }
PORT=$(cat "$WORK/port")

# A follower prints what the sender says.
"$CAT_BIN" --port "$PORT" --nick watcher --room E2e --json --follow </dev/null \
    >"$WORK/watcher.out" 2>"$WORK/watcher.err" &
WATCHER=$!
PIDS+=("$WATCHER")
check "follower joined" wait_for 10 grep -q '"type":"members"' "$WORK/watcher.out"

rc=0
printf 'first line\n/me waves\n\nlast "quoted" line' |
    "$CAT_BIN" --port "$PORT" --nick sender --room '#E2E' --timeout 10 >"$WORK/sender.out" || rc=$?
check "sender exits 0 once every line is echoed" test "$rc" -eq 0
check "sender printed its own echo" grep -q '<sender> last "quoted" line' "$WORK/sender.out"
check "follower got all three messages" wait_for 10 grep -q 'last \\"quoted\\" line' "$WORK/watcher.out"
check "messages in order with seq 1..3" \
    test "$(grep -o '"seq":[0-9]*,"epoch":[0-9]*,"time":"[^"]*","time_ms":[0-9]*,"from":"sender","kind":"[a-z]*","text":"[^"]*' \
            "$WORK/watcher.out" | sed 's/"seq":\([0-9]*\).*"kind":"\([a-z]*\)","text":"\([a-z]*\).*/\1 \2 \3/' | tr '\n' ,)" \
         = "1 text first,2 action waves,3 text last,"

rc=0
echo hello | "$CAT_BIN" --port "$PORT" --nick watcher --room e2e --timeout 5 2>"$WORK/taken.err" || rc=$?
check "taken nick exits 3" test "$rc" -eq 3
check "taken nick says why" grep -q "refused nick" "$WORK/taken.err"

rc=0
"$BENCH_BIN" --port "$PORT" --mode throughput -n 10 -s 10 -m 50 -w 8 --room bench-t --json \
    --timeout 60 >"$WORK/t.json" || rc=$?
check "bench throughput exits 0" test "$rc" -eq 0
check "bench throughput complete" grep -q '"expected":5000,"received":5000,"lost":0,"duplicated":0,"reordered":0' "$WORK/t.json"

rc=0
"$BENCH_BIN" --port "$PORT" --mode latency -n 5 -s 5 -r 200 -t 1 --room bench-l --timeout 60 \
    >"$WORK/l.md" || rc=$?
check "bench latency exits 0" test "$rc" -eq 0
check "bench latency complete" grep -q '| deliveries expected / received | 1000 / 1000 |' "$WORK/l.md"

rc=0
"$BENCH_BIN" --port "$PORT" --mode idle -n 300 --room bench-i --json --timeout 60 \
    --hub-pid "${PIDS[0]}" >"$WORK/i.json" || rc=$?
check "bench idle exits 0" test "$rc" -eq 0
check "bench idle lists all members" grep -q '"joined":300,.*"members_listed":300' "$WORK/i.json"
check "bench idle sampled the hub" grep -q '"hub_sampled":true' "$WORK/i.json"

rc=0
"$BENCH_BIN" --port "$PORT" --host 192.168.1.1 2>"$WORK/remote.err" || rc=$?
check "bench refuses a non-loopback host" test "$rc" -eq 2

# A room that is also the hub's default room: the hub's automatic join and
# hermes-cat's own both answer with the member list; it is printed once.
sed 's/^hub\.default_room =.*/hub.default_room = lobby/' "$CONFIG" >"$WORK/lobby.properties"
"$HUB_BIN" --config "$WORK/lobby.properties" --port 0 --port-file "$WORK/port2" \
    >"$WORK/hub2.log" 2>&1 &
PIDS+=($!)
wait_for 10 test -s "$WORK/port2" || { cat "$WORK/hub2.log"; echo "second hermesd did not start"; exit 1; }
rc=0
echo hi | "$CAT_BIN" --port "$(cat "$WORK/port2")" --nick solo --room lobby --timeout 10 \
    >"$WORK/lobby.out" || rc=$?
check "cat in the default room exits 0" test "$rc" -eq 0
check "cat in the default room lists its members once" \
    test "$(grep -c '^-- members of lobby' "$WORK/lobby.out")" -eq 1

kill -TERM "$WATCHER"
rc=0
wait "$WATCHER" || rc=$?
check "follower ends 0 on SIGTERM" test "$rc" -eq 0

# hermes-bench --ws: the same throughput run through the hub's WebSocket
# endpoint (http.port, on a free port: 0 would turn the listener off).
HTTP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{ grep -v '^http\.port *=' "$CONFIG"; printf 'http.port = %s\nhttp.host = 127.0.0.1\n' "$HTTP_PORT"; } \
    >"$WORK/http.properties"
"$HUB_BIN" --config "$WORK/http.properties" --port 0 --port-file "$WORK/port3" \
    >"$WORK/hub3.log" 2>&1 &
PIDS+=($!)
wait_for 10 test -s "$WORK/port3" || { cat "$WORK/hub3.log"; echo "third hermesd did not start"; exit 1; }
rc=0
"$BENCH_BIN" --ws --port "$HTTP_PORT" --mode throughput -n 10 -s 10 -m 50 -w 8 --room bench-ws \
    --json --timeout 60 >"$WORK/ws.json" || rc=$?
check "bench --ws throughput exits 0" test "$rc" -eq 0
check "bench --ws throughput complete" grep -q '"transport":"websocket",.*"expected":5000,"received":5000,"lost":0,"duplicated":0,"reordered":0' "$WORK/ws.json"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
