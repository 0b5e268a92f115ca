# docket as a container image: `docker run IMAGE` starts the registry; any other
# docket command goes after the image name (`docker run IMAGE tracker`, `... pull REF`).
# See README.md, "Run with Docker" (stages, user, data volume, settings, ports, health).
#
# BASE: a Debian-based Node.js (>= 20.19; webtorrent declares >= 22, hence 22 here) image
# with node, npm and Node's headers in /usr/local, like the official
# node:*-bookworm-slim images. Where Docker Hub cannot be reached,
# scripts/make-node-base-image.sh makes one from Debian and the npm registry.
ARG BASE=node:22-bookworm-slim

# ---- deps: toolchain and all dependencies (better-sqlite3 compiles from source) ----
FROM ${BASE} AS deps
# node-gyp needs python3, make and a C++ compiler. Installed with apt only when the base
# lacks one of them; BUILD_PACKAGES="" skips apt altogether.
ARG BUILD_PACKAGES="python3 make g++"
RUN set -eu; \
    if [ -n "$BUILD_PACKAGES" ] && ! { command -v python3 && command -v make && command -v g++; } >/dev/null; then \
      apt-get update; \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $BUILD_PACKAGES; \
      rm -rf /var/lib/apt/lists/*; \
    fi
COPY package.json package-lock.json .npmrc /src/
# The webtorrent fork (file: devDependencies, docs/webtorrent-fork.md): the build bundles it
# into dist/bundle/, and the prune below drops it from node_modules.
COPY vendor /src/vendor/
# nodedir: native addons build against the base's own headers instead of downloading them.
RUN cd /src \
 && npm_config_nodedir=/usr/local npm ci --no-fund --no-audit --cache /tmp/npm-cache \
 && rm -rf /tmp/npm-cache

# ---- build: TypeScript, then production dependencies only ----
FROM deps AS build
COPY . /src/
# Compile, drop dev dependencies, keep only better-sqlite3's compiled addon (no sources, no
# object files), and gather what the runtime needs in /out (one COPY: fewer layers).
# The build needs the dev dependencies: the page's preact and uPlot are devDependencies,
# bundled into dist/web here; the runtime never imports them.
RUN cd /src \
 && npm run build \
 && npm prune --omit=dev --no-fund --no-audit --cache /tmp/npm-cache && rm -rf /tmp/npm-cache \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/ \
 && mkdir /out \
 && cd /src && mv package.json node_modules dist bin /out/

# ---- runtime: node + production dependencies + compiled output, as a non-root user ----
# Settings first, the application last: on engines without a layered storage driver
# (vfs) every instruction copies the whole filesystem, so they run on the small base.
FROM ${BASE}
# The registry reads DOCKET_* variables (see `docket registry --help`); flags override them.
ENV NODE_ENV=production \
    DOCKET_DATA_DIR=/var/lib/docket/data \
    DOCKET_PORT=5000
RUN groupadd --system --gid 10001 docket \
 && useradd --system --uid 10001 --gid docket --home-dir /var/lib/docket \
      --shell /usr/sbin/nologin docket \
 && mkdir -p /var/lib/docket/data \
 && chown -R docket:docket /var/lib/docket \
 && ln -s /opt/docket/bin/docket.js /usr/local/bin/docket
USER docket
WORKDIR /var/lib/docket
VOLUME /var/lib/docket/data
# 5000: registry (OCI API /v2/, embedded tracker /announce, web seed). 6969: `docket tracker`
# (HTTP and UDP). The seeder's BitTorrent port is picked at start: use --network host for
# peers to reach it; the web seed on 5000 serves blobs whatever the network.
EXPOSE 5000/tcp 6969/tcp 6969/udp
# For the registry: /v2/ answers 200 or 401 (a token needed) once it is up; either is
# healthy. Other commands (tracker, pull, ...) have nothing to check: always healthy.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "if(!require('fs').readFileSync('/proc/1/cmdline','utf8').split('\\0').includes('registry'))process.exit(0);fetch(`http://127.0.0.1:${process.env.DOCKET_PORT||5000}/v2/`,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit([200,401].includes(r.status)?0:1),()=>process.exit(1))"]
ENTRYPOINT ["docket"]
CMD ["registry"]
COPY --from=build /out /opt/docket
