# Mailferry's command line in a container, to run a batch on several machines (docs/scale.md).
#   docker build -t mailferry .
#   docker run --rm -v mailferry-state:/state -v "$PWD/job.json:/config/job.json:ro" \
#     -e ANN_GMAIL_PASSWORD -e ANN_DEST_PASSWORD mailferry migrate /config/job.json --state /state/ledger
# No OS keychain runs in a container: passwords come only from the environment variables the job file
# names (passwordEnv, clientSecretEnv), or from a batch file's own columns.

# Build stage: esbuild (a dev dependency) bundles src/ into dist/cli.js and the pieces it loads per command.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No dependency runs an install script: the native addons (better-sqlite3, @napi-rs/keyring) ship their
# prebuilt binaries inside their package tarballs, and Electron's binary is never fetched.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json tsconfig.node.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY src src
RUN node scripts/build.mjs cli

# Runtime stage: Node, the runtime dependencies and the bundle; no sources, no dev tools.
FROM node:24-slim
ENV NODE_ENV=production \
    MAILFERRY_LOCK_DIR=/state/locks
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/cli.js /src/dist/cli.js.map ./dist/
COPY --from=build /src/dist/cli-chunks ./dist/cli-chunks/
# The ledger (and the run locks, so two containers on one volume never copy one mailbox twice) live in
# /state: mount a volume there and pass --state /state/ledger; the CLI makes that folder private (700).
RUN mkdir -p /state && chown node:node /state
VOLUME ["/state"]
# The official image's unprivileged user (uid 1000).
USER node
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072
# The same memory settings as bin/mailferry (see there).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--expose-gc", "/app/dist/cli.js"]
CMD ["help"]
