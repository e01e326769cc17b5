# The dagflow demo image: `docker compose up` runs Redis, the demo server and two workers.
FROM node:20-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build
ENV NODE_ENV=production
CMD ["node", "apps/demo/dist/main.js", "server"]
