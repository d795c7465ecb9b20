"""``synthrm generate``: scene -> camera pose -> render -> VAS -> radio -> HDF5 shard.

Stages are callables that fill one :class:`Frame` buffer. Frames are grouped into shards
of ``shard_size``; a shard is the unit of atomic writing and of resume. Every random
draw comes from a generator seeded by (master seed, frame index) or (master seed, scene
index), so a frame does not depend on which frames were generated before it.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synthrm._mitsuba import rgb_scope
from synthrm.camera.pinhole import intrinsics
from synthrm.camera.poses import drive_pose, sample_pose
from synthrm.config import GenerateConfig
from synthrm.dataset.hdf5 import (
    INDEX_JSON,
    SCHEMA_VERSION,
    SHARD_DIR,
    ShardWriter,
    read_index,
    sha256,
    shard_path,
    write_index,
)
from synthrm.errors import ConfigError, DatasetError, PoseError
from synthrm.radio.frame import FrameRadio, FrameSkipped, compute_frame_radio
from synthrm.radio.radio_map_solver import VASRadioSolver, check_frequency
from synthrm.render.renderer import GBuffers, Renderer
from synthrm.render.variations import Variation, render_variation, sample_variation
from synthrm.scene.appearance import city_scene
from synthrm.scene.city import generate_city
from synthrm.scene.classes import SEMANTIC_IDS
from synthrm.scene.layout import Layout
from synthrm.scene.writer import SCENE_JSON, SCENE_XML, write_scene
from synthrm.vas.mesh import VASMesh, build_vas

SCENES_DIR = "scenes"


def derive_seed(*keys: int) -> int:
    """A 63-bit seed derived deterministically from integer keys."""
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(2, np.uint64)[0] >> np.uint64(1))


@dataclass
class Frame:
    """The buffer one frame passes through the stages."""

    index: int
    seed: int
    scene_index: int
    scene_id: str = ""
    scene_dir: Path | None = None
    K: np.ndarray | None = None
    cam_to_world: np.ndarray | None = None
    gbuf: GBuffers | None = None
    rgb: np.ndarray | None = None
    rgb_linear: np.ndarray | None = None
    variation: Variation | None = None
    community: int | None = None
    """Perception community of the view (frames from an orchestration plan)."""
    vas: VASMesh | None = None
    radio: "FrameRadio | None" = None
    timings: dict = field(default_factory=dict)

    @property
    def sample_id(self) -> str:
        return f"{self.index:06d}"


class SceneStage:
    """Make (or reuse) the city of the frame's scene index; load its renderer."""

    def __init__(self, cfg: GenerateConfig, root: Path):
        self.cfg, self.root = cfg, root
        self._cache: dict[int, tuple[Layout, Renderer]] = {}

    def scene_id(self, scene_index: int) -> str:
        return f"{self.cfg.preset}-{scene_index:04d}"

    def __call__(self, fr: Frame) -> Frame:
        fr.scene_id = self.scene_id(fr.scene_index)
        fr.scene_dir = self.root / SCENES_DIR / fr.scene_id
        if fr.scene_index not in self._cache:
            if not (fr.scene_dir / SCENE_JSON).is_file():  # missing or half-written
                if fr.scene_dir.exists():
                    shutil.rmtree(fr.scene_dir)
                seed = derive_seed(self.cfg.seed, fr.scene_index, 1)
                city = generate_city(self.cfg.city, seed)
                # a name of this process's own: parallel units may build the same scene
                tmp = fr.scene_dir.with_name(f"{fr.scene_dir.name}.{os.getpid()}.tmp")
                if tmp.exists():
                    shutil.rmtree(tmp)
                c = self.cfg.city
                parts = city_scene(city, textures=c.textures, glass_windows=c.glass_windows,
                                   street_objects_mode=c.street_objects, facade_styles=c.facade_styles,
                                   tree_spacing_m=c.tree_spacing_m, lamp_spacing_m=c.lamp_spacing_m)
                write_scene(tmp, parts.surfaces, radio_materials=c.radio_materials,
                            footprints={**city.footprints_json(), "obstacles": parts.obstacles},
                            shape_info=parts.shape_info,
                            textures=parts.textures,
                            meta={"scene_id": fr.scene_id, "seed": seed, "kind": "city",
                                  "district": city.district, "config": c.__dict__,
                                  "street_lights": parts.street_lights})
                try:
                    tmp.rename(fr.scene_dir)
                except OSError:  # another unit finished the same (deterministic) scene first
                    if not (fr.scene_dir / SCENE_JSON).is_file():
                        raise
                    shutil.rmtree(tmp)
            self._cache.clear()  # one renderer at a time: frames of a scene are consecutive
            r = self.cfg.render
            self._cache[fr.scene_index] = (
                Layout.load(fr.scene_dir),
                Renderer(fr.scene_dir, r.sun_elevation_deg, r.sun_azimuth_deg))
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

    def check(self, renderer: Renderer, K: np.ndarray, c2w: np.ndarray) -> tuple[str | None, GBuffers]:
        """(None, G-buffers) for an acceptable pose, else (the reason, G-buffers)."""
        cam = self.cfg.camera
        w, h = cam.resolution
        g = renderer.gbuffers(K, c2w, w, h)
        if g.backfacing.mean() > 0.01:
            return "inside a wall (sees the back of surfaces)", g
        if g.hit.mean() < cam.min_coverage:
            return f"sees almost nothing (< {cam.min_coverage:.0%} of pixels hit a surface)", g
        if (g.hit & (g.semantic != SEMANTIC_IDS["ground"])).mean() < cam.min_built_fraction:
            return f"sees only open ground (< {cam.min_built_fraction:.0%} of pixels on streets or buildings)", g
        if np.nanmin(g.depth) < cam.min_clearance_m:
            return f"closer than {cam.min_clearance_m} m to a surface", g
        return None, g

    def __call__(self, fr: Frame) -> Frame:
        cam = self.cfg.camera
        w, h = cam.resolution
        layout, renderer = self.scenes.get(fr.scene_index)
        fr.K = intrinsics(w, h, cam.fov_x_deg)
        if self.plan_views is not None:
            c2w, fr.community = self.plan_views[fr.index]
            fr.cam_to_world = np.asarray(c2w, np.float64)
            fr.gbuf = renderer.gbuffers(fr.K, fr.cam_to_world, w, h)
            if not fr.gbuf.hit.any():
                raise PoseError(f"frame {fr.sample_id}: plan view {fr.index} sees nothing; "
                                "re-run `synthrm orchestrate` for this config")
            return fr
        if cam.view == "drive":
            return self._drive(fr, layout, renderer)
        rng = np.random.default_rng(derive_seed(fr.seed, 2))
        kept = {}

        def check(c2w):
            why, g = self.check(renderer, fr.K, c2w)
            kept["g"] = g
            return why

        try:
            fr.cam_to_world = sample_pose(layout, cam, rng, check)
        except PoseError as e:
            raise PoseError(f"frame {fr.sample_id} in scene {fr.scene_id}: {e}") from None
        fr.gbuf = kept["g"]
        return fr

    def _drive(self, fr: Frame, layout: Layout, renderer: Renderer) -> Frame:
        """The frame's view of its scene's drive: frame k of the scene is step k of
        ``min(frames_per_scene, frames left)`` steps; street and direction come from the
        scene's own seed, so every frame of the scene drives the same street."""
        cfg = self.cfg
        first = fr.scene_index * cfg.frames_per_scene
        steps = min(cfg.frames_per_scene, cfg.frames - first)
        rng = np.random.default_rng(derive_seed(cfg.seed, fr.scene_index, 8))
        fr.cam_to_world = drive_pose(layout, cfg.camera, rng, fr.index - first, steps)
        why, fr.gbuf = self.check(renderer, fr.K, fr.cam_to_world)
        if why:
            raise PoseError(f"frame {fr.sample_id} in scene {fr.scene_id}: drive view {fr.index - first} of {steps} "
                            f"is rejected: {why}; change camera.drive_* or lower camera.min_coverage / "
                            "camera.min_built_fraction")
        return fr


