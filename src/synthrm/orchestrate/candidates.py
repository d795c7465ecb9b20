"""Candidate views: camera poses sampled in one city scene, rendered once.

Every candidate is a frame as the generator draws it: its scene is made by
:func:`synthrm.scene.build.build_city_scene`, its pose by
:func:`synthrm.render.frames.sample_frame_pose` with the same acceptance checks (not
inside a wall, enough surface in view, clearance) and its colour image by
:func:`synthrm.render.frames.render_frame`. Candidate ``i`` uses the frame seed
``frame_seed(seed, i)``, so with ``seed == cfg.seed`` it is the very pose frame ``i`` of
``synthrm generate`` would take in scene 0, and it does not depend on the other
candidates.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.config import GenerateConfig
from synthrm.errors import ConfigError
from synthrm.scene.build import SCENES_DIR, scene_id

SCENE_INDEX = 0
"""The orchestrator works in the first scene of the dataset (``<preset>-0000``)."""


@dataclass
class Candidate:
    """One rendered candidate view. H, W: image height and width [px]."""

    index: int
    """Position in the candidate list."""
    seed: int
    """Frame seed the pose and the image were drawn with."""
    camera: PinholeCamera
    """The view's pinhole camera: intrinsics, camera-to-world pose and image size."""
    rgb: np.ndarray
    """(H, W, 3) uint8 sRGB image."""
    position: np.ndarray
    """(H, W, 3) float32 world position of the surface seen by each pixel [m]; NaN on sky."""
    normal: np.ndarray
    """(H, W, 3) float32 world unit normal facing the camera; 0 on sky."""
    semantic: np.ndarray
    """(H, W) uint8 semantic id (``synthrm.scene.classes.SEMANTIC_IDS``; 0 = sky)."""

    @property
    def cam_to_world(self) -> np.ndarray:
        """(4, 4) float64 camera-to-world of the camera, OpenCV camera axes [m]."""
        return self.camera.cam_to_world

    @property
    def center(self) -> np.ndarray:
        """(3,) camera position in the world [m]."""
        return self.camera.center

    @property
    def heading_deg(self) -> float:
        """Heading of the optical axis, counter-clockwise from +x [deg]."""
        z = self.cam_to_world[:3, 2]
        return float(np.degrees(np.arctan2(z[1], z[0])))


def scene_paths(cfg: GenerateConfig, root: str | Path) -> tuple[str, Path]:
    """(scene id, scene folder) of the scene the orchestrator uses under ``root``."""
    sid = scene_id(cfg.preset, SCENE_INDEX)
    return sid, Path(root) / SCENES_DIR / sid


#: Default spacing of consecutive views along a track [m] per view kind.
TRACK_STEP_M = {"uav": 12.0, "vehicle": 5.0, "pedestrian": 3.0}
TRACK_TURN_DEG = 8.0
"""Largest heading change between consecutive views of a track [deg]."""


def step_pose(cam_to_world: np.ndarray, view: str, step_m: float, rng: np.random.Generator) -> np.ndarray:
    """The next pose of a track: ``step_m`` forward (horizontally), heading turned by up
    to +-TRACK_TURN_DEG, pitch kept; a UAV also changes altitude by up to +-2 m."""
    from synthrm.camera.pinhole import pose_from_angles

    f = np.asarray(cam_to_world, float)[:3, 2]
    heading = float(np.degrees(np.arctan2(f[1], f[0]))) + rng.uniform(-TRACK_TURN_DEG, TRACK_TURN_DEG)
    pitch = float(np.degrees(np.arcsin(np.clip(-f[2], -1, 1))))
    h = np.radians(heading)
    pos = np.asarray(cam_to_world, float)[:3, 3] + step_m * np.array([np.cos(h), np.sin(h), 0.0])
    if view == "uav":
        pos[2] += rng.uniform(-2.0, 2.0)
    return pose_from_angles(pos.tolist(), heading, pitch)


