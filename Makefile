# mlform — the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/mlform
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: build test demo bench fuzz lint clean

build:
	$(GO) build -o $(BIN) ./cmd/mlform

# Everything: unit tests, conformance suites, end-to-end testscripts and the
# cloud-server tests (servers are installed and started by scripts/cloud).
test:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	scripts/cloud/with-servers.sh $(GO) test -count=1 -timeout 12m $(PKGS)

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

clean:
	rm -rf bin