class RGBStage:
    """Draw the frame's environmental variation and path-trace the colour image under it
    (8-bit sRGB; optionally the linear radiance)."""

    def __init__(self, cfg: GenerateConfig, scenes: SceneStage):
        self.cfg, self.scenes = cfg, scenes

    def __call__(self, fr: Frame) -> Frame:
        r = self.cfg.render
        w, h = self.cfg.camera.resolution
        _, renderer = self.scenes.get(fr.scene_index)
        fr.variation = sample_variation(self.cfg.variations, r, fr.cam_to_world, self.cfg.camera.view,
                                        np.random.default_rng(derive_seed(fr.seed, 5)))
        rng_m = None
        if fr.variation.fog_visibility_m is not None:  # only fog needs the range
            rng_m = np.linalg.norm(fr.gbuf.position - fr.cam_to_world[:3, 3].astype(np.float32), axis=-1)
            rng_m = np.where(fr.gbuf.hit, rng_m, renderer.far_ground_range(fr.K, fr.cam_to_world, w, h))
        fr.rgb, lin = render_variation(renderer, fr.K, fr.cam_to_world, w, h, r, fr.variation, rng_m,
                                       seed=derive_seed(fr.seed, 3) & 0x7FFFFFFF,
                                       noise_seed=derive_seed(fr.seed, 6))
        if r.hdr:
            fr.rgb_linear = lin.astype(np.float16)
        return fr


