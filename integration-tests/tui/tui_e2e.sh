#!/usr/bin/env bash
# End-to-end test of hermes-tui in real terminals: a real hermesd on
# 127.0.0.1, hermes-tui clients in tmux sessions on a private tmux server,
# keys sent with send-keys and the screen read with capture-pane.
#
#   tui_e2e.sh HERMESD HERMES_TUI SCENARIO [TERM]
#
# Scenarios: chat, nick_join, resize, reconnect, wide, page, accounts,
# hub_password, private, reactions; keys_edit,
# keys_window, keys_scroll, paste (run under several TERMs: the clients get
# TERM, screen-256color by default, tmux's own default); no_terminal; people;
# pending, quit_pending (our own lines on their way); moderation; tls_trust
# (the first use of a TLS hub: its fingerprint shown, y/N); typing ("ana is
# typing…"), unread (counts across devices by read markers); files (/upload
# progress, /download, a paste as a snippet). Each
# starts its own hub and tmux server and stops both (the hub by PID, tmux by
# its private socket) on every exit path. Waits poll the screen against a
# deadline; nothing waits a fixed time to synchronise. Each client traces what
# it receives to $WORK/trace-SESSION (HERMES_TUI_TRACE), to check text the
# screen cannot show (a Tab).
set -euo pipefail

HERMESD=${1:?usage: tui_e2e.sh HERMESD HERMES_TUI SCENARIO [TERM]}
TUI=${2:?usage: tui_e2e.sh HERMESD HERMES_TUI SCENARIO [TERM]}
SCENARIO=${3:?usage: tui_e2e.sh HERMESD HERMES_TUI SCENARIO [TERM]}
CLIENT_TERM=${4:-screen-256color}
DEADLINE_S=${TUI_E2E_DEADLINE_S:-15}

export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-tui-e2e.XXXXXX")
SOCK="hermes-e2e-$$-$RANDOM"
HUB_PID=""
PORT=""
HUB_TLS=false  # tls_trust: true

log() { printf '[%s %s] %s\n' "$SCENARIO" "$CLIENT_TERM" "$*"; }

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        log "FAILED; screens at exit:"
        for s in $(tmux -L "$SOCK" list-sessions -F '#S' 2>/dev/null); do
            echo "---- session $s"
            tmux -L "$SOCK" capture-pane -p -t "$s" 2>/dev/null || true
        done
        echo "---- hub log"
        cat "$WORK/hub.log" 2>/dev/null | tail -20 || true
    fi
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    stop_hub
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

fail() {
    log "FAIL: $*"
    exit 1
}

tm() { tmux -L "$SOCK" "$@"; }

# Starts hermesd; with an argument, on that port (a restart), else on port 0.
start_hub() {
    local port=${1:-0}
    rm -f "$WORK/port"
    cat >"$WORK/hub.properties" <<CONF
hermesd.host = 127.0.0.1
http.port = 0
irc.port = 0
hub.default_room = lobby
hub.motd = e2e hub
history.path = $WORK/history.db
accounts.hash_memory_kib = 8192
accounts.hash_ops = 1
${HUB_EXTRA:-}
logging.loggers.root.channel = console
logging.loggers.root.level = information
logging.channels.console.class = ConsoleChannel
tls.enabled = $HUB_TLS
CONF
    "$HERMESD" --config "$WORK/hub.properties" --port "$port" --port-file "$WORK/port" \
        >>"$WORK/hub.log" 2>&1 &
    HUB_PID=$!
    local end=$((SECONDS + DEADLINE_S))
    while [[ ! -s "$WORK/port" ]]; do
        kill -0 "$HUB_PID" 2>/dev/null || fail "hermesd exited early"
        ((SECONDS < end)) || fail "hermesd did not write its port file in ${DEADLINE_S}s"
        sleep 0.05
    done
    PORT=$(cat "$WORK/port")
    log "hub pid $HUB_PID on port $PORT"
}

stop_hub() {
    if [[ -n "$HUB_PID" ]] && kill -0 "$HUB_PID" 2>/dev/null; then
        kill -TERM "$HUB_PID" 2>/dev/null || true
        local end=$((SECONDS + 5))
        while kill -0 "$HUB_PID" 2>/dev/null && ((SECONDS < end)); do
            sleep 0.05
        done
        kill -KILL "$HUB_PID" 2>/dev/null || true
        wait "$HUB_PID" 2>/dev/null || true
    fi
    HUB_PID=""
}

# start_client SESSION NICK [COLS ROWS]
start_client() {
    launch_client "$@"
    wait_for "$1" "[$2] [2:lobby] [online]"
}

# launch_client SESSION NICK [COLS ROWS]: starts it without waiting to be online.
launch_client() {
    local session=$1 nick=$2 cols=${3:-80} rows=${4:-24}
    mkdir -p "$WORK/config-$session"
    # The exit status is printed on the screen it leaves; the trailing sleep
    # keeps a crashed client's last screen for the failure report. The tmux
    # server is killed at the end either way.
    tm -u new-session -d -s "$session" -x "$cols" -y "$rows" \
        "env XDG_CONFIG_HOME='$WORK/config-$session' LC_ALL=C.UTF-8 TERM=$CLIENT_TERM \
         HERMES_TUI_TRACE='$WORK/trace-$session' \
         '$TUI' --host 127.0.0.1 --port $PORT --nick $nick; echo \"hermes-tui exit status \$?\"; \
         sleep 30"
}

screen() { tm capture-pane -p -t "$1"; }

# wait_for SESSION TEXT: polls the screen until TEXT (fixed string) shows.
wait_for() {
    local session=$1 text=$2
    local end=$((SECONDS + DEADLINE_S))
    while ! screen "$session" | grep -qF -- "$text"; do
        ((SECONDS < end)) || fail "'$text' did not appear in session $session within ${DEADLINE_S}s"
        sleep 0.05
    done
}

# wait_styled SESSION REGEX WHAT: polls the screen with its attributes
# (capture-pane -e: SGR sequences kept) until REGEX (extended) matches; fails
# with WHAT when it does not within the deadline.
wait_styled() {
    local session=$1 regex=$2 what=$3
    local end=$((SECONDS + DEADLINE_S))
    while ! tm capture-pane -e -p -t "$session" | grep -qE -- "$regex"; do
        ((SECONDS < end)) || fail "$what within ${DEADLINE_S}s"
        sleep 0.05
    done
}

