"""``synthrm generate --preset indoor-apartment``: apartment -> RGB-D scans -> voxels ->
Sionna RT path-loss planes -> one HDF5 entry per transmitter (the SenseRay-3D paper).

One shard per apartment (``shards/scene-NNNNN.h5``), written atomically: a run that dies
leaves no half-written shard, and the same command resumes. Splits are by scene (the
SenseRay-3D paper's Table II): ``test`` apartments are unseen geometry with unseen Tx; in the other
apartments a share of the Tx is ``val`` (seen geometry, new Tx), the rest ``train``. The
shard also keeps the apartment's RGB-D scans (``/scans``: the views the voxels were fused
from), which the nerfstudio and COLMAP exports write out.
"""
from __future__ import annotations

import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from synthrm._mitsuba import rgb_scope
from synthrm.camera.pinhole import pose_from_angles
from synthrm.color import linear_to_srgb8
from synthrm.config import IndoorConfig
from synthrm.dataset.hdf5 import SHARD_DIR, ShardWriter, dataset_kind, read_index
from synthrm.errors import ConfigError, DatasetError
from synthrm.files import atomic_dir, new_output
from synthrm.generate.run import (
    holds_shards,
    open_run,
    progress_bar,
    record_shard,
    remove_leftovers,
    shard_entry,
    verified_shards,
)
from synthrm.radio.planes import fill_missing, plane_stack
from synthrm.radio.radio_map_solver import VASRadioSolver, check_frequency
from synthrm.render.renderer import Renderer
from synthrm.scene.apartment import Apartment, apartment_materials, generate_apartment, random_free_points
from synthrm.scene.build import SCENES_DIR, scene_id
from synthrm.scene.writer import SCENE_JSON, SCENE_XML, write_scene
from synthrm.seeds import Stream, frame_seed, scene_seed, stream
from synthrm.voxel import VoxelGrid, fuse_scans, voxel_features, voxelize

INDOOR_SCHEMA_VERSION = 2
"""2: each apartment's shard also holds its RGB-D scans (``/scans``); 1: entries only."""
#: Settings that change only the voxel channels, not the apartments, scans, Tx or labels:
#: the ones a ``labels_from`` dataset may differ in.
VOXEL_SETTINGS = ("voxel_materials", "material_table")
#: Settings that do not change an apartment's labels at all: the voxel ones and the splits
#: (apartment k, its scans and its Tx depend on the seed and k only).
LABEL_FREE_SETTINGS = (*VOXEL_SETTINGS, "scenes", "test_fraction", "val_tx_fraction")
#: The arrays of a shard's ``/scans`` group: one stacked array per scan buffer (N views).
SCAN_ARRAYS = ("rgb", "depth", "semantic", "K", "cam_to_world")


