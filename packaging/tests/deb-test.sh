#!/usr/bin/env bash
# CTest packaging.deb: builds the three .debs from this build tree with
# cpack, and checks what an admin gets from them:
#   - each package's files (dpkg-deb -c) and control data (dpkg-deb -f/-I):
#     names, version, dependencies from dpkg-shlibdeps, the conffile, the
#     maintainer scripts;
#   - lintian finds no error or warning (when lintian is installed);
#   - dpkg installs them into an empty root (dpkg --root, maintainer scripts
#     run outside a chroot with DPKG_ROOT set, dependencies forced: the root
#     has no libc of its own), remove keeps the data and the conffile, purge
#     takes both (not as root: only unpacked with dpkg-deb -x);
#   - systemd-analyze verify accepts the unit, and systemd-analyze security
#     rates its exposure at or below HERMES_MAX_EXPOSURE;
#   - the installed hermesd, on the installed config (ports and database
#     moved to loopback and a temporary directory), serves the installed web
#     client and echoes a line from the installed hermes-cat, logs for the
#     journal, and stops on SIGTERM with exit 0.
# Stops what it started, by PID; every wait has a deadline.
#
# usage: deb-test.sh BUILD_DIR WEB_BUILT(0|1) CPACK
set -euo pipefail
BUILD=$1 WEB_BUILT=$2 CPACK=$3
# systemd-analyze security's exposure of packaging/hermesd.service, measured
# with systemd 252 (0 is a unit that can do nothing, 10 an unsandboxed one):
# the 1.1 left is the network itself (a hub must listen) and running in the
# host's root. A line dropped from the sandbox raises it past this.
HERMES_MAX_EXPOSURE=${HERMES_MAX_EXPOSURE:-1.1}