# wait_gone SESSION TEXT: polls the screen until TEXT (fixed string) is gone.
wait_gone() {
    local session=$1 text=$2
    local end=$((SECONDS + DEADLINE_S))
    while screen "$session" | grep -qF -- "$text"; do
        ((SECONDS < end)) || fail "'$text' still shows in session $session after ${DEADLINE_S}s"
        sleep 0.05
    done
}

# input_row SESSION: the input line (the last row), trailing blanks removed.
input_row() { screen "$1" | tail -n 1 | sed 's/[[:space:]]*$//'; }

# wait_input SESSION TEXT [CURSOR_X]: polls until the input line reads exactly
# TEXT (trailing blanks aside) and, if given, the cursor is in column CURSOR_X.
wait_input() {
    local session=$1 want=$2 cursor=${3:-}
    want=$(printf '%s' "$want" | sed 's/[[:space:]]*$//')
    local end=$((SECONDS + DEADLINE_S))
    until [[ "$(input_row "$session")" == "$want" ]] &&
        [[ -z "$cursor" || $(tm display-message -p -t "$session" '#{cursor_x}') -eq $cursor ]]; do
        ((SECONDS < end)) || fail "input line of $session is '$(input_row "$session")' with the \
cursor in column $(tm display-message -p -t "$session" '#{cursor_x}'), expected '$want'${cursor:+ in column $cursor}"
        sleep 0.05
    done
}

# wait_file FILE: polls until FILE exists and is not empty.
wait_file() {
    local end=$((SECONDS + DEADLINE_S))
    until [[ -s "$1" ]]; do
        ((SECONDS < end)) || fail "$1 not written within ${DEADLINE_S}s"
        sleep 0.05
    done
}

# type_line SESSION TEXT: types TEXT literally and presses Enter.
type_line() {
    tm send-keys -t "$1" -l -- "$2"
    tm send-keys -t "$1" Enter
}

# rows_fit_now SESSION COLS ROWS: prints why the screen does not fit the
# window now (nothing when it does).
rows_fit_now() {
    local session=$1 cols=$2 rows=$3
    local captured
    captured=$(screen "$session")
    local n
    n=$(printf '%s\n' "$captured" | wc -l)
    [[ $n -eq $rows ]] || { echo "$session: $n rows captured, expected $rows"; return; }
    local widest
    widest=$(printf '%s\n' "$captured" | wc -L)
    ((widest <= cols)) ||
        { echo "$session: a row is $widest columns wide in a $cols-column window"; return; }
    printf '%s\n' "$captured" | head -1 | grep -qF "hermes @ 127.0.0.1:$PORT" ||
        { echo "$session: title bar missing at ${cols}x$rows"; return; }
    printf '%s\n' "$captured" | sed -n "$((rows - 1))p" | grep -qF "[online]" ||
        { echo "$session: status bar not on row $((rows - 1)) at ${cols}x$rows"; return; }
    printf '%s\n' "$captured" | sed -n "${rows}p" | grep -q '^\[lobby\]' ||
        echo "$session: input line not on the last row at ${cols}x$rows"
}

# check_rows_fit SESSION COLS ROWS: every row fits the window, with the title
# bar on top, the status bar above the input line and the input line last.
# Polled until it holds: a capture may catch ncurses mid-redraw.
check_rows_fit() {
    local end=$((SECONDS + DEADLINE_S)) why
    why=$(rows_fit_now "$@")
    while [[ -n "$why" ]]; do
        ((SECONDS < end)) || fail "$why"
        sleep 0.05
        why=$(rows_fit_now "$@")
    done
}

scenario_chat() {
    start_client a ana
    start_client b bob
    wait_for a "bob joined lobby"
    type_line a "hello from ana"
    wait_for a "<ana> hello from ana"
    wait_for b "<ana> hello from ana"
    type_line b "/me waves back"
    wait_for a "* bob waves back"
    wait_for b "* bob waves back"
    # A pasted block of 12 lines goes out line by line, paced under the hub's
    # rate limit (5/s, burst 10): all arrive, in order, none dropped as flood.
    local paste="" i
    for i in $(seq -w 1 12); do
        paste+="pasted $i"$'\n'
    done
    tm send-keys -t a -l -- "$paste"
    wait_for b "<ana> pasted 12"
    local order
    order=$(screen b | grep -oE "<ana> pasted [0-9]+" | awk '{print $3}' | tr '\n' ' ')
    [[ "$order" == *"07 08 09 10 11 12 "* ]] || fail "pasted lines out of order: $order"
    screen a | grep -qF "Not sent" && fail "a pasted line failed: $(screen a | grep -F 'Not sent')"
    # An unknown command is never sent as text.
    type_line a "/frobnicate now"
    wait_for a "unknown command /frobnicate; /help lists them"
    screen b | grep -qF "frobnicate" && fail "an unknown command reached the other client"
    # The nick the hub granted is remembered in the config file.
    grep -qx "nick: ana" "$WORK/config-a/hermes/hermes-tui.conf" ||
        fail "last nick not saved in the config file"
}

scenario_nick_join() {
    start_client a ana
    start_client b bob
    type_line b "/nick bobby"
    wait_for a "bob is now known as bobby"
    wait_for b "[bobby] [2:lobby]"
    type_line b "renamed and talking"
    wait_for a "<bobby> renamed and talking"
    type_line a "/join dev"
    wait_for a "[ana] [3:dev]"
    type_line b "/join dev"
    wait_for a "bobby joined dev"
    wait_for b "[bobby] [3:dev]"
    type_line b "only in dev"
    wait_for a "<bobby> only in dev"
    # Back in lobby (Alt-2) nothing of dev shows; a mention in dev marks it.
    tm send-keys -t a M-2
    wait_for a "[ana] [2:lobby]"
    screen a | grep -qF "only in dev" && fail "a dev line shows in the lobby window"
    type_line b "ping ana in dev"
    wait_for a "[Act: 3(1)!]"
}

