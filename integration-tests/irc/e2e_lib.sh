# Shared by the IRC gateway's real-client tests (irssi_e2e.sh, room_e2e.sh):
# a real hermesd on 127.0.0.1 with its IRC port, clients in tmux sessions on
# a private tmux server (irssi, WeeChat, hermes-tui), hermes-cat reading a
# FIFO, and waits that poll a screen or a file against a deadline (nothing
# waits a fixed time to synchronise). Everything started here is stopped on
# every exit path: the hub and hermes-cat by PID, tmux by its private socket.
# On failure (or with IRC_E2E_SHOW=1, to look at them) every screen,
# hermes-cat's output and the hub's log are printed.
#
# Sourced, after setting E2E_NAME (the log prefix); then call e2e_start_hub.
# shellcheck shell=bash

DEADLINE_S=${IRC_E2E_DEADLINE_S:-15}
export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC TERM=screen-256color
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-$E2E_NAME-e2e.XXXXXX")
SOCK="hermes-$E2E_NAME-$$-$RANDOM"
HUB_PID=""
CAT_PIDS=()
PORT=""
IRC_PORT=""

log() { printf '[%s] %s\n' "$E2E_NAME" "$*"; }

e2e_cleanup() {
    local rc=$?
    if [[ $rc -ne 0 || -n ${IRC_E2E_SHOW:-} ]]; then
        ((rc == 0)) || log "FAILED"
        log "screens at exit:"
        local s f
        for s in $(tmux -L "$SOCK" list-sessions -F '#S' 2>/dev/null); do
            echo "---- session $s"
            tmux -L "$SOCK" capture-pane -p -t "$s" 2>/dev/null || true
        done
        for f in "$WORK"/*.out; do
            [[ -e $f ]] || continue
            echo "---- hermes-cat $(basename "$f" .out)"
            cat "$f"
        done
        echo "---- hub log"
        tail -20 "$WORK/hub.log" 2>/dev/null || true
    fi
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    local pid
    for pid in "${CAT_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    if [[ -n $HUB_PID ]]; then
        kill -TERM "$HUB_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$HUB_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$HUB_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap e2e_cleanup EXIT
# A write to hermes-cat's FIFO after it died fails (set -e ends the test)
# instead of killing the shell with SIGPIPE, which would skip the verdict.
trap '' PIPE

fail() {
    log "FAIL: $*"
    exit 1
}

tm() { tmux -L "$SOCK" "$@"; }
screen() { tm capture-pane -p -t "$1"; }

# wait_for DESCRIPTION COMMAND...: polls COMMAND until it succeeds or the deadline.
wait_for() {
    local what=$1
    shift
    local end=$((SECONDS + DEADLINE_S))
    until "$@"; do
        ((SECONDS < end)) || fail "timed out after ${DEADLINE_S}s waiting for: $what"
        sleep 0.1
    done
}
screen_has() { screen "$1" | grep -qF -- "$2"; }
# wait_screen SESSION TEXT: polls SESSION's screen until TEXT (fixed string) shows.
wait_screen() { wait_for "'$2' in $1" screen_has "$1" "$2"; }
# type_line SESSION TEXT: types TEXT literally and presses Enter.
type_line() {
    tm send-keys -t "$1" -l -- "$2"
    tm send-keys -t "$1" Enter
}

# e2e_start_hub HERMESD [EXTRA CONFIG LINES]: a hub on 127.0.0.1 (its own
# port picked by the kernel, written to a port file; the IRC port picked
# free here, as irc.port = 0 is "off"); sets PORT and IRC_PORT.
e2e_start_hub() {
    local hermesd=$1 extra=${2:-}
    IRC_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$WORK/hub.properties" <<CONF
hermesd.host = 127.0.0.1
hermesd.port = 0
hermesd.port_file = $WORK/port
http.port = 0
irc.port = $IRC_PORT
hub.name = hermes-e2e
hub.default_room = lobby
hub.motd = $E2E_NAME e2e hub
history.path = $WORK/history.db
$extra
logging.loggers.root.channel = console
logging.loggers.root.level = information
logging.channels.console.class = ConsoleChannel
CONF
    "$hermesd" --config="$WORK/hub.properties" >"$WORK/hub.log" 2>&1 &
    HUB_PID=$!
    wait_for "the hub's port file" test -s "$WORK/port"
    PORT=$(cat "$WORK/port")
    log "hub pid $HUB_PID on $PORT, irc on $IRC_PORT"
}

# start_cat HERMES_CAT NICK ROOM FD: hermes-cat, its input a FIFO held open
# on file descriptor FD (write lines to it with `echo ... >&FD`), its output
# in $WORK/NICK.out.
start_cat() {
    local cat=$1 nick=$2 room=$3 fd=$4
    [[ -x $cat ]] || fail "no hermes-cat at $cat"
    mkfifo "$WORK/$nick.in"
    "$cat" --nick "$nick" --room "$room" --port "$PORT" --follow <"$WORK/$nick.in" \
        >"$WORK/$nick.out" 2>&1 &
    CAT_PIDS+=($!)
    eval "exec $fd>\"\$WORK/\$nick.in\""
}
cat_has() { grep -qF -- "$2" "$WORK/$1.out"; }
# wait_cat NICK TEXT: polls hermes-cat NICK's output until TEXT shows.
wait_cat() { wait_for "'$2' at hermes-cat $1" cat_has "$1" "$2"; }

# start_irssi SESSION NICK: irssi with a home of its own, straight to the gateway.
start_irssi() {
    local session=$1 nick=$2
    mkdir -p "$WORK/irssi-$session"
    tm new-session -d -s "$session" -x 150 -y 40 \
        "irssi --home=$WORK/irssi-$session --connect=127.0.0.1 --port=$IRC_PORT --nick=$nick"
}

# start_weechat SESSION NICK: WeeChat (Debian's weechat-curses) with a
# directory of its own, one server, no anti-flood delay (its default spaces
# a user's lines 2 s apart) and no buffer list (the chat area gets the width).
start_weechat() {
    local session=$1 nick=$2
    mkdir -p "$WORK/weechat-$session"
    local commands="/set buflist.look.enabled off"
    commands+=";/server add hermes 127.0.0.1/$IRC_PORT -notls"
    commands+=";/set irc.server.hermes.nicks $nick"
    commands+=";/set irc.server.hermes.anti_flood_prio_high 0"
    commands+=";/connect hermes"
    tm new-session -d -s "$session" -x 150 -y 40 \
        "weechat --dir '$WORK/weechat-$session' -r '$commands'"
}

# start_tui HERMES_TUI SESSION NICK: hermes-tui, its config in $WORK.
start_tui() {
    local tui=$1 session=$2 nick=$3
    mkdir -p "$WORK/config-$session"
    tm -u new-session -d -s "$session" -x 150 -y 40 \
        "env XDG_CONFIG_HOME='$WORK/config-$session' '$tui' --host 127.0.0.1 --port $PORT \
         --nick $nick; echo \"hermes-tui exit status \$?\"; sleep 30"
    wait_screen "$session" "[$nick] [2:lobby] [online]"
}

# in_order NEEDLE... < TEXT: true if the NEEDLEs (fixed strings) occur in
# TEXT's lines in that order (each on a later line than the one before).
in_order() {
    local text line=0 n
    text=$(cat)
    for needle in "$@"; do
        n=$(printf '%s\n' "$text" | grep -nF -- "$needle" | head -1 | cut -d: -f1)
        [[ -n $n ]] && ((n > line)) || return 1
        line=$n
    done
}