for tool in dpkg dpkg-deb dpkg-shlibdeps "$CPACK"; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (Debian's dpkg and dpkg-dev)"
        exit 77
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hermes-deb-test.XXXXXX")
HUB=
cleanup() {
    if [ -n "$HUB" ]; then
        kill -TERM "$HUB" 2>/dev/null || true
        wait "$HUB" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME COMMAND...: one assertion
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok: $name"
    else
        failed=$((failed + 1))
        echo "FAILED: $name"
    fi
}
wait_for() {  # wait_for SECONDS COMMAND...: polls until true or the deadline
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}
has_line() { grep -qxF -- "$2" "$1"; }     # has_line FILE LINE
has() { grep -qF -- "$2" "$1"; }            # has FILE TEXT
lacks() { ! grep -qE -- "$2" "$1"; }        # lacks FILE REGEX

# --- build -------------------------------------------------------------------
started=$SECONDS
if ! "$CPACK" --config "$BUILD/CPackConfig.cmake" -B "$WORK/out" >"$WORK/cpack.log" 2>&1; then
    cat "$WORK/cpack.log"
    echo "FAILED: cpack"
    exit 1
fi
echo "cpack: $((SECONDS - started)) s"
ARCH=$(dpkg --print-architecture)
VERSION=$(sed -n 's/^hermes (\(.*\)).*/\1/p;q' "$(dirname "$0")/../debian/changelog")
DEBS=()
for package in hermesd hermes-tui hermes-tools; do
    deb="$WORK/out/${package}_${VERSION}_${ARCH}.deb"
    check "$package: ${package}_${VERSION}_${ARCH}.deb built" test -f "$deb"
    DEBS+=("$deb")
done
[ "$failed" -eq 0 ] || { ls -l "$WORK/out"; exit 1; }

# --- contents and control data -------------------------------------------------
for deb in "${DEBS[@]}"; do
    package=$(dpkg-deb -f "$deb" Package)
    dpkg-deb -c "$deb" >"$WORK/$package.contents"
    awk '{print $6}' "$WORK/$package.contents" | sed 's|^\./|/|' >"$WORK/$package.files"
    dpkg-deb -f "$deb" Depends >"$WORK/$package.depends"
    check "$package: version $VERSION" test "$(dpkg-deb -f "$deb" Version)" = "$VERSION"
    check "$package: files owned by root" lacks "$WORK/$package.contents" '^[^ ]+ +[^r][^ ]* '
    check "$package: nothing under /usr/local" lacks "$WORK/$package.files" '^/usr/local'
    check "$package: copyright" has_line "$WORK/$package.files" "/usr/share/doc/$package/copyright"
    check "$package: changelog.Debian.gz" \
        has_line "$WORK/$package.files" "/usr/share/doc/$package/changelog.Debian.gz"
    check "$package: depends on libc6 (dpkg-shlibdeps)" has "$WORK/$package.depends" "libc6 (>="
    check "$package: depends on POCO" has "$WORK/$package.depends" "libpocofoundation"
    check "$package: depends on protobuf" has "$WORK/$package.depends" "libprotobuf"
    check "$package: depends on OpenSSL" has "$WORK/$package.depends" "libssl3"
done
f=$WORK/hermesd.files
check "hermesd: /usr/sbin/hermesd" has_line "$f" /usr/sbin/hermesd
check "hermesd: /etc/hermes/hermesd.properties" has_line "$f" /etc/hermes/hermesd.properties
check "hermesd: hermesd.service" has_line "$f" /lib/systemd/system/hermesd.service
check "hermesd: hermesd(8)" has_line "$f" /usr/share/man/man8/hermesd.8.gz
check "hermesd: no client binaries" lacks "$f" '^/usr/bin/'
if [ "$WEB_BUILT" = 1 ]; then
    for page in index.html app.js app.css icon.svg; do
        check "hermesd: web client $page" has_line "$f" "/usr/share/hermes/web/$page"
    done
fi
check "hermesd: depends on libsodium" has "$WORK/hermesd.depends" libsodium
check "hermesd: depends on SQLite through POCO" has "$WORK/hermesd.depends" libpocodatasqlite
check "hermesd: depends on init-system-helpers" has "$WORK/hermesd.depends" init-system-helpers
dpkg-deb -e "${DEBS[0]}" "$WORK/control"
check "hermesd: conffile /etc/hermes/hermesd.properties" \
    has_line "$WORK/control/conffiles" /etc/hermes/hermesd.properties
for script in postinst prerm postrm; do
    check "hermesd: $script executable" test -x "$WORK/control/$script"
done
f=$WORK/hermes-tui.files
check "hermes-tui: /usr/bin/hermes-tui" has_line "$f" /usr/bin/hermes-tui
check "hermes-tui: hermes-tui(1)" has_line "$f" /usr/share/man/man1/hermes-tui.1.gz
check "hermes-tui: depends on ncurses" has "$WORK/hermes-tui.depends" libncursesw6
f=$WORK/hermes-tools.files
check "hermes-tools: /usr/bin/hermes-cat" has_line "$f" /usr/bin/hermes-cat
check "hermes-tools: /usr/bin/hermes-bench" has_line "$f" /usr/bin/hermes-bench
check "hermes-tools: hermes-cat(1)" has_line "$f" /usr/share/man/man1/hermes-cat.1.gz
check "hermes-tools: hermes-bench(1)" has_line "$f" /usr/share/man/man1/hermes-bench.1.gz

# --- lintian ---------------------------------------------------------------------
if command -v lintian >/dev/null; then
    started=$SECONDS
    rc=0
    lintian --fail-on error,warning --info --tag-display-limit 0 "${DEBS[@]}" \
        >"$WORK/lintian.log" 2>&1 || rc=$?
    cat "$WORK/lintian.log"
    echo "lintian: $((SECONDS - started)) s"
    check "lintian: no error or warning" test "$rc" -eq 0
else
    echo "lintian is not installed (tools/install-deps.sh installs it): not run"
fi

# --- dpkg --root: install, remove, purge --------------------------------------------
ROOT=$WORK/root
mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates" "$ROOT/var/lib/dpkg/triggers"
touch "$ROOT/var/lib/dpkg/status"
# --force-script-chrootless: the scripts run with this system's /bin/sh and
# DPKG_ROOT=$ROOT (the root has no shell of its own); --force-depends: nor
# libc6, POCO, ... that the packages depend on.
dpkg_root() {
    dpkg --root="$ROOT" --force-script-chrootless --force-depends --force-bad-path \
        --log=/dev/null "$@" >>"$WORK/dpkg.log" 2>&1
}
# dpkg --root needs root (files owned by root); without it, the packages
# are only unpacked (dpkg-deb -x) and their scripts not run.
AS_ROOT=0
[ "$(id -u)" -eq 0 ] && AS_ROOT=1
if [ "$AS_ROOT" = 1 ]; then
    rc=0
    dpkg_root --install "${DEBS[@]}" || rc=$?
    check "dpkg --root --install: exit 0" test "$rc" -eq 0
    [ "$rc" -eq 0 ] || cat "$WORK/dpkg.log"
    for package in hermesd hermes-tui hermes-tools; do
        check "$package: installed ok" test "$(dpkg-query --root="$ROOT" -W \
            -f='${db:Status-Abbrev}' "$package" 2>/dev/null)" = "ii "
    done
    dpkg-query --root="$ROOT" -W -f='${Conffiles}' hermesd >"$WORK/conffiles" 2>&1 || true
    check "hermesd: dpkg lists the conffile" \
        grep -q '/etc/hermes/hermesd.properties [0-9a-f]\{32\}' "$WORK/conffiles"
else
    echo "not root: dpkg-deb -x instead of dpkg --root (no maintainer scripts, no remove or purge)"
    for deb in "${DEBS[@]}"; do
        dpkg-deb -x "$deb" "$ROOT"
    done
fi
check "installed: /usr/sbin/hermesd" test -x "$ROOT/usr/sbin/hermesd"
check "installed: hermes-cat" test -x "$ROOT/usr/bin/hermes-cat"
CONFIG=$ROOT/etc/hermes/hermesd.properties
check "installed config: database in /var/lib/hermes" \
    has_line "$CONFIG" "history.path = /var/lib/hermes/hermes-history.db"
check "installed config: journal log pattern" \
    has_line "$CONFIG" "logging.channels.console.formatter.pattern = <%l>%s: %t"
check "installed config: every key of etc/hermesd.properties" test "$(
    grep -c '^[a-z]' "$(dirname "$0")/../../etc/hermesd.properties")" = "$(grep -c '^[a-z]' "$CONFIG")"