scenario_resize() {
    start_client a ana
    for i in 1 2 3 4 5 6; do
        type_line a "line $i: the quick brown fox jumps over the lazy dog, again and again"
    done
    wait_for a "<ana> line 6:"
    check_rows_fit a 80 24
    tm resize-window -t a -x 50 -y 15
    local end=$((SECONDS + DEADLINE_S))
    until [[ $(screen a | wc -l) -eq 15 ]] && screen a | sed -n 14p | grep -qF "[online]"; do
        ((SECONDS < end)) || fail "layout did not follow the resize to 50x15"
        sleep 0.05
    done
    check_rows_fit a 50 15
    tm resize-window -t a -x 120 -y 30
    end=$((SECONDS + DEADLINE_S))
    until [[ $(screen a | wc -l) -eq 30 ]] && screen a | sed -n 29p | grep -qF "[online]"; do
        ((SECONDS < end)) || fail "layout did not follow the resize to 120x30"
        sleep 0.05
    done
    check_rows_fit a 120 30
    # The member pane (F2) fits too.
    tm send-keys -t a F2
    wait_for a "1 member)"
    check_rows_fit a 120 30
}

scenario_reconnect() {
    start_client a ana
    start_client b bob
    type_line a "/topic release on friday"
    wait_for b "ana set the topic: release on friday"
    type_line a "before the restart"
    wait_for b "<ana> before the restart"
    local port=$PORT
    stop_hub
    wait_for a "[offline"
    wait_for b "[offline"
    # The hub's goodbye, said once: not "shutting down: hub shutting down".
    wait_for a "Disconnected: the hub is shutting down (reconnecting)"
    start_hub "$port"
    # This hub keeps history on disk: the restart loses nothing.
    wait_for a "The hub restarted; history is kept, catching up."
    wait_for b "The hub restarted; history is kept, catching up."
    wait_for a "[ana] [2:lobby] [online]"
    wait_for b "[bob] [2:lobby] [online]"
    type_line a "after the restart"
    wait_for b "<ana> after the restart"
    wait_for a "<ana> after the restart"
    # No duplicate lines: each line shows once on each screen; the topic,
    # re-sent on rejoin, is not announced again.
    for s in a b; do
        local n
        n=$(screen "$s" | grep -cF "<ana> before the restart")
        [[ $n -eq 1 ]] || fail "$s shows 'before the restart' $n times"
        n=$(screen "$s" | grep -cF "<ana> after the restart")
        [[ $n -eq 1 ]] || fail "$s shows 'after the restart' $n times"
        n=$(screen "$s" | grep -cF "set the topic: release on friday")
        [[ $n -eq 1 ]] || fail "$s announces the topic $n times"
        n=$(screen "$s" | grep -cF "shutting down")
        [[ $n -eq 1 ]] || fail "$s says 'shutting down' $n times"
        if screen "$s" | grep -qF "is lost"; then
            fail "$s says history is lost"
        fi
    done
}

scenario_wide() {
    start_client a ana
    start_client b bob
    tm send-keys -t b F2
    wait_for b "2 members"
    type_line a "日本語 😀 end"
    wait_for b "<ana> 日本語 😀 end"
    # The text after the wide characters sits where the terminal puts it:
    # "HH:MM <ana> " is 12 columns, 日本語 6, a space, 😀 2, a space.
    local row
    row=$(screen b | grep -F "<ana> 日本語")
    local before=${row%%end*}
    [[ $(printf '%s' "$before" | wc -L) -eq 22 ]] ||
        fail "'end' is at column $(printf '%s' "$before" | wc -L), expected 22: '$row'"
    # The member pane border is in the same column on every row, wide text or not.
    local columns
    columns=$(screen b | grep -F "│" | while IFS= read -r line; do
        printf '%s' "${line%%│*}" | wc -L
    done | sort -u)
    [[ $(printf '%s\n' "$columns" | wc -l) -eq 1 ]] ||
        fail "member pane border in several columns: $(echo $columns)"
    # The input cursor counts wide characters as two columns: "[lobby] " + 8.
    tm send-keys -t a -l "日本語😀"
    local end=$((SECONDS + DEADLINE_S))
    until [[ $(tm display-message -p -t a '#{cursor_x}') -eq 16 ]]; do
        ((SECONDS < end)) ||
            fail "input cursor at column $(tm display-message -p -t a '#{cursor_x}'), expected 16"
        sleep 0.05
    done
    # Backspace removes one whole character (2 columns).
    tm send-keys -t a BSpace
    end=$((SECONDS + DEADLINE_S))
    until [[ $(tm display-message -p -t a '#{cursor_x}') -eq 14 ]]; do
        ((SECONDS < end)) || fail "Backspace did not remove the whole emoji"
        sleep 0.05
    done
}

# page_row K R: row R of long message K, 28 columns: one screen row of its own
# after "HH:MM <bob> " in a 40-column window.
page_row() {
    local t="p${1}r${2}"
    printf '%s%s' "$t" "$(printf '%*s' $((28 - ${#t})) '' | tr ' ' '.')"
}

scenario_page() {
    start_client a ana 40 12 # a message pane of 9 rows
    start_client b bob
    wait_for a "bob joined lobby"
    local k r text
    for k in 1 2 3; do
        text=""
        for r in 0 1 2 3 4 5; do
            text+="${text:+ }$(page_row "$k" "$r")"
        done
        type_line b "$text"
    done
    wait_for a "$(page_row 3 5)"
    # Following: the last 9 rows, p2r3..p3r5. PgUp moves up 8 rows: the top
    # row p2r3 is now at the bottom, above the marker, and the 7 rows above
    # it fill the pane (screen lines 2..9; line 10 is the marker).
    tm send-keys -t a PPage
    wait_for a "more below (PgDn)"
    local end=$((SECONDS + DEADLINE_S))
    until screen a | sed -n 9p | grep -qF -- "$(page_row 2 3)"; do
        ((SECONDS < end)) || fail "after PgUp, row p2r3 is not just above the marker"
        sleep 0.05
    done
    local captured
    captured=$(screen a)
    local line=2
    for row in "1 2" "1 3" "1 4" "1 5" "2 0" "2 1" "2 2" "2 3"; do
        # shellcheck disable=SC2086
        printf '%s\n' "$captured" | sed -n "${line}p" | grep -qF -- "$(page_row $row)" ||
            fail "after PgUp, line $line is not row '$row': $(printf '%s\n' "$captured" | sed -n "${line}p")"
        line=$((line + 1))
    done
    printf '%s\n' "$captured" | grep -qF "p2r4" && fail "after PgUp, a row below the view still shows"
    # PgDn moves down 7 rows (8 shown, one kept): p2r3 at the top; the next
    # one goes back to following: the marker goes, the newest row shows.
    tm send-keys -t a NPage
    end=$((SECONDS + DEADLINE_S))
    until screen a | sed -n 2p | grep -qF -- "$(page_row 2 3)"; do
        ((SECONDS < end)) || fail "after PgDn, row p2r3 is not at the top"
        sleep 0.05
    done
    screen a | grep -qF "more below" || fail "one PgDn from 8 rows up left the 'more below' marker"
    tm send-keys -t a NPage
    end=$((SECONDS + DEADLINE_S))
    while screen a | grep -qF "more below"; do
        ((SECONDS < end)) || fail "PgDn did not return to the newest lines"
        sleep 0.05
    done
    screen a | grep -qF -- "$(page_row 3 5)" || fail "after PgDn, the newest row is not shown"
}

