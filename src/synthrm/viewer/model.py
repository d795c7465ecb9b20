"""What the viewer draws, as plain numpy: no viser here, so the tests and the report can
use it without a browser.

* :func:`describe` — what a dataset holds (kind, samples, scenes, arrays) and what the
  viewer cannot show because it is missing (an imported dataset has no ``scenes/``).
* :func:`read_frames` — every sample's camera (for the frusta and the slider), one open
  per shard.
* :func:`find_layers` / :func:`layer_image` — the per-pixel layers a sample has, found by
  shape and dtype, not by name: continuous ``*_db`` arrays (path gain, SINR, standard
  error; (T, H, W) [dB]) and every integer (H, W) or (T, H, W) array as a categorical
  layer (label provenance ``path_gain_source``, semantic class, material, and any later
  one such as a dominant-mechanism ``path_gain_mechanism``), drawn as an RGB image.
* :func:`sample_surface` — the surface the layers are drawn on: the sample's VAS mesh
  with texture coordinates (each VAS vertex is a pixel centre), or, past
  ``max_faces`` or where the dataset has no VAS, the same triangulation rebuilt from the
  depth map at a coarser stride (colours stay per pixel: they come from the texture).
* :func:`scene_meshes` — the scene's radio meshes (``scene.json`` shapes with
  ``radio: true``; camera-only shapes optional), coloured by semantic class, decimated by
  vertex clustering past ``max_faces``.
* :func:`value_range` — a fixed colour range per continuous layer over the dataset.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.dataset.hdf5 import index_kind, list_samples, read_index
from synthrm.errors import DatasetError

#: Most triangles of the VAS drawn as stored; past it the surface is rebuilt coarser.
MAX_SURFACE_FACES = 250_000
#: Most triangles of a scene's meshes; past it they are decimated by vertex clustering.
MAX_SCENE_FACES = 400_000
#: Most camera frusta drawn for the frames of one scene (evenly spaced past it).
MAX_FRUSTA = 500
#: Samples read to fix each continuous layer's colour range (evenly spaced).
RANGE_SAMPLES = 16
#: Colour of pixels without a value (no label) on the surface.
NO_VALUE_RGB = (150, 150, 150)
#: Arrays that are not label layers even when their shape would say so.
NOT_LAYERS = {"rgb", "depth", "depth_log", "rgb_linear", "normal", "albedo", "roughness", "path_gain_db_linear"}
#: Colour maps of the continuous layers (the rest: viridis).
CMAPS = {"path_gain_db": "viridis", "sinr_db": "magma", "path_gain_std_db": "cividis"}
#: Human names of well-known arrays.
LABELS = {"path_gain_db": "path gain [dB]", "sinr_db": "SINR [dB]", "path_gain_std_db": "label std. error [dB]",
          "path_gain_source": "label provenance", "path_gain_mechanism": "dominant mechanism",
          "semantic": "semantic class", "material": "radio material", "path_gain_rings": "window rings"}


@dataclass
class Layer:
    """One colourable per-pixel array of a sample."""

    key: str
    """Array name in the sample."""
    kind: str
    """``continuous`` (a colour map over [vmin, vmax]) or ``categorical`` (one colour per code)."""
    per_tx: bool
    """(T, H, W) (one map per transmitter) rather than (H, W)."""
    label: str
    names: dict[int, str] = field(default_factory=dict)
    """Categorical: code -> name."""
    colors: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    """Categorical: code -> RGB."""
    cmap: str = "viridis"


@dataclass
class Surface:
    """A triangle mesh of the visible surface with texture coordinates into the image."""

    vertices: np.ndarray
    """(V, 3) float32 world positions [m]."""
    faces: np.ndarray
    """(F, 3) int32."""
    uv: np.ndarray
    """(V, 2) float32 texture coordinates: ((col + 0.5) / W, (row + 0.5) / H) of the pixel
    centre the vertex was lifted from."""
    source: str
    """Where it came from: ``vas`` (stored), or how it was rebuilt."""


@dataclass
class ViewFrame:
    """One sample's camera."""

    index: int
    sample_id: str
    scene_id: str
    camera: PinholeCamera


@dataclass
class SceneMesh:
    name: str
    semantic: str
    semantic_id: int
    vertices: np.ndarray
    """(V, 3) float32 [m]."""
    faces: np.ndarray
    """(F, 3) int32."""
    rgb: tuple[int, int, int]
    radio: bool
    """Part of the radio scene (else camera only: lane markings, vegetation, lights)."""


