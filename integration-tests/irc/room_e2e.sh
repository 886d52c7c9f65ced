#!/usr/bin/env bash
# Four clients in one room of a real hermesd on 127.0.0.1 (docs/IRC.md
# "Tests"): irssi and WeeChat (Debian's packages) through the IRC gateway,
# hermes-tui and hermes-cat speaking Hermes. The Hermes clients talk first;
# the IRC clients then join and get those lines played back (server-time,
# between the gateway's two notices: "History on join"). Then each client
# says a line, all four at once: every client shows the other three in the
# hub's order (hermes-cat's output is that order), UTF-8 intact. Then each
# says a /me, and every client shows the others' as actions, each in its own
# way. Waits poll the screens and hermes-cat's output against a deadline.
#
#   room_e2e.sh HERMESD HERMES_CAT HERMES_TUI
set -euo pipefail

HERMESD=${1:?usage: room_e2e.sh HERMESD HERMES_CAT HERMES_TUI}
CAT=${2:?usage: room_e2e.sh HERMESD HERMES_CAT HERMES_TUI}
TUI=${3:?usage: room_e2e.sh HERMESD HERMES_CAT HERMES_TUI}
E2E_NAME=room
# shellcheck source=e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"

for tool in irssi weechat tmux; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (tools/install-deps.sh installs it)"
done

e2e_start_hub "$HERMESD"

# The Hermes side first: hermes-cat and hermes-tui in dev, three lines said
# before any IRC client is there (one a /me, one with UTF-8).
start_cat "$CAT" cat dev 3
start_tui "$TUI" tui tui
type_line tui "/join dev"
wait_screen tui "[tui] [3:dev]"
echo "said early by cat" >&3
wait_cat cat "said early by cat"
type_line tui "said early by tui, ça va"
wait_cat cat "said early by tui, ça va"
type_line tui "/me brews tea"
wait_cat cat "* tui brews tea"

# WeeChat shows seconds: once the clock is past the second the early lines
# were said in, a line shown at the time it arrived cannot pass for one
# shown at the time it was said (hermes-cat prints the hub's time).
said_at=$(grep -F "said early by cat" "$WORK/cat.out" | grep -oE '^\[[0-9:]{8}\]' | tr -d '[]')
last_at=$(grep -F "* tui brews tea" "$WORK/cat.out" | grep -oE '^\[[0-9:]{8}\]' | tr -d '[]')
[[ -n $said_at && -n $last_at ]] || fail "no time on hermes-cat's lines: $(cat "$WORK/cat.out")"
clock_past() { [[ $(date +%H:%M:%S) != "$1" ]]; }
wait_for "the clock past $last_at" clock_past "$last_at"

# The IRC side joins and gets the three played back, between the notices.
start_irssi irssi irssi
start_weechat wee wee
wait_screen irssi "Welcome to the"
type_line irssi "/join #dev"
# WeeChat shows 001 in its server buffer and moves to #lobby (hub.default_room) at once.
wait_screen wee "wee (wee@hermes) has joined #lobby"
type_line wee "/join #dev"
for s in irssi wee; do
    wait_screen "$s" "End of playback"
    screen "$s" | in_order "Playback of the 3 messages said before you joined" \
        "said early by cat" "said early by tui, ça va" "tui brews tea" "End of playback" ||
        fail "$s: the playback is not the three early lines in order: $(screen "$s")"
done
# With its original time (server-time), not the time of the join.
screen wee | grep -qE "^$said_at +@?cat \| said early by cat" ||
    fail "WeeChat does not show the early line with the time it was said ($said_at): $(screen wee)"
wait_cat cat "-- irssi joined"
wait_cat cat "-- wee joined"
wait_screen tui "wee joined dev"

# One line each, all at once: the hub orders them; every client shows the
# others' in that order (its own line an IRC client shows when typed).
tm send-keys -t irssi -l "irssi says héllo"
tm send-keys -t wee -l "wee says 日本語"
tm send-keys -t tui -l "tui says ñandú"
tm send-keys -t irssi Enter
tm send-keys -t wee Enter
echo "cat says ünïcödé" >&3
tm send-keys -t tui Enter
lines=("irssi says héllo" "wee says 日本語" "tui says ñandú" "cat says ünïcödé")
for line in "${lines[@]}"; do
    wait_cat cat "$line"
done
mapfile -t order < <(grep -oE "(irssi|wee|tui|cat) says [^ ]+" "$WORK/cat.out")
[[ ${#order[@]} -eq 4 ]] || fail "hermes-cat has ${#order[@]} of the four lines: ${order[*]}"
log "the hub's order: ${order[*]}"
for s in irssi wee tui; do
    others=()
    for line in "${order[@]}"; do
        [[ $line == "$s says"* ]] || others+=("$line")
    done
    for line in "${others[@]}"; do
        wait_screen "$s" "$line"
    done
    screen "$s" | in_order "${others[@]}" ||
        fail "$s does not show the others' lines in the hub's order (${others[*]}): $(screen "$s")"
done

# /me from each: an action everywhere, in each client's own way.
type_line irssi "/me waves from irssi"
type_line wee "/me nods from weechat"
type_line tui "/me bows from the tui"
echo "/me purrs from cat" >&3
# hermes-cat and hermes-tui: "* nick text".
for action in "irssi waves from irssi" "wee nods from weechat" "tui bows from the tui" \
    "cat purrs from cat"; do
    wait_cat cat "* $action"
    [[ $action == tui* ]] || wait_screen tui "* $action"
done
# irssi: " * nick text"; WeeChat: a "*" prefix column, then "nick text".
for action in "wee nods from weechat" "tui bows from the tui" "cat purrs from cat"; do
    wait_screen irssi "* $action"
done
for action in "irssi waves from irssi" "tui bows from the tui" "cat purrs from cat"; do
    wait_for "the action '$action' in WeeChat" \
        eval "screen wee | grep -qE -- '\\*[[:space:]]*\\|? ?${action}'"
done
log "passed"
