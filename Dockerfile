# syntax=docker/dockerfile:1
# Switchyard gateway image: build with dev dependencies, run the compiled output with production
# dependencies only, as a non-root user. Config: SWITCHYARD_CONFIG (Kubernetes mounts a ConfigMap
# and sets it), else ./switchyard.yaml in the working directory, else OPENAI_API_KEY, else demo
# mode, as on a laptop. Secrets come from the environment (${VAR} in the YAML). See docs/deploy.md.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: full dependency tree, TypeScript compile -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY emulator ./emulator
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

# --- runtime: compiled JavaScript + production node_modules ------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The working directory is the only writable place: relative defaults (.switchyard/pglite for the
# embedded trace database, .switchyard/spool for the trace spool) land in it. `node` is the base
# image's unprivileged user (uid 1000); the application files stay owned by root.
RUN mkdir -p /var/lib/switchyard && chown node:node /var/lib/switchyard
WORKDIR /var/lib/switchyard
USER node
EXPOSE 4000
# SIGTERM starts the drain: /readyz answers 503, in-flight streams finish (server.drainTimeoutMs).
STOPSIGNAL SIGTERM
# node:*-slim has no curl; Node 20's fetch does the probe. The port is server.port's default.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=64", "--min-semi-space-size=16", "--no-allocation-site-pretenuring", "--heap-growing-percent=100", "--no-memory-reducer", "/app/dist/src/main.js"]
# A container must listen on all interfaces (server.host defaults to 127.0.0.1).
CMD ["serve", "--host", "0.0.0.0"]