def describe(root: str | Path) -> dict:
    """What a dataset holds for the viewer: ``kind`` (city / indoor), ``samples``,
    ``scene_ids`` (per sample order, unique), ``scenes_present`` / ``scenes_missing``,
    ``arrays`` (of the first sample), ``absent`` (arrays the index says its samples
    lack), ``imported`` (source format or None) and ``missing``: one sentence per thing
    the viewer cannot show, with the reason."""
    import h5py

    root = Path(root)
    idx = read_index(root)
    kind = index_kind(idx)
    ids = list_samples(root)
    if not ids:
        raise DatasetError(f"{root}: the dataset has no complete samples yet; run `synthrm generate` on it first")
    with h5py.File(root / ids[0][0], "r") as f:
        g = f["samples"][ids[0][1]]
        arrays = sorted(g.keys())
    scene_ids = _scene_ids(root, ids)
    uniq = list(dict.fromkeys(scene_ids))
    present = [s for s in uniq if (root / "scenes" / s / "scene.json").is_file()]
    missing_scenes = [s for s in uniq if s not in present]
    src = idx.get("source", {}).get("format") if isinstance(idx.get("source"), dict) else None
    missing = []
    if missing_scenes:
        why = (f"imported from {src} blocks, which carry no scene geometry" if src
               else "the scenes/ folder was not copied with the dataset")
        missing.append(f"city meshes: no scenes/{missing_scenes[0]}/ ({why}); the view shows the cameras, "
                       "images, transmitters and the surface seen in each image")
    if kind == "city":
        if "vas_vertices" not in arrays:
            missing.append("VAS mesh: the samples hold no vas_vertices / vas_faces; the surface is "
                           "triangulated from the depth map instead")
        if "path_gain_db" not in arrays:
            missing.append("radio labels: no path_gain_db (made with --no-radio?); only geometry and images")
        elif "path_gain_source" not in arrays:
            missing.append("label provenance: no path_gain_source (a schema-2 dataset: `synthrm relabel` "
                           "writes it; an imported one has none)")
        if "tx_orientation" not in arrays and "tx_position" in arrays:
            missing.append("antenna orientation: no tx_orientation; transmitters shown without boresight")
    return {"root": str(root), "kind": kind, "samples": len(ids), "scene_ids": uniq, "scenes_present": present,
            "scenes_missing": missing_scenes, "arrays": arrays, "absent": list(idx.get("absent", [])),
            "imported": src, "missing": missing}


def _scene_ids(root: Path, ids) -> list[str]:
    import h5py

    out, cur, f = [], None, None
    try:
        for shard_file, sid in ids:
            if shard_file != cur:
                if f is not None:
                    f.close()
                f, cur = h5py.File(root / shard_file, "r"), shard_file
            out.append(_text(f["samples"][sid].attrs.get("scene_id", "")))
    finally:
        if f is not None:
            f.close()
    return out


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def read_frames(root: str | Path) -> list[ViewFrame]:
    """Every sample's camera (``K``, ``cam_to_world``, image size) and scene, opening each
    shard once. Raises DatasetError on a shard that cannot be read."""
    import h5py

    root = Path(root)
    out, by_shard = [], {}
    for i, (shard_file, sid) in enumerate(list_samples(root)):
        by_shard.setdefault(shard_file, []).append((i, sid))
    for shard_file, items in by_shard.items():
        try:
            f = h5py.File(root / shard_file, "r")
        except OSError as e:
            raise DatasetError(f"{root / shard_file}: cannot read the shard ({e}); "
                               f"run `synthrm validate {root}`") from None
        with f:
            for i, sid in items:
                g = f["samples"][sid]
                if "K" not in g or "cam_to_world" not in g:
                    raise DatasetError(f"{root}: sample {sid} has no camera (K, cam_to_world): an indoor entry? "
                                       "`synthrm view` shows indoor datasets by their voxels")
                h, w = g["depth"].shape[:2] if "depth" in g else g["rgb"].shape[:2]
                out.append(ViewFrame(i, sid, _text(g.attrs.get("scene_id", "")),
                                 PinholeCamera(np.asarray(g["K"][()], np.float64),
                                               np.asarray(g["cam_to_world"][()], np.float64), int(w), int(h))))
    out.sort(key=lambda fr: fr.index)
    return out


