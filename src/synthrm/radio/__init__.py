"""Radio maps on the visible surface (Sionna RT) and the radio physics around them.

Light by design: ``synthrm.radio.physics``, ``antenna``, ``config``, ``budget`` and
``p2040`` are numpy only, so ``import synthrm.models`` or ``synthrm.analysis`` never
starts the ray tracer; ``synthrm.radio.radio_map_solver`` (``VASRadioSolver``) and
``synthrm.radio.frame`` load Mitsuba, Dr.Jit and Sionna RT.
"""
from synthrm.radio.physics import friis_path_gain, fspl_db

__all__ = ["friis_path_gain", "fspl_db"]
