# One image for every process of the system; the entrypoint is node with the
# services' flags, and docker-compose.yml's command picks the script:
#   services/order-service/dist/main.js                  order_service (3001)
#   services/order-service/dist/outbox-worker.js         order_outbox_worker (ops 3011)
#   services/order-service/dist/db/setup.js              create + migrate order_service's database
#   services/customer-service/dist/main.js               customer_service (3002)
#   services/customer-service/dist/order-created-consumer.js  order_created_consumer (ops 3012)
#   services/customer-service/dist/db/setup.js           create + migrate + seed customer_service's database
#   services/ops-console/dist/main.js                     ops_console (3003)
# No secrets are baked in: every credential comes from the environment at run time.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build stage
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Manifests first, so the dependency layer is reused until a package.json or
# the lockfile changes. npm workspaces need every workspace's package.json.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/operations/package.json packages/operations/
COPY services/order-service/package.json services/order-service/
COPY services/customer-service/package.json services/customer-service/
COPY services/ops-console/package.json services/ops-console/
COPY tools/package.json tools/
# --ignore-scripts: a root `prepare` script would run here, before the sources
# are copied; no dependency in the lockfile needs an install script.
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json tsconfig.base.json ./
COPY packages/ packages/
COPY services/ services/
COPY tools/ tools/
# .dockerignore keeps dist/ and *.tsbuildinfo out of the context; a stale
# tsbuildinfo would make `tsc -b` believe everything is built and emit nothing.
RUN npm run build

# -------------------------------------------------------------- runtime stage
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/service-kit/package.json packages/service-kit/
COPY packages/operations/package.json packages/operations/
COPY services/order-service/package.json services/order-service/
COPY services/customer-service/package.json services/customer-service/
COPY services/ops-console/package.json services/ops-console/
COPY tools/package.json tools/
# Production dependencies only; the workspaces are linked under
# node_modules/@orders/*, which resolve to the dist/ folders copied below.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

COPY --from=build /app/packages/contracts/dist/ packages/contracts/dist/
COPY --from=build /app/packages/service-kit/dist/ packages/service-kit/dist/
COPY --from=build /app/services/order-service/dist/ services/order-service/dist/
COPY --from=build /app/services/customer-service/dist/ services/customer-service/dist/
COPY --from=build /app/packages/operations/dist/ packages/operations/dist/
COPY --from=build /app/services/ops-console/dist/ services/ops-console/dist/
# The console's page, stylesheet and script, served by the process itself (no CDN).
COPY --from=build /app/services/ops-console/public/ services/ops-console/public/
COPY --from=build /app/tools/dist/ tools/dist/

# Files stay owned by root: the processes read them and never write them.
USER node

EXPOSE 3001 3002 3003 3011 3012

# No HEALTHCHECK here: each process listens on a different port and the
# setup entries are one-shot, so docker-compose.yml defines one per service.
# The flags of SERVICE_NODE_FLAGS (tools/src/start/process-table.ts, which says
# why each one): a bounded young generation and old-generation growth, and no
# optimizing tier-up of WebAssembly. On the command line, not in NODE_OPTIONS,
# which refuses the last two.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "--liftoff-only"]
CMD ["services/order-service/dist/main.js"]
