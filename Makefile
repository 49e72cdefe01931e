# kfpgo — common tasks. `make help` lists them.
SHELL := /bin/bash
GO ?= go
PKGS ?= ./...

.PHONY: help setup servers test vet bench conformance demo images images-test controlplane fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/; s/\$$\$$/$$/g' | expand -t 16

setup: servers ## what make test needs: the servers, and the test Kubernetes control plane (built once per machine)
	@bash tools/controlplane/build.sh >/dev/null

servers: ## install the servers the tests and the demo start (PostgreSQL, Redis, podman) when missing
	@bash .ci/setup

test: setup ## run the whole test suite (starts real PostgreSQL, Redis and a Kubernetes control plane itself)
	$(GO) vet $(PKGS)
	$(GO) test -count=1 $(PKGS)

bench: servers ## run the benchmarks (compile, runner, ingest, materialize)
	$(GO) test -tags bench -run '^$$' -bench . -benchmem $(PKGS)   # tag bench: the flights benchmarks read ../shared/datasets or $$KFPGO_DATASETS_DIR
	bash cmd/kfpgo/testdata/bench-edit-compile.sh   # kfpgo compile's edit-compile loop beside KFP's Python SDK

conformance: ## reproduce KFP's own compiled goldens (reads ../shared/conformance or $$KFPGO_CONFORMANCE_DIR) and run the function-based ports locally
	$(GO) test -count=1 -timeout 30m -tags conformance -run 'Conformance|RoundTrip|LocalRunPorts' -v ./compiler/... 2>&1 | grep -E '^(conformance|kfp-kubernetes conformance|round trip|import round trip|local runner|  unported|  not run|  import round trip|--- FAIL|FAIL|ok)' ; exit $${PIPESTATUS[0]}
	$(GO) test -count=1 -tags conformance -run 'TestConformanceShellGoldens|TestInterpreterOverEveryGolden|TestParseRealGoldens' ./sdk/local/

demo: servers ## run the reference pipeline end to end on cars.json with the local runner
	$(GO) run ./pipelines/cartrain/demo $(DEMO_ARGS)

images: ## build every component image with ko (v0.19.1 into ./bin): push to $$KO_DOCKER_REPO if set, else write the OCI layout out/images
	@test -x bin/ko && [ "$$(bin/ko version)" = v0.19.1 ] || { echo "installing ko v0.19.1 into bin/ (first use: go install, a minute or more)"; s=$$SECONDS; GOBIN=$(CURDIR)/bin $(GO) install github.com/google/ko@v0.19.1 && echo "ko installed in $$((SECONDS - s)) s"; }
	$(if $(KO_DOCKER_REPO),$(GO) run ./cmd/kfpgo images build --ko bin/ko,rm -rf out/images && $(GO) run ./cmd/kfpgo images build --ko bin/ko --push=false --oci-layout-path out/images)

images-test: servers ## build every image offline from a generated base on a loopback registry and check it (entrypoint, non-root, platforms, --help, same digest twice, ko resolve), then run each in podman (--help, non-root, an executor call) and cartrain end to end with them
	@test -x bin/ko && [ "$$(bin/ko version)" = v0.19.1 ] || GOBIN=$(CURDIR)/bin $(GO) install github.com/google/ko@v0.19.1
	$(GO) vet -tags images ./sdk/images/... ./pipelines/cartrain/demo/
	$(GO) test -count=1 -timeout 45m -tags images -v -run '^TestComponentImages(InRuntime)?$$' ./sdk/images/...
	$(GO) test -count=1 -timeout 45m -tags images -v -run '^TestCartrainBuiltImages$$' ./pipelines/cartrain/demo/   # cartrain end to end in podman with the ko-built images

controlplane: ## build (once per machine; make setup does it) the test Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, training-operator, Trainer v2, JobSet, KWOK
	bash tools/controlplane/build.sh
