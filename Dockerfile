# lastmile container image: `docker build -t lastmile:0.1.0 .` (see docs/kubernetes.md).
# Node 24 runs the TypeScript sources directly (type stripping): no build step, no dev dependencies.

FROM node:24-slim AS app
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no runtime dependency needs an install script (the pinned `node`
# devDependency, which has one, is not installed with --omit=dev).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY src ./src
RUN find src -name '*.test.ts' -delete

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=app /app /app
# The image's unprivileged `node` user (uid 1000); the Deployment also enforces non-root.
USER 1000:1000
# Gateway listeners (as the Gateways declare them) and the admin API.
EXPOSE 80 443 9901
ENTRYPOINT ["node", "bin/lastmile.js"]
CMD ["serve", "--provider", "kubernetes", "--admin-address", "0.0.0.0:9901"]
