#!/usr/bin/env bash
# Discovery end to end (docs/HUB.md "Discovery"), with no packet on this
# machine's real interfaces: everything runs in network namespaces this
# script makes, joined by veth pairs to a bridge that lives in a fourth
# namespace, never in the root one:
#
#   ns "br": bridge br0 <- hb1, hb2, hb3
#   ns 1: hv1 10.213.0.1  D-Bus, avahi-daemon, hermesd "alpha" (plain, IRC on)
#   ns 2: hv2 10.213.0.2  D-Bus, avahi-daemon, hermesd "beta"  (TLS)
#   ns 3: hv3 10.213.0.3  D-Bus, avahi-daemon, the clients
#
# Each namespace has its own D-Bus system bus (a private socket in the work
# directory, named by DBUS_SYSTEM_BUS_ADDRESS) and its own avahi-daemon
# (--no-drop-root, no chroot, only its veth, IPv4, no reflector, no
# workstation record), started under `unshare --mount` with a tmpfs over
# /run and /etc/avahi/services, so its pid file and socket never touch the
# host's. Both hubs announce; hermes-cat --discover --json in ns 3 must list
# both with their names, addresses, ports, tls, alpha's IRC port and beta's
# fingerprint, and the plain listing too. Then:
# - with no bus at DBUS_SYSTEM_BUS_ADDRESS, hermes-cat --discover exits 3
#   and says it needs avahi-daemon;
# - avahi-daemon in ns 2 is stopped and started again: beta's hub notices,
#   announces again, and is found again;
# - hermes-cat connects to each hub found and reads its own line back (beta
#   over TLS, trusting the announced fingerprint with --trust-fingerprint, as
#   a person would after comparing it);
# - hermes-tui --discover in ns 3 (tmux) shows the picker, Down + Enter picks
#   beta, the TLS prompt says the certificate is the one announced, y, and
#   what it says reaches beta's room;
# - a third hub, in ns 1, also called beta, is renamed "beta #2" by Avahi and
#   listed apart with its TXT name beta;
# - a fourth, with no D-Bus to reach, logs why it cannot announce and serves.
#
# Waits poll with a deadline. Every process started is stopped by PID and
# every namespace deleted by name on any exit (trap). Without root or
# network namespaces, or without avahi-daemon/dbus-daemon, it exits 77
# (CTest's SKIP_RETURN_CODE) saying why.
#
#   discovery_netns.sh HERMESD HERMES_CAT [HERMES_TUI]
set -euo pipefail

HERMESD=${1:?usage: discovery_netns.sh HERMESD HERMES_CAT [HERMES_TUI]}
CAT=${2:?usage: discovery_netns.sh HERMESD HERMES_CAT [HERMES_TUI]}
TUI=${3:-}
DEADLINE_S=${DISCOVERY_DEADLINE_S:-15}
SKIP=77

export LC_ALL=C.UTF-8 LANG=C.UTF-8 TZ=UTC TERM=screen-256color

log() { printf '[discovery] %s\n' "$*"; }
skip() {
    log "SKIPPED: $*"
    exit $SKIP
}

[[ $(id -u) -eq 0 ]] || skip "needs root (CAP_NET_ADMIN) for network namespaces"
for tool in ip unshare dbus-daemon avahi-daemon jq; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (tools/install-deps.sh)"
done