# Word movement and deletion with the keys tmux sends in xterm form
# (ESC [ 1 ; 5 D for Ctrl-Left...): under screen-256color the terminfo does
# not know them and the client decodes the bytes; under xterm-256color ncurses
# returns its kLFT5-style key codes. Either way the input line gets no "1;5D".
scenario_keys_edit() {
    start_client a ana
    tm send-keys -t a -l "alpha beta gamma"
    wait_input a "[lobby] alpha beta gamma" 24
    tm send-keys -t a C-Left C-Left
    wait_input a "[lobby] alpha beta gamma" 14
    tm send-keys -t a -l "X"
    wait_input a "[lobby] alpha Xbeta gamma" 15
    tm send-keys -t a C-Right
    wait_input a "[lobby] alpha Xbeta gamma" 19
    tm send-keys -t a -l "Y"
    wait_input a "[lobby] alpha XbetaY gamma" 20
    tm send-keys -t a M-BSpace
    wait_input a "[lobby] alpha  gamma" 14
    tm send-keys -t a C-DC
    wait_input a "[lobby] alpha " 14
    # The ESC-prefixed Alt keys: Alt-B, Alt-D, Alt-F.
    tm send-keys -t a -l "one two three"
    wait_input a "[lobby] alpha one two three" 27
    tm send-keys -t a M-b M-b
    wait_input a "[lobby] alpha one two three" 18
    tm send-keys -t a M-d
    wait_input a "[lobby] alpha one  three" 18
    tm send-keys -t a M-f
    wait_input a "[lobby] alpha one  three" 24
    # Keys bound to nothing here are not typed either.
    tm send-keys -t a C-Up M-Up C-PPage F5 IC
    tm send-keys -t a -l "!"
    wait_input a "[lobby] alpha one  three!" 25
    tm send-keys -t a Enter
    wait_for a "<ana> alpha one  three!"
}

# Alt-Left/Right go to the previous/next window, round the ends.
scenario_keys_window() {
    start_client a ana
    type_line a "/join dev"
    wait_for a "[ana] [3:dev]"
    tm send-keys -t a M-Left
    wait_for a "[ana] [2:lobby]"
    tm send-keys -t a M-Right
    wait_for a "[ana] [3:dev]"
    tm send-keys -t a M-Right
    wait_for a "[ana] [1:status]"
    tm send-keys -t a M-Left
    wait_for a "[ana] [3:dev]"
    wait_input a "[dev]" 6
}

# mouse_wheel SESSION up|down: a wheel report as the terminal would send it,
# in the form the terminfo's kmous asks for (xterm-256color: SGR,
# ESC [ < 64 ; x ; y M; screen-256color: X10, ESC [ M b x y).
mouse_wheel() {
    local session=$1 button=64 hex
    [[ $2 == down ]] && button=65
    if infocmp -1 "$CLIENT_TERM" | grep -qF 'kmous=\E[<'; then
        hex=$(printf '%s' $'\e'"[<$button;5;5M" | od -An -tx1)
    else
        hex="1b 5b 4d $(printf '%x' $((button + 32))) 25 25"
    fi
    # shellcheck disable=SC2086 # one argument per byte
    tm send-keys -t "$session" -H $hex
}

# Shift-PgUp/PgDn scroll as PgUp/PgDn do; so does the mouse wheel.
scenario_keys_scroll() {
    start_client a ana 40 12 # a message pane of 9 rows
    start_client b bob
    wait_for a "bob joined lobby"
    local i
    for i in $(seq 1 14); do
        type_line b "scroll line $i"
    done
    wait_for a "<bob> scroll line 14"
    tm send-keys -t a S-PPage
    wait_for a "more below (PgDn)"
    wait_gone a "scroll line 14"
    screen a | grep -qF "scroll line 6" || fail "Shift-PgUp did not show older lines"
    tm send-keys -t a S-NPage S-NPage # 7 rows, then back to following (as PgDn)
    wait_gone a "more below"
    wait_for a "<bob> scroll line 14"
    mouse_wheel a up
    wait_for a "more below (PgDn)"
    wait_gone a "scroll line 14"
    screen a | grep -qF "scroll line 11" || fail "one wheel step did not scroll by 3 rows"
    mouse_wheel a down
    wait_gone a "more below"
    wait_for a "<bob> scroll line 14"
    wait_input a "[lobby]" 8
}

# A bracketed paste (tmux paste-buffer -p brackets it once the client asked
# for it): 12 lines with a Tab are held until y, then sent in order as 12
# messages; n cancels; one line goes into the input line.
scenario_paste() {
    start_client a ana
    start_client b bob
    wait_for a "bob joined lobby"
    local text="" i
    for i in $(seq -w 1 12); do
        if [[ $i == 05 ]]; then
            text+="pasted $i"$'\t'"tabbed"$'\n'
        else
            text+="pasted $i"$'\n'
        fi
    done
    tm set-buffer -b p -- "$text"
    tm paste-buffer -p -d -b p -t a
    wait_for a "Paste of 12 lines: send 12 lines? [y/N]"
    wait_input a "send 12 lines? [y/N]"
    screen b | grep -qF "pasted" && fail "a pasted line was sent before y"
    grep -qF "pasted" "$WORK/trace-b" && fail "a pasted line reached b before y"
    tm send-keys -t a y
    wait_for b "<ana> pasted 12"
    local order
    order=$(screen b | grep -oE "<ana> pasted [0-9]+" | awk '{print $3}' | tr '\n' ' ')
    [[ "$order" == "01 02 03 04 05 06 07 08 09 10 11 12 " ]] || fail "pasted lines arrived as: $order"
    # The Tab is in the text (the trace shows it escaped); the screen draws it as a space.
    grep -qF 'text: "pasted 05\ttabbed"' "$WORK/trace-b" || fail "the Tab did not arrive in line 05"
    [[ $(grep -cF 'text: "pasted ' "$WORK/trace-b") -eq 12 ]] || fail "b did not get 12 messages"
    screen b | grep -qF "<ana> pasted 05 tabbed" || fail "line 05 not shown with its Tab as a space"
    wait_input a "[lobby]" 8
    # n (any key but y) cancels, and says so; the input line is as before.
    tm send-keys -t a -l "draft"
    tm set-buffer -b p -- "cancelled 1"$'\n'"cancelled 2"
    tm paste-buffer -p -d -b p -t a
    wait_for a "Paste of 2 lines: send 2 lines? [y/N]"
    tm send-keys -t a n
    wait_for a "Paste of 2 lines not sent"
    wait_input a "[lobby] draft" 13
    # One line goes into the input line, its Tab too, and waits for Enter.
    tm send-keys -t a C-u
    tm set-buffer -b p -- "one"$'\t'"line"
    tm paste-buffer -p -d -b p -t a
    wait_input a "[lobby] one line" 16
    tm send-keys -t a Enter
    wait_for b "<ana> one line"
    grep -qF 'text: "one\tline"' "$WORK/trace-b" || fail "the one-line paste lost its Tab"
    grep -qF "cancelled" "$WORK/trace-b" && fail "a cancelled paste reached b"
    return 0
}

