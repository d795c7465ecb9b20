"""The ray budget of a frame: how many rays each transmitter gets, on which backend.

``radio.samples_per_tx: auto`` (the default) resolves by backend: on a CPU (Dr.Jit's LLVM
backend) a first pass of :data:`CPU_FIRST_PASS` rays per transmitter, then *progressive*
passes for the transmitters whose ray-labelled share of the view stays below
``radio.target_ray_share``, each with 3x the rays traced so far (4x in all), while a
transmitter's rays stay within ``max_samples_per_tx`` and the frame's within
``max_rays_per_frame``. On CUDA the first pass alone is :data:`CUDA_FIRST_PASS` (40-100x the
CPU's rays per second). An explicit integer ``samples_per_tx`` is exactly that many rays
(no progressive pass unless ``max_samples_per_tx`` is also given). The budget is counted
in rays, never in seconds, so the same seed gives the same labels on any machine of the
backend.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from synthrm.errors import ConfigError

#: CPU (LLVM) defaults [rays]: first pass per Tx, most per Tx, most per frame (4 Tx).
CPU_FIRST_PASS = 5_000_000
CPU_MAX_PER_TX = 20_000_000
CPU_MAX_PER_FRAME = 40_000_000
#: CUDA defaults [rays].
CUDA_FIRST_PASS = 100_000_000
CUDA_MAX_PER_TX = 2 ** 31
CUDA_MAX_PER_FRAME = 2 ** 34
#: Each progressive pass traces this many times the rays so far (so rays grow 4x a pass).
PASS_FACTOR = 3


def parse_rays(text: str) -> int | str:
    """A ray count as written on a command line: ``auto`` or an integer (``5000000``,
    ``1e8`` and ``2**31`` accepted); a ConfigError naming the forms otherwise."""
    t = str(text).strip().lower()
    if t == "auto":
        return "auto"
    m = re.fullmatch(r"(\d+)\*\*(\d+)", t)
    if m:
        return int(m.group(1)) ** int(m.group(2))
    try:
        v = float(t)
    except ValueError:
        v = float("nan")
    if not math.isfinite(v) or v != int(v):
        raise ConfigError(f"expected an integer (e.g. 5000000, 1e8, 2**31) or auto, got {text!r}")
    return int(v)


@dataclass(frozen=True)
class RayBudget:
    """A resolved ray budget."""

    first_pass: int
    """Rays per transmitter of the first pass."""
    max_per_tx: int
    """Most rays a transmitter gets over all passes."""
    max_per_frame: int
    """Most rays of all transmitters of a frame together."""
    backend: str
    """``llvm`` (CPU) or ``cuda``."""


def resolve_budget(samples_per_tx: int | str, max_samples_per_tx: int | str, max_rays_per_frame: int | str,
                   backend: str) -> RayBudget:
    """The :class:`RayBudget` of the ``radio`` settings on ``backend`` (``llvm``/``cuda``)."""
    cuda = backend == "cuda"
    auto = samples_per_tx == "auto"
    first = (CUDA_FIRST_PASS if cuda else CPU_FIRST_PASS) if auto else int(samples_per_tx)
    if max_samples_per_tx == "auto":
        most = (CUDA_MAX_PER_TX if cuda else CPU_MAX_PER_TX) if auto else first
    else:
        most = int(max_samples_per_tx)
    frame = (CUDA_MAX_PER_FRAME if cuda else CPU_MAX_PER_FRAME) if max_rays_per_frame == "auto" \
        else int(max_rays_per_frame)
    return RayBudget(first, max(first, most), frame, backend)