class VASStage:
    """Lift the depth map into the visible-surface mesh."""

    def __init__(self, cfg: GenerateConfig):
        self.cfg = cfg

    def __call__(self, fr: Frame) -> Frame:
        fr.vas = build_vas(fr.gbuf.depth, fr.K, fr.cam_to_world, fr.gbuf.normal, self.cfg.vas)
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
            self.solver(fr), layout, fr.vas, fr.gbuf.position[fr.gbuf.hit], fr.cam_to_world,
            self.cfg.radio, derive_seed(fr.seed, 4), log=lambda m: self.log(f"frame {fr.sample_id}: {m}"))
        return fr


def sample_arrays(fr: Frame, log_depth: bool = False) -> dict[str, np.ndarray]:
    g = fr.gbuf
    out = {
        "rgb": fr.rgb, "depth": g.depth, "normal": g.normal, "semantic": g.semantic,
        "material": g.material, "roughness": g.roughness, "albedo": g.albedo,
        "K": fr.K.astype(np.float64), "cam_to_world": fr.cam_to_world.astype(np.float64),
    }
    if fr.rgb_linear is not None:
        out["rgb_linear"] = fr.rgb_linear
    if log_depth:
        out["depth_log"] = np.log1p(g.depth).astype(np.float32)
    if fr.radio is not None:
        out.update(fr.radio.arrays(fr.vas))
    return out


def _config_json(cfg: GenerateConfig) -> dict:
    return json.loads(json.dumps(cfg.to_dict()))


def _check_resume(root: Path, cfg: GenerateConfig) -> dict | None:
    if not (root / INDEX_JSON).exists():
        return None
    idx = read_index(root)
    old, new = idx.get("config"), _config_json(cfg)
    if old != new:
        diffs = _diff(old or {}, new)
        raise DatasetError(f"{root} holds a dataset made with a different config ({'; '.join(diffs[:3])}); "
                           "use a new --out folder or the same settings to resume")
    return idx


