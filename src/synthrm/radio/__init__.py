"""Radio maps on the visible surface (Sionna RT) and the radio physics around them.

Light by design: ``synthrm.radio.physics``, ``antenna``, ``config``, ``budget`` and
``p2040`` are numpy only; the names below that need the ray tracer (Mitsuba, Dr.Jit,
Sionna RT) are imported on first use, so ``import synthrm.models`` or
``synthrm.analysis`` never starts it.
"""
from synthrm.radio.physics import friis_path_gain, fspl_db

__all__ = ["VASRadioSolver", "friis_path_gain", "fspl_db"]


def __getattr__(name):
    if name == "VASRadioSolver":
        from synthrm.radio.radio_map_solver import VASRadioSolver

        return VASRadioSolver
    raise AttributeError(name)
