"""The stages of a city frame and the :class:`Frame` buffer they fill:
scene -> pose + G-buffers -> RGB -> VAS -> radio. A stage is a callable ``stage(frame)``;
the work units (``synthrm.generate.units``) run the optical stages of a shard's frames
first and ray-trace them afterwards, so the Mitsuba variant switches once per shard."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.config import GenerateConfig
from synthrm.errors import PoseError
from synthrm.radio.frame import FrameRadio, compute_frame_radio
from synthrm.radio.radio_map_solver import VASRadioSolver
from synthrm.render.frames import drive_frame_pose, render_frame, sample_frame_pose
from synthrm.render.renderer import GBuffers, Renderer
from synthrm.render.variations import Variation
from synthrm.scene.build import SCENES_DIR, build_city_scene, scene_id
from synthrm.scene.layout import Layout
from synthrm.scene.writer import SCENE_XML
from synthrm.seeds import Stream, drive_seed, scene_seed, stream
from synthrm.vas.mesh import VASMesh, build_vas


@dataclass
class Frame:
    """The buffer one frame passes through the stages."""

    index: int
    seed: int
    """The frame's own seed (``synthrm.seeds.frame_seed``)."""
    scene_index: int
    scene_id: str = ""
    scene_dir: Path | None = None
    camera: PinholeCamera | None = None
    gbuf: GBuffers | None = None
    rgb: np.ndarray | None = None
    rgb_linear: np.ndarray | None = None
    variation: Variation | None = None
    community: int | None = None
    """Perception community of the view (frames from an orchestration plan)."""
    vas: VASMesh | None = None
    radio: FrameRadio | None = None
    timings: dict = field(default_factory=dict)

    @property
    def sample_id(self) -> str:
        return f"{self.index:06d}"


class SceneStage:
    """Make (or reuse) the city of the frame's scene index; load its renderer."""

    def __init__(self, cfg: GenerateConfig, root: Path):
        self.cfg, self.root = cfg, Path(root)
        self._cache: dict[int, tuple[Layout, Renderer]] = {}

    def scene_id(self, scene_index: int) -> str:
        return scene_id(self.cfg.preset, scene_index)

    def __call__(self, fr: Frame) -> Frame:
        fr.scene_id = self.scene_id(fr.scene_index)
        fr.scene_dir = self.root / SCENES_DIR / fr.scene_id
        if fr.scene_index not in self._cache:
            build_city_scene(self.cfg.city, scene_seed(self.cfg.seed, fr.scene_index), fr.scene_dir, fr.scene_id)
            self._cache.clear()  # one renderer at a time: frames of a scene are consecutive
            self._cache[fr.scene_index] = (Layout.load(fr.scene_dir), Renderer(fr.scene_dir, self.cfg.render.daylight()))
        return fr

    def get(self, scene_index: int) -> tuple[Layout, Renderer]:
        return self._cache[scene_index]

    def layout(self, scene_index: int) -> Layout:
        """The scene's layout, from the cache or reloaded from disk: a shard's radio stage
        runs after its optical stages, which may have moved on to the next scene."""
        if scene_index in self._cache:
            return self._cache[scene_index][0]
        return Layout.load(self.root / SCENES_DIR / self.scene_id(scene_index))


class PoseStage:
    """Sample a pose that is outside buildings and sees enough surface (or take the plan's
    view); keep its G-buffers."""

    def __init__(self, cfg: GenerateConfig, scenes: SceneStage, plan_views: list | None = None):
        self.cfg, self.scenes = cfg, scenes
        self.plan_views = plan_views

    def __call__(self, fr: Frame) -> Frame:
        cam = self.cfg.camera
        layout, renderer = self.scenes.get(fr.scene_index)
        if self.plan_views is not None:
            c2w, fr.community = self.plan_views[fr.index]
            fr.camera = cam.camera(np.asarray(c2w, np.float64))
            fr.gbuf = renderer.gbuffers(fr.camera)
            if not fr.gbuf.hit.any():
                raise PoseError(f"frame {fr.sample_id}: plan view {fr.index} sees nothing; "
                                "re-run `synthrm orchestrate` for this config")
            return fr
        try:
            if cam.view == "drive":  # frame k of the scene is step k of its drive
                first = fr.scene_index * self.cfg.frames_per_scene
                steps = min(self.cfg.frames_per_scene, self.cfg.frames - first)
                fr.camera, fr.gbuf = drive_frame_pose(renderer, layout, cam, drive_seed(self.cfg.seed, fr.scene_index),
                                                      fr.index - first, steps)
            else:
                fr.camera, fr.gbuf = sample_frame_pose(renderer, layout, cam, fr.seed)
        except PoseError as e:
            raise PoseError(f"frame {fr.sample_id} in scene {fr.scene_id}: {e}") from None
        return fr


