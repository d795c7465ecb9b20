import os
import subprocess
import sys

import pytest

from synthrm._llvm import _major, find_llvm


@pytest.mark.slow
def test_import_sets_llvm_path_in_a_clean_process():
    env = {k: v for k, v in os.environ.items() if k != "DRJIT_LIBLLVM_PATH"}
    code = ("import os, synthrm; p = os.environ.get('DRJIT_LIBLLVM_PATH'); print(p)\n"
            "import synthrm._mitsuba as m; rt = m.sionna_rt(); import drjit as dr\n"
            "x = dr.llvm.Float([1.0, 5.0]); print(float(dr.max(dr.maximum(x, 2.0))[0]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    path, mx = out.stdout.split()
    assert os.path.isfile(path) and _major(path) >= 16
    assert float(mx) == 5.0  # a JIT-compiled kernel ran (fmaximum needs LLVM >= 16)


def test_find_llvm_prefers_newest(tmp_path):
    for name in ("libLLVM-15.so.1", "libLLVM.so.19.1", "libLLVM-17.so"):
        (tmp_path / name).write_bytes(b"")
    assert find_llvm([str(tmp_path)]).endswith("libLLVM.so.19.1")
    (tmp_path / "libLLVM.so.19.1").unlink()
    (tmp_path / "libLLVM-17.so").unlink()
    assert find_llvm([str(tmp_path)]) is None
