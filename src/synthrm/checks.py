"""Argument checks shared by the config dataclasses: each failure is a
:class:`~synthrm.errors.ConfigError` whose one line names the setting, the allowed values
and what was given."""
from __future__ import annotations

from synthrm.errors import ConfigError


def require(cond: bool, msg: str) -> None:
    """Raise :class:`ConfigError` with ``msg`` unless ``cond``."""
    if not cond:
        raise ConfigError(msg)


def check_range(lo_hi: tuple[float, float], what: str) -> None:
    """``lo_hi`` is a pair ``[min, max]`` with ``min <= max`` (else ConfigError naming ``what``)."""
    lo, hi = lo_hi
    require(len(lo_hi) == 2 and lo <= hi, f"{what}: expected [min, max] with min <= max, got {list(lo_hi)}")
