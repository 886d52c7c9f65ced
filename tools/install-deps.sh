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
# avahi-daemon, dbus, iproute2 and jq (it runs its own avahi-daemons, in
# network namespaces it makes; on a machine with systemd the package also
# starts the system's avahi-daemon, as any desktop has: a container whose
# policy-rc.d says 101 starts nothing). MetricsTest runs promtool
# (`promtool check metrics`): it is taken from Debian's prometheus package
# without installing the package (which would set up a Prometheus server):
# apt-get download, then only /usr/bin/promtool copied to /usr/local/bin
# (a 19 MB download, a 48 MB binary, about 10 s).
set -euo pipefail

packages=(
    cmake g++ make pkg-config
    libpoco-dev libsqlite3-dev libprotobuf-dev protobuf-compiler
    libboost-dev libboost-test-dev
    libncurses-dev
    libssl-dev libsodium-dev
    libavahi-client-dev
    tmux
    avahi-daemon dbus iproute2 jq
    irssi
    weechat-curses
    chromium
    # make package and its test (packaging/): CPack's DEB generator runs
    # dpkg-shlibdeps (dpkg-dev) and file; lintian checks the packages,
    # systemd-analyze (systemd) the unit, man-db its Documentation= page
    dpkg-dev file lintian systemd man-db
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

# promtool alone, from the prometheus .deb (see the top). Not fatal: without
# it MetricsTest says so and checks the format with its own parser only.
if command -v promtool >/dev/null; then
    echo "install-deps: promtool is on PATH"
else
    promtool_sudo=()
    [[ $(id -u) -ne 0 ]] && promtool_sudo=(sudo)
    promtool_dir=$(mktemp -d)
    if (cd "$promtool_dir" && apt-get download prometheus >/dev/null 2>&1 &&
        dpkg-deb -x prometheus_*.deb root) &&
        "${promtool_sudo[@]}" install -m 0755 "$promtool_dir/root/usr/bin/promtool" /usr/local/bin/promtool; then
        echo "install-deps: promtool installed in /usr/local/bin (from Debian's prometheus package)"
    else
        echo "install-deps: could not fetch promtool (apt-get download prometheus); MetricsTest will not run it" >&2
    fi
    rm -rf "$promtool_dir"
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: nothing to install"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
        echo "install-deps: need root to install ${missing[*]}, and sudo is not available" >&2
        exit 1
    fi
    sudo=(sudo)
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
echo "install-deps: done"
