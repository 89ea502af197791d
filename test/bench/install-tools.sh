#!/bin/bash
# The benchmark's peers and load tool, from Debian packages: nginx (origin and
# peer proxy), HAProxy (peer proxy), wrk (saturation load), taskset (pinning),
# gcc (the fixed-rate load generator) and h2load (nghttp2-client, the HTTP/2
# rows). Installs only what is missing and says what it installs. Debian has no wrk2, so fixed-rate latency uses
# test/bench/loadgen.c instead.
set -euo pipefail

declare -A package_of=([nginx]=nginx-light [haproxy]=haproxy [wrk]=wrk [taskset]=util-linux [gcc]=gcc [openssl]=openssl [h2load]=nghttp2-client)
missing=()
for tool in nginx haproxy wrk taskset gcc openssl h2load; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bench tools: all present (nginx haproxy wrk taskset gcc openssl h2load)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n)
else
  echo "bench tools: missing ${missing[*]}; installing them needs root (apt-get) and this user is not root and has no passwordless sudo" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench tools: missing ${missing[*]} and this machine has no apt-get; install them by hand" >&2
  exit 1
fi

"${sudo[@]}" apt-get update -qq
packages=()
for tool in "${missing[@]}"; do
  pkg=${package_of[$tool]}
  # nginx-light is gone from newer Debian releases: fall back to nginx.
  if [ "$pkg" = nginx-light ] && [ -z "$(apt-cache policy nginx-light 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" {print $2}')" ]; then pkg=nginx; fi
  packages+=("$pkg")
done
echo "bench tools: installing ${packages[*]} (for ${missing[*]})"
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
# The packages' own services are not wanted: the bench starts its own instances.
for svc in nginx haproxy; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then "${sudo[@]}" systemctl stop "$svc" || true; fi
done
for tool in "${missing[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench tools: $tool still missing after installing ${packages[*]}" >&2; exit 1; }
done
echo "bench tools: installed ${packages[*]}"
