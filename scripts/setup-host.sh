#!/usr/bin/env bash
# Prepare a Debian host for the suite: the packages it needs and a running Docker engine.
#
# Idempotent: on a prepared machine it installs nothing and leaves a running engine alone
# (it never stops or restarts one).  Needs root only for what it has to change.
#
#   DOCKERD_WAIT_SECS   how long to wait for a started engine to answer (default 60)
set -euo pipefail

DOCKERD_LOG=/var/log/refconf-dockerd.log
DOCKERD_WAIT_SECS=${DOCKERD_WAIT_SECS:-60}

say() { printf 'setup-host: %s\n' "$*"; }
die() {
    printf 'setup-host: error: %s\n' "$*" >&2
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "$1 needs root; rerun as root (sudo $0)"
}

# package:command pairs; a package counts as present if its command is on PATH (or in an
# sbin directory, which a non-root PATH may lack) or dpkg lists it as installed.  chromium is for
# tests/test_report_html.py, which opens report.html in it, headless, from a local file.
PACKAGES=(docker.io:dockerd skopeo:skopeo docker-registry:docker-registry iptables:iptables debootstrap:debootstrap chromium:chromium)

has_command() {
    command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 || -x /sbin/$1 ]]
}

installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

missing=()
for pair in "${PACKAGES[@]}"; do
    pkg=${pair%%:*}
    cmd=${pair#*:}
    if has_command "$cmd" || installed "$pkg"; then
        say "$pkg: present"
    else
        missing+=("$pkg")
    fi
done

if ((${#missing[@]})); then
    need_root "installing ${missing[*]}"
    say "installing ${missing[*]} with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
    say "installed ${missing[*]}"
fi

command -v docker >/dev/null 2>&1 || die "no docker CLI on PATH after installing docker.io"

engine_answers() {
    local version
    version=$(docker info --format '{{.ServerVersion}}' 2>/dev/null) && [[ -n $version ]]
}

if engine_answers; then
    say "Docker engine answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null)); left as it is"
    exit 0
fi

# An engine whose pid file names a live process is starting (or stuck): wait for it,
# never start a second one beside it.
pid=""
if [[ -s /var/run/docker.pid ]]; then
    pid=$(cat /var/run/docker.pid)
    if [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null || true) == dockerd ]]; then
        say "dockerd (pid $pid) is running but does not answer yet; waiting for it"
    else
        pid=""
    fi
fi

if [[ -z $pid ]]; then
    need_root "starting dockerd"
    has_command dockerd || die "dockerd not found although docker.io is installed"
    say "starting dockerd --iptables=false --ip-masq=false (log: $DOCKERD_LOG)"
    setsid nohup dockerd --iptables=false --ip-masq=false >>"$DOCKERD_LOG" 2>&1 </dev/null &
    pid=$!
fi

deadline=$((SECONDS + DOCKERD_WAIT_SECS))
until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
        die "dockerd (pid $pid) exited before answering; last log line: $(tail -n 1 "$DOCKERD_LOG" 2>/dev/null || echo none)"
    fi
    if ((SECONDS >= deadline)); then
        die "dockerd (pid $pid) did not answer \`docker info\` within ${DOCKERD_WAIT_SECS}s; see $DOCKERD_LOG"
    fi
    sleep 0.5
done
say "Docker engine answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null)), dockerd pid $pid"