# Without a terminal the client refuses to start (exit 2, a message, no
# connection) instead of spinning; bad options are refused the same way.
scenario_no_terminal() {
    local rc=0
    timeout 10 "$TUI" --host 127.0.0.1 --port "$PORT" --nick ana \
        </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
    [[ $rc -ne 124 ]] || fail "hermes-tui </dev/null did not exit within 10s"
    [[ $rc -eq 2 ]] || fail "hermes-tui </dev/null exited $rc, expected 2"
    grep -qxF "hermes-tui needs a terminal; for scripts use hermes-cat" "$WORK/err" ||
        fail "no 'needs a terminal' message: $(cat "$WORK/err")"
    [[ ! -s "$WORK/out" ]] || fail "hermes-tui </dev/null wrote to standard output"
    # A terminal on standard input but not on standard output.
    tm new-session -d -s n "'$TUI' --host 127.0.0.1 --port $PORT --nick ana \
        >'$WORK/out2' 2>'$WORK/err2'; echo \$? >'$WORK/rc2'; sleep 30"
    wait_file "$WORK/rc2"
    [[ $(cat "$WORK/rc2") -eq 2 ]] || fail "hermes-tui >file exited $(cat "$WORK/rc2"), expected 2"
    grep -qF "needs a terminal" "$WORK/err2" || fail "hermes-tui >file gave no message"
    grep -qF "connected" "$WORK/hub.log" && fail "a client without a terminal connected to the hub"
    # Options: unknown ones and missing values exit 2 with usage; --version, --help 0.
    rc=0
    "$TUI" --bogus >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
    [[ $rc -eq 2 ]] || fail "--bogus exited $rc"
    grep -qxF "hermes-tui: unknown option --bogus" "$WORK/err" || fail "--bogus: $(cat "$WORK/err")"
    grep -qF "usage: hermes-tui" "$WORK/err" || fail "--bogus printed no usage"
    rc=0
    "$TUI" --nick >"$WORK/out" 2>"$WORK/err" </dev/null || rc=$?
    if [[ $rc -ne 2 ]] || ! grep -qxF "hermes-tui: --nick needs a value" "$WORK/err"; then
        fail "--nick without a value: exit $rc, $(cat "$WORK/err")"
    fi
    "$TUI" --version >"$WORK/out" </dev/null || fail "--version exited $?"
    grep -qxE "hermes-tui [0-9]+\.[0-9]+(\.[0-9]+)?" "$WORK/out" || fail "--version: $(cat "$WORK/out")"
    "$TUI" --help >"$WORK/out" </dev/null || fail "--help exited $?"
    grep -qF "usage: hermes-tui" "$WORK/out" || fail "--help printed no usage"
}

# dimmed_member NICK: an extended regex for a member-list row of
# capture-pane -e ending in NICK drawn dim.
dimmed_member() {
    printf '%s' $'\u2502(\e\\[[0-9;]*m)* \e\\[([0-9;]*;)?2(;[0-9;]*)?m(\e\\[[0-9;]*m)*'"$1"'$'
}

# Commands a person types from irssi / WeeChat habit: an unknown one, /help
# of one command, /away, /whois, a private message to someone away, the
# member list, /ignore (saved in the config file), /close.
scenario_people() {
    start_client a ana
    start_client b bob
    wait_for a "bob joined lobby"
    # An unknown command: one line, not the whole help.
    type_line a "/frobnicate now"
    wait_for a "!! unknown command /frobnicate; /help lists them"
    screen a | grep -qF "search-more" && fail "an unknown command dumped the whole help"
    type_line a "/help j"
    wait_for a "/join <room>"
    wait_for a "(also /j)"
    screen a | grep -qF "/whois <nick>" && fail "/help j showed more than /join"
    # bob goes away: his status bar says so, ana's lobby hears it.
    type_line b "/away lunch break"
    wait_for b "[bob] [2:lobby] [online] [away]"
    wait_for a "bob is away: lunch break"
    # /whois, as notice lines.
    # (Each line waited for: a capture may catch the screen mid-redraw.)
    type_line a "/whois bob"
    wait_for a "End of /whois bob"
    for line in "bob (hermes-tui 0.1)" "rooms: lobby" "signed on " "; idle " "away: lunch break"; do
        wait_for a "$line"
    done
    # A private message to bob is delivered; ana is told he is away.
    type_line a "/msg bob are you there?"
    wait_for b "[Act: 3(1)!]"
    tm send-keys -t b M-3
    wait_for b "<ana> are you there?"
    tm send-keys -t b M-2
    wait_for b "[bob] [2:lobby]"
    wait_for a "[ana] [3:bob]"
    wait_for a "bob is away: lunch break"
    # The member list dims away members: after its border, SGR 2 (dim) then
    # perhaps a colour, then the nick ending the row; ana, not away, is not.
    # ("2 members" is in the status bar before the list is drawn: wait for
    # the list's dimmed row itself.)
    tm send-keys -t a M-2
    tm send-keys -t a F2
    wait_for a "2 members"
    wait_styled a "$(dimmed_member bob)" "bob is not dimmed in the member list"
    local styled
    styled=$(tm capture-pane -e -p -t a)
    if printf '%s\n' "$styled" | grep -qE "$(dimmed_member ana)"; then
        fail "ana is dimmed in the member list but not away"
    fi
    # Back.
    type_line b "/away"
    wait_for a "bob is back"
    local end=$((SECONDS + DEADLINE_S))
    while screen b | grep -qF "[away]"; do
        ((SECONDS < end)) || fail "bob's status bar still says [away]"
        sleep 0.05
    done
    # /ignore: bob's lines are kept out, said once; saved in the config file.
    type_line a "/ignore bob"
    wait_for a "Ignoring bob"
    type_line b "secret one"
    type_line b "secret two"
    wait_for b "<bob> secret two"
    wait_for a "bob is ignored: their messages here are hidden"
    screen a | grep -qF "secret" && fail "an ignored nick's line was shown"
    [[ $(screen a | grep -cF "bob is ignored") -eq 1 ]] || fail "the ignore note was not said once"
    grep -qx "ignore: bob" "$WORK/config-a/hermes/hermes-tui.conf" ||
        fail "the ignore list was not saved in the config file"
    # /close in the private window closes it; /win and /exit are aliases.
    type_line a "/win 3"
    wait_for a "[ana] [3:bob]"
    type_line a "/close"
    wait_for a "[ana] [2:lobby]"
    type_line a "/exit"
    local end2=$((SECONDS + DEADLINE_S))
    while tm list-panes -t a -F '#{pane_current_command}' 2>/dev/null | grep -q hermes-tui; do
        ((SECONDS < end2)) || fail "/exit did not end hermes-tui"
        sleep 0.05
    done
}

