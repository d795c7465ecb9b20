"""Seeds: every random draw of a dataset comes from a generator seeded by keys derived
from the master seed, so a frame depends on (master seed, frame index) only, never on the
frames generated before it.

    frame_seed(master, i)           the frame's own seed
    scene_seed(master, k)           the city (or apartment) of scene k
    stream(frame_seed, Stream.X)    one stream of a frame: its pose, image, radio, ...
"""
from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """The named streams (the last key of :func:`derive_seed`). Numbers are fixed forever:
    they make the datasets of every synthrm version alike."""

    FRAME = 0
    """(master, frame index) -> the frame's own seed."""
    SCENE = 1
    """(master, scene index) -> the city or the apartment."""
    POSE = 2
    """frame -> camera pose sampling (indoor: the scan walk)."""
    RGB = 3
    """frame -> the path tracer's sampler."""
    RADIO = 4
    """frame -> transmitter placement and the Monte Carlo sampler."""
    VARIATION = 5
    """frame -> time of day, fog and blur (indoor: the transmitter positions)."""
    SENSOR_NOISE = 6
    """frame -> sensor noise."""
    SPLIT = 7
    """master -> the indoor test split; orchestration: the random view subsets."""
    TRACK = 8
    """candidate view -> the next view of its track; (master, scene index) -> the street
    and direction of the scene's drive (``camera.view: drive``)."""
    INDOOR_TX = 5
    """apartment -> its transmitters (the value of ``VARIATION``: an alias)."""


def derive_seed(*keys: int) -> int:
    """A 63-bit seed derived deterministically from integer keys."""
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(2, np.uint64)[0] >> np.uint64(1))


def stream(seed: int, which: Stream) -> int:
    """The seed of stream ``which`` of ``seed`` (a frame's or the master's)."""
    return derive_seed(seed, int(which))


def frame_seed(master: int, index: int) -> int:
    """The seed of frame ``index`` of a dataset with master seed ``master``."""
    return derive_seed(master, index, Stream.FRAME)


def scene_seed(master: int, index: int) -> int:
    """The seed of scene (city or apartment) ``index``."""
    return derive_seed(master, index, Stream.SCENE)


def drive_seed(master: int, index: int) -> int:
    """The seed of the drive through scene ``index`` (one per scene: all its frames drive
    the same street)."""
    return derive_seed(master, index, Stream.TRACK)
