#!/usr/bin/env bash
# Make a Docker engine answer on this machine, installing and starting one
# when needed, and install what `judge image build` needs (debootstrap).
#
# Idempotent: does nothing when `docker info` already answers and debootstrap
# is present. Works as root on a fresh Debian bookworm machine with no init
# system (dockerd is started in the background, not through systemd).
#
#   bash .ci/install-docker.sh          # exit 0 when the engine answers
#
# Env: DOCKERD_LOG (default /var/log/mljudge-dockerd.log),
#      DOCKER_WAIT_SECONDS (default 60), DOCKERD (default dockerd).
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/mljudge-dockerd.log}
dockerd=${DOCKERD:-dockerd}  # the daemon's command (a stand-in in the script's own tests)
wait_s=${DOCKER_WAIT_SECONDS:-60}

say() { echo "install-docker: $*" >&2; }

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

# pgrep is not on every minimal machine: look at /proc.
dockerd_running() {
    local f
    for f in /proc/[0-9]*/comm; do
        [ "$(cat "$f" 2>/dev/null)" = "$(basename "$dockerd" | cut -c1-15)" ] && return 0
    done
    return 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
        say "need root to run: $*"; return 1; fi
}

missing=()
command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
# The keyring debootstrap checks Debian's Release files with.
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)

if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" ca-certificates >/dev/null
fi

if engine_up; then
    say "engine answers: $(docker version --format 'server {{.Server.Version}}' 2>/dev/null || echo up)"
    exit 0
fi

start_dockerd() {
    say "starting dockerd $* (log: $log)"
    as_root mkdir -p "$(dirname "$log")"
    # setsid + nohup: the daemon outlives this script and its shell.
    as_root setsid nohup "$dockerd" "$@" >>"$log" 2>&1 < /dev/null &
}

wait_engine() {
    local deadline=$((SECONDS + wait_s))
    while [ $SECONDS -lt $deadline ]; do
        engine_up && return 0
        # Stop waiting early when no dockerd is running any more.
        dockerd_running || { sleep 1; dockerd_running || return 1; }
        sleep 1
    done
    return 1
}

if dockerd_running; then
    say "a dockerd is running but does not answer yet; waiting"
else
    start_dockerd
fi

if ! wait_engine; then
    # Kernels without the netfilter tables dockerd wants (nat) stop it at
    # start. Judging never needs a network (containers run with network
    # none and the image is built offline), so try once without iptables.
    if ! dockerd_running && grep -qiE 'iptables|nat|chain' "$log" 2>/dev/null; then
        say "dockerd stopped on a netfilter error; retrying with --iptables=false"
        start_dockerd --iptables=false --ip-masq=false
        wait_engine || true
    fi
fi

if engine_up; then
    say "engine answers: $(docker version --format 'server {{.Server.Version}}' 2>/dev/null || echo up)"
    exit 0
fi
if dockerd_running; then
    say "the Docker engine did not answer within ${wait_s}s; last lines of $log:"
else
    say "dockerd exited without answering; last lines of $log:"
fi
tail -n 30 "$log" >&2 || true
exit 1