# A line typed while the hub is down shows at once, dimmed and [queued], and
# reaches the room exactly once when the hub is back; meanwhile the status
# bar counts it.
scenario_pending() {
    start_client a ana
    start_client b bob
    local port=$PORT
    stop_hub
    wait_for a "[offline"
    type_line a "typed while away"
    wait_for a "typed while away [queued]"
    wait_for a "[pending 1]"
    # Drawn dim: the row's text carries the dim attribute (SGR 2).
    tm capture-pane -e -p -t a | grep -F "typed while away" | grep -q $'\e\\[[0-9;]*2[0-9;]*m' ||
        fail "the pending line is not dimmed"
    start_hub "$port"
    wait_for b "<ana> typed while away"
    wait_for a "<ana> typed while away"
    local end=$((SECONDS + DEADLINE_S))
    while screen a | grep -qF "[queued]" || screen a | grep -qF "[sending]" ||
        screen a | grep -qF "[pending"; do
        ((SECONDS < end)) || fail "the line stays pending after its echo"
        sleep 0.05
    done
    for s in a b; do
        local n
        n=$(screen "$s" | grep -cF "typed while away")
        [[ $n -eq 1 ]] || fail "$s shows the line $n times"
    done
}

# /quit with a line still on its way waits for it (and leaves with status 0
# once it is in the room); with the hub gone for good, /quit again leaves at
# once with status 1.
scenario_quit_pending() {
    start_client a ana
    start_client b bob
    local port=$PORT
    stop_hub
    wait_for a "[offline"
    type_line a "one more thing"
    type_line a "/quit"
    wait_for a "1 line still on the way to the hub"
    wait_for a "(/quit again leaves now)"
    start_hub "$port"
    wait_for b "<ana> one more thing"
    wait_for a "hermes-tui exit status 0"
    start_client c carol
    stop_hub
    wait_for c "[offline"
    type_line c "into the void"
    type_line c "/quit"
    wait_for c "1 line still on the way to the hub"
    type_line c "/quit"
    wait_for c "hermes-tui exit status 1"
}

# A TLS hub (tls.enabled, its self-signed certificate): a client with --tls
# and an empty known_hubs is shown the fingerprint the hub logged and asked;
# y connects (and records it), so the next start connects without asking; N
# leaves it unconnected.
scenario_tls_trust() {
    local fingerprint
    fingerprint=$(grep -o 'fingerprint SHA256:[0-9A-F:]*' "$WORK/hub.log" | head -1 | cut -d' ' -f2)
    [[ -n "$fingerprint" ]] || fail "no fingerprint in the hub's log"
    local data="$WORK/data" session
    for session in t1 t2 t3; do
        mkdir -p "$WORK/config-$session"
        # 120 columns: the fingerprint (102 characters) on one row.
        tm -u new-session -d -s "$session" -x 120 -y 30 \
            "env XDG_CONFIG_HOME='$WORK/config-$session' XDG_DATA_HOME='$data' LC_ALL=C.UTF-8 \
             TERM=$CLIENT_TERM '$TUI' --tls --host 127.0.0.1 --port $PORT --nick tls$session; \
             echo \"hermes-tui exit status \$?\"; sleep 30"
        if [[ $session == t3 ]]; then
            break
        fi
        wait_for "$session" "is not in $data/hermes/known_hubs"
        wait_for "$session" "$fingerprint"
        wait_for "$session" "Trust this hub and connect? (y/N)"
        wait_input "$session" "trust this hub? [y/N]"
        if [[ $session == t1 ]]; then
            tm send-keys -t "$session" n
            wait_for "$session" "Not trusted: not connecting."
            [[ ! -s "$data/hermes/known_hubs" ]] || fail "known_hubs written after N"
        else
            tm send-keys -t "$session" y
            wait_for "$session" "[tls$session] [2:lobby] [online]"
            grep -qF "127.0.0.1:$PORT $fingerprint" "$data/hermes/known_hubs" ||
                fail "known_hubs lacks the hub: $(cat "$data/hermes/known_hubs" 2>&1)"
        fi
    done
    # Trusted now: straight in, no question.
    wait_for t3 "[tlst3] [2:lobby] [online]"
    screen t3 | grep -qF "Trust this hub" && fail "asked again about a trusted hub"
    type_line t3 "over tls"
    wait_for t2 "<tlst3> over tls"
}

