# circuitry — the two commands a newcomer runs are `make demo` and `make test`.
SWIFT ?= swift

.PHONY: deps build test demo bench clean

## Install the Debian packages (OpenBLAS, Graphviz, pkg-config) if missing.
deps:
	@tools/install-deps.sh

## Debug build of the package and its tests.
build: deps
	$(SWIFT) build --build-tests

## Build and run the whole test suite (slow end-to-end checks are tagged and skipped here).
test: build
	$(SWIFT) test

## The main job end to end on the bundled model: a role circuit, its drawing, its emergence (outputs in out/demo/).
demo: deps
	$(SWIFT) build --product circuitry
	$(SWIFT) run --skip-build circuitry demo --out out/demo

## Release-mode benchmarks: medians of repeated runs, figures as in README.
bench: deps
	$(SWIFT) run -c release circuitry-bench all

clean:
	rm -rf .build
