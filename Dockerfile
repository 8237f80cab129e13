# numberflow's image: the worker (target `worker`) and the HTTP service (target `service`, the default), built from
# one source. Stages: deps (npm ci), build (tsc, and the workflow bundles prebuilt so a worker starts without
# webpack), runtime (production dependencies only, the built files, a non-root user).
#   docker build --target worker -t numberflow-worker .    docker build -t numberflow-service .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/
# Both bundles, without and with the tracing interceptors: tracing is switched on at run time.
RUN npm run build && npm run bundle-workflows -- dist/workflow-bundles

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
ENV NUMBERFLOW_WORKFLOW_BUNDLE=/app/dist/workflow-bundles
# The image's own user (uid 1000), not root; the app writes nothing to its folder (the service: to its volume).
USER node

FROM runtime AS worker
# Memory: a 256 MB heap limit per V8 isolate (the process's and each workflow thread's), an 8 MB young-generation
# semi-space (V8's default is 16 MB, taken by each of the worker's three isolates) and two malloc arenas (the SDK's
# native threads would otherwise each grow their own). Measured with `npm run bench` (parked, which runs the worker
# with these): 10,000 journeys parked over 100 portfolios peaked at 386 MB resident with these and the default cache
# of 100 (WORKER_MAX_CACHED_WORKFLOWS), against 458 MB with V8's semi-space and a cache of 200; a 4 MB semi-space gave
# 399 MB with the cache of 200 and parked a burst into one portfolio about a tenth slower. Raise the heap limit with
# the cache.
ENV NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=8" MALLOC_ARENA_MAX=2
# The runtime's Prometheus exporter, when NUMBERFLOW_METRICS_PORT is set (docker-compose.yml sets 9464).
EXPOSE 9464
# No HTTP port to probe: a worker that fails exits, and the restart policy starts it again.
CMD ["node", "dist/worker.js"]

FROM runtime AS service
# Its data folder holds the webhook inbox (deliveries answered 200, not yet routed): a volume, owned by the user.
USER root
RUN mkdir -p /var/lib/numberflow && chown node:node /var/lib/numberflow
USER node
ENV HTTP_HOST=0.0.0.0 HTTP_PORT=8080 NUMBERFLOW_DATA_DIR=/var/lib/numberflow
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HTTP_PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/service.js"]
