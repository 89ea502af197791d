# Weft. Every target runs on Node 24: when the machine's Node is older, `setup`
# provisions Node 24 from the npm registry (the node-<os>-<arch> packages) into
# .tools/ and puts it first on PATH for every recipe.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NODE_VERSION ?= 24.21.0
TOOLS := $(CURDIR)/.tools
UNAME_M := $(shell uname -m)
NODE_ARCH := $(if $(filter x86_64,$(UNAME_M)),x64,$(if $(filter aarch64 arm64,$(UNAME_M)),arm64,$(UNAME_M)))
NODE_OS := $(shell uname -s | tr A-Z a-z)
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(SYSTEM_NODE_MAJOR),24)
NODE_STAMP :=
else
NODE_HOME := $(TOOLS)/node-v$(NODE_VERSION)
NODE_STAMP := $(NODE_HOME)/bin/node
export PATH := $(NODE_HOME)/bin:$(PATH)
endif

NODE := node --disable-warning=ExperimentalWarning
TEST_FLAGS ?= --test-reporter=spec
UNIT_TESTS := 'test/unit/**/*.test.ts'

.PHONY: help setup generate typecheck test test-unit test-integration test-e2e e2e-tools test-argocd check-samples kube-bin kube-up kube-down demo bench clean

help:
	@echo "make demo      the mesh running locally with a demo app"
	@echo "make test      the whole suite"
	@echo "make setup     Node 24 and npm packages; afterwards 'npx weft --help' works"
	@echo "make generate  CRDs, TypeScript types and validators from crds/schema/"
	@echo "make bench     benchmarks"
	@echo "make kube-up   a real etcd + kube-apiserver on loopback (kube-down stops it)"

$(NODE_HOME)/bin/node:
	@mkdir -p $(TOOLS)/dl
	@echo "provisioning Node $(NODE_VERSION) ($(NODE_OS)-$(NODE_ARCH)) from the npm registry into $(NODE_HOME)"
	cd $(TOOLS)/dl && npm pack --silent node-$(NODE_OS)-$(NODE_ARCH)@$(NODE_VERSION) >/dev/null
	rm -rf $(NODE_HOME).partial && mkdir -p $(NODE_HOME).partial
	tar xzf $(TOOLS)/dl/node-$(NODE_OS)-$(NODE_ARCH)-$(NODE_VERSION).tgz -C $(NODE_HOME).partial --strip-components=1
	rm -rf $(NODE_HOME) && mv $(NODE_HOME).partial $(NODE_HOME)
	rm -f $(TOOLS)/dl/node-$(NODE_OS)-$(NODE_ARCH)-$(NODE_VERSION).tgz

node_modules/.stamp: package.json package-lock.json $(NODE_STAMP)
	npm ci --no-audit --no-fund
	@# `npx weft` from a checkout: link the project's own command where npx looks.
	ln -sf ../../bin/weft node_modules/.bin/weft
	@touch $@

setup: node_modules/.stamp
	@node --version

generate: setup
	$(NODE) operator/api/generate/main.ts

typecheck: setup
	npx tsc -p tsconfig.json

test-unit: setup
	$(NODE) --test $(TEST_FLAGS) $(UNIT_TESTS)

check-samples: setup
	bin/weft validate config/samples

# The test cluster: kube-apiserver built from the k8s.io/kubernetes module (at
# the installed kubectl's minor version) and etcd from go.etcd.io/etcd, each
# pinned by a go.mod under test/cluster/. Built once into .cache/bin.
KUBE_BIN := $(CURDIR)/.cache/bin
# Stamped as Kubernetes' own build does, so clients see the real server version.
KUBE_VERSION := $(shell awk '$$1 == "require" && $$2 == "k8s.io/kubernetes" {print $$3}' test/cluster/apiserver/go.mod)
KUBE_MINOR := $(word 2,$(subst ., ,$(KUBE_VERSION)))
KUBE_LDFLAGS := $(foreach p,k8s.io/component-base/version k8s.io/client-go/pkg/version,-X $(p).gitVersion=$(KUBE_VERSION) -X $(p).gitMajor=1 -X $(p).gitMinor=$(KUBE_MINOR) -X $(p).gitTreeState=clean)
$(KUBE_BIN)/kube-apiserver: test/cluster/apiserver/go.mod test/cluster/apiserver/go.sum Makefile
	@mkdir -p $(KUBE_BIN)
	cd test/cluster/apiserver && go build -ldflags '$(KUBE_LDFLAGS)' -o $@.partial k8s.io/kubernetes/cmd/kube-apiserver && mv $@.partial $@
$(KUBE_BIN)/etcd: test/cluster/etcd/go.mod test/cluster/etcd/go.sum
	@mkdir -p $(KUBE_BIN)
	cd test/cluster/etcd && go build -o $@.partial go.etcd.io/etcd/server/v3 && mv $@.partial $@
kube-bin: $(KUBE_BIN)/kube-apiserver $(KUBE_BIN)/etcd

kube-up: setup kube-bin
	$(NODE) test/cluster/main.ts up

kube-down: setup
	$(NODE) test/cluster/main.ts down

test-integration: setup kube-bin
	$(NODE) --test $(TEST_FLAGS) --test-concurrency=1 'test/integration/**/*.test.ts'

# Argo CD's health scripts, run by gopher-lua (the Lua engine Argo CD embeds).
test-argocd:
	cd test/argocd && go test -count=1 ./...

# End-to-end: a mesh on this machine (proxies, control plane, apps on loopback
# and in network namespaces). Serial: the tests own well-known ports.
# The network-namespace tests need iptables (not on a fresh machine) and iproute2.
E2E_PACKAGES := iptables iproute2 util-linux
e2e-tools:
	@missing=""; for t in iptables iptables-restore ip setpriv; do command -v $$t >/dev/null || PATH=/usr/sbin:/sbin:$$PATH command -v $$t >/dev/null || missing=yes; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing $(E2E_PACKAGES) (Debian packages) for the end-to-end tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(E2E_PACKAGES) >/dev/null; \
	  else echo "the end-to-end tests need $(E2E_PACKAGES): run 'sudo apt-get install -y $(E2E_PACKAGES)'"; fi; \
	fi

test-e2e: setup e2e-tools
	@if compgen -G 'test/e2e/*.test.ts' >/dev/null; then \
	  $(NODE) --test $(TEST_FLAGS) --test-concurrency=1 'test/e2e/**/*.test.ts'; \
	else echo 'no end-to-end tests yet'; fi

test: typecheck test-unit check-samples test-argocd test-integration test-e2e

# The demo shop inside the local mesh (weft up demo/mesh), with a traffic
# generator printing what the mesh does; Ctrl-C stops it all.
# DEMO_DURATION=20s runs it for that long and exits 0 when the canary split,
# the policy's 403s, the injected faults and mTLS on every hop between
# proxies were all seen.
demo: setup
	$(NODE) demo/run.ts

# Benchmarks (not part of `make test`): Weft's proxy against nginx, HAProxy
# and a direct connection, each proxy pinned to core 1, the load on core 0;
# then the control plane's scale numbers. Installs nginx, HAProxy, wrk and gcc
# from Debian when missing. Writes test/bench/RESULTS.md; BENCH_QUICK=1 for a
# short run that writes under .cache/bench/ instead, BENCH_SYSTEMS=id,id (row
# ids: nginx, haproxy, node-floor, weft, weft+all, weft+all+mtls, ...) to
# measure only those rows.
bench: setup
	test/bench/install-tools.sh
	taskset -c 0 $(NODE) test/bench/main.ts

clean:
	rm -rf node_modules $(TOOLS)
