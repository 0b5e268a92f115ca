#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests of the PostgreSQL metadata (and a
# developer trying `docket registry --database postgres://…`): no system service.
#
#   scripts/postgres.sh start DIR   installs postgresql-15 and libpq-dev when missing
#                                   (apt-get, no cluster of Debian's own), initdb's into
#                                   DIR/data as the unprivileged user docket-pg (when run
#                                   as root; else as the caller), starts it on a free
#                                   127.0.0.1 port with its unix socket in DIR, creates
#                                   the role and database `docket` with a random password,
#                                   and prints DOCKET_TEST_DATABASE_URL=postgres://…
#                                   (also written to DIR/env). Run again on a running
#                                   server: prints the same line and changes nothing.
#   scripts/postgres.sh stop DIR    stops the server started in DIR (nothing else).
#
# DIR:
#   data/          the cluster (owned by docket-pg)
#   .s.PGSQL.PORT  the unix socket
#   postgres.log   the server's log
#   env            DOCKET_TEST_DATABASE_URL=postgres://docket:PASSWORD@127.0.0.1:PORT/docket
#
# The server is tuned for tests (fsync, synchronous_commit and full_page_writes off): a
# crash loses it, which a throwaway server may.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PG_USER=docket-pg

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
cmd=$1
dir=$(realpath -m "$2")

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

install_packages() {
  [[ -x $PG_BIN/initdb && -f /usr/include/postgresql/libpq-fe.h ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "postgres.sh: postgresql-15 and libpq-dev are missing; install them as root" >&2
    exit 1
  fi
  # No cluster of Debian's own and no service: this script starts the only server.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/docket.conf
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends postgresql-15 libpq-dev >/dev/null
}

ensure_user() {
  [[ $(id -u) -eq 0 ]] || return 0
  id -u "$PG_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
}

running() {
  [[ -f $dir/data/postmaster.pid ]] && as_owner "$PG_BIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start() {
  install_packages
  ensure_user
  if running && [[ -f $dir/env ]]; then
    cat "$dir/env"
    return 0
  fi
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown "$PG_USER" "$dir"
  chmod 700 "$dir"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    rm -rf "$dir/data"
    # Trust on the unix socket (in DIR, mode 0700, reachable by its owner only);
    # passwords (SCRAM) over TCP.
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  local port
  port=$(free_port)
  if ! (cd "$dir" && as_owner timeout 120 "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/postgres.log" \
    -w -t 60 -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
      -c synchronous_commit=off -c full_page_writes=off -c max_connections=200") >/dev/null; then
    tail -n 30 "$dir/postgres.log" >&2 || true
    exit 1
  fi
  local password
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  (cd "$dir" && as_owner "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt) >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'docket') THEN
    CREATE ROLE docket LOGIN CREATEDB;
  END IF;
END \$\$;
ALTER ROLE docket PASSWORD '$password';
-- Tests drop their databases WITH (FORCE), which may end an autovacuum worker.
GRANT pg_signal_backend TO docket;
SELECT 'CREATE DATABASE docket OWNER docket' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'docket')\gexec
SQL
  echo "DOCKET_TEST_DATABASE_URL=postgres://docket:$password@127.0.0.1:$port/docket" >"$dir/env.tmp"
  chmod 600 "$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
  cat "$dir/env"
}

stop() {
  [[ -f $dir/data/postmaster.pid ]] || return 0
  (cd "$dir" && as_owner timeout 60 "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t 30) >/dev/null
  rm -f "$dir/env"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
