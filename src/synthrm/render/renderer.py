"""Mitsuba renderer for a scene folder.

``Renderer(scene_dir)`` loads the PLY meshes with visual BSDFs in the RGB variant and
renders, for a pinhole camera (K, cam_to_world in OpenCV axes):

* :meth:`Renderer.gbuffers`: exact per-pixel-centre geometry (one unjittered sample per
  pixel, box filter): z-depth [m], world position, world geometric normal, semantic id,
  material id, roughness and diffuse albedo;
* :meth:`Renderer.rgb`: a path-traced image lit by a sun and sky.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthrm._mitsuba import dr, mi, rgb_scope
from synthrm.camera.pinhole import to_mitsuba_to_world, world_to_camera
from synthrm.errors import ConfigError
from synthrm.scene.classes import SEMANTIC_CLASSES, VISUAL_MATERIALS
from synthrm.scene.writer import read_scene_info

NEAR_CLIP_M = 0.01
FAR_CLIP_M = 1e5


@dataclass
class GBuffers:
    """Geometry buffers of one view. H, W: image height and width [px]."""

    depth: np.ndarray
    """(H, W) float32 z-depth along the optical axis [m]; NaN where nothing is hit."""
    position: np.ndarray
    """(H, W, 3) float32 world position of the surface point [m]; NaN where nothing is hit."""
    normal: np.ndarray
    """(H, W, 3) float32 world-frame unit geometric normal, facing the camera; 0 on sky."""
    semantic: np.ndarray
    """(H, W) uint8 semantic class id (0 = sky)."""
    material: np.ndarray
    """(H, W) uint8 radio material id (0 = none)."""
    roughness: np.ndarray
    """(H, W) float32 surface roughness from the material table; NaN on sky."""
    albedo: np.ndarray
    """(H, W, 3) float32 linear diffuse albedo from the material table; NaN on sky."""

    backfacing: np.ndarray
    """(H, W) bool: the pixel sees the back of a surface (the camera is inside a solid)."""

    @property
    def hit(self) -> np.ndarray:
        """(H, W) bool: the pixel sees a surface."""
        return self.semantic > 0


def linear_to_srgb8(rgb: np.ndarray, exposure: float = 1.0) -> np.ndarray:
    """Linear RGB (H, W, 3) float -> (H, W, 3) uint8 sRGB (clipped)."""
    x = np.clip(np.nan_to_num(rgb * exposure, nan=0.0), 0.0, 1.0)
    s = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return np.round(s * 255.0).astype(np.uint8)


def _sensor_dict(K: np.ndarray, cam_to_world: np.ndarray, width: int, height: int,
                 sampler: dict) -> dict:
    if not (abs(K[0, 2] - width / 2) < 1e-6 and abs(K[1, 2] - height / 2) < 1e-6
            and abs(K[0, 0] - K[1, 1]) < 1e-6 * K[0, 0]):
        raise ConfigError("renderer: K must have square pixels and the principal point at "
                          f"the image centre ({width / 2}, {height / 2}); got {K.tolist()}")
    fov_x = math.degrees(2 * math.atan((width / 2) / K[0, 0]))
    return {
        "type": "perspective", "fov": fov_x, "fov_axis": "x",
        "near_clip": NEAR_CLIP_M, "far_clip": FAR_CLIP_M,
        "to_world": mi.ScalarTransform4f(to_mitsuba_to_world(cam_to_world).tolist()),
        "film": {"type": "hdrfilm", "width": int(width), "height": int(height),
                 "rfilter": {"type": "box"}, "pixel_format": "rgb"},
        "sampler": sampler,
    }


def sun_direction(elevation_deg: float, azimuth_deg: float) -> list[float]:
    """Unit vector towards the sun in the world frame (z up)."""
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    return [math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)]


class Renderer:
    """Optical renderer of one scene folder (see module docstring)."""

    def __init__(self, scene_dir: str | Path, sun_elevation_deg: float = 50.0,
                 sun_azimuth_deg: float = 135.0):
        self.scene_dir = Path(scene_dir)
        self.info = read_scene_info(self.scene_dir)
        self._shapes = self.info["shapes"]
        with rgb_scope():
            d = {"type": "scene"}
            for s in self._shapes:
                vm = VISUAL_MATERIALS[s["semantic"]]
                path = self.scene_dir / s["file"]
                if not path.is_file():
                    from synthrm.errors import DatasetError
                    raise DatasetError(f"{path}: mesh file missing from scene folder {self.scene_dir}")
                d[s["id"]] = {
                    "type": "ply", "filename": str(path), "face_normals": True,
                    "bsdf": {"type": "principled",
                             "base_color": {"type": "rgb", "value": list(vm.albedo)},
                             "roughness": vm.roughness},
                }
            # Sun + sky (Mitsuba's sunsky takes the sun direction in the world frame, z up)
            d["sky"] = {"type": "sunsky",
                        "sun_direction": sun_direction(sun_elevation_deg, sun_azimuth_deg)}
            # Indoor scenes list ceiling lights in scene.json: [[x, y, z, intensity [W/sr]], ...]
            for k, (x, y, z, power) in enumerate(self.info.get("lights", [])):
                d[f"light{k}"] = {"type": "point", "position": [x, y, z],
                                  "intensity": {"type": "rgb", "value": [power] * 3}}
            self.scene = mi.load_dict(d, optimize=False)
            ids = dr.reinterpret_array(mi.UInt32, self.scene.shapes_dr()).numpy()
            # registry id -> row in the lookup tables below (0 = sky)
            by_name = {s["id"]: i + 1 for i, s in enumerate(self._shapes)}
            self._reg = np.zeros(int(ids.max()) + 2, np.int64)
            for rid, shape in zip(ids, self.scene.shapes()):
                self._reg[rid] = by_name[shape.id()]
        n = len(self._shapes) + 1
        self._sem = np.zeros(n, np.uint8)
        self._mat = np.zeros(n, np.uint8)
        self._rough = np.full(n, np.nan, np.float32)
        self._alb = np.full((n, 3), np.nan, np.float32)
        for i, s in enumerate(self._shapes, start=1):
            self._sem[i] = s["semantic_id"]
            self._mat[i] = s["material_id"]
            vm = VISUAL_MATERIALS[SEMANTIC_CLASSES[s["semantic_id"]]]
            self._rough[i] = vm.roughness
            self._alb[i] = vm.albedo
        self._aov = None
        self._path: dict[int, object] = {}

    # ------------------------------------------------------------------ geometry
    def gbuffers(self, K: np.ndarray, cam_to_world: np.ndarray, width: int, height: int) -> GBuffers:
        """Exact geometry buffers at pixel centres (see :class:`GBuffers`)."""
        with rgb_scope():
            if self._aov is None:
                self._aov = mi.load_dict({"type": "aov",
                                          "aovs": "dd.y:depth,pp:position,ng:geo_normal,si:shape_index"})
            sensor = mi.load_dict(_sensor_dict(K, cam_to_world, width, height,
                                               {"type": "stratified", "sample_count": 1, "jitter": False}))
            img = np.array(mi.render(self.scene, sensor=sensor, integrator=self._aov, spp=1))
        dist, pos, nrm = img[..., 0], img[..., 1:4], img[..., 4:7]
        reg = np.rint(img[..., 7]).astype(np.int64)
        hit = dist > 0
        row = np.where(hit, self._reg[np.clip(reg, 0, len(self._reg) - 1)], 0)
        hit &= row > 0
        pos = np.where(hit[..., None], pos, np.nan).astype(np.float32)
        # z-depth from the exact world position (the depth AOV is measured from the near
        # clip plane, not from the camera centre)
        w2c = world_to_camera(cam_to_world)
        z = (pos.astype(np.float64) @ w2c[2, :3] + w2c[2, 3]).astype(np.float32)
        # orient normals towards the camera
        view = pos.astype(np.float64) - cam_to_world[:3, 3]
        flip = np.sum(view * nrm, axis=-1) > 0  # geometric normals point out of solids
        nrm = np.where(flip[..., None], -nrm, nrm)
        nrm = np.where(hit[..., None], nrm, 0.0).astype(np.float32)
        return GBuffers(depth=np.where(hit, z, np.nan).astype(np.float32), position=pos,
                        normal=nrm, semantic=self._sem[row], material=self._mat[row],
                        roughness=self._rough[row], albedo=self._alb[row], backfacing=flip & hit)

    # ------------------------------------------------------------------ colour
    def rgb(self, K: np.ndarray, cam_to_world: np.ndarray, width: int, height: int,
            spp: int = 16, max_depth: int = 4, seed: int = 0) -> np.ndarray:
        """Path-traced linear RGB (H, W, 3) float32 (radiance, sun + sky)."""
        with rgb_scope():
            integ = self._path.get(int(max_depth))
            if integ is None:
                integ = self._path[int(max_depth)] = mi.load_dict({"type": "path", "max_depth": int(max_depth)})
            sensor = mi.load_dict(_sensor_dict(K, cam_to_world, width, height,
                                               {"type": "independent", "sample_count": int(spp)}))
            img = mi.render(self.scene, sensor=sensor, integrator=integ, spp=int(spp),
                            seed=int(seed) & 0xFFFFFFFF)
            return np.array(img, dtype=np.float32)[..., :3]