def scan_poses(apt: Apartment, cfg: IndoorConfig, rng: np.random.Generator) -> list[np.ndarray]:
    """Camera-to-world poses of the scan walk: in every room, at free spots (its centre,
    and near both ends of a room longer than ``scan.spot_spacing_m``) at eye height,
    ``headings`` x ``pitches`` views each."""
    from shapely.geometry import Point, box
    from shapely.ops import nearest_points

    from synthrm.scene.apartment import free_floor

    free = free_floor(apt, 0.3)
    poses = []
    for r in apt.rooms:
        w, d = r.x1 - r.x0, r.y1 - r.y0
        spots = [((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2)]
        if max(w, d) > cfg.scan.spot_spacing_m:  # long rooms: also a spot near each end
            f = (0.25, 0.75)
            spots += [(r.x0 + t * w, (r.y0 + r.y1) / 2) if w >= d else ((r.x0 + r.x1) / 2, r.y0 + t * d) for t in f]
        room = box(r.x0, r.y0, r.x1, r.y1)
        room_free = free.intersection(room)
        if room_free.is_empty:
            continue
        for x, y in spots:
            p = Point(x, y)
            if not room_free.contains(p):
                p = nearest_points(room_free, p)[0]
            yaw0 = rng.uniform(0, 360)
            for k in range(cfg.scan.headings):
                for pitch in cfg.scan.pitches_deg:
                    poses.append(pose_from_angles([p.x, p.y, cfg.scan.eye_height_m],
                                                  yaw0 + 360.0 * k / cfg.scan.headings, -pitch))
    return poses


def build_scene(cfg: IndoorConfig, root: Path, index: int) -> tuple[str, Path, Apartment]:
    """Make (or reuse) apartment ``index``; returns (scene id, folder, apartment)."""
    sid = scene_id(cfg.preset, index)
    d = root / SCENES_DIR / sid
    apt = generate_apartment(cfg.apartment, scene_seed(cfg.seed, index))
    if not (d / SCENE_JSON).is_file():
        if d.exists():
            shutil.rmtree(d)
        surf, info = apt.surfaces()
        with atomic_dir(d) as tmp:
            write_scene(tmp, surf, shape_info=info,
                        meta={"scene_id": sid, "kind": "apartment", "seed": scene_seed(cfg.seed, index),
                              "width_m": apt.width_m, "depth_m": apt.depth_m, "height_m": apt.height_m,
                              "rooms": [[r.x0, r.y0, r.x1, r.y1] for r in apt.rooms], "lights": apt.lights()})
    return sid, d, apt


def scan_scene(cfg: IndoorConfig, scene_dir: Path, apt: Apartment, seed: int) -> list[dict]:
    """Render the scan walk: per view rgb (H, W, 3) uint8, depth (H, W) [m], semantic and
    material (H, W) uint8 ids, K (3, 3), cam_to_world (4, 4). The shard keeps all but
    ``material`` (:data:`SCAN_ARRAYS`)."""
    rng = np.random.default_rng(stream(seed, Stream.POSE))
    scans = []
    with rgb_scope():
        renderer = Renderer(scene_dir)
        for k, c2w in enumerate(scan_poses(apt, cfg, rng)):
            cam = cfg.scan.camera(c2w)
            g = renderer.gbuffers(cam)
            rgb = renderer.rgb(cam, spp=cfg.scan.spp, max_depth=4, seed=(seed + k) & 0x7FFFFFFF)
            scans.append({"rgb": linear_to_srgb8(rgb, 1.0), "depth": g.depth, "semantic": g.semantic,
                          "material": g.material, "K": cam.K, "cam_to_world": c2w})
    if not scans:
        raise ConfigError(f"{scene_dir.name}: no free spot to scan from (the rooms are full of furniture)")
    return scans


def grid_frame(apt: Apartment, cfg: IndoorConfig) -> tuple[np.ndarray, tuple[int, int, int]]:
    """The voxel grid of an apartment: origin (3,) [m] and shape (X, Y, Z), covering its
    outer walls from the floor up to and including the ceiling surface; ground-truth
    cells share its x-y lattice."""
    v = cfg.voxel_size_m
    te = cfg.apartment.exterior_wall_thickness_m
    origin = np.array([np.floor(-te / v) * v, np.floor(-te / v) * v, 0.0])
    top = np.array([apt.width_m + te, apt.depth_m + te, apt.height_m + v / 2])  # the ceiling's voxels too
    shape = tuple(int(x) for x in np.ceil((top - origin) / v - 1e-9))
    return origin, shape


def voxel_grids(cfg: IndoorConfig, scans: list[dict], origin: np.ndarray,
                shape: tuple[int, int, int]) -> tuple[VoxelGrid, VoxelGrid, dict[int, str]]:
    """The apartment's voxels from its scans: (semantic grid, the grid whose labels pick each
    voxel's material, label id -> ITU material). With ``voxel_materials: semantic`` the two
    grids are one and the table is :func:`material_lookup`; with ``sensed`` the second grid
    holds each voxel's majority radio material id (same points, same occupancy)."""
    from synthrm.scene.classes import MATERIAL_CLASSES

    pts, lab = fuse_scans(scans)
    grid = voxelize(pts, lab, cfg.voxel_size_m, origin=origin, shape=shape)
    if cfg.voxel_materials == "semantic":
        return grid, grid, material_lookup(cfg)
    _, mat = fuse_scans(scans, label_key="material")
    return grid, voxelize(pts, mat, cfg.voxel_size_m, origin=origin, shape=shape), \
        {i: m for i, m in MATERIAL_CLASSES.items() if i > 0}


def material_lookup(cfg: IndoorConfig) -> dict[int, str]:
    """Semantic id -> ITU material for the voxel channels: the SenseRay-3D paper's predefined table
    (``DEFAULT_RADIO_MATERIALS`` with ``cfg.material_table`` on top). It sees semantics
    only, not the apartment's true materials."""
    from synthrm.scene.classes import SEMANTIC_IDS, check_radio_materials

    return {SEMANTIC_IDS[c]: m for c, m in check_radio_materials(cfg.material_table).items()}


def check_tx(apt: Apartment, p: np.ndarray, what: str) -> None:
    """Clear error for a Tx outside the apartment or inside a wall / furniture."""
    if not apt.inside_interior(p):
        raise ConfigError(f"{what} = {np.round(p, 2).tolist()} m: outside the apartment "
                          f"(x in (0, {apt.width_m}), y in (0, {apt.depth_m}), z in (0, {apt.height_m}))")
    hit = apt.inside_solid(p)
    if hit is not None:
        raise ConfigError(f"{what} = {np.round(p, 2).tolist()} m: inside {hit!r}; move it into free space")


def generate_indoor(cfg: IndoorConfig, out: str | Path, progress: bool = True, log=None,
                    labels_from: str | Path | None = None) -> dict:
    """Generate (or resume) an indoor dataset in ``out``. Returns timings [s]. A run
    that fails or is refused before its first apartment is complete removes the folder it
    made.

    Args:
        labels_from: an indoor dataset made with the same settings but for the voxel and
            split ones (:data:`LABEL_FREE_SETTINGS`): its path-loss labels are copied instead of ray-traced
            again (the ray tracer reads the scene's own materials, never the voxels, so they
            are what a full run makes; tested). Apartments, scans and Tx are made as usual
            and checked against it.
    """
    log = log or (lambda m: print(m, file=sys.stderr))
    check_frequency(cfg.radio.frequency_hz, apartment_materials(cfg.apartment), "the apartment.* materials")
    root = Path(out)
    header = {"kind": "indoor", "seed": cfg.seed, "splits": {}}
    if labels_from is not None:
        labels_from = Path(labels_from)
        check_labels_from(cfg, labels_from, root)
        header["labels_from"] = {"path": str(labels_from.resolve()),
                                 "synthrm_version": read_index(labels_from).get("synthrm_version")}
    with new_output(root, keep=holds_shards):  # a failed first apartment leaves no folder
        return _generate_indoor(cfg, root, progress, log, header, labels_from)


def check_labels_from(cfg: IndoorConfig, src: Path, out: Path) -> None:
    """A one-line error unless ``src`` is an indoor dataset whose settings equal ``cfg``'s
    but for :data:`LABEL_FREE_SETTINGS`."""
    from synthrm.config import config_diff

    if src.resolve() == out.resolve():
        raise ConfigError(f"--labels-from: must differ from --out {out}")
    try:
        kind = dataset_kind(src)
    except DatasetError as e:
        raise ConfigError(f"--labels-from: {e}") from None
    if kind != "indoor":
        raise ConfigError(f"--labels-from {src}: not an indoor dataset (index.json kind {kind!r})")
    old = dict(read_index(src).get("config") or {})
    new = cfg.to_json()
    for k in LABEL_FREE_SETTINGS:
        old.pop(k, None), new.pop(k, None)
    diffs = config_diff(old, new)
    if diffs:
        raise ConfigError(f"--labels-from {src}: made with other settings than the voxel ones ({'; '.join(diffs[:3])}); "
                          f"its labels would not fit: use the same settings (only {', '.join(LABEL_FREE_SETTINGS)} may differ)")


def stored_labels(src: Path, sid: str, tx: np.ndarray, scans: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(path_loss_db, fill_mask) of each Tx of apartment ``sid`` in dataset ``src``, each
    (Hn, X, Y); a DatasetError if that apartment's Tx or scans differ from these."""
    from synthrm.dataset.hdf5 import read_group, read_sample

    shard = next((s["file"] for s in read_index(src)["shards"] if any(e.startswith(sid + "-tx") for e in s["samples"])),
                 None)
    if shard is None:
        raise DatasetError(f"--labels-from {src}: has no complete shard of {sid}; finish that dataset first "
                           f"(rerun its `synthrm generate`)")
    stored = read_group(src, shard, "scans")
    if stored is None:
        raise DatasetError(f"--labels-from {src}: {shard} keeps no scans (an older schema); generate the labels again")
    depth = stored["depth"]
    ours = np.stack([s["depth"] for s in scans])
    if depth.shape != ours.shape or not np.allclose(depth, ours, atol=1e-3, equal_nan=True):
        raise DatasetError(f"--labels-from {src}: {sid}'s scans differ from the ones made now (another renderer "
                           "or synthrm version); generate the labels again instead")
    out = []
    for i, p in enumerate(tx):
        e = read_sample(src, f"{sid}-tx{i:02d}", ["path_loss_db", "fill_mask", "tx_position"])
        if not np.allclose(e["tx_position"], p, atol=1e-5):
            raise DatasetError(f"--labels-from {src}: {sid} transmitter {i} sits elsewhere there; "
                               "generate the labels again instead")
        out.append((e["path_loss_db"].astype(np.float32), e["fill_mask"].astype(bool)))
    return out


def _generate_indoor(cfg: IndoorConfig, root: Path, progress: bool, log, header: dict,
                     labels_from: Path | None) -> dict:
    idx, _ = open_run(root, cfg.to_json(), header,
                      same={"schema_version": INDOOR_SCHEMA_VERSION}, what="an indoor dataset")
    remove_leftovers(root)
    idx["shards"] = verified_shards(root, idx, log)
    done = {s["file"] for s in idx["shards"]}
    n_test = int(round(cfg.test_fraction * cfg.scenes)) if cfg.scenes > 1 else 0
    test_scenes = set(np.random.default_rng(stream(cfg.seed, Stream.SPLIT)).permutation(cfg.scenes)[:n_test].tolist())
    timings: dict[str, list[float]] = defaultdict(list)
    todo = [k for k in range(cfg.scenes) if f"{SHARD_DIR}/scene-{k:05d}.h5" not in done]
    if len(todo) < cfg.scenes and progress:
        log(f"resuming: {cfg.scenes - len(todo)} apartments complete, {len(todo)} to generate")
    bar = progress_bar(len(todo) * cfg.tx_per_scene, progress, unit="Tx")
    for k in todo:
        _one_scene(cfg, root, idx, k, k in test_scenes, timings, bar, labels_from)
    bar.close()
    return {"scenes": len(todo), "skipped": cfg.scenes - len(todo),
            "stage_total_s": {k: float(np.sum(v)) for k, v in timings.items()}}


def _one_scene(cfg, root, idx, k, is_test, timings, bar, labels_from=None):
    from synthrm import __version__

    t = time.perf_counter()
    sid, d, apt = build_scene(cfg, root, k)
    timings["scene"].append(time.perf_counter() - t)
    seed = frame_seed(cfg.seed, k)
    t = time.perf_counter()
    scans = scan_scene(cfg, d, apt, seed)
    timings["scan"].append(time.perf_counter() - t)
    t = time.perf_counter()
    origin, shape = grid_frame(apt, cfg)
    grid, mgrid, mats = voxel_grids(cfg, scans, origin, shape)
    timings["voxel"].append(time.perf_counter() - t)
    rng = np.random.default_rng(stream(seed, Stream.INDOOR_TX))
    tx = random_free_points(apt, rng, cfg.tx_per_scene, 0.0, cfg.tx_clearance_m, min_spacing_m=0.5)
    tx[:, 2] = rng.uniform(*cfg.tx_height_m, len(tx))
    for i, p in enumerate(tx):
        check_tx(apt, p, f"transmitter {i}")
    t = time.perf_counter()
    if labels_from is None:
        solver = VASRadioSolver(d / SCENE_XML, cfg.radio)
        pg = plane_stack(solver, tx, (float(origin[0]), float(origin[1])), (shape[1], shape[0]),
                         cfg.heights_m, cfg.voxel_size_m, seed=int(seed % (2 ** 31 - 1)) or 1)
        labels = []
        for planes in pg:
            pl = -10 * np.log10(np.where(planes > 0, planes, np.nan))  # (Hn, NY, NX) [dB]
            filled, mask = zip(*(fill_missing(plane) for plane in pl))
            labels.append((np.stack(filled).transpose(0, 2, 1).astype(np.float32), np.stack(mask).transpose(0, 2, 1)))
        timings["radio"].append(time.perf_counter() - t)
    else:
        labels = stored_labels(labels_from, sid, tx, scans)
        timings["labels"].append(time.perf_counter() - t)
    n_val = int(round(cfg.val_tx_fraction * len(tx))) if not is_test else 0
    val = set(rng.permutation(len(tx))[:n_val].tolist())
    path = root / SHARD_DIR / f"scene-{k:05d}.h5"
    conf = cfg.to_json()
    t = time.perf_counter()
    ids, splits = [], {}
    with ShardWriter(path, {"config": conf, "seed": cfg.seed, "preset": cfg.preset, "kind": "indoor"}) as w:
        for i, p in enumerate(tx):
            feats = voxel_features(mgrid, mats, p, cfg.radio.frequency_hz)
            split = "test" if is_test else ("val" if i in val else "train")
            eid = f"{sid}-tx{i:02d}"
            w.write(eid, {
                "occupancy": feats["occupancy"], "reflection_db": feats["reflection_db"],
                "transmission_db": feats["transmission_db"], "tx_distance_m": feats["tx_distance_m"],
                "fspl_db": feats["fspl_db"], "tx_position": p.astype(np.float32),
                "path_loss_db": labels[i][0], "fill_mask": labels[i][1],
                "semantic": grid.label.astype(np.int16),
            }, {
                "scene_id": sid, "scene": f"scenes/{sid}/{SCENE_XML}", "split": split, "tx_index": i,
                "voxel_size_m": cfg.voxel_size_m, "grid_origin_m": origin.tolist(), "grid_shape": list(shape),
                "heights_m": list(cfg.heights_m), "frequency_hz": cfg.radio.frequency_hz,
                "samples_per_tx": cfg.radio.samples_per_tx, "max_depth": cfg.radio.max_depth,
                "filled_fraction": float(np.mean(labels[i][1])), "num_scans": len(scans),
                "seed": seed, "master_seed": cfg.seed, "synthrm_version": __version__,
                "config": conf,
            })
            ids.append(eid)
            splits[eid] = split
            bar.update(1)
        w.write_group("scans", {k: np.stack([sc[k] for sc in scans]) for k in SCAN_ARRAYS},
                      {"scene_id": sid, "views": len(scans)})
    timings["write"].append(time.perf_counter() - t)
    idx.setdefault("splits", {}).update(splits)
    record_shard(root, idx, shard_entry(root, path, ids))


__all__ = ["generate_indoor", "scan_poses", "grid_frame", "build_scene", "scan_scene", "voxel_grids", "check_tx",
           "VOXEL_SETTINGS", "LABEL_FREE_SETTINGS"]