# --- the unit -----------------------------------------------------------------------
UNIT=$ROOT/lib/systemd/system/hermesd.service
if command -v systemd-analyze >/dev/null; then
    # --root: ExecStart's /usr/sbin/hermesd must be there in the installed
    # tree; the targets the unit depends on by default (sysinit.target, ...)
    # are this system's, copied in; MANPATH: Documentation=man:hermesd(8)
    # must open the installed page.
    cp /lib/systemd/system/*.target "$ROOT/lib/systemd/system/" 2>/dev/null || true
    # ExecReload's /bin/kill is procps's (Priority: important, on every
    # Debian system), not in this empty root.
    install -D -m 0755 /bin/kill "$ROOT/bin/kill"
    rc=0
    MANPATH=$ROOT/usr/share/man systemd-analyze verify --root="$ROOT" "$UNIT" \
        >"$WORK/verify.log" 2>&1 || rc=$?
    cat "$WORK/verify.log"
    check "systemd-analyze verify: exit 0" test "$rc" -eq 0
    check "systemd-analyze verify: nothing to say" test ! -s "$WORK/verify.log"
    systemd-analyze security --offline=yes --no-pager "$UNIT" >"$WORK/security.log" 2>&1 || true
    score=$(sed -n 's/.*Overall exposure level for hermesd.service: \([0-9.]*\).*/\1/p' \
        "$WORK/security.log")
    grep -E '^\s*✗' "$WORK/security.log" || true
    echo "systemd-analyze security: exposure ${score:-?} (at most $HERMES_MAX_EXPOSURE)"
    check "systemd-analyze security: exposure at most $HERMES_MAX_EXPOSURE" \
        awk -v s="${score:-99}" -v m="$HERMES_MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }'
else
    echo "systemd-analyze is not installed: the unit is not verified"
fi

