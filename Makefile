# together-evals: the targets CI and developers run. `make help` lists them.
SHELL := /bin/bash
GO ?= go
GOLANGCI_LINT_VERSION := v2.15.0
BIN := $(CURDIR)/bin
GOLANGCI_LINT := $(BIN)/golangci-lint
FUZZTIME ?= 20s
BENCHCOUNT ?= 6

.PHONY: help generate check-generated vet test test-short bench-smoke lint fuzz bench bench-node size demo build tools clean spec-drift probe-serve

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

generate: ## Regenerate generated/ from openapi.yaml (go generate ./...).
	$(GO) generate ./...

check-generated: ## Fail if generated/ differs from what openapi.yaml and the configs produce (every go:generate line).
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp -R generated "$$tmp/before"; \
	$(GO) generate ./... || exit 1; \
	if ! diff -ru "$$tmp/before" generated > "$$tmp/diff"; then \
		head -50 "$$tmp/diff"; echo "generated/ was out of date (now regenerated): commit the result" >&2; exit 1; \
	fi; \
	echo "generated/ is up to date"

vet: ## go vet every package.
	$(GO) vet ./...

test: check-generated vet ## check-generated, go vet, every test with the race detector, and bench-smoke.
	$(GO) test -race -count=1 ./...
	$(MAKE) bench-smoke

bench-smoke: ## One round of every benchmark at 1x through scripts/bench.sh; fails if a row of its report is missing (no timing judged).
	GO=$(GO) ./scripts/bench.sh smoke

test-short: ## Tests without the race detector (quick local loop).
	$(GO) test -count=1 ./...

build: ## Build the evals CLI into bin/.
	$(GO) build -o $(BIN)/evals ./cmd/evals

spec-drift: ## What a new provider document changes for openapi.yaml: make spec-drift UPSTREAM=FILE [OUTPUT=json].
	@if [ -z "$(UPSTREAM)" ]; then echo "usage: make spec-drift UPSTREAM=FILE (the provider's OpenAPI document)" >&2; exit 2; fi
	$(GO) run ./internal/cmd/specdrift -o $(or $(OUTPUT),text) "$(UPSTREAM)"

probe-serve: ## Memory (peak RSS) and slow-client probes of a real evals serve --data (Linux; about 5 minutes).
	$(GO) build -o $(BIN)/evals ./cmd/evals
	$(GO) run ./internal/cmd/serveprobe -evals $(BIN)/evals

demo: ## Run the CLI demo against the in-memory API (no key, no network).
	$(GO) run ./cmd/evals demo

$(GOLANGCI_LINT):
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

tools: $(GOLANGCI_LINT) ## Install the pinned linter into bin/.

lint: $(GOLANGCI_LINT) ## golangci-lint (config in .golangci.yml; generated code excluded).
	$(GOLANGCI_LINT) run ./...

fuzz: ## Run every fuzz target for FUZZTIME each (seed corpora always run in make test).
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

bench: ## Benchmarks, interleaved runs, ratios against the hand-written floor (scripts/bench.sh).
	BENCHCOUNT=$(BENCHCOUNT) ./scripts/bench.sh

size: ## Binary size of a one-Retrieve program on wrappers beside the same on net/http (scripts/binsize.sh).
	GO=$(GO) ./scripts/binsize.sh

bench-node: ## Optional: the provider's TypeScript SDK (npm together-ai) side by side with floor and wrappers (scripts/bench-node.sh; needs node, npm).
	./scripts/bench-node.sh

clean: ## Remove build outputs.
	rm -rf $(BIN)