TAG="hd$$"
NS_BR="hermes-od-$$-br"
NS=("" "hermes-od-$$-1" "hermes-od-$$-2" "hermes-od-$$-3")
SUBNET=10.213.0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-discovery.XXXXXX")
SOCK="hermes-discovery-$$"
PIDS=()       # every daemon, stopped in reverse order
MADE_NS=()    # every namespace made

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 && $rc -ne $SKIP ]]; then
        log "FAILED (exit $rc)"
        for f in "$WORK"/*.log "$WORK"/*.out "$WORK"/*.err; do
            [[ -f $f ]] || continue
            echo "---- $(basename "$f")"
            tail -25 "$f"
        done
        if [[ -n $TUI ]]; then
            echo "---- hermes-tui's screen"
            tmux -L "$SOCK" capture-pane -p -t tui 2>/dev/null || true
        fi
    fi
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[i]}" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    for ns in "${MADE_NS[@]}"; do
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

# in_ns N COMMAND...: runs COMMAND in namespace N on that namespace's bus.
in_ns() {
    local n=$1
    shift
    ip netns exec "${NS[n]}" env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/bus$n" "$@"
}

# spawn N COMMAND... &: in_ns as a background job whose PID ($!) is the
# daemon's own (each step execs), so stopping it by PID stops the daemon.
spawn() {
    local n=$1
    shift
    exec ip netns exec "${NS[n]}" env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/bus$n" "$@"
}

# --- the network: four namespaces, the bridge inside one of them ---------
make_ns() {
    ip netns add "$1" 2>"$WORK/netns.err" ||
        skip "ip netns add failed: $(cat "$WORK/netns.err")"
    MADE_NS+=("$1")
}
make_ns "$NS_BR"
ip -n "$NS_BR" link add br0 type bridge mcast_snooping 0
ip -n "$NS_BR" link set br0 up
for n in 1 2 3; do
    make_ns "${NS[n]}"
    # Made inside the bridge's namespace, the peer moved straight to its own:
    # neither end ever exists in the root namespace.
    ip -n "$NS_BR" link add "hb$n" type veth peer name "hv$n" netns "${NS[n]}"
    ip -n "$NS_BR" link set "hb$n" master br0 up
    ip -n "${NS[n]}" link set lo up
    ip -n "${NS[n]}" addr add "$SUBNET.$n/24" dev "hv$n"
    ip -n "${NS[n]}" link set "hv$n" up
done
log "namespaces ${NS[*]:1} and $NS_BR ($TAG)"

# --- a D-Bus system bus and an avahi-daemon in each ---------------------
for n in 1 2 3; do
    cat >"$WORK/bus$n.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/bus$n</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
CONF
    spawn "$n" dbus-daemon --config-file="$WORK/bus$n.conf" --nofork --nopidfile \
        >"$WORK/dbus$n.log" 2>&1 &
    PIDS+=($!)
    cat >"$WORK/avahi$n.conf" <<CONF
[server]
host-name=hermes-od-$n
use-ipv4=yes
use-ipv6=no
allow-interfaces=hv$n
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
publish-workstation=no
publish-hinfo=no
publish-domain=no
publish-addresses=yes
[reflector]
enable-reflector=no
CONF
done
AVAHI_PID=()
cp /etc/passwd "$WORK/passwd"
cp /etc/group "$WORK/group"
echo "avahi:x:64999:64999:avahi-daemon (discovery test):/nonexistent:/usr/sbin/nologin" >>"$WORK/passwd"
echo "avahi:x:64999:" >>"$WORK/group"
start_avahi() {
    local n=$1
    # A mount namespace of its own: /run and the static services directory
    # (when the host has one: tools/install-deps.sh fetches the binary alone)
    # are empty tmpfs here, so its pid file and socket are not the host's.
    # avahi-daemon wants its user to exist even when it keeps root: without
    # the package (which makes it), copies of passwd and group that have it
    # are bound over the host's, in this mount namespace only.
    spawn "$n" unshare --mount --propagation private sh -c \
        'mount -t tmpfs tmpfs /run &&
         { [ ! -d /etc/avahi/services ] || mount -t tmpfs tmpfs /etc/avahi/services; } &&
         { getent passwd avahi >/dev/null ||
           { mount --bind "$2/passwd" /etc/passwd && mount --bind "$2/group" /etc/group; }; } &&
         exec avahi-daemon -f "$1" --no-drop-root --no-chroot --no-rlimits --no-proc-title' \
        avahi "$WORK/avahi$n.conf" "$WORK" >>"$WORK/avahi$n.log" 2>&1 &
    PIDS+=($!)
    AVAHI_PID[n]=$!
}
for n in 1 2 3; do
    wait_for "D-Bus in ${NS[n]}" test -S "$WORK/bus$n"
    start_avahi "$n"
done
for n in 1 2 3; do
    wait_for "avahi-daemon in ${NS[n]}" grep -qs "Server startup complete" "$WORK/avahi$n.log"
done

# --- two hubs that announce -----------------------------------------------
HUB_PID=()
# start_hub ID NS NAME [PROPERTY LINE...]
start_hub() {
    local n=$1 ns=$2 name=$3
    shift 3
    mkdir -p "$WORK/hub$n"
    cat >"$WORK/hub$n.properties" <<CONF
hermesd.host = 0.0.0.0
hermesd.port = 7070
http.port = 0
irc.port = 0
hub.name = $name
hub.default_room = lobby
history.persist = false
history.path = $WORK/hub$n/history.db
discovery.announce = true
CONF
    printf '%s\n' "$@" >>"$WORK/hub$n.properties"
    # HUB_BUS: another D-Bus address than the namespace's (one with no bus).
    spawn "$ns" ${HUB_BUS:+env DBUS_SYSTEM_BUS_ADDRESS="$HUB_BUS"} "$HERMESD" \
        --config="$WORK/hub$n.properties" >"$WORK/hub$n.log" 2>&1 &
    PIDS+=($!)
    HUB_PID[n]=$!
}
start_hub 1 1 alpha "irc.host = 0.0.0.0" "irc.port = 6667"
start_hub 2 2 beta "tls.enabled = true"
for n in 1 2; do
    wait_for "hub $n's announcement" grep -qs "discovery: announced as" "$WORK/hub$n.log"
done
BETA_FP=$(sed -n 's/.*tls: certificate .*, fingerprint \(SHA256:[0-9A-F:]*\).*/\1/p' "$WORK/hub2.log")
[[ -n $BETA_FP ]] || fail "beta logged no fingerprint"
log "alpha and beta announced (beta's certificate $BETA_FP)"

