#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing (as root with apt);
# otherwise names what is missing. Run by `npm test` (pretest) and by .ci/run.
#   docker.io        the Docker engine (also brings containerd and ctr: the agent's test)
#   skopeo, docker-registry, aria2, opentracker   real clients and peers for interop tests
#   busybox-static   the rootfs of every test image
#   iproute2         network namespaces of the multi-host tests
#   debootstrap      the Docker image test
#   chromium         the web page's browser test (puppeteer-core drives it headless)
#   libpq-dev        npm ci builds the optional pg-native against it (--database postgres://)
#   postgresql-15    the server of the PostgreSQL metadata tests (scripts/postgres.sh; no
#                    cluster of Debian's own: createcluster.d/docket.conf says so first)
set -euo pipefail

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v aria2c >/dev/null 2>&1 || need+=(aria2)
command -v opentracker >/dev/null 2>&1 || need+=(opentracker)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -f /usr/include/postgresql/libpq-fe.h ] || need+=(libpq-dev)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing ${need[*]} (install them: the tests that use them will fail)" >&2
  exit 0
fi
echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if [[ " ${need[*]} " == *" postgresql-15 "* ]]; then
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/docket.conf
fi
apt-get update -qq >&2
apt-get install -y -qq "${need[@]}" >&2
