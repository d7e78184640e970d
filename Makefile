# circuitry — the two commands a newcomer runs are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: deps build test bench clean

## Install the Debian packages (OpenBLAS, Graphviz, pkg-config) if missing.
deps:
	@tools/install-deps.sh

## Debug build of the package and its tests.
build: deps
	$(SWIFT) build --build-tests

## Build and run the whole test suite (slow end-to-end checks are tagged and skipped here).
test: build
	$(SWIFT) test

## Release-mode benchmarks: medians of repeated runs, figures as in README.
bench: deps
	$(SWIFT) run -c release circuitry-bench all

clean:
	rm -rf .build