def _diff(a: dict, b: dict, prefix="") -> list[str]:
    out = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if isinstance(x, dict) and isinstance(y, dict):
            out += _diff(x, y, f"{prefix}{k}.")
        elif x != y:
            out.append(f"{prefix}{k}: {x!r} there, {y!r} now")
    return out


class UnitRunner:
    """Runs work units (shards) of one generation in this process, keeping the stages (and
    their scene, renderer and solver caches) between units. A unit renders its frames,
    ray-traces them and writes its shard atomically; the caller owns ``index.json``."""

    def __init__(self, cfg: GenerateConfig, root: str | Path, log=None, plan_views: list | None = None):
        self.cfg, self.root = cfg, Path(root)
        self.log = log or (lambda m: print(m, file=sys.stderr))
        if plan_views is None and cfg.plan:
            plan_views = load_plan_views(cfg)
        scenes = SceneStage(cfg, self.root)
        self.optical = [("scene", scenes), ("pose+gbuffers", PoseStage(cfg, scenes, plan_views)),
                        ("rgb", RGBStage(cfg, scenes)), ("vas", VASStage(cfg))]
        self.radio = [("radio", RadioStage(cfg, scenes, self.log))] if cfg.radio.enabled else []
        self.file_attrs = {"config": _config_json(cfg), "seed": cfg.seed, "preset": cfg.preset}

    def __call__(self, k: int, on_frame=None) -> dict:
        """Generate shard ``k``. Returns {"entry": index entry, "timings": {stage: [s, ...]},
        "frames": frames done}; ``on_frame()`` is called once per frame done."""
        timings: dict[str, list[float]] = defaultdict(list)
        entry = _run_shard(self.cfg, self.root, k, self.optical, self.radio, timings,
                           on_frame or (lambda: None), self.file_attrs, self.log)
        n = min(self.cfg.shard_size, self.cfg.frames - k * self.cfg.shard_size)
        return {"entry": entry, "timings": dict(timings), "frames": n}


def run_unit(cfg_dict: dict, root: str, k: int, threads: int = 0) -> dict:
    """One work unit in a fresh process (a Ray task): rebuild the config, run shard ``k``.
    ``threads`` > 0 caps Dr.Jit's CPU threads (the task's declared CPUs)."""
    from synthrm.config import make_config

    if threads > 0:
        from synthrm._mitsuba import dr

        dr.set_thread_count(int(threads))
    cfg = make_config(cfg_dict["preset"], cfg_dict)
    _fault_injection(k)
    return UnitRunner(cfg, root)(k)


def _fault_injection(k: int) -> None:
    """Test hook for the executor's retries: with ``SYNTHRM_FAULT_KILL_ONCE=DIR:K`` the
    first attempt of shard K kills its worker process (leaving DIR/shard-K behind)."""
    spec = os.environ.get("SYNTHRM_FAULT_KILL_ONCE")
    if not spec:
        return
    d, shard = spec.rsplit(":", 1)
    mark = Path(d) / f"shard-{int(shard)}"
    if int(shard) == k and not mark.exists():
        mark.touch()
        os._exit(1)


def _verified_shards(root: Path, idx: dict, log) -> list[dict]:
    """The index's shards whose file exists with the recorded SHA-256; a shard that fails
    (truncated, altered) is deleted so that it is generated again."""
    ok = []
    for s in idx["shards"]:
        p = root / s["file"]
        if not p.is_file():
            log(f"shard {s['file']} is missing; it will be generated again")
            continue
        if s.get("sha256") and sha256(p) != s["sha256"]:
            log(f"shard {s['file']} does not match its checksum (truncated or altered); generating it again")
            p.unlink()
            continue
        ok.append(s)
    return ok


