#!/usr/bin/env bash
# Starts (or reuses) a private Docker engine for docket's tests and benchmarks.
#
#   scripts/docker-engine.sh start [DIR]   prints DOCKER_HOST=unix://... on its last line
#   scripts/docker-engine.sh stop DIR      stops the engine started in DIR (by its pid)
#
# `start` never uses the engine an inherited DOCKER_HOST or /var/run/docker.sock names:
# the tests add and remove images, and a user's own engine is not theirs to change. To
# run them against another engine anyway, name it explicitly:
#   DOCKET_TEST_DOCKER_HOST=unix:///var/run/docker.sock   (start fails if it does not answer)
# Otherwise `start` reuses the private engine already running in DIR, or installs Debian's
# docker.io when dockerd is missing (as root with apt) and starts one whose state lives
# under DIR (a new temp dir when none is given):
#   DIR/root  data root (overlay2 where dockerd accepts it, else vfs, which works in any
#             container; DOCKET_STORAGE_DRIVER=vfs forces one)
#   DIR/exec  exec root
#   DIR/pid   pidfile
#   DIR/docker.sock
#   DIR/dockerd.log
set -euo pipefail

log() { echo "docker-engine: $*" >&2; }

answers() { # $1: DOCKER_HOST value
  DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

install_engine() {
  if command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "no dockerd on this machine, and cannot install it (needs root and apt-get)"
    return 1
  fi
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq docker.io >&2
}

start() {
  local dir="${1:-}"
  if [ -n "${DOCKET_TEST_DOCKER_HOST:-}" ]; then
    if ! answers "$DOCKET_TEST_DOCKER_HOST"; then
      log "no engine answers at DOCKET_TEST_DOCKER_HOST=$DOCKET_TEST_DOCKER_HOST"
      return 1
    fi
    log "using the engine at $DOCKET_TEST_DOCKER_HOST (DOCKET_TEST_DOCKER_HOST): its images are the tests' to add and remove"
    echo "DOCKER_HOST=$DOCKET_TEST_DOCKER_HOST"
    return 0
  fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://${dir:-/nonexistent}/docker.sock" ]; then
    local hint="DOCKET_TEST_DOCKER_HOST=$DOCKER_HOST to run on that engine"
    # A private engine this script started elsewhere: its dir is what to name.
    case "$DOCKER_HOST" in
      unix://*/docker.sock)
        local other="${DOCKER_HOST#unix://}"
        other="${other%/docker.sock}"
        [ -f "$other/pid" ] && hint="DOCKET_TEST_ENGINE_DIR=$other to reuse the private engine there"
        ;;
    esac
    log "not using DOCKER_HOST=$DOCKER_HOST: the tests run on a private engine ($hint)"
  fi
  install_engine
  [ -n "$dir" ] || dir=$(mktemp -d /tmp/docket-engine.XXXXXX)
  mkdir -p "$dir/root" "$dir/exec"
  local sock="unix://$dir/docker.sock"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null && answers "$sock"; then
    log "using the private engine already running in $dir"
    echo "DOCKER_HOST=$sock"
    return 0
  fi
  local driver
  for driver in ${DOCKET_STORAGE_DRIVER:-overlay2 vfs}; do
    if launch "$dir" "$driver"; then
      echo "DOCKER_HOST=$sock"
      return 0
    fi
  done
  return 1
}

# launch DIR DRIVER: starts dockerd on DRIVER; fails when it exits (driver refused) or does
# not answer within 60 s.
launch() {
  local dir="$1" driver="$2" sock="unix://$1/docker.sock" pid i
  log "starting a private engine in $dir (storage driver $driver)"
  # setsid: the engine must outlive the shell that started it, and not get its signals.
  setsid dockerd --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
    --data-root="$dir/root" --exec-root="$dir/exec" --pidfile="$dir/pid" \
    -H "$sock" >"$dir/dockerd.log" 2>&1 </dev/null &
  pid=$!
  for i in $(seq 1 120); do
    if answers "$sock"; then
      log "engine ready after ${i} tries ($driver)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "dockerd refused storage driver $driver; last lines of $dir/dockerd.log:"
      tail -3 "$dir/dockerd.log" >&2 || true
      # dockerd makes its data root a private bind mount before it picks the driver.
      umount "$dir/root" 2>/dev/null || true
      return 1
    fi
    sleep 0.5
  done
  log "the private engine did not answer within 60 s; last lines of $dir/dockerd.log:"
  tail -20 "$dir/dockerd.log" >&2 || true
  kill "$pid" 2>/dev/null || true
  return 1
}

stop() {
  local dir="$1" pid i
  [ -f "$dir/pid" ] || { log "no pidfile in $dir"; return 0; }
  pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "engine $pid stopped"
      unmount_under "$dir"
      return 0
    fi
    sleep 0.5
  done
  log "engine $pid did not stop in 30 s; killing it"
  kill -9 "$pid" 2>/dev/null || true
  unmount_under "$dir"
}

# Mounts dockerd leaves under DIR (its netns file, a private bind of the data root), deepest
# first, so the directory can be removed.
unmount_under() {
  local m
  for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop "${2:?usage: docker-engine.sh stop DIR}" ;;
  *) echo "usage: $0 start [DIR] | stop DIR" >&2; exit 2 ;;
esac
