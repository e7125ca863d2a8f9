#!/usr/bin/env bash
# Makes the peer bench's virtual environment (.build/peer-venv) from PyPI: torch + torchvision (the PyPI build, which
# runs on CPU), faiss-cpu, numpy, scikit-learn and numba. Python is used only by the peer bench and the fixture
# scripts, never by FractalAD at run time. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PEER_VENV:-.build/peer-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
"$venv/bin/python" -m pip install -q torch torchvision faiss-cpu numpy scikit-learn numba
"$venv/bin/python" - <<'PY'
import torch, torchvision, faiss, numpy, sklearn, numba
print(f"peer env ready: torch {torch.__version__} ({torch.backends.cpu.get_cpu_capability()}), "
      f"torchvision {torchvision.__version__}, faiss {faiss.__version__}, numpy {numpy.__version__}, "
      f"scikit-learn {sklearn.__version__}, numba {numba.__version__}")
PY
echo "$venv/bin/python"
