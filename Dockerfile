# The Weft image: the operator (`weft operator`), the proxy (`weft proxy`) and
# the sidecar init step (iptables redirection) share one image, so a release is
# one artifact. TypeScript runs on Node 24 by type stripping: no build step.
#   docker build -t weft:latest .
FROM node:24-bookworm-slim AS deps
WORKDIR /weft
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
# iptables for the init container that redirects a Pod's traffic through its proxy.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /weft
COPY --from=deps /weft/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY crds ./crds
COPY operator ./operator
COPY proxy ./proxy
COPY xds ./xds
# The proxy runs as 1337 so the iptables rules can exempt its own traffic, as Istio's does.
RUN useradd --uid 1337 --no-create-home --shell /usr/sbin/nologin weft-proxy \
 && mkdir -p /weft/.cache/node-compile-cache && chown 1337 /weft/.cache/node-compile-cache
USER 1337
# Node's compile cache, filled now so that no start pays for type stripping
# (bin/weft uses it; docs/proxy.md, "Memory"). Node keeps one cache per user
# id, so it is filled as the user the proxy runs as.
RUN NODE_COMPILE_CACHE=/weft/.cache/node-compile-cache node --disable-warning=ExperimentalWarning --input-type=module \
      -e "await import('/weft/operator/cli/main.ts'); await import('/weft/operator/cli/proxy.ts'); await import('/weft/operator/cli/operator.ts')"
ENV NODE_ENV=production
ENTRYPOINT ["/usr/bin/tini", "--", "/weft/bin/weft"]
CMD ["--help"]
