# The dagflow demo image: `docker compose up` runs Redis, the demo server and two workers.
# Stage 1 builds the workspace; `pnpm deploy --prod` then copies the demo with its production
# dependencies only, the dagflow packages as they are published (dist, lua, the dashboard build).
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile \
  && pnpm build \
  && pnpm --filter @dagflow/demo deploy --prod --legacy /app

# Stage 2: Node.js and the deployed demo, run as the unprivileged user `node`.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app .
USER node
EXPOSE 8080
# The HTTP API's /healthz (200 while Redis answers). Worker-only containers serve no HTTP: compose
# turns this check off for them.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js", "server"]
