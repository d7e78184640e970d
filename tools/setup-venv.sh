#!/usr/bin/env bash
# Creates tools/.venv (git-ignored) with the pinned PyTorch / transformers stack
# that produced the committed fixtures. Run once by a developer who wants to
# regenerate fixtures or run the PyTorch baseline benchmarks:
#
#   tools/setup-venv.sh && tools/.venv/bin/python tools/make_kernel_fixtures.py
#
# CI never runs this: the fixtures are committed and the Swift tests only read them.
# Re-running is cheap: an existing venv is reused and pip only checks the pins.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi

"$venv/bin/python" -m pip install --upgrade pip
# Pins: the versions the committed fixtures were generated with (see tools/README.md).
# torch from PyPI is the default (CUDA-enabled) wheel; the tools only use the CPU.
"$venv/bin/python" -m pip install \
    torch==2.15.0 \
    transformers==5.23.0 \
    tokenizers==0.23.3 \
    safetensors==0.8.0 \
    huggingface_hub==2.4.0 \
    numpy==2.4.6

"$venv/bin/python" - <<'PY'
import numpy, safetensors, tokenizers, torch, transformers
print("tools/.venv ready:", "torch", torch.__version__, "transformers", transformers.__version__,
      "tokenizers", tokenizers.__version__, "safetensors", safetensors.__version__, "numpy", numpy.__version__)
PY
