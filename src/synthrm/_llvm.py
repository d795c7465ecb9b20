"""Locate an LLVM shared library that Dr.Jit's CPU backend can use (LLVM >= 16)."""
from __future__ import annotations

import glob
import os
import re

#: Folders searched for ``libLLVM*.so*``, most specific first.
LLVM_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
             "/usr/lib", "/usr/local/lib")
MIN_LLVM_MAJOR = 16


def _major(path: str) -> int:
    m = re.search(r"libLLVM[-.](?:so\.)?(\d+)", os.path.basename(path))
    return int(m.group(1)) if m else -1


def find_llvm(dirs=LLVM_DIRS) -> str | None:
    """Return the path of the newest ``libLLVM`` with major version >= 16, or None."""
    found = []
    for d in dirs:
        for p in glob.glob(os.path.join(d, "libLLVM*.so*")):
            if _major(p) >= MIN_LLVM_MAJOR and os.path.isfile(p):
                found.append(p)
    if not found:
        return None
    return max(found, key=lambda p: (_major(p), len(p)))


def ensure_llvm_path() -> str | None:
    """Set ``DRJIT_LIBLLVM_PATH`` when it is unset and a suitable LLVM exists.

    Returns the path in effect (or None). Must run before ``drjit`` is imported.
    """
    current = os.environ.get("DRJIT_LIBLLVM_PATH")
    if current:
        return current
    path = find_llvm()
    if path:
        os.environ["DRJIT_LIBLLVM_PATH"] = path
    return path
