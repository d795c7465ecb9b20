#!/usr/bin/env bash
# Set up synthrm on a fresh Debian/Ubuntu machine: LLVM >= 16 for Dr.Jit (libllvm19),
# a virtual environment in .venv and the pinned Python dependencies (constraints.txt).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}

# the same search that `import synthrm` does (src/synthrm/_llvm.py, no dependencies)
have_llvm() { PYTHONPATH=src $PY -c "import sys; from synthrm._llvm import find_llvm; sys.exit(find_llvm() is None)"; }
if ! have_llvm; then
  echo "setup: installing libllvm19 (Dr.Jit's CPU backend needs LLVM >= 16)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libllvm19 >/dev/null
fi
have_llvm || { echo "setup: error: no libLLVM >= 16 found after installing libllvm19" >&2; exit 1; }

stamp="$VENV/.synthrm-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || $PY -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # torch first and exactly: a looser pin would pull GBs of CUDA wheels
  "$VENV/bin/python" -m pip install -q -c constraints.txt "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[dev]"
  touch "$stamp"
fi
"$VENV/bin/python" -c "import synthrm, os; print('setup: synthrm', synthrm.__version__, '| DRJIT_LIBLLVM_PATH =', os.environ.get('DRJIT_LIBLLVM_PATH'))"
