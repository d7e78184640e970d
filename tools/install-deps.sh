#!/usr/bin/env bash
# Installs the Debian packages circuitry builds against, if any is missing.
# Run by `make test`, `make demo` and `make bench`; safe to run again.
set -euo pipefail

packages=(libopenblas-dev libgraphviz-dev pkg-config)

have_all() {
    command -v pkg-config >/dev/null 2>&1 &&
        pkg-config --exists openblas libgvc libcgraph 2>/dev/null
}

if have_all; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    runner=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    runner=(sudo)
else
    echo "circuitry needs these Debian packages: ${packages[*]}" >&2
    echo "Install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${packages[*]}" >&2
    exit 1
fi

echo "Installing ${packages[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
"${runner[@]}" apt-get update -qq
"${runner[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
have_all || { echo "install-deps: packages installed but pkg-config still cannot find openblas and libgvc" >&2; exit 1; }
