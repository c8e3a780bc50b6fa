# syntax=docker/dockerfile:1
# The dynamic-toolset daemon image. Build from the repository root:
#   docker build -t REGISTRY/dynamic-toolset:TAG .
# Two stages: `build` installs everything (isolated-vm compiled from source against this image's own Node),
# builds sdk/, core/ and the built-in plugin bundles, then drops the dev dependencies; the runtime stage gets
# only what the daemon loads, owned by root and read-only to the non-root user it runs as.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm AS build
# node-gyp takes Node's headers from this image's own install (/usr/local/include/node), not a download.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# Dependencies first, so this layer is reused until a package*.json changes. --ignore-scripts skips the root
# `prepare` (the sources are not here yet); the two packages with install scripts are then built explicitly,
# isolated-vm from source (python3, make and g++ are in this image).
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
COPY sdk/bin/ sdk/bin/
COPY core/package.json core/
COPY core/bin/ core/bin/
COPY plugins/package.json plugins/
RUN npm ci --ignore-scripts \
 && npm_config_build_from_source=true npm rebuild isolated-vm esbuild \
 && test -f node_modules/isolated-vm/out/isolated_vm.node

# The sources, and the build `npm ci` would have run as `prepare`: sdk/dist, core/dist (cli.js, sandbox.js) and
# plugins/dist (the built-in detector bundles). Then only the runtime dependencies stay: the workspace links,
# isolated-vm, esbuild (a dependency of the SDK), the Kubernetes client, koa, ...
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY sdk/src/ sdk/src/
COPY core/src/ core/src/
COPY plugins/src/ plugins/src/
COPY config/ config/
# The last two commands are a smoke test of the result: the CLI starts, and every built-in bundle loads into an
# isolate (so the native isolated-vm addon works) and the default config validates against them.
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && node --no-node-snapshot core/dist/cli.js plugins validate plugins/dist/*.js >/dev/null \
 && node --no-node-snapshot core/dist/cli.js config validate config/detector-config.yaml

FROM node:${NODE_VERSION}-bookworm-slim
LABEL org.opencontainers.image.title="dynamic-toolset" \
      org.opencontainers.image.description="Discovers observability services in a Kubernetes cluster and keeps HolmesGPT's toolset ConfigMap right." \
      org.opencontainers.image.source="https://github.com/kubernaut/dynamic-toolset" \
      org.opencontainers.image.licenses="Apache-2.0"
# A named user for uid 10001 (the Deployment runs as 10001 too), so that nothing looks up a missing passwd entry.
RUN groupadd --system --gid 10001 dynamic-toolset \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dynamic-toolset
# MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena (up to 8 per core), and the
# daemon has many such threads (V8's compiler and GC workers, one per plugin isolate in use, libuv's pool). Freed
# memory stays resident in each arena: on the bench's pods part (10,000 Services, 50,000 Pods) the daemon held
# 257-272 MiB RSS at ready with the default and 240 MiB with two arenas, for the same heap (glibc manual, "Memory
# Allocation Tunables", glibc.malloc.arena_max). The bench launches the daemon with this environment
# (test/helpers/dockerfile.ts shippedLaunch); outside the image, set it the same way.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/sdk/package.json sdk/
COPY --from=build /app/sdk/bin/ sdk/bin/
COPY --from=build /app/sdk/dist/ sdk/dist/
COPY --from=build /app/core/package.json core/
COPY --from=build /app/core/bin/ core/bin/
COPY --from=build /app/core/dist/ core/dist/
COPY --from=build /app/plugins/package.json plugins/
COPY --from=build /app/plugins/dist/ plugins/dist/
# The default detector config: `serve` without --config reads config/detector-config.yaml from /app.
COPY --from=build /app/config/ config/
USER 10001:10001
EXPOSE 8080
# --no-node-snapshot: isolated-vm needs V8's startup snapshot off on Node >= 20 (as core/bin/dynamic-toolset.js).
# Kubernetes probes /health and /ready itself (deploy/deployment.yaml), so the image has no HEALTHCHECK.
ENTRYPOINT ["node", "--no-node-snapshot", "--enable-source-maps", "/app/core/dist/cli.js"]
CMD ["serve"]
