# One image for the API and the worker (different command). Multi-stage: the build stage has the
# dev toolchain; the runtime stage only dist/, production node_modules and the migrations.
#   docker build -t cardbridge .
#   docker run cardbridge                               # API (node dist/api/main.js)
#   docker run -e MALLOC_ARENA_MAX=2 cardbridge node --max-old-space-size=128 --max-semi-space-size=4 dist/worker-main.js
#                                                       # worker, from dist/workflow-bundle.js (memory: README)
#   docker run cardbridge node dist/db/migrate-main.js  # apply prisma/migrations
ARG NODE_VERSION=20.19

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV CI=true
# Dependencies first (cached while package*.json are unchanged). npm ci's postinstall runs the
# offline Prisma generate (scripts/prisma-generate.sh), so the schema and scripts come along.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# Prisma client into src/generated, tsc into dist/, then the prebuilt workflow bundle
# (dist/workflow-bundle.js) that the production worker loads instead of bundling at start.
RUN sh scripts/prisma-generate.sh \
 && npx tsc -p tsconfig.build.json \
 && npx tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js \
 && npm prune --omit=dev --no-audit --no-fund \
 # Native Temporal core for this platform only; drop the others and the Rust sources.
 && cd node_modules/@temporalio/core-bridge \
 && find releases -mindepth 1 -maxdepth 1 ! -name "$(uname -m)-unknown-linux-gnu" -exec rm -rf {} + \
 && rm -rf sdk-core src bridge-macros Cargo.toml Cargo.lock

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
# The official image's unprivileged user; nothing under /app is writable by it.
USER node
EXPOSE 3000 8081
STOPSIGNAL SIGTERM
CMD ["node", "dist/api/main.js"]