class RGBStage:
    """Draw the frame's environmental variation and path-trace the colour image under it
    (8-bit sRGB; optionally the linear radiance)."""

    def __init__(self, cfg: GenerateConfig, scenes: SceneStage):
        self.cfg, self.scenes = cfg, scenes

    def __call__(self, fr: Frame) -> Frame:
        _, renderer = self.scenes.get(fr.scene_index)
        fr.rgb, lin, fr.variation = render_frame(renderer, fr.camera, fr.gbuf, self.cfg.render, self.cfg.variations,
                                                 self.cfg.camera.view, fr.seed)
        if self.cfg.render.hdr:
            fr.rgb_linear = lin.astype(np.float16)
        return fr


class VASStage:
    """Lift the depth map into the visible-surface mesh."""

    def __init__(self, cfg: GenerateConfig):
        self.cfg = cfg

    def __call__(self, fr: Frame) -> Frame:
        fr.vas = build_vas(fr.gbuf.depth, fr.camera, fr.gbuf.normal, self.cfg.vas)
        if fr.vas.num_faces == 0:
            raise PoseError(f"frame {fr.sample_id}: the visible surface is empty "
                            "(no pixel quad on one surface); check camera.min_coverage")
        return fr


class RadioStage:
    """Place the frame's transmitters and ray-trace them onto its VAS (Sionna RT).

    Runs in the radio (mono-polarized) variant: the pipeline renders a shard's frames
    first and ray-traces them afterwards, so the variant switches once per shard.
    """

    def __init__(self, cfg: GenerateConfig, scenes: SceneStage, log=None):
        self.cfg, self.scenes = cfg, scenes
        self.log = log or (lambda m: print(m, file=sys.stderr))
        self._solver: tuple[int, VASRadioSolver] | None = None

    def solver(self, fr: Frame) -> VASRadioSolver:
        if self._solver is None or self._solver[0] != fr.scene_index:
            self._solver = (fr.scene_index, VASRadioSolver(fr.scene_dir / SCENE_XML, self.cfg.radio))
        return self._solver[1]

    def __call__(self, fr: Frame) -> Frame:
        layout = self.scenes.layout(fr.scene_index)
        fr.radio = compute_frame_radio(
            self.solver(fr), layout, fr.vas, fr.gbuf.position[fr.gbuf.hit], fr.camera,
            self.cfg.radio, stream(fr.seed, Stream.RADIO), log=lambda m: self.log(f"frame {fr.sample_id}: {m}"))
        return fr


def sample_arrays(fr: Frame, log_depth: bool = False) -> dict[str, np.ndarray]:
    """The arrays of a frame's sample (``docs/dataset.md``)."""
    g = fr.gbuf
    out = {
        "rgb": fr.rgb, "depth": g.depth, "normal": g.normal, "semantic": g.semantic,
        "material": g.material, "roughness": g.roughness, "albedo": g.albedo,
        "K": fr.camera.K.astype(np.float64), "cam_to_world": fr.camera.cam_to_world.astype(np.float64),
    }
    if fr.rgb_linear is not None:
        out["rgb_linear"] = fr.rgb_linear
    if log_depth:
        out["depth_log"] = np.log1p(g.depth).astype(np.float32)
    if fr.radio is not None:
        out.update(fr.radio.arrays(fr.vas))
    return out


def sample_attrs(fr: Frame, cfg: GenerateConfig) -> dict:
    """The attributes of a frame's sample (``docs/dataset.md``)."""
    from synthrm import __version__

    attrs = {
        "scene": f"{SCENES_DIR}/{fr.scene_id}/{SCENE_XML}", "scene_id": fr.scene_id,
        "district": cfg.city.district, "view": cfg.camera.view, "frame": fr.index,
        "seed": fr.seed, "master_seed": cfg.seed, "synthrm_version": __version__,
        "config": cfg.to_json(), "vas_num_faces": fr.vas.num_faces,
    }
    if fr.variation is not None:
        attrs["variation"] = fr.variation.to_json()
    if fr.community is not None:
        attrs["community"] = int(fr.community)
    if fr.radio is not None:
        attrs.update(fr.radio.attrs())
    return attrs
