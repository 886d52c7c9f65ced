#!/usr/bin/env bash
# A real IRC client against the gateway (docs/IRC.md): irssi (Debian's
# package) in tmux, and hermes-cat, a Hermes client, in one room of a real
# hermesd on 127.0.0.1. irssi registers (001 and the MOTD), joins #dev
# (names, and hermes-cat's earlier line played back: "History on join"),
# and the two chat both ways, /me included; irssi's /quit reaches
# hermes-cat as a QUIT. room_e2e.sh has the room of four (with WeeChat and
# hermes-tui); the helpers are e2e_lib.sh's.
#
#   irssi_e2e.sh HERMESD HERMES_CAT
set -euo pipefail

HERMESD=${1:?usage: irssi_e2e.sh HERMESD HERMES_CAT}
CAT=${2:?usage: irssi_e2e.sh HERMESD HERMES_CAT}
E2E_NAME=irssi
# shellcheck source=e2e_lib.sh
source "$(dirname "$0")/e2e_lib.sh"

command -v irssi >/dev/null || fail "irssi is not installed (tools/install-deps.sh installs it)"
e2e_start_hub "$HERMESD"

start_cat "$CAT" bob dev 3
echo "said before irssi came" >&3
wait_cat bob "said before irssi came"

start_irssi ana ana
wait_screen ana "Welcome to the"
wait_screen ana "irssi e2e hub"

type_line ana "/join #dev"
wait_screen ana "has joined #dev"
wait_screen ana "bob"
wait_screen ana "End of playback"
screen ana | in_order "has joined #dev" "Playback of the 1 message said before you joined" \
    "bob> said before irssi came" "End of playback" ||
    fail "irssi does not show bob's earlier line played back: $(screen ana)"
wait_cat bob "ana joined"

echo "hello irssi" >&3
wait_screen ana "hello irssi"
type_line ana "hi from irssi é"
wait_cat bob "hi from irssi é"

type_line ana "/me waves"
wait_cat bob "* ana waves"
echo "/me dances" >&3
wait_screen ana "* bob dances"

type_line ana "/quit see you"
wait_for "irssi's QUIT at bob" grep -q "ana.*see you" "$WORK/bob.out"
log "passed"