def palette(n: int) -> list[tuple[int, int, int]]:
    from matplotlib import colormaps

    cm = colormaps["tab10" if n <= 10 else "tab20"]
    return [tuple(int(round(c * 255)) for c in cm(i % cm.N)[:3]) for i in range(n)]


def _code_names(key: str, sample: dict) -> dict[int, str]:
    fa, a = sample.get("file_attrs", {}), sample.get("attrs", {})
    for src in (a, fa):
        for name in (f"{key}_names", f"{key}_classes"):
            if isinstance(src.get(name), dict):
                return {int(k): str(v) for k, v in src[name].items()}
    if key in ("path_gain_source", "path_gain_mechanism"):
        from synthrm.radio.labels import MECHANISM_NAMES, SOURCE_NAMES

        return dict(SOURCE_NAMES if key == "path_gain_source" else MECHANISM_NAMES)
    if key == "semantic" and isinstance(fa.get("semantic_classes"), dict):
        return {int(k): str(v) for k, v in fa["semantic_classes"].items()}
    if key == "material" and isinstance(fa.get("material_classes"), dict):
        return {int(k): str(v) for k, v in fa["material_classes"].items()}
    return {}


def _code_colors(key: str, codes: list[int]) -> dict[int, tuple[int, int, int]]:
    from synthrm.viz import MECHANISM_COLORS, SEMANTIC_COLORS, SOURCE_COLORS

    table = {"path_gain_source": SOURCE_COLORS, "path_gain_mechanism": MECHANISM_COLORS,
             "semantic": SEMANTIC_COLORS}.get(key)
    pal = palette(max(len(codes), 1))
    out = {}
    for j, c in enumerate(sorted(codes)):
        if table is not None and 0 <= c < len(table):
            out[c] = tuple(int(x) for x in table[c])
        else:
            out[c] = pal[j % len(pal)]
    return out


def find_layers(sample: dict) -> list[Layer]:
    """The colourable per-pixel arrays of a sample (see the module docstring), path gain
    first. Categorical layers list the codes named for them (``SOURCE_NAMES`` for the
    provenance, a file or sample attribute ``<key>_names`` / ``<key>_classes`` {code:
    name}) plus the codes present in this sample; semantic class and material list the
    classes present (named by the file's class tables)."""
    if "depth" in sample:
        hw = sample["depth"].shape[:2]
    elif "rgb" in sample:
        hw = sample["rgb"].shape[:2]
    else:
        return []
    out = []
    for key, a in sample.items():
        if key in ("attrs", "file_attrs") or key in NOT_LAYERS or not isinstance(a, np.ndarray):
            continue
        if a.ndim == 3 and a.shape[1:] == hw:
            per_tx = True
        elif a.ndim == 2 and a.shape == hw:
            per_tx = False
        else:
            continue
        if a.dtype.kind == "f" and key.endswith("_db"):
            out.append(Layer(key, "continuous", per_tx, LABELS.get(key, key), cmap=CMAPS.get(key, "viridis")))
        elif a.dtype.kind in "iub":
            names = _code_names(key, sample)
            present = {int(c) for c in np.unique(a)}
            # class tables name every class of every scene kind: list the ones in view
            codes = sorted(present if key in ("semantic", "material") else set(names) | present)
            out.append(Layer(key, "categorical", per_tx, LABELS.get(key, key),
                             names={c: names.get(c, f"code {c}") for c in codes}, colors=_code_colors(key, codes)))
    order = {"path_gain_db": 0, "path_gain_source": 1, "path_gain_mechanism": 2, "sinr_db": 3, "path_gain_std_db": 4}
    return sorted(out, key=lambda ly: (order.get(ly.key, 10), ly.key))


def layer_image(sample: dict, layer: Layer, tx: int = 0, vmin: float | None = None,
                vmax: float | None = None) -> np.ndarray:
    """(H, W, 3) uint8 colours of ``layer`` for transmitter ``tx``: a continuous layer
    through its colour map over [vmin, vmax] (default: the map's 2-98th percentile);
    NaN (no value) grey; categorical codes in their colours."""
    a = sample[layer.key]
    if layer.per_tx:
        if not 0 <= tx < a.shape[0]:
            raise DatasetError(f"Tx {tx}: the sample has transmitters 0..{a.shape[0] - 1}")
        a = a[tx]
    if layer.kind == "continuous":
        from synthrm.radio.export import colorize_db

        rgb, _, _ = colorize_db(a.reshape(-1), vmin, vmax, cmap=layer.cmap)
        rgb[~np.isfinite(a.reshape(-1))] = NO_VALUE_RGB
        return rgb.reshape(a.shape + (3,))
    codes = a.astype(np.int64)
    lo = min(int(codes.min(initial=0)), min(layer.colors, default=0))
    hi = max(int(codes.max(initial=0)), max(layer.colors, default=0))
    lut = np.zeros((hi - lo + 1, 3), np.uint8)
    for c, col in layer.colors.items():
        lut[c - lo] = col
    return lut[codes - lo]