def render_candidates(cfg: GenerateConfig, root: str | Path, n: int, seed: int | None = None,
                      progress: bool = True, spp: int | None = None, track_length: int = 1,
                      track_step_m: float | None = None) -> list[Candidate]:
    """Sample and render ``n`` candidate views in scene 0 of ``root``.

    The scene is made (or reused) exactly as ``synthrm generate`` makes it, in
    ``root/scenes/<preset>-0000``.

    Parameters
    ----------
    cfg : GenerateConfig
        Camera (view, resolution, field of view, pose ranges and checks), render and city
        settings; ``cfg.seed`` picks the city.
    root : path
        Dataset folder holding ``scenes/``.
    n : int
        Number of candidates, >= 1.
    seed : int, optional
        Seed of the candidate poses and images (default ``cfg.seed``).
    progress : bool
        Show a tqdm bar on stderr.
    spp : int, optional
        Path-tracing samples per pixel of the images (default ``cfg.render.spp``).
    track_length : int
        Candidates come in tracks of this many views (a drone's or a vehicle's short
        sequence, like a capture): the first view of a track is sampled as a frame of the
        generator, each next one is ``track_step_m`` further along the heading (see
        :func:`step_pose`) when it passes the generator's pose checks (else a new track
        starts). 1: independent views.
    track_step_m : float, optional
        Spacing of a track's views [m] (default ``TRACK_STEP_M[view]``).

    Returns
    -------
    list of Candidate
        ``n`` candidates in index order, images at ``cfg.camera.resolution``.

    Raises
    ------
    ConfigError
        ``n`` < 1 or ``spp`` < 1.
    PoseError
        No acceptable pose for some candidate (the message names it).
    """
    from tqdm import tqdm

    from synthrm._mitsuba import rgb_scope
    from synthrm.camera.poses import BUILDING_CLEARANCE_M
    from synthrm.errors import PoseError
    from synthrm.render.frames import pose_problem, render_frame, sample_frame_pose
    from synthrm.render.renderer import Renderer
    from synthrm.scene.build import build_city_scene
    from synthrm.scene.layout import Layout
    from synthrm.seeds import Stream, frame_seed, scene_seed, stream

    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"candidates: need at least 1 candidate view, got {n!r}")
    if spp is not None:
        if not isinstance(spp, (int, np.integer)) or spp < 1:
            raise ConfigError(f"spp: must be an integer >= 1, got {spp!r}")
        cfg = dataclasses.replace(cfg, render=dataclasses.replace(cfg.render, spp=int(spp)))
    seed = cfg.seed if seed is None else int(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if not isinstance(track_length, (int, np.integer)) or track_length < 1:
        raise ConfigError(f"track_length: must be an integer >= 1, got {track_length!r}")
    if cfg.camera.view not in TRACK_STEP_M:
        raise ConfigError(f"camera.view: orchestration samples its own tracks; {cfg.camera.view!r} is a fixed "
                          f"trajectory, use one of {sorted(TRACK_STEP_M)}")
    step = TRACK_STEP_M[cfg.camera.view] if track_step_m is None else float(track_step_m)
    if not step > 0:
        raise ConfigError(f"track_step_m: must be > 0 m, got {track_step_m!r}")
    cam, r = cfg.camera, cfg.render
    sid, scene_dir = scene_paths(cfg, root)
    build_city_scene(cfg.city, scene_seed(cfg.seed, SCENE_INDEX), scene_dir, sid)
    layout = Layout.load(scene_dir)
    out = []
    with rgb_scope(), tqdm(total=n, unit="view", desc="candidates", disable=not progress,
                           file=sys.stderr, dynamic_ncols=True) as bar:
        renderer = Renderer(scene_dir, r.daylight())
        for i in range(n):
            fseed = frame_seed(seed, i)
            camera = gbuf = None
            try:
                if i % track_length and out:  # continue the track
                    c2w = step_pose(out[-1].cam_to_world, cam.view, step,
                                    np.random.default_rng(stream(fseed, Stream.TRACK)))
                    if layout.building_at(*c2w[:3, 3], margin_m=BUILDING_CLEARANCE_M) is None:
                        moved = out[-1].camera.with_pose(c2w)
                        why, g = pose_problem(renderer, moved, cam)
                        if why is None:
                            camera, gbuf = moved, g
                if camera is None:
                    try:
                        camera, gbuf = sample_frame_pose(renderer, layout, cam, fseed)
                    except PoseError as e:
                        raise PoseError(f"frame {i:06d} in scene {sid}: {e}") from None
                rgb, _, _ = render_frame(renderer, camera, gbuf, r, cfg.variations, cam.view, fseed)
            except PoseError as e:
                raise PoseError(f"candidate {i}: {e}") from None
            out.append(Candidate(index=i, seed=fseed, camera=camera, rgb=rgb, position=gbuf.position,
                                 normal=gbuf.normal, semantic=gbuf.semantic))
            bar.update(1)
    return out
