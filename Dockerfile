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
# Node's compile cache, filled now so that no start pays for type stripping
# (bin/weft uses it; see docs/proxy.md, "Hot path").
RUN NODE_COMPILE_CACHE=/weft/.cache/node-compile-cache node --disable-warning=ExperimentalWarning --input-type=module \
      -e "await import('/weft/operator/cli/main.ts'); await import('/weft/operator/cli/proxy.ts'); await import('/weft/operator/cli/operator.ts')"
# The proxy runs as 1337 so the iptables rules can exempt its own traffic, as Istio's does.
RUN useradd --uid 1337 --no-create-home --shell /usr/sbin/nologin weft-proxy
USER 1337
ENV NODE_ENV=production
ENTRYPOINT ["/usr/bin/tini", "--", "/weft/bin/weft"]
CMD ["--help"]
