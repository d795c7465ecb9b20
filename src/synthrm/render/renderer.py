"""Mitsuba renderer for a scene folder.

``Renderer(scene_dir)`` loads the PLY meshes with visual BSDFs in the RGB variant and
renders, for a :class:`~synthrm.camera.pinhole.PinholeCamera` (OpenCV axes):

* :meth:`Renderer.gbuffers`: exact per-pixel-centre geometry (one unjittered sample per
  pixel, box filter): z-depth [m], world position, world geometric normal, semantic id,
  material id, roughness and diffuse albedo;
* :meth:`Renderer.rgb`: a path-traced image lit by a sun and sky, or by any
  :class:`Lighting` (time of day, night sky, street lights, lit windows).

Textured scenes (``visual`` entries in ``scene.json``) give the albedo and roughness
buffers the texel each pixel sees.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthrm._mitsuba import dr, mesh_from_arrays, mi, rgb_scope
from synthrm.camera.pinhole import PinholeCamera
from synthrm.color import srgb_to_linear
from synthrm.render.config import DAYLIGHT, Lighting
from synthrm.scene.classes import SEMANTIC_CLASSES, VISUAL_MATERIALS
from synthrm.scene.writer import read_scene_info

NEAR_CLIP_M = 0.01
FAR_CLIP_M = 1e5
FAR_GROUND_M = 50_000.0
"""Reach [m] of the camera-only ground a city's images show beyond the scene's own ground."""
FAR_GROUND_ID = "far_ground"
FAR_GROUND_Z_M = -0.05


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


def _lookup(tex: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Nearest texel of a wrapping texture (H, W[, C]) at texture coordinates (N, 2)
    (Mitsuba's convention: v indexes rows from row 0)."""
    h, w = tex.shape[:2]
    col = np.floor(np.mod(uv[:, 0], 1.0) * w).astype(np.int64) % w
    row = np.floor(np.mod(uv[:, 1], 1.0) * h).astype(np.int64) % h
    return tex[row, col]


def sun_direction(elevation_deg: float, azimuth_deg: float) -> list[float]:
    """Unit vector towards the sun in the world frame (z up)."""
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    return [math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)]


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image

    from synthrm.errors import DatasetError

    try:
        return np.asarray(Image.open(path))
    except (OSError, ValueError) as e:
        raise DatasetError(f"{path}: texture missing or unreadable ({e}); regenerate the scene folder") from None


