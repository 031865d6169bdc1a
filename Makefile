# coopdesk — the two commands of the README are `make run` and `make test`.
GO      ?= go
BIN     := bin/coopdesk
PKGS    := ./...

.PHONY: all build run test bench generate check-generate lint fmt clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/coopdesk

## run: build and serve on 127.0.0.1:8080 with the embedded SQLite database (coopdesk.db),
## with the veille worker in the same process.
run: build
	./$(BIN) serve --worker

## test: every test, with the race detector, on SQLite and (when reachable) PostgreSQL.
test:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

## bench: the benchmarks whose figures are written in docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m $(PKGS)

generate:
	$(GO) generate $(PKGS)

## check-generate: fail if generated code (ent, gqlgen) is not what go generate makes.
check-generate: generate
	@git diff --exit-code --stat -- ent graph gqlgen.yml || { echo "generated code is stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- ent graph)" || { git status --porcelain -- ent graph; echo "go generate left new files"; exit 1; }

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); test -z "$$out" || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet $(PKGS)
	@# ent's generated client (coopdesk/ent and its entity packages) is checked by ent's
	@# authors, not here: staticcheck flags a dead append and a deprecated call in it.
	$(GO) tool staticcheck $$($(GO) list ./... | grep -v -E '^coopdesk/ent(/[a-z]+)?$$' ; echo coopdesk/ent/schema)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
