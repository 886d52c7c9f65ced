#!/usr/bin/env bash
# A real IRC client against the gateway (docs/IRC.md): irssi (Debian's
# package) in a tmux session on a private tmux server, and hermes-cat, a
# Hermes client, in one room of a real hermesd on 127.0.0.1. irssi
# registers (001 and the MOTD), joins #dev (names), and the two chat both
# ways, /me included; irssi's /quit reaches hermes-cat as a QUIT. Waits poll
# the screen or hermes-cat's output against a deadline; nothing waits a fixed
# time to synchronise. The hub, hermes-cat and the tmux server are stopped
# (by PID, by the private socket) on every exit path.
#
#   irssi_e2e.sh HERMESD HERMES_CAT
set -euo pipefail

HERMESD=${1:?usage: irssi_e2e.sh HERMESD HERMES_CAT}
CAT=${2:?usage: irssi_e2e.sh HERMESD HERMES_CAT}
DEADLINE_S=${IRC_E2E_DEADLINE_S:-15}

export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC TERM=screen-256color
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-irssi-e2e.XXXXXX")
SOCK="hermes-irssi-$$-$RANDOM"
HUB_PID=""
CAT_PID=""

log() { printf '[irssi] %s\n' "$*"; }

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        log "FAILED; irssi's screen:"
        tmux -L "$SOCK" capture-pane -p -t ana 2>/dev/null || true
        echo "---- hermes-cat's output"
        cat "$WORK/bob.out" 2>/dev/null || true
        echo "---- hub log"
        tail -20 "$WORK/hub.log" 2>/dev/null || true
    fi
    exec 3>&- 2>/dev/null || true
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    [[ -n $CAT_PID ]] && kill "$CAT_PID" 2>/dev/null || true
    if [[ -n $HUB_PID ]]; then
        kill -TERM "$HUB_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$HUB_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

fail() {
    log "FAIL: $*"
    exit 1
}

# wait_for DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the deadline.
wait_for() {
    local what=$1
    shift
    local end=$((SECONDS + DEADLINE_S))
    until "$@"; do
        ((SECONDS < end)) || fail "timed out waiting for: $what"
        sleep 0.1
    done
}
screen_has() { tmux -L "$SOCK" capture-pane -p -t ana | grep -qF -- "$1"; }
cat_has() { grep -qF -- "$1" "$WORK/bob.out"; }

command -v irssi >/dev/null || fail "irssi is not installed (tools/install-deps.sh installs it)"

# A free loopback port for IRC (irc.port = 0 is "off"); hermesd's own is 0.
IRC_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/hub.properties" <<CONF
hermesd.host = 127.0.0.1
hermesd.port = 0
hermesd.port_file = $WORK/port
http.port = 0
irc.port = $IRC_PORT
hub.default_room = lobby
hub.motd = irssi e2e hub
history.path = $WORK/history.db
logging.loggers.root.channel = console
logging.loggers.root.level = information
logging.channels.console.class = ConsoleChannel
CONF
"$HERMESD" --config="$WORK/hub.properties" >"$WORK/hub.log" 2>&1 &
HUB_PID=$!
wait_for "the hub's port file" test -s "$WORK/port"
PORT=$(cat "$WORK/port")
log "hub on $PORT, irc on $IRC_PORT"

# bob: hermes-cat reading lines from a FIFO we hold open.
mkfifo "$WORK/bob.in"
"$CAT" --nick bob --room dev --port "$PORT" --follow <"$WORK/bob.in" >"$WORK/bob.out" 2>&1 &
CAT_PID=$!
exec 3>"$WORK/bob.in"
echo "said before irssi came" >&3
wait_for "bob's first line" cat_has "said before irssi came"

# ana: irssi, a home of its own, straight to the gateway.
mkdir -p "$WORK/irssi"
tmux -L "$SOCK" new-session -d -s ana -x 150 -y 40 \
    "irssi --home=$WORK/irssi --connect=127.0.0.1 --port=$IRC_PORT --nick=ana"
wait_for "001 in irssi" screen_has "Welcome to the"
wait_for "the MOTD in irssi" screen_has "irssi e2e hub"

tmux -L "$SOCK" send-keys -t ana -l "/join #dev"
tmux -L "$SOCK" send-keys -t ana Enter
wait_for "irssi's join of #dev" screen_has "has joined #dev"
wait_for "bob in #dev's names" screen_has "bob"
wait_for "ana's JOIN at bob" cat_has "ana"

echo "hello irssi" >&3
wait_for "bob's line in irssi" screen_has "hello irssi"
tmux -L "$SOCK" send-keys -t ana -l "hi from irssi é"
tmux -L "$SOCK" send-keys -t ana Enter
wait_for "irssi's line at bob" cat_has "hi from irssi é"

tmux -L "$SOCK" send-keys -t ana -l "/me waves"
tmux -L "$SOCK" send-keys -t ana Enter
wait_for "irssi's /me at bob" cat_has "* ana waves"
echo "/me dances" >&3
wait_for "bob's /me in irssi" screen_has "* bob dances"

tmux -L "$SOCK" send-keys -t ana -l "/quit see you"
tmux -L "$SOCK" send-keys -t ana Enter
wait_for "irssi's QUIT at bob" grep -q "ana.*see you" "$WORK/bob.out"
log "passed"