# --- hermes-cat --discover in ns 3 ---------------------------------------
in_ns 3 "$CAT" --discover --json --discover-time 5 >"$WORK/discover.out" 2>"$WORK/discover.err" ||
    fail "hermes-cat --discover exited $?"
hub_field() { jq -r --arg name "$1" "select(.name == \$name) | $2" "$WORK/discover.out"; }
[[ $(jq -s length "$WORK/discover.out") -eq 2 ]] || fail "expected 2 hubs, got: $(cat "$WORK/discover.out")"
[[ $(hub_field alpha .address) == "$SUBNET.1" ]] || fail "alpha's address"
[[ $(hub_field beta .address) == "$SUBNET.2" ]] || fail "beta's address"
[[ $(hub_field alpha .port) == 7070 && $(hub_field beta .port) == 7070 ]] || fail "the ports"
[[ $(hub_field alpha .tls) == false && $(hub_field alpha .fingerprint) == "" ]] || fail "alpha's tls"
[[ $(hub_field alpha .irc_port) == 6667 ]] || fail "alpha's IRC port"
[[ $(hub_field beta .tls) == true ]] || fail "beta's tls"
[[ $(hub_field beta .fingerprint) == "$BETA_FP" ]] || fail "beta's fingerprint"
[[ $(hub_field beta .protocol) == 1 ]] || fail "beta's protocol version"
log "hermes-cat --discover lists alpha ($SUBNET.1) and beta ($SUBNET.2, TLS)"

# The plain listing: one line each, tab separated.
in_ns 3 "$CAT" --discover --discover-time 5 >"$WORK/discover-plain.out" 2>/dev/null
grep -qP "^beta\t$SUBNET\.2\t7070\ttls\t$BETA_FP\$" "$WORK/discover-plain.out" ||
    fail "the plain listing: $(cat "$WORK/discover-plain.out")"

# Without avahi-daemon to ask (no bus at that address): exit 3, and why.
if in_ns 3 env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/no-bus" "$CAT" --discover \
    >"$WORK/nobus.out" 2>&1; then
    fail "hermes-cat --discover without avahi-daemon exited 0"
else
    rc=$?
    [[ $rc -eq 3 ]] || fail "hermes-cat --discover without avahi-daemon exited $rc, not 3"
fi
grep -q "discovery needs avahi-daemon" "$WORK/nobus.out" || fail "no word of avahi-daemon"

# --- avahi-daemon restarts under a hub: it announces again -----------------
kill -TERM "${AVAHI_PID[2]}"
wait_for "hub 2 noticing avahi-daemon gone" grep -qs "lost avahi-daemon" "$WORK/hub2.log"
wait_for "the old avahi-daemon to exit" bash -c "! kill -0 ${AVAHI_PID[2]} 2>/dev/null"
start_avahi 2
announced_twice() { [[ $(grep -c "discovery: announced as" "$WORK/hub2.log") -ge 2 ]]; }
wait_for "hub 2 announced again" announced_twice
in_ns 3 "$CAT" --discover --json --discover-time 5 >"$WORK/discover2.out" 2>/dev/null
[[ $(jq -r 'select(.name == "beta") | .address' "$WORK/discover2.out") == "$SUBNET.2" ]] ||
    fail "beta not found after avahi-daemon restarted: $(cat "$WORK/discover2.out")"
log "after avahi-daemon restarted in ${NS[2]}, beta is announced and found again"

# --- connect to what was found ---------------------------------------------
export XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" HOME="$WORK"
address=$(hub_field alpha .address)
port=$(hub_field alpha .port)
echo "hello alpha" | in_ns 3 "$CAT" --host "$address" --port "$port" --nick carol --room dev \
    --timeout 10 >"$WORK/alpha.out" 2>&1 || fail "hermes-cat to alpha exited $?"
grep -q "<carol> hello alpha" "$WORK/alpha.out" || fail "alpha did not echo the line"
address=$(hub_field beta .address)
fp=$(hub_field beta .fingerprint)
echo "hello beta" | in_ns 3 "$CAT" --host "$address" --port 7070 --tls --trust-fingerprint "$fp" \
    --nick carol --room dev --timeout 10 >"$WORK/beta.out" 2>&1 || fail "hermes-cat to beta exited $?"
