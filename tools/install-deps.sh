#!/usr/bin/env bash
# Installs whatever Hermes needs from Debian 12's packages and is missing.
#
#   tools/install-deps.sh           build, test and run dependencies
#   tools/install-deps.sh --fuzz    also clang and libFuzzer (tools/run-fuzz.sh)
#
# Idempotent: asks dpkg first, and runs apt-get (via sudo when not root) only
# for packages that are not installed. Exits 0 when everything is present.
# The browser client (web/) needs node and npm (Debian's nodejs and npm, unless
# a node with its npm is already on PATH) and its tests Debian's chromium; the
# IRC gateway's end-to-end tests Debian's irssi and weechat-curses (WeeChat's
# terminal interface: the test reads its screen in tmux); the discovery test
# dbus-daemon, iproute2, jq and the avahi-daemon binary (it runs its own
# D-Bus buses and avahi-daemons, in network namespaces it makes); the
# cluster's tests redis-server (a master, a replica, three Sentinels of their
# own on free loopback ports).
# Two test tools come as a binary alone, taken from their Debian package
# without installing it, because the package would set up and start a
# service: avahi-daemon (the package starts the system's mDNS responder,
# which announces this machine on its real network) and promtool, for
# MetricsTest's `promtool check metrics` (the prometheus package sets up a
# Prometheus server; a 19 MB download, a 48 MB binary). apt-get download,
# then the one file copied to /usr/local/sbin or /usr/local/bin.
set -euo pipefail

packages=(
    cmake g++ make pkg-config
    libpoco-dev libsqlite3-dev libprotobuf-dev protobuf-compiler
    libboost-dev libboost-test-dev
    libncurses-dev
    libssl-dev libsodium-dev
    libavahi-client-dev
    # the cluster's Redis backplane (docs/CLUSTER.md): hiredis, and
    # redis-server for its tests (started by them on loopback ports: a
    # master, a replica, Sentinels with redis-server --sentinel, commands
    # through redis-cli from redis-tools, which redis-server depends on; the
    # package's own Redis on 6379 is never used)
    libhiredis-dev redis-server
    tmux
    # the discovery test: avahi-daemon's libraries (its binary is fetched
    # alone, below), a D-Bus daemon without the system bus service
    libavahi-core7 libdaemon0 dbus-daemon iproute2 jq
    irssi
    weechat-curses
    chromium
    # make package and its test (packaging/): CPack's DEB generator runs
    # dpkg-shlibdeps (dpkg-dev) and file; lintian checks the packages,
    # systemd-analyze (systemd) the unit, man-db its Documentation= page
    dpkg-dev file lintian systemd man-db
    # tools/compare-peers.sh: its charts (gnuplot without X), its tables
    # (python3), and nats-server, one of the peers it measures hermesd
    # against (redis-server and ngircd come with ../shared/bench/run-peers.sh)
    gnuplot-nox python3 nats-server
)

for arg in "$@"; do
    case $arg in
        --fuzz) packages+=(clang libclang-rt-14-dev) ;;
        -h | --help)
            sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "install-deps: unknown argument '$arg' (expected --fuzz)" >&2
            exit 2
            ;;
    esac
done

# node and npm for web/: Debian's packages, unless node and npm are on PATH
# already (a NodeSource nodejs bundles npm and conflicts with Debian's npm).
if command -v node >/dev/null && command -v npm >/dev/null; then
    echo "install-deps: node $(node --version) and npm $(npm --version) are on PATH"
else
    packages+=(nodejs npm)
fi

installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for package in "${packages[@]}"; do
    if installed "$package"; then
        echo "install-deps: $package is installed"
    else
        missing+=("$package")
    fi
done

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
fi

# One binary from a Debian package, without installing the package (see the
# top): fetch_binary PACKAGE FILE-IN-PACKAGE DESTINATION. Not fatal: the test
# that needs it says it is missing and is skipped.
fetch_binary() {
    local package=$1 file=$2 destination=$3 dir
    if command -v "$(basename "$destination")" >/dev/null; then
        echo "install-deps: $(basename "$destination") is on PATH"
        return 0
    fi
    dir=$(mktemp -d)
    # apt-get download needs the package lists: an update first when it fails.
    if (cd "$dir" && { apt-get download "$package" >/dev/null 2>&1 ||
        { "${sudo[@]}" apt-get update >/dev/null 2>&1 &&
            apt-get download "$package" >/dev/null 2>&1; }; } &&
        dpkg-deb -x "$package"_*.deb root) &&
        "${sudo[@]}" install -D -m 0755 "$dir/root/$file" "$destination"; then
        echo "install-deps: $destination (from Debian's $package package, not installed)"
    else
        echo "install-deps: could not fetch $destination from $package; its test is skipped" >&2
    fi
    rm -rf "$dir"
}

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: nothing to install"
    fetch_binary avahi-daemon usr/sbin/avahi-daemon /usr/local/sbin/avahi-daemon
    fetch_binary prometheus usr/bin/promtool /usr/local/bin/promtool
    exit 0
fi

if [[ ${#sudo[@]} -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "install-deps: need root to install ${missing[*]}, and sudo is not available" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
echo "install-deps: + ${sudo[*]:+${sudo[*]} }apt-get update"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
echo "install-deps: + ${sudo[*]:+${sudo[*]} }apt-get install -y --no-install-recommends ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"

still=()
for package in "${missing[@]}"; do
    installed "$package" || still+=("$package")
done
if [[ ${#still[@]} -ne 0 ]]; then
    echo "install-deps: still missing after apt-get: ${still[*]}" >&2
    exit 1
fi
fetch_binary avahi-daemon usr/sbin/avahi-daemon /usr/local/sbin/avahi-daemon
fetch_binary prometheus usr/bin/promtool /usr/local/bin/promtool
echo "install-deps: done"