def value_range(root: str | Path, key: str, samples: int = RANGE_SAMPLES, pct=(2.0, 98.0),
                step_db: float = 5.0, per_sample: int = 20_000) -> tuple[float, float]:
    """A fixed colour range [dB] of a continuous layer ``key`` for the whole dataset: the
    ``pct`` percentiles of its finite values pooled over up to ``samples`` evenly spaced
    samples (at most ``per_sample`` values of each, evenly strided), widened to multiples
    of ``step_db``. (0, 1) when no sample has a value."""
    import h5py

    root = Path(root)
    ids = list_samples(root)
    pick = np.unique(np.linspace(0, len(ids) - 1, min(samples, len(ids))).round().astype(int))
    vals = []
    for i in pick:
        shard_file, sid = ids[i]
        with h5py.File(root / shard_file, "r") as f:
            g = f["samples"][sid]
            if key in g:
                a = g[key][()].reshape(-1)
                a = a[np.isfinite(a)]
                vals.append(a[:: max(1, len(a) // per_sample)])
    v = np.concatenate(vals) if vals else np.zeros(0)
    if not v.size:
        return 0.0, 1.0
    lo, hi = np.percentile(v, pct)
    lo, hi = np.floor(lo / step_db) * step_db, np.ceil(hi / step_db) * step_db
    return float(lo), float(hi if hi > lo else lo + step_db)


def _pixel_uv(vertices: np.ndarray, camera: PinholeCamera) -> np.ndarray:
    """(V, 2) texture coordinates of vertices lifted from pixel centres: the pixel each
    projects to (rounded to its centre), over the image size."""
    uvp, _ = camera.project(np.asarray(vertices, np.float64))
    col = np.clip(np.round(uvp[:, 0] - 0.5), 0, camera.width - 1)
    row = np.clip(np.round(uvp[:, 1] - 0.5), 0, camera.height - 1)
    return np.stack([(col + 0.5) / camera.width, (row + 0.5) / camera.height], 1).astype(np.float32)


def sample_surface(sample: dict, max_faces: int = MAX_SURFACE_FACES) -> Surface:
    """The surface to draw a sample's layers on (see the module docstring). Raises
    DatasetError when the sample has neither a VAS nor a depth map."""
    camera = PinholeCamera.from_sample(sample) if "depth" in sample else None
    if "vas_vertices" in sample and "vas_faces" in sample and len(sample["vas_faces"]) <= max_faces:
        v, f = sample["vas_vertices"], sample["vas_faces"]
        if camera is None:
            raise DatasetError("sample has a VAS but no depth map to size its image; regenerate it")
        return Surface(np.asarray(v, np.float32), np.asarray(f, np.int32), _pixel_uv(v, camera), "vas")
    if camera is None:
        raise DatasetError("sample has no depth map: nothing to draw a surface from")
    from synthrm.vas.config import VASConfig
    from synthrm.vas.mesh import build_vas

    depth = sample["depth"]
    stride = 1
    while 2 * (depth.shape[0] // stride) * (depth.shape[1] // stride) > max_faces:
        stride *= 2
    m = build_vas(depth, camera, sample.get("normal"), VASConfig(cell="stride", stride=stride))
    uv = ((m.vertex_pixel[:, ::-1] + 0.5) / [camera.width, camera.height]).astype(np.float32)
    why = "VAS too large to draw" if "vas_faces" in sample else "no VAS stored"
    return Surface(m.vertices, m.faces, uv, f"depth map triangulated at stride {stride} ({why})")


def tx_boresights(sample: dict) -> np.ndarray | None:
    """(T, 3) world unit boresight (local +x) of each transmitter's array, or None when
    the sample has no orientation or an isotropic single antenna (``siso``)."""
    if "tx_orientation" not in sample or sample.get("attrs", {}).get("antenna", "siso") == "siso":
        return None
    from synthrm.radio.antenna import rotation_matrix

    return np.array([rotation_matrix(*o)[:, 0] for o in np.asarray(sample["tx_orientation"], np.float64)])


def _decimate(v: np.ndarray, f: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertex clustering: weld vertices on a grid, doubling the cell until at most
    ``target`` faces remain."""
    from synthrm.scene.writer import weld_vertices

    cell = max(float(np.ptp(v, axis=0).max()) / 2000.0, 1e-3)
    while len(f) > target:
        v, f = weld_vertices(v, f, cell)
        cell *= 2
    return np.asarray(v, np.float32), np.asarray(f, np.int32)


def footprint_walls(scene_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The buildings' walls as prisms of their footprints (``footprints.json``; podium and
    tower), without window openings: (vertices (V, 3) float32 [m], faces (F, 3) int32)."""
    from synthrm.scene.city import extrude_walls
    from synthrm.scene.layout import Layout
    from synthrm.scene.mesh import concat_meshes

    walls = []
    for b in Layout.load(scene_dir).buildings:
        if b.tower is None:
            walls.append(extrude_walls(b.footprint, 0.0, b.height_m))
        else:
            walls += [extrude_walls(b.footprint, 0.0, b.podium_height_m),
                      extrude_walls(b.tower, b.podium_height_m, b.height_m)]
    if not walls:
        return np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int32)
    v, f = concat_meshes(walls)
    return np.asarray(v, np.float32), np.asarray(f, np.int32)


#: Semantic classes replaced by footprint prisms when a scene is over budget.
DETAILED_WALLS = ("facade", "window")


def scene_meshes(scene_dir: str | Path, camera_only: bool = False,
                 max_faces: int = MAX_SCENE_FACES) -> tuple[list[SceneMesh], dict]:
    """The meshes of a scene folder coloured by semantic class (``synthrm.viz``'s
    colours): the radio scene's shapes, and with ``camera_only`` also the shapes the
    camera sees but the ray tracer does not. Past ``max_faces`` triangles (counted from
    ``scene.json`` before anything is read): the facades and windows (millions of
    triangles with glass windows cut into the walls) are replaced by the footprints'
    prisms, then what is still over budget is decimated by vertex clustering. Returns
    (meshes, info) with ``faces`` (drawn), ``faces_stored`` and ``decimated`` (False, or
    how: ``footprints``, ``footprints+clustering``, ``clustering``)."""
    from synthrm.scene.writer import read_ply
    from synthrm.viz import SEMANTIC_COLORS

    scene_dir = Path(scene_dir)
    p = scene_dir / "scene.json"
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise DatasetError(f"{p}: not found; the dataset's scene folder is missing (imported dataset?)") from None
    except json.JSONDecodeError as e:
        raise DatasetError(f"{p}: corrupt JSON ({e.msg}); regenerate the scene") from None
    shapes = [s for s in doc.get("shapes", []) if s.get("radio", True) or camera_only]
    stored = sum(int(s.get("num_triangles", 0)) for s in shapes)
    how = []
    if stored > max_faces and (scene_dir / "footprints.json").is_file() and \
            any(s.get("semantic") in DETAILED_WALLS for s in shapes):
        shapes = [s for s in shapes if s.get("semantic") not in DETAILED_WALLS]
        how.append("footprints")

    def colour(sid):
        return tuple(int(x) for x in SEMANTIC_COLORS[sid]) if 0 <= sid < len(SEMANTIC_COLORS) else (180, 180, 180)

    out = []
    if how:
        v, f = footprint_walls(scene_dir)
        out.append(SceneMesh("facade_footprints", "facade", 4, v, f, colour(4), True))
    for s in shapes:
        v, f = read_ply(scene_dir / s["file"])
        sid = int(s.get("semantic_id", 0))
        out.append(SceneMesh(s["id"], s.get("semantic", ""), sid, np.asarray(v, np.float32),
                             np.asarray(f, np.int32), colour(sid), bool(s.get("radio", True))))
    total = sum(len(m.faces) for m in out)
    if total > max_faces:
        how.append("clustering")
        fixed = sum(len(m.faces) for m in out if m.name == "facade_footprints")
        rest = max(total - fixed, 1)
        for m in out:
            if m.name != "facade_footprints":
                m.vertices, m.faces = _decimate(m.vertices, m.faces, max(1, int(len(m.faces) * (max_faces - fixed)
                                                                                 / rest)))
    return out, {"faces": sum(len(m.faces) for m in out), "faces_stored": stored,
                 "decimated": "+".join(how) if how else False}