# Moderation: ana creates dev (its operator), kicks, mutes and bans bob; both
# screens show what happened and why.
scenario_moderation() {
    start_client a ana
    start_client b bob
    type_line a "/join dev"
    wait_for a "[ana] [3:dev]"
    type_line b "/join dev"
    wait_for a "bob joined dev"
    type_line a "/kick bob spam"
    wait_for a "bob was kicked by ana (spam)"
    # The window of dev is gone; the status window says why.
    tm send-keys -t b M-1
    wait_for b "You were kicked from dev by ana (spam)"
    tm send-keys -t b M-2
    wait_for b "[bob] [2:lobby]"
    # A kick is not a ban.
    type_line b "/join dev"
    wait_for b "[bob] [3:dev]"
    type_line a "/mute bob shouting"
    wait_for a "bob was muted by ana (shouting)"
    wait_for b "You were muted by ana (shouting)"
    type_line b "LOUD NOISES"
    wait_for b "not sent: you are muted in dev"
    # Muted, the topic is closed to bob too.
    type_line b "/topic bob was here"
    wait_for b "you are muted in dev: you may not set its topic"
    type_line a "/unmute bob"
    wait_for a "bob was unmuted by ana"
    type_line a "/topic ana's room"
    type_line a "/mode +t"
    wait_for b "ana set dev: topic locked"
    type_line b "/topic bob's room"
    wait_for b "the topic of dev is locked"
    type_line a "/ban bob 1h trolling"
    wait_for a "bob was banned by ana (trolling)"
    tm send-keys -t b M-1
    wait_for b "You were banned from dev by ana (trolling)"
    tm send-keys -t b M-2
    wait_for b "[bob] [2:lobby]"
    type_line b "/join dev"
    wait_for b "you are banned from dev by ana: trolling"
    # Not an operator of lobby (nobody creates the default room).
    type_line b "/kick ana"
    wait_for b "you are not an operator of lobby"
    type_line a "/bans"
    wait_for a "Bans in dev (1):"
    wait_for a "bob by ana (trolling), until "
}

command -v tmux >/dev/null || fail "tmux is not installed"
[[ $SCENARIO == tls_trust ]] && HUB_TLS=true
start_hub
# A registered nick and a private hub: the password is masked while typed
# (/register, and the prompts hermes-tui shows when the hub asks), never
# shown on the screen nor written to the hub's log.
scenario_accounts() {
    start_client a ana
    tm send-keys -t a -l -- "/register hunter2"
    wait_input a "[lobby] /register *******"
    tm send-keys -t a Enter
    wait_for a "is registered to you"
    type_line a "/quit"
    wait_for a "hermes-tui exit status 0"
    # ana again: the hub says the nick is registered; hermes-tui asks.
    launch_client c ana
    wait_for c "password for ana>"
    tm send-keys -t c -l -- "wrong"
    wait_input c "password for ana> *****"
    tm send-keys -t c Enter
    wait_for c "wrong password for ana"
    wait_input c "password for ana>"
    tm send-keys -t c -l -- "hunter2"
    wait_input c "password for ana> *******"
    tm send-keys -t c Enter
    wait_for c "[ana] [2:lobby] [online]"
    tm send-keys -t c M-1
    wait_for c "Signed in to ana."
    wait_for c "wrong password for ana"
    for s in a c; do
        screen "$s" | grep -qF hunter2 && fail "the password showed in session $s"
    done
    grep -qF hunter2 "$WORK/hub.log" && fail "the hub logged the password"
    true
}

# Private messages that wait and private history: ana writes to bob, who is
# registered and offline; bob signs in and sees it marked as waited; a query
# window opened after a new sign-in backfills the conversation from the hub.
sign_in() {
    local session=$1 nick=$2 password=$3
    launch_client "$session" "$nick"
    wait_for "$session" "password for $nick>"
    tm send-keys -t "$session" -l -- "$password"
    tm send-keys -t "$session" Enter
    wait_for "$session" "[$nick] [2:lobby] [online]"
}

scenario_private() {
    start_client a ana
    type_line a "/register ana-secret"
    wait_for a "is registered to you"
    start_client b bob
    type_line b "/register bob-secret"
    wait_for b "is registered to you"
    type_line b "/quit"
    wait_for b "hermes-tui exit status 0"
    tm kill-session -t b
    type_line a "/query bob lunch at one?"
    wait_for a "lunch at one? (bob is offline: delivered at their next sign-in)"
    sign_in b bob bob-secret
    type_line b "/query ana"
    wait_for b "<ana> lunch at one? (sent "
    wait_for b " while you were away)"
    type_line b "sure, see you there"
    wait_for a "<bob> sure, see you there"
    type_line b "/quit"
    wait_for b "hermes-tui exit status 0"
    tm kill-session -t b
    # A new sign-in, a new query window: its history comes from the hub.
    sign_in c bob bob-secret
    type_line c "/query ana"
    wait_for c "<ana> lunch at one?"
    wait_for c "<bob> sure, see you there"
    local n
    n=$(screen c | grep -cF "see you there")
    [[ $n -eq 1 ]] || fail "c shows bob's answer $n times"
    # Delivered once: the waited copy is not delivered again at this sign-in.
    screen c | grep -qF "while you were away" && fail "the waited message was delivered again"
    true
}

scenario_hub_password() {
    stop_hub
    HUB_EXTRA="hub.password = open sesame" start_hub
    launch_client a ana
    wait_for a "hub password>"
    tm send-keys -t a -l -- "open sesame"
    wait_input a "hub password> ***********"
    tm send-keys -t a Enter
    wait_for a "[ana] [2:lobby] [online]"
    screen a | grep -qF "open sesame" && fail "the hub password showed"
    grep -qF "open sesame" "$WORK/hub.log" && fail "the hub logged its password"
    true
}

# Replies, edits, deletes and reactions: /seqs shows the numbers, /react and
# /reply without one take bob's view of the newest message from someone else,
# Up on an empty line puts ana's last line into "/edit N text", another's
# edit is refused, and both screens fold the events the same way.
scenario_reactions() {
    start_client a ana
    start_client b bob
    wait_for a "bob joined lobby"
    type_line a "helo wrold"
    wait_for b "<ana> helo wrold"
    type_line b "/seqs"
    wait_for b "[1] "
    type_line b "/react 👍"
    wait_for a "  👍 1"
    type_line a "/react 1 👍"
    wait_for b "  👍 2"
    wait_for a "  👍 2"
    type_line b "/reply is that a typo?"
    wait_for a "  > ana: helo wrold"
    wait_for a "<bob> is that a typo?"
    # The quote is the row right above the reply.
    screen a | grep -A1 -F "  > ana: helo wrold" | tail -n 1 | grep -qF "<bob> is that a typo?" ||
        fail "the quote is not right above the reply: $(screen a)"
    # Up on the empty input line: ana's newest line, ready to edit.
    tm send-keys -t a Up
    wait_input a "[lobby] /edit 1 helo wrold"
    tm send-keys -t a C-u
    type_line a "/edit 1 hello world"
    wait_for a "<ana> hello world (edited)"
    wait_for b "<ana> hello world (edited)"
    wait_for b "  > ana: hello world"
    screen b | grep -qF "helo wrold" && fail "bob still sees the old text: $(screen b)"
    type_line b "/edit 1 bob was here"
    wait_for b "Not done: message 1 of lobby is not yours"
    screen a | grep -qF "bob was here" && fail "bob's edit of ana's message reached ana"
    type_line a "oops, wrong window"
    wait_for b "<ana> oops, wrong window"
    type_line b "/seqs"
    wait_gone b "[1] "
    tm send-keys -t a Up
    wait_input a "[lobby] /edit 6 oops, wrong window"
    tm send-keys -t a C-u
    type_line a "/delete 6"
    wait_for a "<ana> (deleted)"
    wait_for b "<ana> (deleted)"
    wait_gone b "oops, wrong window"
    # The reactions are still counted under the first message.
    screen b | grep -qF "  👍 2" || fail "bob lost the reaction count: $(screen b)"
}

