#!/usr/bin/env bash
# Starts (or reuses) a throwaway single-node Ceph cluster with an S3 gateway (radosgw),
# for the tests of docket's S3 blob store against a real object store.
#
#   scripts/ceph-rgw.sh start DIR   prints the env lines below on stdout, and writes them to DIR/env
#   scripts/ceph-rgw.sh stop DIR    stops every daemon started in DIR (by pid)
#
#   AWS_ACCESS_KEY_ID=...  AWS_SECRET_ACCESS_KEY=...  AWS_REGION=us-east-1
#   DOCKET_TEST_S3_ENDPOINT=http://127.0.0.1:<port>
#
# Installs Debian's ceph-mon, ceph-osd, ceph-mgr and radosgw when missing (as root with
# apt-get). Everything listens on 127.0.0.1 only; no authentication between the daemons
# (`auth ... required = none`), one OSD on memstore (the data lives in the OSD's memory
# and is gone when it stops), pools of size 1. State under DIR:
#   DIR/ceph.conf  DIR/env  DIR/pids  DIR/log/  DIR/run/  DIR/mon/  DIR/mgr/  DIR/osd/
# `start` is idempotent: when the gateway in DIR still answers, it prints DIR/env again.
# Every wait is bounded; `start` fails (and stops what it started) after ~2 minutes.
set -euo pipefail

log() { echo "ceph-rgw: $*" >&2; }

install_ceph() {
  local bin missing=0
  for bin in ceph-mon ceph-osd ceph-mgr radosgw radosgw-admin monmaptool ceph; do
    command -v "$bin" >/dev/null 2>&1 || missing=1
  done
  [ "$missing" = 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "Ceph is not installed, and cannot be (needs root and apt-get)"
    return 1
  fi
  log "installing Debian's ceph-mon ceph-osd ceph-mgr radosgw"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq ceph-mon ceph-osd ceph-mgr radosgw >&2
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# answers ENDPOINT: the gateway answers S3 (an anonymous ListBuckets gets an XML answer).
answers() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => process.exit(r.status < 500 ? 0 : 1), () => process.exit(1))' "$1"
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every half second until it succeeds.
wait_for() {
  local seconds="$1" what="$2" i
  shift 2
  for i in $(seq 1 $((seconds * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  log "$what not ready within ${seconds} s"
  return 1
}

# spawn DIR NAME COMMAND...: starts a daemon in the foreground of its own session, records its pid.
spawn() {
  local dir="$1" name="$2"
  shift 2
  setsid "$@" >"$dir/log/$name.out" 2>&1 </dev/null &
  echo "$name $!" >>"$dir/pids"
}

alive() { # DIR NAME
  local pid
  pid=$(awk -v n="$2" '$1 == n { print $2 }' "$1/pids" 2>/dev/null | tail -1)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

start() {
  local dir="$1"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/env" ] && alive "$dir" rgw; then
    local endpoint
    endpoint=$(sed -n 's/^DOCKET_TEST_S3_ENDPOINT=//p' "$dir/env")
    if answers "$endpoint"; then
      log "using the gateway already running in $dir ($endpoint)"
      cat "$dir/env"
      return 0
    fi
  fi
  [ -f "$dir/pids" ] && stop "$dir"
  install_ceph
  local began=$SECONDS
  rm -rf "$dir/mon" "$dir/mgr" "$dir/osd" "$dir/run" "$dir/log" "$dir/env" "$dir/pids" "$dir/monmap"
  mkdir -p "$dir/mon" "$dir/mgr" "$dir/osd" "$dir/run" "$dir/log"

  local fsid mon_port rgw_port conf="$dir/ceph.conf"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
pid file = $dir/run/\$name.pid
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = 4294967296
[mon.a]
mon data = $dir/mon
public addr = v2:127.0.0.1:$mon_port
[mgr.x]
mgr data = $dir/mgr
[osd.0]
osd data = $dir/osd
[client.rgw.docket]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
EOF
  : >"$dir/keyring"
  local c=(-c "$conf")
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon "${c[@]}" --mkfs -i a --monmap "$dir/monmap" >"$dir/log/mon-mkfs.out" 2>&1
  spawn "$dir" mon ceph-mon "${c[@]}" -f -i a
  if ! wait_for 30 "the monitor" timeout 5 ceph "${c[@]}" mon stat; then
    tail -5 "$dir/log/mon.a.log" >&2 || true
    stop "$dir"
    return 1
  fi
  spawn "$dir" mgr ceph-mgr "${c[@]}" -f -i x

  local osd_uuid
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  timeout 30 ceph "${c[@]}" osd new "$osd_uuid" >/dev/null
  ceph-osd "${c[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$dir/log/osd-mkfs.out" 2>&1
  spawn "$dir" osd ceph-osd "${c[@]}" -f -i 0
  if ! wait_for 60 "the OSD" osd_up "${c[@]}"; then
    tail -5 "$dir/log/osd.0.log" >&2 || true
    stop "$dir"
    return 1
  fi

  spawn "$dir" rgw radosgw "${c[@]}" -f -n client.rgw.docket
  local endpoint="http://127.0.0.1:$rgw_port"
  if ! wait_for 60 "the gateway" answers "$endpoint"; then
    tail -5 "$dir/log/client.rgw.docket.log" >&2 || true
    stop "$dir"
    return 1
  fi

  local access secret
  access=$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
  secret=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
  timeout 30 radosgw-admin "${c[@]}" user create --uid=docket --display-name=docket \
    --access-key="$access" --secret-key="$secret" >/dev/null
  cat >"$dir/env" <<EOF
AWS_ACCESS_KEY_ID=$access
AWS_SECRET_ACCESS_KEY=$secret
AWS_REGION=us-east-1
DOCKET_TEST_S3_ENDPOINT=$endpoint
EOF
  log "gateway ready at $endpoint after $((SECONDS - began)) s"
  cat "$dir/env"
}

# osd_up CEPH_ARGS...: osd.0 is up and every placement group of the cluster is active.
osd_up() {
  timeout 5 ceph "$@" osd dump 2>/dev/null | grep -q '^osd\.0 up'
}

stop() {
  local dir="$1" name pid i
  [ -f "$dir/pids" ] || { log "nothing started in $dir"; return 0; }
  # The gateway first, the monitor last: the others ask it on their way down.
  for name in rgw osd mgr mon; do
    pid=$(awk -v n="$name" '$1 == n { print $2 }' "$dir/pids" | tail -1)
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || continue
    for i in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$dir/pids" "$dir/env"
  log "stopped the cluster in $dir"
}

case "${1:-}" in
  start) start "${2:?usage: ceph-rgw.sh start DIR}" ;;
  stop) stop "${2:?usage: ceph-rgw.sh stop DIR}" ;;
  *) echo "usage: $0 start DIR | stop DIR" >&2; exit 2 ;;
esac