grep -q "<carol> hello beta" "$WORK/beta.out" || fail "beta did not echo the line"
log "hermes-cat reached both hubs at the addresses found (beta over TLS)"

# --- hermes-tui --discover: the picker ------------------------------------
if [[ -n $TUI ]] && command -v tmux >/dev/null; then
    rm -rf "$WORK/data"  # beta not yet trusted: the TUI must ask
    screen_has() { tmux -L "$SOCK" capture-pane -p -t tui | grep -qF -- "$1"; }
    in_ns 3 tmux -L "$SOCK" new-session -d -s tui -x 150 -y 30 \
        "env XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config HOME=$WORK \
         DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/bus3 $TUI --discover --nick dave --room dev"
    wait_for "the picker" screen_has "2 hubs answered"
    screen_has "> alpha  $SUBNET.1:7070  plain" || fail "alpha first and selected"
    tmux -L "$SOCK" send-keys -t tui Down
    wait_for "beta selected" screen_has "> beta  $SUBNET.2:7070  tls $BETA_FP"
    tmux -L "$SOCK" send-keys -t tui Enter
    wait_for "the TLS question" screen_has "Trust this hub and connect? (y/N)"
    screen_has "the certificate the hub announced" || fail "no word of the announced certificate"
    tmux -L "$SOCK" send-keys -t tui y
    wait_for "hermes-tui online at beta" screen_has "[online]"
    grep -qF "$SUBNET.2:7070 $BETA_FP" "$WORK/data/hermes/known_hubs" ||
        fail "known_hubs lacks beta: $(cat "$WORK/data/hermes/known_hubs" 2>&1)"
    tmux -L "$SOCK" send-keys -t tui -l "picked beta"
    tmux -L "$SOCK" send-keys -t tui Enter
    # erin, a hermes-cat on beta (trusted now through known_hubs), reads the
    # room's backlog until dave's line is in it.
    dave_on_beta() {
        echo | in_ns 3 "$CAT" --host "$SUBNET.2" --port 7070 --tls --nick "erin$RANDOM" \
            --room dev --backlog --timeout 5 >"$WORK/check.out" 2>&1 || true
        grep -q "<dave> picked beta" "$WORK/check.out"
    }
    wait_for "dave's line on beta" dave_on_beta
    log "hermes-tui --discover picked beta with Down + Enter and talked there"
fi
# --- a name taken on the link: Avahi's alternative ---------------------------
# A third hub, in ns 1 on port 7071, also called beta: ns 2's beta holds the
# name, so this one becomes "beta #2"; its TXT name stays beta.
start_hub 3 1 beta "hermesd.port = 7071"
wait_for "hub 3's rename" grep -qs "another host announces 'beta'; renamed to 'beta #2'" \
    "$WORK/hub3.log"
wait_for "hub 3's announcement" grep -qs "discovery: announced as 'beta #2'" "$WORK/hub3.log"
in_ns 3 "$CAT" --discover --json --discover-time 5 >"$WORK/discover3.out" 2>/dev/null
[[ $(jq -s length "$WORK/discover3.out") -eq 3 ]] || fail "expected 3 hubs: $(cat "$WORK/discover3.out")"
second=$(jq -c 'select(.instance == "beta #2") | [.name, .address, .port, .tls]' "$WORK/discover3.out")
[[ $second == "[\"beta\",\"$SUBNET.1\",7071,false]" ]] || fail "beta #2: $second"
log "a second hub called beta is announced as 'beta #2' and listed apart"

# --- no D-Bus at all: the hub says so and serves anyway --------------------
HUB_BUS="unix:path=$WORK/no-bus" start_hub 4 3 gamma "hermesd.port = 7072"
wait_for "hub 4's word on avahi-daemon" grep -qs "discovery: cannot reach avahi-daemon" \
    "$WORK/hub4.log"
echo "hello gamma" | in_ns 3 "$CAT" --host 127.0.0.1 --port 7072 --nick carol --room dev \
    --timeout 10 >"$WORK/gamma.out" 2>&1 || fail "hermes-cat to gamma exited $?"
grep -q "<carol> hello gamma" "$WORK/gamma.out" || fail "gamma did not echo the line"
log "a hub with no D-Bus to announce through serves anyway"

# --- a hub that stops withdraws its record ----------------------------------
kill -TERM "${HUB_PID[2]}"
wait_for "hub 2 stopped" grep -qs "hermesd: stopped$" "$WORK/hub2.log"
beta_gone() {
    in_ns 3 "$CAT" --discover --json --discover-time 3 >"$WORK/discover4.out" 2>/dev/null &&
        ! grep -q "\"$SUBNET.2\"" "$WORK/discover4.out"
}
wait_for "beta gone from the list" beta_gone
log "beta, stopped, is no longer listed (its goodbye)"
log "passed"