# --- the installed hub ----------------------------------------------------------------
# The installed config with only what a test must change appended (a key's
# last line wins): loopback, ports, the database in $WORK.
mkdir -p "$WORK/state"
start_hub() {  # start_hub HTTP_PORT: returns 0 once listening
    cp "$CONFIG" "$WORK/hub.properties"
    cat >>"$WORK/hub.properties" <<EOF

# --- packaging.deb's overrides
hermesd.host = 127.0.0.1
hermesd.port = 0
hermesd.port_file = $WORK/port
http.host = 127.0.0.1
http.port = $1
irc.port = 0
history.path = $WORK/state/hermes-history.db
EOF
    rm -f "$WORK/port"
    "$ROOT/usr/sbin/hermesd" --config "$WORK/hub.properties" >"$WORK/hub.log" 2>&1 &
    HUB=$!
    wait_for 20 test -s "$WORK/port" && return 0
    kill -TERM "$HUB" 2>/dev/null || true
    wait "$HUB" 2>/dev/null || true
    HUB=
    return 1
}
# http.port = 0 turns the listener off, so pick a port; should another
# process take it first, start again on another.
for attempt in 1 2 3; do
    HTTP_PORT=$((20000 + RANDOM % 30000))
    start_hub "$HTTP_PORT" && break
    grep -q "cannot listen for HTTP" "$WORK/hub.log" || break
done
check "installed hermesd starts on the installed config" test -n "$HUB"
if [ -z "$HUB" ]; then
    cat "$WORK/hub.log"
    echo "$passed passed, $((failed)) failed"
    exit 1
fi
PORT=$(cat "$WORK/port")
check "installed hermesd found the installed web client" \
    has "$WORK/hub.log" "the page from $ROOT/usr/share/hermes/web"
rc=0
echo "hello from the package" | "$ROOT/usr/bin/hermes-cat" --port "$PORT" --nick packager \
    --room lobby --timeout 10 >"$WORK/cat.out" 2>"$WORK/cat.err" || rc=$?
check "installed hermes-cat: its line echoed (exit 0)" test "$rc" -eq 0
check "installed hermes-cat: printed the echo" has "$WORK/cat.out" "<packager> hello from the package"
if [ "$WEB_BUILT" = 1 ]; then
    rc=0
    exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" || rc=$?
    if [ "$rc" -eq 0 ]; then
        printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
        timeout 10 cat <&3 >"$WORK/page.http" || true
        exec 3<&-
    fi
    check "installed web client: GET / answers 200" grep -q '^HTTP/1.1 200' "$WORK/page.http"
    check "installed web client: the page is index.html" \
        has "$WORK/page.http" "$(head -c 60 "$ROOT/usr/share/hermes/web/index.html")"
fi
check "database made where the config says" test -f "$WORK/state/hermes-history.db"
kill -TERM "$HUB"
rc=0
wait "$HUB" || rc=$?
HUB=
check "hermesd stops on SIGTERM with exit 0" test "$rc" -eq 0
check "log: journal priority prefix" grep -q '^<6>hermesd: hermesd .* listening on 127.0.0.1' \
    "$WORK/hub.log"
check "log: no time stamp of its own" lacks "$WORK/hub.log" '^<[0-9]>[0-9]{4}-[0-9]{2}-'
check "log: stopped" has_line "$WORK/hub.log" "<6>hermesd: stopped"
[ "$failed" -eq 0 ] || cat "$WORK/hub.log"

# --- remove keeps the data, purge takes it ----------------------------------------------
if [ "$AS_ROOT" = 0 ]; then
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi
# What systemd makes for StateDirectory= with DynamicUser=yes.
mkdir -p "$ROOT/var/lib/private/hermes"
echo data >"$ROOT/var/lib/private/hermes/hermes-history.db"
ln -s private/hermes "$ROOT/var/lib/hermes"
rc=0
dpkg_root --remove hermesd || rc=$?
check "dpkg --remove hermesd: exit 0" test "$rc" -eq 0
check "remove: the binary is gone" test ! -e "$ROOT/usr/sbin/hermesd"
check "remove: the conffile stays" test -f "$CONFIG"
check "remove: the data stays" test -f "$ROOT/var/lib/hermes/hermes-history.db"
rc=0
dpkg_root --purge hermesd hermes-tui hermes-tools || rc=$?
check "dpkg --purge: exit 0" test "$rc" -eq 0
check "purge: the conffile is gone" test ! -e "$CONFIG"
check "purge: /etc/hermes is gone" test ! -e "$ROOT/etc/hermes"
check "purge: the data is gone" test ! -e "$ROOT/var/lib/private/hermes"
check "purge: the /var/lib/hermes link is gone" test ! -L "$ROOT/var/lib/hermes"
check "purge: no package left" test -z "$(dpkg-query --root="$ROOT" -W 2>/dev/null)"
[ "$failed" -eq 0 ] || cat "$WORK/dpkg.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