class Renderer:
    """Optical renderer of one scene folder (see module docstring)."""

    def __init__(self, scene_dir: str | Path, daylight: Lighting = DAYLIGHT):
        """``daylight``: the lighting of a render that names none (``RenderConfig.daylight()``)."""
        from synthrm.errors import DatasetError

        self.scene_dir = Path(scene_dir)
        self.info = read_scene_info(self.scene_dir)
        self._shapes = self.info["shapes"]
        self.daylight = daylight
        self._tex: dict[str, np.ndarray] = {}
        with rgb_scope():
            self._shape_objs: dict[str, object] = {}
            for s in self._shapes:
                path = self.scene_dir / s["file"]
                if not path.is_file():
                    raise DatasetError(f"{path}: mesh file missing from scene folder {self.scene_dir}")
                try:
                    self._shape_objs[s["id"]] = mi.load_dict(self._shape_dict(s))
                except RuntimeError as e:
                    msg = str(e).strip().splitlines()[-1] if str(e).strip() else "RuntimeError"
                    raise DatasetError(f"{path}: Mitsuba cannot load this mesh ({msg[:300]}); regenerate the "
                                       "scene folder") from None
            self._far_rect: tuple[float, float, float, float] | None = None
            far = self._far_ground()
            if far is not None:
                self._shape_objs[FAR_GROUND_ID] = far
            self.scene = self._load_scene(self.daylight)
            ids = dr.reinterpret_array(mi.UInt32, self.scene.shapes_dr()).numpy()
            # registry id -> row in the lookup tables below (0 = sky, and the far ground)
            by_name = {s["id"]: i + 1 for i, s in enumerate(self._shapes)}
            self._reg = np.zeros(int(ids.max()) + 2, np.int64)
            for rid, shape in zip(ids, self.scene.shapes()):
                self._reg[rid] = by_name.get(shape.id(), 0)
        n = len(self._shapes) + 1
        self._sem = np.zeros(n, np.uint8)
        self._mat = np.zeros(n, np.uint8)
        self._rough = np.full(n, np.nan, np.float32)
        self._alb = np.full((n, 3), np.nan, np.float32)
        self._alb_tex: dict[int, np.ndarray] = {}
        self._rough_tex: dict[int, np.ndarray] = {}
        for i, s in enumerate(self._shapes, start=1):
            self._sem[i] = s["semantic_id"]
            self._mat[i] = s["material_id"]
            vm = VISUAL_MATERIALS[SEMANTIC_CLASSES[s["semantic_id"]]]
            vis = s.get("visual", {})
            self._rough[i] = vis.get("roughness", vm.roughness)
            self._alb[i] = vis.get("albedo", vm.albedo)
            if "texture" in vis:
                self._alb_tex[i] = self._texture(vis["texture"])
            if "roughness_texture" in vis:
                self._rough_tex[i] = self._texture(vis["roughness_texture"], raw=True)
        self._aov = None
        self._path: dict[int, object] = {}
        self._scenes: dict[Lighting, object] = {self.daylight: self.scene}
        self._horizon: dict[Lighting, np.ndarray] = {}
        self._night_shapes: dict[float, dict[str, object]] = {}

    @property
    def textured(self) -> bool:
        """True when the scene carries texture images (procedural appearance)."""
        return bool(self._alb_tex)

    def _texture(self, rel: str, raw: bool = False) -> np.ndarray:
        """A texture image as float32 (H, W, 3) linear albedo or (H, W) raw value in [0, 1]."""
        key = f"{rel}|{raw}"
        if key not in self._tex:
            img = _read_png(self.scene_dir / rel)
            if raw:
                img = (img[..., 0] if img.ndim == 3 else img).astype(np.float32) / 255.0
            else:
                img = srgb_to_linear(np.asarray(img[..., :3], np.float32) / 255.0, np.float32).astype(np.float32)
            self._tex[key] = img
        return self._tex[key]

    def _shape_dict(self, s: dict, emission: float = 0.0) -> dict:
        vm = VISUAL_MATERIALS[s["semantic"]]
        vis = s.get("visual", {})
        bsdf = {"type": "principled", "base_color": {"type": "rgb", "value": list(vis.get("albedo", vm.albedo))},
                "roughness": vis.get("roughness", vm.roughness)}
        if "texture" in vis:
            bsdf["base_color"] = {"type": "bitmap", "bitmap": mi.Bitmap(self._texture(vis["texture"])),
                                  "raw": True, "wrap_mode": "repeat"}
        if "roughness_texture" in vis:
            bsdf["roughness"] = {"type": "bitmap", "bitmap": mi.Bitmap(self._texture(vis["roughness_texture"], True)),
                                 "raw": True, "wrap_mode": "repeat"}
        d = {"type": "ply", "filename": str(self.scene_dir / s["file"]), "face_normals": True, "bsdf": bsdf}
        if emission > 0 and "night_emission" in vis:
            d["emitter"] = {"type": "area", "radiance": {
                "type": "bitmap", "bitmap": mi.Bitmap(self._texture(vis["night_emission"]) * np.float32(emission)),
                "raw": True, "wrap_mode": "repeat"}}
        return d

    def _far_ground(self):
        """A city's ground continued as a flat ring out to ``FAR_GROUND_M`` around the
        scene's flat surfaces, in the images only: without it, UAV views show a black band
        between the scene's edge and the horizon (the sky has nothing below the horizon).
        Its colour and roughness are the means of the ground's texture (at that distance a
        pixel covers many texels). The G-buffers count it as background (semantic 0, depth
        NaN), as before; the radio scene never holds it. None for scenes without ground."""
        if self.info.get("kind") != "city":
            return None
        flat = [s for s in self._shapes if s["semantic"] in ("ground", "road", "sidewalk")]
        ground = next((s for s in flat if s["semantic"] == "ground"), None)
        if ground is None:
            return None
        boxes = [self._shape_objs[s["id"]].bbox() for s in flat]
        x0, y0 = min(b.min.x for b in boxes), min(b.min.y for b in boxes)
        x1, y1 = max(b.max.x for b in boxes), max(b.max.y for b in boxes)
        # 5 cm below the scene and 1 m under its edge: a ray that reaches the scene's own
        # ground hits it first, so the G-buffers are those of the scene alone
        r, e, z = FAR_GROUND_M, 1.0, FAR_GROUND_Z_M
        x0, y0, x1, y1 = x0 + e, y0 + e, x1 - e, y1 - e
        self._far_rect = (x0 - r, y0 - r, x1 + r, y1 + r)
        v = np.array([[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z],
                      [x0 - r, y0 - r, z], [x1 + r, y0 - r, z], [x1 + r, y1 + r, z], [x0 - r, y1 + r, z]], np.float32)
        f = np.array([[4, 5, 1], [4, 1, 0], [5, 6, 2], [5, 2, 1], [6, 7, 3], [6, 3, 2], [7, 4, 0], [7, 0, 3]],
                     np.uint32)  # four trapezoids around the inner rectangle, facing up
        mesh = mesh_from_arrays(FAR_GROUND_ID, v, f)
        vm = VISUAL_MATERIALS["ground"]
        vis = ground.get("visual", {})
        albedo = (self._texture(vis["texture"]).reshape(-1, 3).mean(0).tolist() if "texture" in vis
                  else list(vis.get("albedo", vm.albedo)))
        rough = (float(self._texture(vis["roughness_texture"], True).mean()) if "roughness_texture" in vis
                 else vis.get("roughness", vm.roughness))
        mesh.set_bsdf(mi.load_dict({"type": "principled", "base_color": {"type": "rgb", "value": albedo},
                                    "roughness": rough}))
        return mesh

    def far_ground_range(self, camera: PinholeCamera) -> np.ndarray:
        """(H, W) float32 distance [m] from the camera centre to the far ground along each
        pixel-centre ray (fog needs it for background pixels below the horizon); NaN where
        the ray rises, misses it, or the scene has none. Where the scene is hit first the
        value is meaningless: take the G-buffer's range there."""
        out = np.full((camera.height, camera.width), np.nan, np.float32)
        if self._far_rect is None:
            return out
        d = camera.world_rays()
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        o = np.asarray(camera.cam_to_world, np.float64)[:3, 3]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (FAR_GROUND_Z_M - o[2]) / d[..., 2]
        x, y = o[0] + t * d[..., 0], o[1] + t * d[..., 1]
        x0, y0, x1, y1 = self._far_rect
        ok = (d[..., 2] < 0) & (t > 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        out[ok] = t[ok]
        return out

    def _load_scene(self, light: Lighting, with_shapes: bool = True):
        """A Mitsuba scene of the (already loaded) shapes under ``light``."""
        shapes = dict(self._shape_objs) if with_shapes else {}
        if with_shapes and light.window_radiance > 0:
            night = self._night_shapes.get(light.window_radiance)
            if night is None:
                night = self._night_shapes[light.window_radiance] = {
                    s["id"]: mi.load_dict(self._shape_dict(s, light.window_radiance))
                    for s in self._shapes if "night_emission" in s.get("visual", {})}
            shapes.update(night)
        d = {"type": "scene", **shapes}
        if light.sun_scale > 0 or light.sky_scale > 0:
            # Mitsuba's sunsky takes the sun direction in the world frame, z up
            d["sky"] = {"type": "sunsky", "turbidity": float(light.turbidity),
                        "sun_scale": float(light.sun_scale), "sky_scale": float(light.sky_scale),
                        "sun_direction": sun_direction(max(light.sun_elevation_deg, 0.5), light.sun_azimuth_deg)}
        if light.night_sky > 0 and "sky" not in d:  # Mitsuba takes one environment emitter
            d["night_sky"] = {"type": "constant", "radiance": {
                "type": "rgb", "value": [0.6 * light.night_sky, 0.75 * light.night_sky, light.night_sky]}}
        # Indoor scenes list ceiling lights in scene.json: [[x, y, z, intensity [W/sr]], ...]
        for k, (x, y, z, power) in enumerate(self.info.get("lights", [])):
            d[f"light{k}"] = {"type": "point", "position": [x, y, z],
                              "intensity": {"type": "rgb", "value": [power] * 3}}
        if light.street_light_intensity > 0:
            lamps = np.asarray(self.info.get("street_lights", []), float).reshape(-1, 3)
            if light.light_centre_m is not None and len(lamps) > light.max_street_lights:
                dist = np.hypot(*(lamps[:, :2] - np.asarray(light.light_centre_m)).T)
                lamps = lamps[np.sort(np.argsort(dist, kind="stable")[:light.max_street_lights])]
            for k, (x, y, z) in enumerate(lamps):
                d[f"street_light{k}"] = {
                    "type": "spot", "cutoff_angle": 75.0, "beam_width": 55.0,
                    "to_world": mi.ScalarTransform4f().look_at(origin=[x, y, z], target=[x, y, 0.0], up=[1, 0, 0]),
                    "intensity": {"type": "rgb", "value": [light.street_light_intensity * c for c in (1.0, 0.82, 0.55)]}}
        return mi.load_dict(d, optimize=False)

    def horizon_radiance(self, light: Lighting | None = None) -> np.ndarray:
        """Mean sky radiance (3,) linear RGB just above the horizon (0-6 deg elevation, all
        azimuths) under ``light``: the airlight of fog."""
        light = light or self.daylight
        if light not in self._horizon:
            with rgb_scope():
                sky = self._load_scene(light, with_shapes=False)
                acc = np.zeros(3)
                for k in range(4):
                    a = math.radians(90.0 * k)
                    c2w = np.eye(4)  # OpenCV axes: x right, y down, z forward
                    fwd = np.array([math.cos(a), math.sin(a), math.tan(math.radians(3.0))])
                    fwd /= np.linalg.norm(fwd)
                    right = np.cross(fwd, [0.0, 0.0, 1.0])
                    right /= np.linalg.norm(right)
                    c2w[:3, 0], c2w[:3, 1], c2w[:3, 2] = right, np.cross(fwd, right), fwd
                    c2w[:3, 3] = [0.0, 0.0, 1.0]
                    cam = PinholeCamera(np.array([[16.0, 0, 16], [0, 16.0, 2], [0, 0, 1]]), c2w, 32, 4)
                    sensor = mi.load_dict(cam.mitsuba_sensor({"type": "independent", "sample_count": 16},
                                                             NEAR_CLIP_M, FAR_CLIP_M))
                    img = mi.render(sky, sensor=sensor, integrator=mi.load_dict({"type": "path", "max_depth": 2}), spp=16)
                    acc += np.array(img, np.float64)[..., :3].reshape(-1, 3).mean(0)
            self._horizon[light] = (acc / 4).astype(np.float32)
        return self._horizon[light]

    def scene_for(self, light: Lighting | None):
        """The Mitsuba scene lit by ``light`` (None: the renderer's daylight); cached."""
        light = light or self.daylight
        if light not in self._scenes:
            if len(self._scenes) > 6:
                self._scenes = {self.daylight: self.scene}
            with rgb_scope():
                self._scenes[light] = self._load_scene(light)
        return self._scenes[light]

    # ------------------------------------------------------------------ geometry
    def gbuffers(self, camera: PinholeCamera) -> GBuffers:
        """Exact geometry buffers at pixel centres (see :class:`GBuffers`)."""
        cam_to_world = camera.cam_to_world
        with rgb_scope():
            if self._aov is None:
                self._aov = mi.load_dict({"type": "aov",
                                          "aovs": "dd.y:depth,pp:position,ng:geo_normal,si:shape_index,uv:uv"})
            sensor = mi.load_dict(camera.mitsuba_sensor({"type": "stratified", "sample_count": 1, "jitter": False},
                                                        NEAR_CLIP_M, FAR_CLIP_M))
            img = np.array(mi.render(self.scene, sensor=sensor, integrator=self._aov, spp=1))
        dist, pos, nrm = img[..., 0], img[..., 1:4], img[..., 4:7]
        reg = np.rint(img[..., 7]).astype(np.int64)
        hit = dist > 0
        row = np.where(hit, self._reg[np.clip(reg, 0, len(self._reg) - 1)], 0)
        hit &= row > 0
        pos = np.where(hit[..., None], pos, np.nan).astype(np.float32)
        # z-depth from the exact world position (the depth AOV is measured from the near
        # clip plane, not from the camera centre)
        w2c = camera.world_to_camera
        z = (pos.astype(np.float64) @ w2c[2, :3] + w2c[2, 3]).astype(np.float32)
        # orient normals towards the camera
        view = pos.astype(np.float64) - cam_to_world[:3, 3]
        flip = np.sum(view * nrm, axis=-1) > 0  # geometric normals point out of solids
        nrm = np.where(flip[..., None], -nrm, nrm)
        nrm = np.where(hit[..., None], nrm, 0.0).astype(np.float32)
        albedo, rough = self._alb[row], self._rough[row]
        uv = img[..., 8:10]
        for r, tex in self._alb_tex.items():
            m = row == r
            if m.any():
                albedo[m] = _lookup(tex, uv[m])
        for r, tex in self._rough_tex.items():
            m = row == r
            if m.any():
                rough[m] = _lookup(tex, uv[m])
        return GBuffers(depth=np.where(hit, z, np.nan).astype(np.float32), position=pos,
                        normal=nrm, semantic=self._sem[row], material=self._mat[row],
                        roughness=rough, albedo=albedo, backfacing=flip & hit)

    # ------------------------------------------------------------------ colour
    def rgb(self, camera: PinholeCamera, spp: int = 16, max_depth: int = 4, seed: int = 0,
            lighting: Lighting | None = None) -> np.ndarray:
        """Path-traced linear RGB (H, W, 3) float32 radiance under ``lighting`` (default:
        the renderer's sun + sky)."""
        scene = self.scene_for(lighting)
        with rgb_scope():
            integ = self._path.get(int(max_depth))
            if integ is None:
                integ = self._path[int(max_depth)] = mi.load_dict({"type": "path", "max_depth": int(max_depth)})
            sensor = mi.load_dict(camera.mitsuba_sensor({"type": "independent", "sample_count": int(spp)},
                                                        NEAR_CLIP_M, FAR_CLIP_M))
            img = mi.render(scene, sensor=sensor, integrator=integ, spp=int(spp),
                            seed=int(seed) & 0xFFFFFFFF)
            return np.array(img, dtype=np.float32)[..., :3]

