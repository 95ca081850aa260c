# One tenant's session-manager: the supervisor, its worker and Debian's Chromium headless shell.
# Build: docker build -t session-manager:0.1.0 .
# Run:   docker run -d --name sm-51 --stop-timeout 49 -e CLIENTE_ID=51 -e API_TOKEN=... -p 3001:3001 \
#          -v sm-51:/data --security-opt seccomp=<a profile allowing user namespaces> session-manager:0.1.0
# docs/deploy.md says why the seccomp option (or CHROME_ARGS='["--no-sandbox"]'), how many tenants fit on a
# host, and how to run it on Kubernetes (docs/k8s/). Written on paper: never built on the machine that wrote it.

# Node 20, as package.json's engines. Pin a digest (node:20-bookworm-slim@sha256:...) for repeatable builds.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Puppeteer's own Chrome is never used here: the runtime image has Debian's.
RUN PUPPETEER_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY shared ./shared
COPY supervisor ./supervisor
COPY worker ./worker
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim
# chromium-headless-shell: the browser the service prefers (~130 MiB less per tenant than the full chromium,
# README "Chromium"); fonts for the page's text and emoji; tini as PID 1; procps for `kill` and `ps` in
# `docker exec` / `kubectl exec`; ca-certificates for HTTPS.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      chromium-headless-shell fonts-liberation fonts-noto-color-emoji tini procps ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN PUPPETEER_SKIP_DOWNLOAD=true npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The service's compiled code only (the build also compiles test/ and bench/, as `npm run build` does).
COPY --from=build /app/dist/shared ./dist/shared
COPY --from=build /app/dist/supervisor ./dist/supervisor
COPY --from=build /app/dist/worker ./dist/worker
# The code stays root's (read-only to the service); the data is the service's. uid 1000 is the image's
# `node` user: Chromium keeps its sandbox (the service adds --no-sandbox only as root).
RUN mkdir -p /data/sessions && chown -R 1000:1000 /data
USER 1000:1000

ENV HOST=0.0.0.0 \
    PORT=3001 \
    SESSIONS_DIR=/data/sessions \
    CHROME_PATH=/usr/lib/chromium/chromium-headless-shell
VOLUME /data
EXPOSE 3001

# /health answers 200 while the supervisor runs, whatever WhatsApp's state (a tenant waiting for its QR is
# healthy). Node's own fetch: no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3001) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# tini without -g: a signal to PID 1 reaches the supervisor only. SIGTERM (docker stop, Kubernetes) is its
# clean stop, SIGUSR2 (`kill -USR2 1`) recycles its worker; the supervisor stops its worker and Chromium
# itself, in order. tini also reaps the browser processes the supervisor kills by pid.
ENTRYPOINT ["/usr/bin/tini", "--"]
# What `npm start` runs once built (package.json "start"), without npm in between.
CMD ["node", "dist/supervisor/main.js"]
