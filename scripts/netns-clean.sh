#!/usr/bin/env bash
# Removes what a crashed bench or multihost test left behind (testbed/):
# for every network namespace docket-<run>-* whose owner (the pid in
# $TMPDIR/docket-testbed-<run>-*/owner.pid) no longer runs, kills the processes
# inside that namespace (dockerd, registries, pullers: all started by the test bed),
# deletes the namespace (its veths and bridge go with it) and the run's temp dir.
# Runs whose owner is alive are left alone. Usage: scripts/netns-clean.sh [--dry-run]
set -euo pipefail

dry=0
[ "${1:-}" = "--dry-run" ] && dry=1
tmp="${TMPDIR:-/tmp}"
log() { echo "netns-clean: $*" >&2; }
act() { if [ "$dry" = 1 ]; then log "would run: $*"; else "$@"; fi; }

runs=$(ip netns list | awk '{print $1}' | sed -n 's/^docket-\([0-9a-f]\{1,8\}\)-.*/\1/p' | sort -u)
for run in $runs; do
  owner=""
  for f in "$tmp"/docket-testbed-"$run"-*/owner.pid; do
    [ -f "$f" ] && owner=$(cat "$f")
  done
  if [ -z "$owner" ]; then
    log "run $run: no owner.pid under $tmp; left alone"
    continue
  fi
  if kill -0 "$owner" 2>/dev/null; then
    log "run $run: owner $owner still runs; left alone"
    continue
  fi
  for ns in $(ip netns list | awk '{print $1}' | grep "^docket-$run-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
      log "run $run: killing pid $pid in $ns"
      act kill -9 "$pid" || true
    done
  done
  for ns in $(ip netns list | awk '{print $1}' | grep "^docket-$run-" || true); do
    log "run $run: deleting $ns"
    act ip netns del "$ns" || true
  done
  for d in "$tmp"/docket-testbed-"$run"-*; do
    [ -d "$d" ] && { log "run $run: removing $d"; act rm -rf "$d"; }
  done
done
