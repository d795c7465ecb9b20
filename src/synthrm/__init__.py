"""synthrm: vision-aligned radio data.

Turns a 3D scene into camera images (RGB, depth, normals, semantics) paired pixel by
pixel with radio maps computed by Sionna RT on the surfaces the camera sees.

Importing the package points Dr.Jit at an LLVM >= 16 (``DRJIT_LIBLLVM_PATH``) when the
variable is unset and such a library is installed, so that the CPU ray tracer never
meets the ``LLVM ERROR: Cannot select ... fmaximum`` abort of older LLVMs.
"""
from synthrm._llvm import ensure_llvm_path as _ensure_llvm_path

_ensure_llvm_path()

__version__ = "0.1.0"

from synthrm.errors import SynthrmError  # noqa: E402

__all__ = ["__version__", "SynthrmError"]
