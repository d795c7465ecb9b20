"""Training examples from a synthrm dataset folder, for the learning benchmark.

* :class:`OutdoorExamples`: one example per (city sample, transmitter): the camera image
  (RGB, optionally + depth), the transmitter vector and the normalised path-gain map.
* :class:`IndoorExamples`: one example per indoor entry (apartment x Tx): the four voxel
  channels of SenseRay-3D, centre-padded to a fixed size, and the path loss on the
  receiver planes.

Both load the arrays they need once (datasets this machine makes fit in memory) and check
them: a non-finite model input is a :class:`DatasetError` naming the sample.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from synthrm.camera.pinhole import PinholeCamera
from synthrm.dataset.hdf5 import dataset_kind, index_kind, list_samples, read_index, read_radio_sample, read_sample
from synthrm.errors import DatasetError
from synthrm.models.baselines import wall_crossings
from synthrm.models.config import INDOOR_INPUTS, INDOOR_PRIORS, INPUT_GROUPS, INPUT_SETS, OUTDOOR_INPUTS, base_channel, channel_names, input_channels, input_groups  # noqa: F401
from synthrm.metrics import normalise
from synthrm.radio.labels import LABEL_SOURCES
from synthrm.radio.antenna import pattern_grid
from synthrm.radio.physics import fspl_db

#: Path-gain range the outdoor models' target (and free-space channel) is normalised over
#: [dB]: wider than the metrics' -160..-40 dB, so that deep shadows (labels v3 reach -210 dB,
#: 3 % of them below -160 dB) are learned, not clipped. Kept in each run's ``run.json``.
TARGET_RANGE_DB = (-220.0, -40.0)
#: Scale of the Tx position relative to the camera in the Tx vector [m].
TX_POSITION_SCALE_M = 100.0
#: The antenna-pattern features enter the Tx vector as (gain_dbi - lo) / span.
PATTERN_FLOOR_DBI, PATTERN_SPAN_DB = -40.0, 60.0
#: Dynamic range used to normalise indoor path loss [dB] (metrics' PSNR / SSIM / NMSE).
INDOOR_RANGE_DB = (40.0, 160.0)
#: Scales of the indoor voxel channels: reflection / transmission [dB] and distance [m].
VOXEL_DB_SCALE, VOXEL_DISTANCE_SCALE_M = 20.0, 10.0
#: The indoor network predicts (path loss - prior) / RESIDUAL_SCALE_DB (prior: FSPL or multi-wall).
RESIDUAL_SCALE_DB = 10.0


def tx_vectors(tx_position: np.ndarray, antenna_pattern: np.ndarray, cam_to_world: np.ndarray) -> np.ndarray:
    """The models' Tx vectors (T, 3 + P) float32: the Tx position in the camera frame
    (OpenCV axes) / 100 m, then the pattern gain [dBi] mapped by (g + 40) / 60."""
    rel = (np.asarray(tx_position) - cam_to_world[:3, 3]) @ cam_to_world[:3, :3]  # R^T (p - c)
    pat = (np.asarray(antenna_pattern, np.float64) - PATTERN_FLOOR_DBI) / PATTERN_SPAN_DB
    return np.concatenate([rel / TX_POSITION_SCALE_M, pat], axis=1).astype(np.float32)


def _check_finite(name: str, a: np.ndarray, where: str) -> None:
    if not np.all(np.isfinite(a)):
        raise DatasetError(f"{where}: {name} holds {int((~np.isfinite(a)).sum())} NaN/inf values; "
                           f"the sample is corrupt: regenerate it (`synthrm generate` on the folder)")


@dataclass
class OutdoorItem:
    image: np.ndarray      # (C, H, W) float32
    tx: np.ndarray         # (D,) float32
    path_gain_db: np.ndarray  # (H, W) float32, NaN = no label
    distance_m: np.ndarray  # (H, W) float32 Tx -> surface distance, NaN on sky
    frequency_hz: float
    sample_id: str
    tx_index: int
    district: str
    scene_id: str
    source: np.ndarray     # (H, W) uint8 provenance (synthrm.radio.labels.SOURCE_*), 0 = no label
    std_db: np.ndarray     # (H, W) float32 stated standard error [dB], NaN where not stated
    mechanism: np.ndarray  # (H, W) uint8 dominant mechanism (synthrm.radio.labels.MECH_*), 0 = none / not stated
    semantic: np.ndarray   # (H, W) uint8 semantic class id (0 sky; all 0 where the dataset has none)
    points_m: np.ndarray   # (H, W, 3) float32 world point of each pixel [m], NaN on sky (shared by the Tx)
    tx_m: np.ndarray       # (3,) float64 Tx position [m]
    los: np.ndarray | None  # (H, W) bool geometric line of sight to the Tx (footprints), None when not computed


#: Provenance every label counts as in a dataset without ``path_gain_source`` (schema 2 or
#: imported): a Monte Carlo window.
LEGACY_SOURCE = 2
#: Floor of the standard error in the loss weights [dB]: a densely sampled label does not
#: outweigh the others without bound.
WEIGHT_FLOOR_DB = 1.0


class OutdoorExamples(Dataset):
    """(sample, Tx) examples of a city dataset.

    An item is a dict: ``image`` (C, H, W) float32, the groups of ``inputs``
    (:data:`INPUT_GROUPS`) in order, each 0 on sky: RGB in [0, 1]; ``depth`` log(1 + depth [m])
    / log(1001); ``normal`` the world-frame unit normal (3); ``fspl`` the normalised free-space
    path gain of the pixel's surface point; ``los`` 1 where the straight segment from the Tx
    to that point clears every building of the scene's footprints
    (:func:`synthrm.analysis.geometry.line_of_sight_sweep`, 1 m steps); ``incidence`` the cosine
    between the normal and the direction to the Tx. ``tx``
    (3 + P,) float32 (see :func:`tx_vectors`), ``target`` (1, H, W) float32 normalised path
    gain (over ``range_db``, default :data:`TARGET_RANGE_DB`), ``base`` (1, H, W) float32 the map the network's
    output is added to (zeros; with an ``fspl`` channel that channel, so the network learns
    a residual over free space, SenseRay-3D's eq. 18 carried outdoors), ``valid`` (1, H, W)
    bool, ``path_gain_db`` (H, W), ``distance_m`` (H, W) [m], ``source`` (H, W) uint8 label
    provenance and ``std_db`` (H, W) its standard error [dB] (``docs/dataset.md``; NaN where
    the dataset states none), ``weight`` (1, H, W) float32 the loss weight and the ids.
    ``samples`` restricts to those sample ids; ``sources`` to the labels of those
    provenance codes (``valid`` is False elsewhere); ``weighting="std"`` weights each label
    by ``1 / (std_db^2 + 1 dB^2)`` (normalised to mean 1 over the valid labels of the item),
    ``"none"`` by 1. A dataset whose index lists ``antenna_pattern`` as
    absent (imported, ``docs/interop.md``) gets the isotropic pattern (0 dBi on the default
    grid: synthrm's SISO transmitter), so its Tx vectors fit the models trained on SISO data.
    ``with_los`` computes each item's geometric line of sight (``OutdoorItem.los``) even when
    the inputs do not use it (evaluation's TR 38.901 baseline and LoS / NLoS scores).
    """

    def __init__(self, root: str | Path, inputs: str = "rgb", samples: list[str] | None = None,
                 sources: tuple[int, ...] = LABEL_SOURCES, weighting: str = "none", with_los: bool = False,
                 range_db: tuple[float, float] = TARGET_RANGE_DB):
        groups = input_groups(inputs)
        if weighting not in ("none", "std"):
            raise ValueError(f"weighting must be none or std, got {weighting!r}")
        if not sources or any(c not in LABEL_SOURCES for c in sources):
            raise ValueError(f"sources must be provenance codes among {LABEL_SOURCES[0]}-{LABEL_SOURCES[-1]}, "
                             f"got {sources!r}")
        self.root, self.inputs, self.groups = Path(root), inputs, groups
        self.range_db = (float(range_db[0]), float(range_db[1]))
        with_los = with_los or "los" in groups
        self.sources, self.weighting = tuple(int(c) for c in sources), weighting
        if dataset_kind(root) != "city":
            raise DatasetError(f"{root}: holds indoor voxel entries; the outdoor models (radiounet-s, pmnet-s, "
                               f"unetdcn-s) need a city dataset (`synthrm generate --preset city-mix ...`)")
        ids = [sid for _, sid in list_samples(root)]
        if samples is not None:
            keep = set(samples)
            ids = [s for s in ids if s in keep]
        if not ids:
            raise DatasetError(f"{root}: no samples to learn from")
        idx = read_index(root)
        absent = set(idx.get("absent", ()))
        iso = "antenna_pattern" in absent
        stated = int(idx.get("schema_version", 2)) >= 3 and "path_gain_source" not in absent
        mech = int(idx.get("schema_version", 2)) >= 4 and "path_gain_mechanism" not in absent
        needs_normal = [g for g in ("normal", "incidence") if g in groups]
        if needs_normal and "normal" in absent:
            raise DatasetError(f"{root}: has no normal buffer (imported data), which inputs "
                               f"{' and '.join(needs_normal)} need; use inputs without them (e.g. --inputs rgbd-fspl)")
        layouts: dict[str, object] = {}
        self.items: list[OutdoorItem] = []
        for sid in ids:
            s = read_radio_sample(root, sid, ["rgb", "depth", "K", "cam_to_world", "path_gain_db", "tx_position"]
                                  + ([] if iso else ["antenna_pattern"])
                                  + (["path_gain_source", "path_gain_std_db"] if stated else [])
                                  + (["path_gain_mechanism"] if mech else [])
                                  + (["semantic"] if "semantic" not in absent else [])
                                  + (["normal"] if needs_normal else []))
            shape = s["path_gain_db"].shape
            if not mech:
                s["path_gain_mechanism"] = np.zeros(shape, np.uint8)
            if not stated:
                s["path_gain_source"] = np.where(np.isfinite(s["path_gain_db"]), LEGACY_SOURCE, 0).astype(np.uint8)
                s["path_gain_std_db"] = np.full(s["path_gain_db"].shape, np.nan, np.float32)
            if iso:
                s["antenna_pattern"] = np.zeros((len(s["tx_position"]), len(pattern_grid()[2])), np.float32)
            where = f"{root} sample {sid}"
            _check_finite("rgb", s["rgb"], where)
            _check_finite("tx_position", s["tx_position"], where)
            _check_finite("antenna_pattern", s["antenna_pattern"], where)
            txv = tx_vectors(s["tx_position"], s["antenna_pattern"], s["cam_to_world"])
            pts = PinholeCamera.from_sample(s).backproject(s["depth"])
            freq = float(s["attrs"].get("frequency_hz", 3.5e9))
            scene_id = str(s["attrs"].get("scene_id", ""))
            hmap = _scene_height_map(root, scene_id, layouts) if with_los else None
            semantic = s["semantic"].astype(np.uint8) if "semantic" in s else np.zeros(shape[1:], np.uint8)
            pts32 = pts.astype(np.float32)
            for t in range(len(txv)):
                tx_m = s["tx_position"][t].astype(np.float64)
                dist = np.linalg.norm(pts - tx_m, axis=-1).astype(np.float32)
                los = geometric_los(pts, tx_m, hmap) if hmap is not None else None
                im = _image_channels(groups, s, pts, tx_m, dist, los, freq, self.range_db)
                self.items.append(OutdoorItem(im, txv[t], s["path_gain_db"][t].astype(np.float32), dist, freq, sid, t,
                                              str(s["attrs"].get("district", "")), scene_id,
                                              s["path_gain_source"][t].astype(np.uint8),
                                              s["path_gain_std_db"][t].astype(np.float32),
                                              s["path_gain_mechanism"][t].astype(np.uint8), semantic, pts32, tx_m, los))
        h, w = self.items[0].path_gain_db.shape
        if h % 16 or w % 16:
            raise DatasetError(f"{root}: images are {w}x{h}; the models need both sides multiples of 16 "
                               f"(generate with e.g. --resolution 128x96 or 256x192)")

    @property
    def in_ch(self) -> int:
        return input_channels(self.inputs)

    @property
    def tx_dim(self) -> int:
        return int(self.items[0].tx.shape[0])

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        it = self.items[i]
        pg = torch.from_numpy(it.path_gain_db)
        src = torch.from_numpy(it.source)
        std = torch.from_numpy(it.std_db)
        valid = torch.isfinite(pg) & torch.isin(src, torch.tensor(self.sources, dtype=src.dtype))
        target = torch.where(valid, normalise(pg, self.range_db).float(), torch.zeros(()))
        weight = valid.float()
        if self.weighting == "std":
            w = 1.0 / (torch.nan_to_num(std, nan=0.0) ** 2 + WEIGHT_FLOOR_DB ** 2)
            weight = torch.where(valid, w, torch.zeros(()))
            weight = weight / weight[valid].mean() if valid.any() else weight
        image = torch.from_numpy(it.image)
        k = base_channel(self.inputs)
        base = image[k:k + 1] if k is not None else torch.zeros((1, *image.shape[1:]))
        return {"image": image, "tx": torch.from_numpy(it.tx), "target": target[None], "base": base,
                "valid": valid[None], "weight": weight[None].float(), "path_gain_db": pg,
                "distance_m": torch.from_numpy(it.distance_m), "source": src, "std_db": std, "index": i}


#: Step of the geometric line-of-sight march [m] (the height map's cells are 1 m).
LOS_STEP_M = 1.0


def los_cache_dir(topic: str = "los") -> Path | None:
    """Where derived input channels are cached: ``$SYNTHRM_CACHE/<topic>`` (default
    ``~/.cache/synthrm/los`` for the geometric line-of-sight masks, ``walls`` for the indoor
    wall channels); None when ``SYNTHRM_CACHE`` is empty (no cache)."""
    import os

    root = os.environ.get("SYNTHRM_CACHE", str(Path.home() / ".cache" / "synthrm"))
    return Path(root) / topic if root else None


def _cache_save(path: Path | None, array: np.ndarray) -> None:
    """Write ``array`` to the cache file ``path`` atomically (nothing when there is no cache;
    a read-only cache is no cache)."""
    if path is None:
        return
    try:
        from synthrm.files import atomic_file

        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as tmp, open(tmp, "wb") as f:
            np.save(f, array)
    except OSError:
        pass


def geometric_los(points_m: np.ndarray, tx_m: np.ndarray, hmap) -> np.ndarray:
    """(H, W) bool: whether the straight segment from ``tx_m`` (3,) [m] to each surface
    point ``points_m`` (H, W, 3) [m] clears every building of the height map ``hmap``
    (:func:`synthrm.analysis.geometry.line_of_sight_sweep`, the viewshed form of
    :func:`~synthrm.analysis.geometry.line_of_sight`; False on sky). About 25 ms per 128x96
    map on this CPU; the masks are cached by content (the points, the Tx, the height map,
    the step and the method), in :func:`los_cache_dir`: a changed scene or camera is a new
    key, never a stale mask."""
    import hashlib

    from synthrm.analysis.geometry import line_of_sight_sweep

    pts = np.ascontiguousarray(points_m, np.float64)
    tx = np.ascontiguousarray(tx_m, np.float64).reshape(3)
    h, origin, cell = hmap
    key = hashlib.sha1(b"".join([b"sweep", pts.tobytes(), tx.tobytes(), np.ascontiguousarray(h).tobytes(),
                                 np.asarray([*origin, cell, LOS_STEP_M, *pts.shape], np.float64).tobytes()])).hexdigest()
    folder = los_cache_dir()
    path = folder / f"{key}.npy" if folder is not None else None
    if path is not None and path.is_file():
        try:
            return np.unpackbits(np.load(path))[:pts.shape[0] * pts.shape[1]].reshape(pts.shape[:2]).astype(bool)
        except (OSError, ValueError):
            pass  # a damaged entry: recompute it
    fin = np.isfinite(pts).all(-1)
    los = np.zeros(pts.shape[:2], bool)
    los[fin] = line_of_sight_sweep(pts[fin], tx, hmap, step_m=LOS_STEP_M)
    _cache_save(path, np.packbits(los))
    return los


def _scene_height_map(root: Path, scene_id: str, cache: dict):
    """The building height map of a sample's scene (``synthrm.analysis.geometry.height_map``),
    cached per scene; DatasetError when the dataset has no scene footprints (imported)."""
    if scene_id not in cache:
        from synthrm.analysis.geometry import height_map
        from synthrm.scene.layout import Layout

        folder = Path(root) / "scenes" / scene_id
        if not scene_id or not folder.is_dir():
            raise DatasetError(f"{root}: no scene footprints for scene {scene_id!r} (scenes/{scene_id}); the "
                               f"geometric line of sight needs them: use inputs without 'los' on this dataset")
        cache[scene_id] = height_map(Layout.load(folder))
    return cache[scene_id]


def _image_channels(groups, s: dict, pts: np.ndarray, tx_m: np.ndarray, dist: np.ndarray, los, freq: float,
                    range_db: tuple[float, float]):
    """The model's image (C, H, W) float32 for one (sample, Tx): the groups of
    :data:`INPUT_GROUPS` in order, every one 0 on sky."""
    sky = ~np.isfinite(dist)
    chans = []
    for g in groups:
        if g == "rgb":
            chans.append(s["rgb"].astype(np.float32).transpose(2, 0, 1) / 255.0)
        elif g == "depth":
            d = np.nan_to_num(s["depth"], nan=0.0)
            chans.append((np.log1p(d) / np.log(1001.0))[None])
        elif g == "normal":
            chans.append(np.nan_to_num(s["normal"], nan=0.0).transpose(2, 0, 1))
        elif g == "fspl":
            fs = normalise(-fspl_db(np.maximum(np.nan_to_num(dist, nan=1.0), 0.01), freq), range_db).numpy()
            chans.append(np.where(sky, 0.0, fs)[None])
        elif g == "los":
            chans.append(los.astype(np.float32)[None])
        elif g == "incidence":
            to_tx = (tx_m - pts) / np.maximum(np.nan_to_num(dist, nan=1.0), 1e-3)[..., None]
            cos = np.sum(np.nan_to_num(s["normal"], nan=0.0) * np.nan_to_num(to_tx, nan=0.0), axis=-1)
            chans.append(np.where(sky, 0.0, cos)[None])
    return np.concatenate([np.asarray(c, np.float32) for c in chans]).astype(np.float32)


def plane_points(origin_m: np.ndarray, shape_xy: tuple[int, int], voxel_size_m: float, heights_m) -> np.ndarray:
    """Ground-truth receiver positions (Hn, X, Y, 3) [m]: cell centres of the voxel grid's
    x-y lattice at each height."""
    cx = origin_m[0] + (np.arange(shape_xy[0]) + 0.5) * voxel_size_m
    cy = origin_m[1] + (np.arange(shape_xy[1]) + 0.5) * voxel_size_m
    return np.stack(np.meshgrid(np.asarray(heights_m, np.float64), cx, cy, indexing="ij"), -1)[..., [1, 2, 0]]


def round_up(n: int, m: int) -> int:
    return -(-int(n) // m) * m


#: The indoor wall channels (``indoor_inputs`` ``voxels+walls``): walls / WALLS_SCALE, and
#: min(wall loss, WALL_LOSS_CLIP_DB) / VOXEL_DB_SCALE; the line is marched in half-voxel steps.
WALLS_SCALE, WALL_LOSS_CLIP_DB, WALLS_STEP_FRACTION = 5.0, 40.0, 0.5


def voxel_walls(occupancy: np.ndarray, transmission_db: np.ndarray, origin_m: np.ndarray, voxel_size_m: float,
                tx_m: np.ndarray) -> np.ndarray:
    """The two wall channels (2, X, Y, Z) float32 of an indoor grid: on the straight line from
    ``tx_m`` (3,) [m] to each voxel centre (:func:`synthrm.models.baselines.wall_crossings`,
    half-voxel steps), the number of walls crossed / :data:`WALLS_SCALE` (0: line of sight)
    and their summed transmission loss [dB], clipped at :data:`WALL_LOSS_CLIP_DB`, /
    :data:`VOXEL_DB_SCALE`. ``occupancy``, ``transmission_db`` (X, Y, Z). 0.1-0.7 s an
    apartment entry on this CPU (108x64x14 voxels 0.7 s); cached by content in
    ``los_cache_dir("walls")``, so a training run pays once per entry."""
    import hashlib

    occ = np.ascontiguousarray(np.asarray(occupancy) > 0)
    tdb = np.ascontiguousarray(transmission_db, np.float64)
    origin = np.asarray(origin_m, np.float64).reshape(3)
    tx = np.asarray(tx_m, np.float64).reshape(3)
    setting = np.asarray([*origin, voxel_size_m, *tx, *occ.shape, WALLS_SCALE, WALL_LOSS_CLIP_DB, WALLS_STEP_FRACTION])
    key = hashlib.sha1(b"".join([b"walls1", occ.tobytes(), tdb.tobytes(), setting.tobytes()])).hexdigest()
    folder = los_cache_dir("walls")
    path = folder / f"{key}.npy" if folder is not None else None
    if path is not None and path.is_file():
        try:
            out = np.load(path)
            if out.shape == (2, *occ.shape):
                return out
        except (OSError, ValueError):
            pass  # a damaged entry: recompute it
    idx = np.stack(np.meshgrid(*(np.arange(n) for n in occ.shape), indexing="ij"), -1).reshape(-1, 3)
    n_walls, loss_db = wall_crossings(occ, origin, voxel_size_m, tx, origin + (idx + 0.5) * voxel_size_m, tdb,
                                      step_fraction=WALLS_STEP_FRACTION)
    out = np.stack([n_walls / WALLS_SCALE, np.minimum(loss_db, WALL_LOSS_CLIP_DB) / VOXEL_DB_SCALE])
    out = out.reshape(2, *occ.shape).astype(np.float32)
    _cache_save(path, out)
    return out


@dataclass
class IndoorItem:
    x: np.ndarray            # (C, X, Y, Z) float32 model input, unpadded (C = INDOOR_INPUTS[inputs])
    path_loss_db: np.ndarray  # (Hn, X, Y) float32
    valid: np.ndarray         # (Hn, X, Y) bool: simulated (not filled), in free space
    fspl_db: np.ndarray       # (Hn, X, Y) float32 at the receivers
    prior_db: np.ndarray      # (Hn, X, Y) float32 the path loss the residual is added to (FSPL or multi-wall)
    distance_m: np.ndarray    # (Hn, X, Y) float32
    entry: str
    scene_id: str
    split: str
    origin_m: np.ndarray      # (3,) corner of voxel (0, 0, 0) [m]
    tx_m: np.ndarray          # (3,) [m]


class IndoorExamples(Dataset):
    """SenseRay-3D examples: one per indoor entry, restricted to ``splits``.

    An item is a dict: ``x`` (C, *pad) float32 voxel channels (occupancy, reflection / 20 dB,
    transmission / 20 dB, Tx distance / 10 m; with ``inputs`` ``voxels+walls`` also the walls
    on the straight line from the Tx and their loss, :func:`voxel_walls`), centre-padded with
    zeros to ``pad_shape``;
    ``path_loss_db``, ``fspl_db``, ``prior_db``, ``distance_m`` (Hn, pad_x, pad_y) padded with
    NaN, ``prior_db`` the path loss [dB] the model's residual is added to: ``prior`` ``fspl``
    (free space, SenseRay-3D's eq. 18) or ``multi-wall`` (free space plus the walls the
    straight Tx-receiver line crosses, as the multi-wall baseline:
    :func:`synthrm.models.baselines.wall_crossings`);
    ``pad_shape`` is the smallest multiple of 32 holding every grid, or the given
    ``pad_shape`` where that is larger. ``valid`` (Hn, pad_x, pad_y) bool (simulated, not interpolated, and not inside an
    occupied voxel); ``offset`` (3,) int the padding before the data in x, y, z;
    ``z_index`` / ``z_weight`` (Hn,) where each receiver height falls between voxel centres
    of the padded grid. ``progress``: a bar over the entries as they load (the wall channels
    take 0.1-0.7 s an entry the first time, cached after).
    """

    def __init__(self, root: str | Path, splits: tuple[str, ...] = ("train",),
                 pad_shape: tuple[int, int, int] | None = None, prior: str = "fspl", inputs: str = "voxels",
                 progress: bool = False):
        if prior not in INDOOR_PRIORS:
            raise ValueError(f"prior must be one of {INDOOR_PRIORS}, got {prior!r}")
        if inputs not in INDOOR_INPUTS:
            raise ValueError(f"inputs must be one of {tuple(INDOOR_INPUTS)}, got {inputs!r}")
        self.root, self.prior, self.inputs = Path(root), prior, inputs
        idx = read_index(root)
        if index_kind(idx) != "indoor":
            raise DatasetError(f"{root}: holds city camera samples; senseray3d needs an indoor voxel dataset "
                               f"(`synthrm generate --preset indoor-apartment ...`)")
        split_of = idx.get("splits", {})
        entries = [sid for _, sid in list_samples(root) if split_of.get(sid) in splits]
        if not entries:
            raise DatasetError(f"{root}: no entries in split(s) {list(splits)} (splits present: "
                               f"{sorted(set(split_of.values()))})")
        self.items: list[IndoorItem] = []
        shapes, meta = [], None
        from tqdm.auto import tqdm

        for eid in tqdm(entries, desc=f"load {self.root.name} ({'/'.join(splits)})", unit="entry",
                        disable=not progress, leave=False):
            s = read_sample(root, eid, ["occupancy", "reflection_db", "transmission_db", "tx_distance_m",
                                        "tx_position", "path_loss_db", "fill_mask"])
            a = s["attrs"]
            where = f"{root} entry {eid}"
            for k in ("occupancy", "reflection_db", "transmission_db", "tx_distance_m", "tx_position"):
                _check_finite(k, s[k], where)
            m = (float(a["voxel_size_m"]), tuple(a["heights_m"]), float(a["frequency_hz"]), float(a["grid_origin_m"][2]))
            if meta is None:
                meta = m
            elif m != meta:
                raise DatasetError(f"{where}: voxel size / heights / frequency differ from the other entries "
                                   f"({m} vs {meta}); train on entries made with one config")
            vs, heights, f, oz = m
            origin = np.asarray(a["grid_origin_m"], np.float64)
            x = np.stack([s["occupancy"], s["reflection_db"] / VOXEL_DB_SCALE, s["transmission_db"] / VOXEL_DB_SCALE,
                          s["tx_distance_m"] / VOXEL_DISTANCE_SCALE_M]).astype(np.float32)
            if inputs == "voxels+walls":
                x = np.concatenate([x, voxel_walls(s["occupancy"], s["transmission_db"], origin, vs,
                                                   s["tx_position"])])
            X, Y, Z = x.shape[1:]
            pts = plane_points(origin, (X, Y), vs, heights)
            dist = np.linalg.norm(pts - s["tx_position"].astype(np.float64), axis=-1)
            kz = np.clip(np.floor((np.asarray(heights) - oz) / vs).astype(int), 0, Z - 1)
            occ = s["occupancy"][:, :, kz].transpose(2, 0, 1) > 0  # (Hn, X, Y)
            pl = s["path_loss_db"].astype(np.float32)
            valid = np.isfinite(pl) & ~s["fill_mask"].astype(bool) & ~occ
            free = fspl_db(np.maximum(dist, 0.01), f).astype(np.float32)
            base = free
            if prior == "multi-wall":
                _, walls_db = wall_crossings(s["occupancy"], origin, vs, s["tx_position"], pts.reshape(-1, 3),
                                             s["transmission_db"])
                base = (free + walls_db.reshape(free.shape)).astype(np.float32)
            self.items.append(IndoorItem(x, pl, valid, free, base, dist.astype(np.float32), eid, str(a["scene_id"]),
                                         str(a["split"]), origin, s["tx_position"].astype(np.float64)))
            shapes.append((X, Y, Z))
        self.voxel_size_m, self.heights_m, self.frequency_hz, self.origin_z_m = meta
        need = tuple(round_up(max(s[i] for s in shapes), 32) for i in range(3))
        # at least the given size (a run's training size), larger where a grid needs it:
        # SwinUNETR takes any multiple of 32, only a batch needs one size
        self.pad_shape = tuple(max(a, b) for a, b in zip(need, pad_shape or need))

    @classmethod
    def for_run(cls, meta: dict, root: str | Path, splits: tuple[str, ...],
                progress: bool = False) -> "IndoorExamples":
        """The examples a trained run (its ``run.json`` ``meta``) reads: its padding, prior and
        voxel channels (runs from before these options: free space, the four voxel channels).
        DatasetError when the run's wall channels were clipped otherwise than this synthrm's."""
        clip = meta.get("wall_loss_clip_db", WALL_LOSS_CLIP_DB)
        if meta.get("indoor_inputs") == "voxels+walls" and float(clip) != WALL_LOSS_CLIP_DB:
            raise DatasetError(f"the run's wall channels clip the wall loss at {clip:g} dB, this synthrm at "
                               f"{WALL_LOSS_CLIP_DB:g} dB; use the synthrm version that trained it, or retrain")
        return cls(root, tuple(splits), pad_shape=tuple(meta["pad_shape"]), prior=meta.get("prior", "fspl"),
                   inputs=meta.get("indoor_inputs", "voxels"), progress=progress)

    @classmethod
    def merged(cls, parts: list["IndoorExamples"]) -> "IndoorExamples":
        """The examples of several indoor datasets as one (training on more apartments than one
        dataset holds): every part's items, the entries and apartments of the second and later
        parts named ``<folder>/<entry>`` (the datasets number their apartments alike); the
        padding the largest part's. DatasetError when the parts differ in voxel size, heights,
        frequency, prior or voxel channels, or two parts share a folder name."""
        if not parts:
            raise ValueError("parts: give at least one IndoorExamples")
        first = parts[0]
        names = [p.root.resolve().name for p in parts]
        if len(set(names)) != len(names):
            raise DatasetError(f"datasets {[str(p.root) for p in parts]}: two share a folder name, which names "
                               "their apartments; rename one")
        key = lambda e: (e.voxel_size_m, tuple(e.heights_m), e.frequency_hz, e.origin_z_m, e.prior, e.inputs)  # noqa: E731
        for p in parts[1:]:
            if key(p) != key(first):
                raise DatasetError(f"{p.root}: voxel size / heights / frequency / prior / channels differ from "
                                   f"{first.root}'s ({key(p)} vs {key(first)}); train on datasets made with one config")
        out = cls.__new__(cls)
        out.__dict__.update(first.__dict__)
        out.items = list(first.items)
        for p, name in zip(parts[1:], names[1:]):
            out.items += [replace(it, entry=f"{name}/{it.entry}", scene_id=f"{name}/{it.scene_id}") for it in p.items]
        out.pad_shape = tuple(max(p.pad_shape[i] for p in parts) for i in range(3))
        return out

    @property
    def in_ch(self) -> int:
        """Voxel channels of an item's ``x``."""
        return INDOOR_INPUTS[self.inputs]

    def __len__(self) -> int:
        return len(self.items)

    def receivers_m(self, i: int) -> np.ndarray:
        """Receiver positions (Hn, X, Y, 3) [m] of item ``i`` (unpadded)."""
        it = self.items[i]
        return plane_points(it.origin_m, it.x.shape[1:3], self.voxel_size_m, self.heights_m)

    def z_sampling(self, offset_z: int) -> tuple[np.ndarray, np.ndarray]:
        """Voxel-centre index below each height in the padded grid, and the linear weight of the next."""
        zf = (np.asarray(self.heights_m) - self.origin_z_m) / self.voxel_size_m - 0.5 + offset_z
        k0 = np.clip(np.floor(zf).astype(int), 0, self.pad_shape[2] - 2)
        return k0, (zf - k0).astype(np.float32)

    def __getitem__(self, i: int) -> dict:
        it = self.items[i]
        X, Y, Z = it.x.shape[1:]
        off = [(p - n) // 2 for p, n in zip(self.pad_shape, (X, Y, Z))]
        x = np.zeros((self.in_ch, *self.pad_shape), np.float32)
        x[:, off[0]:off[0] + X, off[1]:off[1] + Y, off[2]:off[2] + Z] = it.x
        planes = {}
        for k in ("path_loss_db", "fspl_db", "prior_db", "distance_m"):
            a = np.full((len(self.heights_m), *self.pad_shape[:2]), np.nan, np.float32)
            a[:, off[0]:off[0] + X, off[1]:off[1] + Y] = getattr(it, k)
            planes[k] = torch.from_numpy(a)
        valid = np.zeros((len(self.heights_m), *self.pad_shape[:2]), bool)
        valid[:, off[0]:off[0] + X, off[1]:off[1] + Y] = it.valid
        k0, w = self.z_sampling(off[2])
        return {"x": torch.from_numpy(x), "valid": torch.from_numpy(valid), **planes,
                "offset": torch.tensor(off), "z_index": torch.from_numpy(k0), "z_weight": torch.from_numpy(w),
                "index": i}
