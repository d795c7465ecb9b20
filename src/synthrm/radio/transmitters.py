"""Transmitter placement and antenna set-up for one frame.

The SynthRM paper's rule: transmitters lie on the plane 1.6 m above ground and never inside a
building footprint. A frame's transmitters are drawn near what the camera sees (within
``radio.tx_radius_m`` of the view centre), so that both line-of-sight and shadowed
transmitters occur, or uniformly over the whole city wherever the camera looks
(``district``, the SynthRM paper's Figure 8). A user list of positions and a transmitter riding on
the camera's own vehicle (the SynthRM paper's case study) are the two other placements.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.radio.config import RadioConfig
from synthrm.errors import ConfigError
from synthrm.radio.antenna import (
    ANTENNAS,
    look_orientation,
    pattern_features,
    rotation_matrix,
    steering_vector,
)
from synthrm.scene.layout import Layout

#: Random positions tried per transmitter before giving up.
MAX_TRIES = 2000


@dataclass
class TxSet:
    """The transmitters of one frame."""

    positions: np.ndarray
    """(T, 3) float64 positions [m]."""
    orientations: np.ndarray
    """(T, 3) float64 (yaw, pitch, roll) [rad] of the array (Sionna's convention)."""
    steering: np.ndarray
    """(T, 3) float64 world unit vector the beam is steered to (boresight for SISO)."""
    precoding: np.ndarray
    """(T, N) complex128 unit-norm precoding vectors (N = elements of the array)."""
    patterns: np.ndarray
    """(T, P) float32 gain [dBi] on the pattern grid (:func:`synthrm.radio.antenna.pattern_grid`)."""
    antenna: str
    """Antenna name (``siso``, ``4x4``, ``8x4``)."""

    @property
    def num_tx(self) -> int:
        return int(len(self.positions))

    def subset(self, idx) -> "TxSet":
        """The transmitters ``idx`` (indices or a mask) as a TxSet."""
        return TxSet(self.positions[idx], self.orientations[idx], self.steering[idx], self.precoding[idx],
                     self.patterns[idx], self.antenna)


def check_tx_positions(layout: Layout, positions: np.ndarray, what: str = "radio.tx_positions_m") -> None:
    """Raise :class:`ConfigError` if a position is below ground, inside a building, or
    outside the scene."""
    x0, y0, x1, y1 = layout.extent
    for i, p in enumerate(np.asarray(positions, np.float64).reshape(-1, 3)):
        where = f"{what}[{i}] = ({p[0]:.2f}, {p[1]:.2f}, {p[2]:.2f}) m"
        if not np.all(np.isfinite(p)):
            raise ConfigError(f"{where}: not a finite position")
        if p[2] <= 0:
            raise ConfigError(f"{where}: below or on the ground (z must be > 0 m)")
        if not (x0 <= p[0] <= x1 and y0 <= p[1] <= y1):
            raise ConfigError(f"{where}: outside the scene extent x [{x0:.0f}, {x1:.0f}], y [{y0:.0f}, {y1:.0f}] m")
        b = layout.building_at(p[0], p[1], p[2])
        if b is not None:
            c = b.footprint.centroid
            raise ConfigError(f"{where}: inside a building (footprint centred at ({c.x:.1f}, {c.y:.1f}) m, "
                              f"{b.height_m:.1f} m tall); move it outside every footprint or above the roof")
        k = layout.obstacle_at(*p)
        if k is not None:
            box = ", ".join(f"{v:.2f}" for v in layout.obstacles[k])
            raise ConfigError(f"{where}: inside a street object of the radio scene (tree or street light, box "
                              f"[{box}] m); move it out of the box or set city.street_objects to visual or none")


def sample_tx_positions(layout: Layout, cfg: RadioConfig, rng: np.random.Generator,
                        center_xy: np.ndarray, n: int, radius_m: float | None = None) -> np.ndarray:
    """(n, 3) positions on the plane ``cfg.tx_height_m`` above ground, uniform in the disc
    of radius ``radius_m`` (default ``cfg.tx_radius_m``) around ``center_xy``, clear of
    every footprint by ``cfg.tx_clearance_m`` and of every street object of the radio
    scene, and inside the scene. A centre outside the scene (a view of the horizon) is
    first moved to the nearest point of the scene's extent."""
    x0, y0, x1, y1 = layout.extent
    center_xy = np.array([np.clip(center_xy[0], x0, x1), np.clip(center_xy[1], y0, y1)])
    radius = cfg.tx_radius_m if radius_m is None else float(radius_m)
    out = []
    for k in range(n):
        for _ in range(MAX_TRIES):
            r = radius * np.sqrt(rng.random())
            a = rng.uniform(0, 2 * np.pi)
            x, y = center_xy[0] + r * np.cos(a), center_xy[1] + r * np.sin(a)
            if x0 <= x <= x1 and y0 <= y <= y1 and \
                    layout.building_at(x, y, 0.0, margin_m=cfg.tx_clearance_m) is None and \
                    layout.obstacle_at(x, y, cfg.tx_height_m, margin_m=cfg.tx_clearance_m) is None:
                out.append([x, y, cfg.tx_height_m])
                break
        else:
            raise ConfigError(
                f"radio: could not place transmitter {k} outside the buildings and street objects within "
                f"{radius:g} m of ({center_xy[0]:.0f}, {center_xy[1]:.0f}) after {MAX_TRIES} draws; "
                "increase radio.tx_radius_m or lower radio.tx_clearance_m")
    return np.asarray(out, np.float64).reshape(n, 3)


def sample_district_positions(layout: Layout, cfg: RadioConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 3) positions as :func:`sample_tx_positions`, uniform over the whole scene extent
    (the city with its open margin) instead of a disc around the view."""
    x0, y0, x1, y1 = layout.extent
    half_diagonal = 0.5 * float(np.hypot(x1 - x0, y1 - y0))
    return sample_tx_positions(layout, cfg, rng, np.array([(x0 + x1) / 2, (y0 + y1) / 2]), n, half_diagonal)


def place_transmitters(layout: Layout, cfg: RadioConfig, rng: np.random.Generator,
                       view_center: np.ndarray, cam_to_world: np.ndarray) -> TxSet:
    """Positions, orientations, precoding and pattern features of a frame's transmitters.

    Args:
        layout: the scene's footprints.
        cfg: placement and antenna settings.
        rng: the frame's generator (same seed, same transmitters).
        view_center: (3,) [m] a central point of what the camera sees.
        cam_to_world: (4, 4) camera pose (for the camera-mounted transmitter).
    """
    view_center = np.asarray(view_center, np.float64)
    if cfg.tx_placement == "list":
        pos = np.asarray(cfg.tx_positions_m, np.float64).reshape(-1, 3)
        check_tx_positions(layout, pos)
    elif cfg.tx_placement == "camera":
        cam = np.asarray(cam_to_world, np.float64)[:3, 3] + np.asarray(cfg.camera_tx_offset_m)
        check_tx_positions(layout, cam[None], "camera-mounted transmitter")
        rest = sample_tx_positions(layout, cfg, rng, view_center[:2], cfg.tx_per_frame - 1)
        pos = np.concatenate([cam[None], rest])
    elif cfg.tx_placement == "district":
        pos = sample_district_positions(layout, cfg, rng, cfg.tx_per_frame)
    else:
        pos = sample_tx_positions(layout, cfg, rng, view_center[:2], cfg.tx_per_frame)

    spec = ANTENNAS[cfg.antenna]
    t = len(pos)
    orient = np.zeros((t, 3))
    steer = np.zeros((t, 3))
    prec = np.zeros((t, spec.num_elements), np.complex128)
    pats = []
    for i, p in enumerate(pos):
        to_view = view_center - p
        if np.linalg.norm(to_view[:2]) < 1e-6:
            to_view = np.asarray(cam_to_world, np.float64)[:3, 2]  # straight below: camera heading
        if cfg.orientation == "view":
            orient[i] = look_orientation(to_view)
        else:
            orient[i] = [rng.uniform(-np.pi, np.pi), 0.0, 0.0]
        rot = rotation_matrix(*orient[i])
        if cfg.steering == "view":
            u_local = rot.T @ (to_view / np.linalg.norm(to_view))
        elif cfg.steering == "random":
            az = np.radians(rng.uniform(-cfg.steering_max_deg, cfg.steering_max_deg))
            el = np.radians(rng.uniform(-cfg.steering_max_deg / 3, cfg.steering_max_deg / 3))
            u_local = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
        else:
            u_local = np.array([1.0, 0.0, 0.0])
        steer[i] = rot @ u_local
        prec[i] = steering_vector(spec, cfg.frequency_hz, u_local)
        pats.append(pattern_features(spec, cfg.frequency_hz, orient[i], prec[i], cfg.pattern_step_deg))
    return TxSet(positions=pos, orientations=orient, steering=steer, precoding=prec,
                 patterns=np.stack(pats), antenna=cfg.antenna)