# Typing notices: "ana is typing…" on bob's status bar while she types, gone
# when her line arrives, back when she types again, gone by itself after 6 s;
# a client with typing = off sends none (bob's trace has no notice from it).
scenario_typing() {
    start_client a ana
    start_client b bob
    wait_for a "bob joined lobby"
    tm send-keys -t a -l -- "hel"
    wait_for b "ana is typing…"
    tm send-keys -t a -l -- "lo"
    tm send-keys -t a Enter
    wait_for b "<ana> hello"
    wait_gone b "ana is typing…"
    tm send-keys -t a -l -- "more"
    wait_for b "ana is typing…"
    # Nothing renews it (she is still within 3 s, and then stops): it lapses.
    local typed=$SECONDS
    wait_gone b "ana is typing…"
    ((SECONDS - typed >= 5)) || fail "the notice went after $((SECONDS - typed)) s, not 6"
    # carol turned typing off in her config: she sends none.
    mkdir -p "$WORK/config-c/hermes"
    printf 'typing: off\n' >"$WORK/config-c/hermes/hermes-tui.conf"
    start_client c carol
    wait_for b "carol joined lobby"
    tm send-keys -t c -l -- "quietly typed"
    tm send-keys -t c Enter
    wait_for b "<carol> quietly typed"
    grep -F 'typing_notice' "$WORK/trace-b" | grep -qF 'from: "carol"' &&
        fail "carol sent a typing notice with typing = off"
    grep -F 'typing_notice' "$WORK/trace-b" | grep -qF 'from: "ana"' ||
        fail "bob's trace has no typing notice from ana"
    true
}

# Unread counts across devices: ana on two clients (the second signs in to
# her account with /identify) sees lobby's unread messages counted; reading
# lobby on one clears the count on the other through the hub's read marker;
# the one that switched shows "new messages" before the first unread line.
scenario_unread() {
    start_client a ana
    tm send-keys -t a -l -- "/register hunter2"
    tm send-keys -t a Enter
    wait_for a "is registered to you"
    start_client c anaphone
    tm send-keys -t c -l -- "/identify ana hunter2"
    tm send-keys -t c Enter
    wait_for c "you are signed in to ana"
    start_client b bob
    type_line a "/join dev"
    wait_for a "[ana] [3:dev]"
    type_line c "/join dev"
    wait_for c "[anaphone] [3:dev]"
    type_line b "one"
    type_line b "two"
    type_line b "three"
    wait_for a "[Act: 2(3)]"
    wait_for c "[Act: 2(3)]"
    tm send-keys -t a M-2
    wait_for a "[ana] [2:lobby]"
    wait_for a "new messages"
    wait_gone c "[Act:"
    # The new-messages line sits right above bob's first unread line.
    screen a | grep -A1 -F "new messages" | grep -qF "<bob> one" ||
        fail "the new-messages line is not above the first unread line"
    true
}

# Files: /upload shows its progress in the status bar (the hub's upload rate
# is lowered so that it lasts), the room sees the file with its #seq, bob
# fetches it with /download N and gets the same bytes; a multi-line paste
# goes as a snippet on f and bob sees its first lines.
scenario_files() {
    stop_hub
    HUB_EXTRA="files.upload_bytes_per_second = 1000000" start_hub
    start_client a ana 100 24
    start_client b bob 100 24
    wait_for a "bob joined lobby"
    head -c 4000000 /dev/urandom >"$WORK/big.bin"
    type_line a "/upload $WORK/big.bin"
    wait_for a "Uploading big.bin (4.0 MB) to lobby..."
    # The status bar counts up while the bytes go (1 MB/s: about 3 s).
    wait_for a "[up big.bin "
    local shown
    shown=$(screen a | grep -oE "\[up big\.bin [0-9]+%\]" | head -1)
    [[ -n "$shown" ]] || fail "no upload progress in the status bar"
    wait_for a "Uploaded big.bin as #"
    wait_gone a "[up big.bin "
    local seq
    seq=$(screen b | grep -oE "#[0-9]+ shared big\.bin \(4\.0 MB\)  /download [0-9]+" |
        head -1 | grep -oE "[0-9]+$")
    [[ -n "$seq" ]] || fail "bob does not see the file with its seq"
    type_line b "/download $seq $WORK/got.bin"
    wait_for b "Downloaded big.bin to $WORK/got.bin"
    cmp -s "$WORK/big.bin" "$WORK/got.bin" || fail "the downloaded file differs"
    # A paste as a snippet: one file, its first lines shown to bob.
    tm set-buffer -b p -- "first line"$'\n'"second line"$'\n'"third line"
    tm paste-buffer -p -d -b p -t a
    wait_for a "send 3 lines? [y/N], or f: as one file"
    tm send-keys -t a f
    wait_for b "  | second line"
    screen b | grep -qE "#[0-9]+ shared paste-[0-9]+\.txt \(34 B\)" || fail "bob does not see the snippet"
    grep -qF 'text: "second line"' "$WORK/trace-b" && fail "the paste went as lines"
    log "progress seen: $shown"
    true
}

case $SCENARIO in
    chat | nick_join | resize | reconnect | wide | page | keys_edit | keys_window | keys_scroll | \
        paste | no_terminal | people | pending | quit_pending | moderation | accounts | hub_password | \
        private | tls_trust | typing | unread | files | reactions)
        "scenario_$SCENARIO"
        ;;
    *) fail "unknown scenario $SCENARIO" ;;
esac
log "passed"
