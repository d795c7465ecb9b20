"""One place that imports Mitsuba, Dr.Jit and Sionna RT in the right order.

Sionna RT must be imported while ``llvm_ad_mono_polarized`` (or a CUDA twin) is the
active variant; the optical renderer then switches to an RGB variant in a scope.
"""
from __future__ import annotations

import contextlib
import sys
import warnings

import synthrm._llvm as _llvm

_llvm.ensure_llvm_path()

import drjit as dr  # noqa: E402
import mitsuba as mi  # noqa: E402

# Each variant switch re-imports Mitsuba's Python integrators, re-running their
# @dr.syntax decorators; after ~1000 of them Dr.Jit warns of a decorator "in a loop".
# It is one transform per module load, not per call: harmless here.
warnings.filterwarnings("ignore", message="The AST-transforming decorator @drjit.syntax", category=RuntimeWarning)

_RADIO_VARIANTS = ("cuda_ad_mono_polarized", "llvm_ad_mono_polarized")
_backend: str | None = None


def backend() -> str:
    """``'cuda'`` when a CUDA device is usable, else ``'llvm'``."""
    global _backend
    if _backend is None:
        _backend = "llvm"
        if "cuda_ad_rgb" in mi.variants():
            try:
                if dr.has_backend(dr.JitBackend.CUDA):
                    _backend = "cuda"
            except Exception:  # pragma: no cover - depends on hardware
                pass
    return _backend


def radio_variant() -> str:
    return f"{backend()}_ad_mono_polarized"


def rgb_variant() -> str:
    return f"{backend()}_ad_rgb"


def sionna_rt():
    """Import and return ``sionna.rt`` with the radio variant active."""
    if mi.variant() not in _RADIO_VARIANTS:
        mi.set_variant(radio_variant())
    import sionna.rt as rt  # noqa: WPS433

    return rt


def mesh_from_arrays(name: str, vertices, faces) -> mi.Mesh:
    """An ``mi.Mesh`` in the active variant from (V, 3) vertices [m] and (F, 3) vertex
    indices (no normals, no texture coordinates)."""
    import numpy as np

    v = np.ascontiguousarray(vertices, np.float32).reshape(-1, 3)
    f = np.ascontiguousarray(faces, np.uint32).reshape(-1, 3)
    m = mi.Mesh(name, vertex_count=len(v), face_count=len(f), has_vertex_normals=False,
                has_vertex_texcoords=False)
    p = mi.traverse(m)
    p["vertex_positions"] = mi.Float(v.ravel())
    p["faces"] = mi.UInt32(f.ravel())
    p.update()
    return m


@contextlib.contextmanager
def rgb_scope():
    """Context in which the RGB variant is active (restores the previous one).

    Sionna registers a variant callback that reloads two of its modules on every
    variant change (~0.15 s per round trip on 2 cores). The optical renderer uses
    none of them, so the callback is detached while the RGB variant is active; the
    radio variant comes back with the very classes it had.
    """
    if mi.variant() == rgb_variant() and "sionna.rt" in sys.modules:
        yield mi  # already inside an RGB scope: switching again would cost two reloads
        return
    rt = sionna_rt()  # sionna must be imported under the radio variant first
    cb = getattr(rt, "sionna_rt_variant_cb", None)
    if cb is not None:
        mi.detail.remove_variant_callback(cb)
    try:
        with mi.util.scoped_set_variant(mi, rgb_variant()):
            yield mi
    finally:
        if cb is not None:
            mi.detail.add_variant_callback(cb)


__all__ = ["mi", "dr", "sionna_rt", "rgb_scope", "backend", "mesh_from_arrays"]
