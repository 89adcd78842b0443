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
touch .venv/.gankit-installed
