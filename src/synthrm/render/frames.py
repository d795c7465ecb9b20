"""One camera frame of a city scene: an acceptable pose with its G-buffers, and the colour
image under the frame's environmental variation. The generator's stages
(``synthrm.generate``) and the view orchestration (``synthrm.orchestrate``) both use these,
so a candidate view is drawn exactly as a generated frame would be."""
from __future__ import annotations

import numpy as np

from synthrm.camera.config import CameraConfig
from synthrm.camera.pinhole import PinholeCamera
from synthrm.camera.poses import drive_pose, sample_pose
from synthrm.errors import PoseError
from synthrm.render.config import RenderConfig, VariationConfig
from synthrm.render.renderer import GBuffers, Renderer
from synthrm.render.variations import Variation, render_variation, sample_variation
from synthrm.scene.classes import SEMANTIC_IDS
from synthrm.scene.layout import Layout
from synthrm.seeds import Stream, stream


def pose_problem(renderer: Renderer, camera: PinholeCamera, cfg: CameraConfig) -> tuple[str | None, GBuffers]:
    """(None, G-buffers) for an acceptable pose, else (the reason, G-buffers): not inside a
    wall, enough surface and enough built surface in view, no surface too close."""
    g = renderer.gbuffers(camera)
    if g.backfacing.mean() > 0.01:
        return "inside a wall (sees the back of surfaces)", g
    if g.hit.mean() < cfg.min_coverage:
        return f"sees almost nothing (< {cfg.min_coverage:.0%} of pixels hit a surface)", g
    if (g.hit & (g.semantic != SEMANTIC_IDS["ground"])).mean() < cfg.min_built_fraction:
        return f"sees only open ground (< {cfg.min_built_fraction:.0%} of pixels on streets or buildings)", g
    if np.nanmin(g.depth) < cfg.min_clearance_m:
        return f"closer than {cfg.min_clearance_m} m to a surface", g
    return None, g


def sample_frame_pose(renderer: Renderer, layout: Layout, cfg: CameraConfig, frame_seed: int) -> tuple[PinholeCamera, GBuffers]:
    """A pose of ``cfg.view`` that passes :func:`pose_problem`, drawn from the frame's pose
    stream, with its G-buffers (PoseError naming the reasons when none is found)."""
    template = cfg.camera()
    rng = np.random.default_rng(stream(frame_seed, Stream.POSE))
    kept = {}

    def check(c2w):
        why, g = pose_problem(renderer, template.with_pose(c2w), cfg)
        kept["g"] = g
        return why

    c2w = sample_pose(layout, cfg, rng, check)
    return template.with_pose(c2w), kept["g"]


def drive_frame_pose(renderer: Renderer, layout: Layout, cfg: CameraConfig, drive_seed: int, step: int,
                     steps: int) -> tuple[PinholeCamera, GBuffers]:
    """View ``step`` of ``steps`` of the scene's drive (``camera.view: drive``; street and
    direction from ``drive_seed``) with its G-buffers; a PoseError naming the view and the
    settings to change when it fails :func:`pose_problem`."""
    camera = cfg.camera(drive_pose(layout, cfg, np.random.default_rng(drive_seed), step, steps))
    why, g = pose_problem(renderer, camera, cfg)
    if why:
        raise PoseError(f"drive view {step} of {steps} is rejected: {why}; change camera.drive_* or lower "
                        "camera.min_coverage / camera.min_built_fraction")
    return camera, g


def render_frame(renderer: Renderer, camera: PinholeCamera, gbuf: GBuffers, render: RenderConfig,
                 variations: VariationConfig, view: str, frame_seed: int) -> tuple[np.ndarray, np.ndarray, Variation]:
    """Draw the frame's variation and path-trace its colour image: (rgb (H, W, 3) uint8 sRGB,
    linear radiance (H, W, 3) float32, the variation)."""
    var = sample_variation(variations, render, camera.cam_to_world, view,
                           np.random.default_rng(stream(frame_seed, Stream.VARIATION)))
    range_m = None
    if var.fog_visibility_m is not None:  # only fog needs the range
        range_m = np.linalg.norm(gbuf.position - camera.cam_to_world[:3, 3].astype(np.float32), axis=-1)
        range_m = np.where(gbuf.hit, range_m, renderer.far_ground_range(camera))
    rgb, lin = render_variation(renderer, camera, render, var, range_m,
                                seed=stream(frame_seed, Stream.RGB) & 0x7FFFFFFF,
                                noise_seed=stream(frame_seed, Stream.SENSOR_NOISE))
    return rgb, lin, var


__all__ = ["pose_problem", "sample_frame_pose", "drive_frame_pose", "render_frame", "PoseError"]