def generate(cfg: GenerateConfig, out: str | Path, progress: bool = True, log=None,
             executor: str = "local", ray_address: str | None = None, ray_local_workers: int = 0,
             cpus_per_task: float = 1.0, gpus_per_task: float = 0.0, max_retries: int = 3) -> dict:
    """Generate (or resume) a dataset in ``out``. Returns per-stage timings [s].

    The work units are the shards (``shard_size`` frames each, seeded by frame index, so a
    unit does not depend on the others). ``executor``: ``local`` (this process) or
    ``ray`` (one Ray task per shard on the cluster at ``ray_address``, ``auto``, or a
    local Ray with ``ray_local_workers`` CPUs; a task whose worker dies is retried up to
    ``max_retries`` times). Either way a shard appears only when complete and the index
    lists only verified shards; a rerun keeps them and regenerates the rest (and any
    shard whose checksum no longer matches).
    """
    from synthrm import __version__

    log = log or (lambda m: print(m, file=sys.stderr))
    if executor not in ("local", "ray"):
        raise ConfigError(f"executor: must be local or ray, got {executor!r}")
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    idx = _check_resume(root, cfg)
    for tmp in list((root / SHARD_DIR).glob("*.tmp")) if (root / SHARD_DIR).exists() else []:
        tmp.unlink()  # leftovers of an interrupted run
    for tmp in list((root / SCENES_DIR).glob("*.tmp")) if (root / SCENES_DIR).exists() else []:
        shutil.rmtree(tmp, ignore_errors=True)
    if idx is None:
        idx = {"synthrm_version": __version__, "schema_version": SCHEMA_VERSION,
               "config": _config_json(cfg), "seed": cfg.seed, "shards": []}
        write_index(root, idx)
    idx["shards"] = _verified_shards(root, idx, log)
    done = {s["file"] for s in idx["shards"]}
    plan_views = load_plan_views(cfg) if cfg.plan else None  # fails early on a plan for another city
    if cfg.radio.enabled:
        check_frequency(cfg.radio.frequency_hz, _materials_in_use(cfg))
    n_shards = -(-cfg.frames // cfg.shard_size)
    todo = [k for k in range(n_shards)
            if str(shard_path(root, k).relative_to(root)) not in done]
    skipped = cfg.frames - sum(min(cfg.shard_size, cfg.frames - k * cfg.shard_size) for k in todo)
    if skipped:
        log(f"resuming: {skipped} complete samples kept, {cfg.frames - skipped} to generate")
    timings: dict[str, list[float]] = defaultdict(list)
    bar = _progress(cfg.frames - skipped, progress)

    def finished(res: dict) -> None:
        idx["shards"].append(res["entry"])
        idx["shards"].sort(key=lambda s: s["file"])
        write_index(root, idx)
        for k, v in res["timings"].items():
            timings[k] += v

    if executor == "local" or not todo:
        runner = UnitRunner(cfg, root, log, plan_views)
        for k in todo:
            finished(runner(k, on_frame=lambda: bar.update(1)))
    else:
        from synthrm.executor import run_ray

        run_ray(cfg, root, todo, finished=lambda res: (finished(res), bar.update(res["frames"])),
                address=ray_address, local_workers=ray_local_workers, cpus_per_task=cpus_per_task,
                gpus_per_task=gpus_per_task, max_retries=max_retries, log=log)
    bar.close()
    return {"frames": cfg.frames - skipped, "skipped": skipped,
            "dropped": sum(len(s.get("dropped", [])) for s in idx["shards"]),
            "stage_total_s": {k: float(np.sum(v)) for k, v in timings.items()},
            "stage_median_s": {k: float(np.median(v)) for k, v in timings.items()}}


def load_plan_views(cfg: GenerateConfig) -> list:
    """The (cam_to_world (4, 4), community) of each frame from ``cfg.plan``; checks that the
    plan was made for this city (preset, seed, city settings, camera view) and that
    ``cfg.frames`` and ``frames_per_scene`` cover its views."""
    from synthrm.orchestrate import plan_poses, read_plan

    plan = read_plan(cfg.plan)
    pc = plan["config"]
    mine = _config_json(cfg)
    diffs = []
    # the poses are world-space: resolution and field of view may differ, the city may not
    for key in ("seed", "preset"):
        if pc.get(key) != mine.get(key):
            diffs.append(f"{key}: {pc.get(key)!r} in the plan, {mine.get(key)!r} now")
    diffs += _diff(pc.get("city", {}), mine["city"], "city.")
    if pc.get("camera", {}).get("view") != cfg.camera.view:
        diffs.append(f"camera.view: {pc.get('camera', {}).get('view')!r} in the plan, {cfg.camera.view!r} now")
    if diffs:
        raise ConfigError(f"{cfg.plan}: the plan was made for another scene or camera ({'; '.join(diffs[:3])}); "
                          "generate with the plan's settings or re-run `synthrm orchestrate`")
    views = plan_poses(plan)
    if cfg.frames != len(views) or cfg.frames_per_scene < len(views):
        raise ConfigError(f"{cfg.plan}: the plan selects {len(views)} views, all in one city; set frames to "
                          f"{len(views)} and frames_per_scene >= {len(views)} (the CLI does this with --plan)")
    return views


def _materials_in_use(cfg: GenerateConfig) -> dict[str, list[str]]:
    from synthrm.scene.classes import CITY_CLASSES, check_radio_materials

    out: dict[str, list[str]] = {}
    for cls, mat in check_radio_materials(cfg.city.radio_materials).items():
        if cls in CITY_CLASSES:
            out.setdefault(mat, []).append(cls)
    return out


def _timed(timings, name, fn, fr):
    t0 = time.perf_counter()
    fn(fr)
    timings[name].append(time.perf_counter() - t0)


def _run_shard(cfg, root, k, optical, radio, timings, on_frame, file_attrs, log) -> dict:
    """Render shard ``k``'s frames (one optical variant scope), ray-trace them (radio
    variant), then write the shard atomically. Returns its index entry."""
    from synthrm import __version__

    frames = []
    with rgb_scope():  # Mitsuba reloads modules on each variant switch (~0.15 s)
        for i in range(k * cfg.shard_size, min((k + 1) * cfg.shard_size, cfg.frames)):
            fr = Frame(index=i, seed=derive_seed(cfg.seed, i, 0), scene_index=i // cfg.frames_per_scene)
            for name, stage in optical:
                _timed(timings, name, stage, fr)
            frames.append(fr)
    kept, dropped = [], []
    for fr in frames:
        try:
            for name, stage in radio:
                _timed(timings, name, stage, fr)
            kept.append(fr)
        except FrameSkipped as e:
            log(f"warning: frame {fr.sample_id} skipped: {e}")
            dropped.append({"frame": fr.index, "reason": str(e)})
            on_frame()
    path = shard_path(root, k)
    with ShardWriter(path, file_attrs) as w:
        for fr in kept:
            t0 = time.perf_counter()
            attrs = {
                "scene": f"{SCENES_DIR}/{fr.scene_id}/{SCENE_XML}", "scene_id": fr.scene_id,
                "district": cfg.city.district, "view": cfg.camera.view, "frame": fr.index,
                "seed": fr.seed, "master_seed": cfg.seed, "synthrm_version": __version__,
                "config": _config_json(cfg), "vas_num_faces": fr.vas.num_faces,
            }
            if fr.variation is not None:
                attrs["variation"] = fr.variation.to_json()
            if fr.community is not None:
                attrs["community"] = int(fr.community)
            if fr.radio is not None:
                attrs.update(fr.radio.attrs())
            w.write(fr.sample_id, sample_arrays(fr, cfg.render.log_depth), attrs)
            timings["write"].append(time.perf_counter() - t0)
            on_frame()
    entry = {"file": str(path.relative_to(root)), "samples": w.sample_ids, "sha256": sha256(path)}
    if dropped:
        entry["dropped"] = dropped
    return entry


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="frame", desc="generate", disable=not enabled or total == 0,
                file=sys.stderr, dynamic_ncols=True)
