# mlform — the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/mlform
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: build test demo bench fuzz lint clean

build:
	$(GO) build -o $(BIN) ./cmd/mlform

# Packages with concurrency, also tested under the race detector. A test
# the detector cannot help (a cluster's minute-long timer, killed child
# processes, shell scripts) skips in that pass (internal/raceflag).
# Of internal/, only the packages that start goroutines or share memory
# between them: the others (text, ids, paths, test helpers) give the
# detector nothing, and each was a -race build and link of its own. A
# new internal package with concurrency belongs in this list.
RACE_INTERNAL := backoff bufpool dag memlimit procid readfile syncbuf
RACE_PKGS := ./state/... ./providers/... ./planner/... ./cli/... $(addprefix ./internal/,$(RACE_INTERNAL))

# Everything: vet, gofmt, staticcheck, unit tests, conformance suites,
# end-to-end testscripts, the cloud-server tests (servers are installed
# and started by scripts/cloud), the Slurm tests (a single-node cluster
# started by scripts/slurm) and the Kubernetes tests (a control plane built
# once and started by scripts/k8s), then the concurrent packages under
# -race; the end-to-end scripts run beside both passes (scripts/gotest.sh).
# The mlformtest tag builds the test hooks (cli/testhooks_on.go) into the
# binary the end-to-end scripts run; release builds never have them.
# -timeout is a guard against a hang, not a budget: the end-to-end scripts
# (cmd/mlform) take five to ten minutes on 2 cores, and a deadline that close
# turns a slow machine into failures (testscript kills the commands
# running when it nears).
# Most of that time is waiting (on the cloud servers, Slurm's and
# Kubernetes' schedulers, lock retries, trainers held on a gate), not
# CPU: -parallel 4 runs four scripts (or parallel tests) at once and -p 3
# three test binaries, on 2 cores.
TESTFLAGS ?= -p 3 -parallel 4
test:
	$(GO) vet $(PKGS)
	$(GO) vet -tags mlformtest $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	scripts/staticcheck.sh
	scripts/browser/install.sh || echo "browser: no chromium; the report's browser tests skip (fail under MLFORM_REQUIRE_BROWSER_TESTS=1)"
	GO=$(GO) scripts/cloud/with-servers.sh scripts/slurm/with-slurm.sh scripts/k8s/with-k8s.sh scripts/gotest.sh '$(TESTFLAGS)' $(RACE_PKGS)


# Builds mlform and runs init, plan and apply on the example workspace on the
# local default backend and store (no servers).
demo: build
	scripts/demo.sh

bench:
	scripts/bench.sh

# Runs every fuzz target briefly (FUZZTIME each).
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

lint:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	scripts/staticcheck.sh

clean:
	rm -rf bin
