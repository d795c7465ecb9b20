"""The SynthRM-Platform block layout: export a city dataset to it, import blocks from it.

The SynthRM paper's public loader (``BlockLoader``) reads one folder per block (see
``docs/interop.md``)::

    <root>/block_<N>/
      profile.json                                 directories, neighbour lists, radio-map lists
      rgb/0000.png                                 uint8 RGB (H, W, 3)
      camera/extrinsic_0000.npy                    float64 (4, 4) camera-to-world [m], world z up
      depth/0000.exr                               float32 (H, W) z-depth [m], one channel "Y"
      config1/txpos/tx_pos_0000.npy                float64 (10, 3) Tx positions [m]
      config1/radiomap/rendered/radio_map_rendered_0000_tx_01.npy ... _tx_10.npy
                                                   float32 (H, W) path gain [dB], NaN = no value

Its entry ``idx`` is frame ``idx // 10`` and transmitter ``idx % 10`` (the list position
of the radio-map file), together with every frame whose camera lies within ``xmax`` m in
x and ``ymax`` m in y (20 m each, the frame itself included), in index order.

Our conventions, written into ``profile.json`` under the extra key ``synthrm``: OpenCV
camera axes, depth and path gain exactly as in our HDF5 (NaN on sky / no value), one
pinhole K per block. :func:`export_synthrm_platform` writes one block per scene (a plan's
frames are one scene), each into a hidden temporary folder renamed when complete;
:func:`import_synthrm_platform` reads blocks into a synthrm dataset folder built beside
``out`` and renamed when complete, the arrays a block lacks listed under ``absent``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

from synthrm.dataset.hdf5 import (
    SCHEMA_VERSION,
    ShardWriter,
    dataset_kind,
    list_samples,
    read_radio_sample,
    sha256,
    shard_path,
    write_index,
)
from synthrm.errors import ConfigError, DatasetError
from synthrm.export.registry import register_format
from synthrm.files import write_png

#: The loader takes exactly this many transmitters per frame (hard-coded ``idx // 10``).
TX_PER_FRAME = 10
#: Frames are neighbours when their cameras differ by at most this in x and in y [m].
NEIGHBOUR_XY_M = 20.0
PROFILE = "profile.json"
RGB_DIR, CAMERA_DIR, DEPTH_DIR = "rgb", "camera", "depth"
TX_DIR, RM_DIR = "config1/txpos", "config1/radiomap/rendered"
RM_PREFIX, TX_IND = "radio_map_rendered", "tx"
#: The single EXR channel of a depth map (the one FreeImage, imageio's EXR reader, loads).
EXR_CHANNEL = "Y"
#: Version of the ``synthrm`` extra key in ``profile.json``.
BLOCK_FORMAT_VERSION = 1
#: Arrays a block does not carry: listed under ``absent`` in an imported dataset's index.
ABSENT_ON_IMPORT = ("normal", "semantic", "material", "roughness", "albedo", "sinr_db", "path_gain_rings",
                    "path_gain_source", "path_gain_std_db", "path_gain_mechanism",
                    "tx_orientation", "tx_steering", "tx_precoding", "antenna_pattern", "vas_vertices",
                    "vas_faces", "vas_path_gain_db")
#: OpenGL / Blender camera axes (x right, y up, z backwards) <-> OpenCV axes.
GL_TO_CV = np.diag([1.0, -1.0, -1.0, 1.0])
#: Samples per HDF5 shard of an imported dataset.
IMPORT_SHARD_SIZE = 32
MAX_FRAMES_PER_BLOCK = 10_000  # four-digit file names


# ----------------------------------------------------------------------------- names

def rgb_name(i: int) -> str:
    return f"{i:04d}.png"


def camera_name(i: int) -> str:
    return f"extrinsic_{i:04d}.npy"


def depth_name(i: int) -> str:
    return f"{i:04d}.exr"


def tx_name(i: int) -> str:
    return f"tx_pos_{i:04d}.npy"


def rm_names(i: int, t: int = TX_PER_FRAME) -> list[str]:
    """Radio-map files of frame ``i``, transmitter 1..t, in sorted (= transmitter) order."""
    return [f"{RM_PREFIX}_{i:04d}_{TX_IND}_{k:02d}.npy" for k in range(1, t + 1)]


# ----------------------------------------------------------------------------- EXR

def _openexr():
    try:
        import OpenEXR
    except ImportError:
        raise ConfigError("the synthrm-platform format needs the OpenEXR bindings: `pip install openexr` "
                          "(`make setup` installs the pinned version)") from None
    return OpenEXR


def write_depth_exr(path: str | Path, depth: np.ndarray) -> None:
    """Write a depth map (H, W) [m] as a single-channel (``Y``) 32-bit float EXR, ZIP
    compressed (lossless): it decodes to the same float32 values, NaN included."""
    exr = _openexr()
    d = np.ascontiguousarray(depth, np.float32)
    if d.ndim != 2:
        raise ValueError(f"depth must be (H, W), got {d.shape}")
    header = {"compression": exr.ZIP_COMPRESSION, "type": exr.scanlineimage}
    with exr.File(header, {EXR_CHANNEL: d}) as f:
        f.write(str(path))


def read_depth_exr(path: str | Path) -> np.ndarray:
    """(H, W) float32 depth of a single-channel EXR (channel ``Y``, else its only
    channel, else ``Z`` or ``R``); half floats are widened to float32."""
    exr = _openexr()
    try:
        with exr.File(str(path)) as f:
            ch = f.channels()
            for name in (EXR_CHANNEL, *(list(ch) if len(ch) == 1 else []), "Z", "R"):
                if name in ch:
                    a = np.asarray(ch[name].pixels)
                    break
            else:
                raise DatasetError(f"{path}: a depth EXR needs one channel (or Y, Z or R); it has {sorted(ch)}")
    except DatasetError:
        raise
    except Exception as e:  # OpenEXR raises plain Exceptions for unreadable files
        raise DatasetError(f"{path}: not a readable EXR file ({e}); write depth as single-channel float32 EXR") from None
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim != 2:
        raise DatasetError(f"{path}: depth has shape {a.shape}, expected (H, W)")
    return a.astype(np.float32)


# ----------------------------------------------------------------------------- profile

def neighbours(positions_m: np.ndarray, xmax_m: float = NEIGHBOUR_XY_M,
               ymax_m: float = NEIGHBOUR_XY_M) -> list[list[int]]:
    """Per frame, the frames whose camera position (N, >= 2) [m] lies within ``xmax_m``
    in x and ``ymax_m`` in y (inclusive; the frame itself included), in index order."""
    p = np.asarray(positions_m, np.float64)
    near = (np.abs(p[:, None, 0] - p[None, :, 0]) <= xmax_m) & (np.abs(p[:, None, 1] - p[None, :, 1]) <= ymax_m)
    return [np.flatnonzero(row).tolist() for row in near]


def block_profile(positions_m: np.ndarray, extra: dict) -> dict:
    """``profile.json`` of a block of N frames with camera positions (N, 3) [m]: relative
    directories, the neighbour list of every file, the radio-map lists, the neighbour
    distances under ``meta`` and our conventions under ``synthrm`` (``extra``)."""
    n = len(positions_m)
    nb = neighbours(positions_m)

    def lists(name):
        return {name(i): [name(j) for j in nb[i]] for i in range(n)}

    return {"frame_dir": RGB_DIR, "camera_dir": CAMERA_DIR, "depth_dir": DEPTH_DIR, "rm_dir": RM_DIR,
            "tx_dir": TX_DIR, "frame": lists(rgb_name), "camera": lists(camera_name), "depth": lists(depth_name),
            "tx_pos": lists(tx_name),
            "radiomap": {"prefix": RM_PREFIX, "tx_ind": TX_IND, "rmfiles": {f"{i:04d}": rm_names(i) for i in range(n)}},
            "meta": {"xmax": NEIGHBOUR_XY_M, "ymax": NEIGHBOUR_XY_M},
            "synthrm": extra}


# ----------------------------------------------------------------------------- export

def _plan_blocks(root: Path) -> list[dict]:
    """Check every sample (radio labels, 10 Tx, one K per scene) before anything is
    written; returns one dict per scene, in dataset order: scene_id, sample ids, poses
    (N, 4, 4), K, the first sample's attrs."""
    if dataset_kind(root) == "indoor":
        raise DatasetError(f"{root}: an indoor voxel dataset; the synthrm-platform format holds city camera frames "
                           f"with radio maps (an indoor dataset exports its scans with --format nerfstudio or colmap, "
                           f"its receiver planes with --format ply)")
    blocks: dict[str, dict] = {}
    for _, sid in list_samples(root):
        s = read_radio_sample(root, sid, ["K", "cam_to_world", "tx_position"])
        t = s["tx_position"].shape[0]
        if t != TX_PER_FRAME:
            raise DatasetError(f"{root}: sample {sid} has {t} transmitters; the SynthRM-Platform loader takes "
                               f"exactly {TX_PER_FRAME} per frame: generate with `synthrm generate --tx-per-frame "
                               f"{TX_PER_FRAME}` or recompute the labels with `synthrm relabel --tx-per-frame "
                               f"{TX_PER_FRAME}`")
        a = s["attrs"]
        scene = str(a.get("scene_id", ""))
        b = blocks.setdefault(scene, {"scene_id": scene, "samples": [], "poses": [], "K": s["K"],
                                      "attrs": a})
        if not np.array_equal(b["K"], s["K"]):
            raise DatasetError(f"{root}: sample {sid} has other intrinsics than the rest of scene {scene}; "
                               f"a block holds one camera: export data made with one camera config")
        if len(b["samples"]) >= MAX_FRAMES_PER_BLOCK:
            raise DatasetError(f"{root}: scene {scene} has more than {MAX_FRAMES_PER_BLOCK} frames; the block's "
                               f"four-digit file names hold at most {MAX_FRAMES_PER_BLOCK}")
        b["samples"].append(sid)
        b["poses"].append(s["cam_to_world"])
    if not blocks:
        raise DatasetError(f"{root}: no samples to export")
    return list(blocks.values())


def _write_block(root: Path, plan: dict, tmp: Path) -> None:
    from synthrm import __version__

    for sub in (RGB_DIR, CAMERA_DIR, DEPTH_DIR, TX_DIR, RM_DIR):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    size = None
    for i, sid in enumerate(plan["samples"]):
        s = read_radio_sample(root, sid, ["rgb", "depth", "cam_to_world", "tx_position", "path_gain_db"])
        if size is None:
            size = s["depth"].shape
        elif s["depth"].shape != size:
            raise DatasetError(f"{root}: sample {sid} is {s['depth'].shape[::-1]} px, the scene's first is "
                               f"{size[::-1]}; a block holds one image size")
        write_png(tmp / RGB_DIR / rgb_name(i), s["rgb"])
        np.save(tmp / CAMERA_DIR / camera_name(i), s["cam_to_world"].astype(np.float64))
        write_depth_exr(tmp / DEPTH_DIR / depth_name(i), s["depth"])
        np.save(tmp / TX_DIR / tx_name(i), s["tx_position"].astype(np.float64))
        for t, name in enumerate(rm_names(i)):
            np.save(tmp / RM_DIR / name, s["path_gain_db"][t].astype(np.float32))
    a = plan["attrs"]
    extra = {"format_version": BLOCK_FORMAT_VERSION, "synthrm_version": __version__,
             "source_dataset": str(root.resolve()), "scene_id": plan["scene_id"],
             "samples": plan["samples"], "district": a.get("district", ""), "view": a.get("view", ""),
             "camera_axes": "opencv", "world_up": "+z", "K_px": np.asarray(plan["K"]).tolist(),
             "image_size_px": [int(size[1]), int(size[0])],
             "units": {"camera": "m", "depth": "m", "tx_pos": "m", "radiomap": "dB"},
             "depth": "z-depth along the optical axis", "radiomap": "path_gain",
             "nodata": {"depth": "NaN", "radiomap": "NaN"},
             "frequency_hz": a.get("frequency_hz"), "antenna": a.get("antenna")}
    prof = block_profile(np.asarray(plan["poses"])[:, :3, 3], extra)
    (tmp / PROFILE).write_text(json.dumps(prof, indent=1))  # last: a block without it is not one


@register_format("synthrm-platform", "the SynthRM paper's loader block_<N>/ folders", options=("block",))
def export_synthrm_platform(root: str | Path, out: str | Path, block: int = 0) -> Path:
    """Write the city dataset ``root`` as SynthRM-Platform blocks ``out/block_<block>``,
    ``block_<block + 1>``, ... (one per scene, frames renumbered from 0000). Refuses a
    dataset without exactly 10 Tx per frame and a block folder that exists, before
    writing anything. Each block appears under its name only when complete."""
    root, out = Path(root), Path(out)
    if block is None:
        block = 0
    if not isinstance(block, int) or block < 0:
        raise ConfigError(f"--block: must be an integer >= 0, got {block!r}")
    plans = _plan_blocks(root)
    dests = [out / f"block_{block + k}" for k in range(len(plans))]
    for d in dests:
        if d.exists():
            raise DatasetError(f"{d}: exists; export into another --out folder or from another --block number")
    out.mkdir(parents=True, exist_ok=True)
    for plan, dest in zip(plans, dests):
        tmp = out / f".{dest.name}.partial"
        if tmp.exists():
            shutil.rmtree(tmp)  # leftover of an interrupted export
        try:
            _write_block(root, plan, tmp)
            os.replace(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out


# ----------------------------------------------------------------------------- import

def find_blocks(root: str | Path, blocks: list[int] | None = None) -> list[tuple[int, Path]]:
    """(N, folder) of the ``block_<N>`` folders under ``root`` (all, or those in
    ``blocks``), by N."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: no such folder; give the folder that holds the block_<N> folders")
    found = sorted((int(m.group(1)), p) for p in root.iterdir()
                   if p.is_dir() and (m := re.fullmatch(r"block_(\d+)", p.name)))
    if blocks is not None:
        have = {n for n, _ in found}
        miss = [b for b in blocks if b not in have]
        if miss:
            raise DatasetError(f"{root}: no block_{miss[0]} folder (blocks here: {sorted(have) or 'none'})")
        found = [(n, p) for n, p in found if n in set(blocks)]
    if not found:
        raise DatasetError(f"{root}: no block_<N> folders; give the SynthRM-Platform root that holds them")
    return found


def read_profile(block_dir: Path) -> dict:
    p = block_dir / PROFILE
    if not p.is_file():
        raise DatasetError(f"{p}: missing; every block needs its profile.json (the SynthRM-Platform profiler "
                           f"or `synthrm export --format synthrm-platform` writes it)")
    try:
        prof = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DatasetError(f"{p}: not valid JSON ({e}); rewrite it") from None
    for key in ("frame_dir", "camera_dir", "depth_dir", "rm_dir", "tx_dir", "frame", "radiomap"):
        if key not in prof:
            raise DatasetError(f"{p}: lacks the key {key!r} the loader reads; rewrite the profile")
    if not isinstance(prof["radiomap"], dict) or "rmfiles" not in prof["radiomap"]:
        raise DatasetError(f"{p}: lacks radiomap.rmfiles (frame -> its radio-map files); rewrite the profile")
    return prof


def _frames_of(prof: dict, p: Path) -> list[int]:
    ids = []
    for name in prof["frame"]:
        m = re.fullmatch(r"(\d{4})\.png", name)
        if not m:
            raise DatasetError(f"{p}: frame {name!r} is not named NNNN.png as the loader expects")
        ids.append(int(m.group(1)))
    if not ids:
        raise DatasetError(f"{p}: lists no frames")
    return sorted(ids)


def _load(path: Path, what: str):
    if not path.is_file():
        raise DatasetError(f"{path}: missing ({what}); the block is incomplete")
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix == ".exr":
            return read_depth_exr(path)
        from PIL import Image

        with Image.open(path) as im:
            if im.mode not in ("RGB", "RGBA"):
                raise DatasetError(f"{path}: {im.mode} image; the block's frames are 8-bit RGB PNGs")
            return np.asarray(im.convert("RGB"))
    except DatasetError:
        raise
    except Exception as e:  # a truncated or foreign file
        raise DatasetError(f"{path}: unreadable {what} ({e})") from None


def _intrinsics(w: int, h: int, fov_x_deg, K, prof: dict, where: Path) -> tuple[np.ndarray, dict]:
    """K (3, 3) [px] of a block's frames and how it was given."""
    from synthrm.camera.pinhole import intrinsics

    if fov_x_deg is not None:
        return intrinsics(w, h, float(fov_x_deg)), {"from": "--fov-x-deg", "fov_x_deg": float(fov_x_deg)}
    if K is not None:
        fx, fy, cx, cy = (float(v) for v in K)
        if fx <= 0 or fy <= 0:
            raise ConfigError(f"--K: focal lengths must be > 0 px, got fx={fx}, fy={fy}")
        return (np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]]),
                {"from": "--K", "K_px": [fx, fy, cx, cy]})
    k = (prof.get("synthrm") or {}).get("K_px")
    if k is not None:
        return np.asarray(k, np.float64), {"from": f"{where.name}/{PROFILE} synthrm.K_px"}
    raise ConfigError(f"{where}: the block has no camera intrinsics; give them with --fov-x-deg DEG (horizontal "
                      f"field of view, principal point at the image centre) or --K FX FY CX CY [px]")


def _to_db(a: np.ndarray, unit: str, nodata) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "fiu":
        raise ValueError(f"dtype {a.dtype}")
    a = a.astype(np.float32) if a.dtype != np.float32 else a.copy()
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        a[a == np.float32(nodata)] = np.nan
    if unit == "linear":
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(a > 0, 10.0 * np.log10(a), np.nan).astype(np.float32)
    a[~np.isfinite(a)] = np.nan
    return a


def _nodata_value(v):
    if v is None or (isinstance(v, str) and v.lower() == "nan"):
        return float("nan")
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ConfigError(f"nodata: expected a number or NaN, got {v!r}") from None


#: profile.json directory keys and the block's default folder for each.
DIR_KEYS = {"frame_dir": RGB_DIR, "camera_dir": CAMERA_DIR, "depth_dir": DEPTH_DIR, "tx_dir": TX_DIR,
            "rm_dir": RM_DIR}


def block_dirs(block_dir: Path, prof: dict) -> dict[str, Path]:
    """The profile's directories resolved against the block folder (as the loader does).
    An absolute directory that does not exist here (a profile written on another machine)
    falls back to the block's default folder of that name when that one exists."""
    out = {}
    for key, default in DIR_KEYS.items():
        d = block_dir / str(prof[key])
        if not d.is_dir() and Path(str(prof[key])).is_absolute() and (block_dir / default).is_dir():
            d = block_dir / default
        out[key] = d
    return out


def _read_frame(bdir: Path, prof: dict, dirs: dict, i: int, unit: str, nodata: float, axes: str) -> dict:
    rgb = _load(dirs["frame_dir"] / rgb_name(i), "RGB frame")
    depth_p = dirs["depth_dir"] / depth_name(i)
    depth = _load(depth_p, "depth EXR")
    cam_p = dirs["camera_dir"] / camera_name(i)
    c2w = np.asarray(_load(cam_p, "camera extrinsic"), np.float64)
    tx_p = dirs["tx_dir"] / tx_name(i)
    tx = np.asarray(_load(tx_p, "Tx positions"), np.float64)
    files = prof["radiomap"]["rmfiles"].get(f"{i:04d}")
    if files is None:
        raise DatasetError(f"{bdir / PROFILE}: radiomap.rmfiles has no entry {i:04d} for frame {rgb_name(i)}")
    if len(files) != TX_PER_FRAME:
        raise DatasetError(f"{bdir / PROFILE}: frame {i:04d} lists {len(files)} radio maps; the loader takes "
                           f"exactly {TX_PER_FRAME} per frame (transmitter = position in the list)")
    if c2w.shape != (4, 4) or not np.all(np.isfinite(c2w)):
        raise DatasetError(f"{cam_p}: expected a finite (4, 4) camera-to-world, got {c2w.shape}")
    if tx.shape != (TX_PER_FRAME, 3) or not np.all(np.isfinite(tx)):
        raise DatasetError(f"{tx_p}: expected finite ({TX_PER_FRAME}, 3) Tx positions [m], got {tx.shape}")
    h, w = rgb.shape[:2]
    if depth.shape != (h, w):
        raise DatasetError(f"{depth_p}: depth is {depth.shape}, its RGB frame {(h, w)} (H, W); every image of a "
                           f"frame needs one size")
    maps = []
    for name in files:
        p = dirs["rm_dir"] / name
        m = _load(p, "radio map")
        if m.shape != (h, w):
            raise DatasetError(f"{p}: radio map is {m.shape}, its RGB frame {(h, w)} (H, W); every image of a "
                               f"frame needs one size")
        try:
            maps.append(_to_db(m, unit, nodata))
        except ValueError:
            raise DatasetError(f"{p}: radio map of dtype {m.dtype}; expected numbers") from None
    depth = np.where(np.isfinite(depth) & (depth > 0), depth, np.nan).astype(np.float32)
    pg = np.stack(maps)
    pg[:, np.isnan(depth)] = np.nan  # synthrm's convention: no value on sky
    if axes == "opengl":
        c2w = c2w @ GL_TO_CV
    return {"rgb": rgb, "depth": depth, "cam_to_world": c2w, "tx_position": tx, "path_gain_db": pg}


def import_synthrm_platform(root: str | Path, out: str | Path, fov_x_deg: float | None = None,
                            K: tuple[float, float, float, float] | None = None, blocks: list[int] | None = None,
                            camera_axes: str | None = None, radiomap_unit: str | None = None,
                            nodata: float | None = None) -> dict:
    """Read SynthRM-Platform blocks under ``root`` into a new synthrm dataset ``out``.

    One sample per frame (ids 000000, ... over the blocks in order, ``scene_id``
    ``block_<N>``): ``rgb``, ``depth`` [m] (NaN where the EXR holds a non-finite or
    non-positive value), ``cam_to_world`` (OpenCV axes), ``K`` (from ``fov_x_deg``, or
    ``K`` = (fx, fy, cx, cy) [px], or the block's own ``synthrm.K_px``), ``tx_position``
    (10, 3) [m] and ``path_gain_db`` (10, H, W) [dB], NaN = no value and on sky.
    ``camera_axes`` (``opencv`` / ``opengl``), ``radiomap_unit`` (``dB`` / ``linear``)
    and ``nodata`` (the maps' no-value marker) default to what the block's ``synthrm``
    key says, else OpenCV, dB and NaN. The other arrays are absent: ``index.json`` lists
    them under ``absent`` and records the source (``source``). Every block is checked
    for its profile before anything is written; the dataset is built in a hidden folder
    beside ``out`` and renamed when complete. Returns ``{"samples", "blocks", "out"}``.
    """
    from synthrm import __version__

    root, out = Path(root), Path(out)
    for name, v, ok in (("--camera-axes", camera_axes, ("opencv", "opengl")),
                        ("--radiomap-unit", radiomap_unit, ("dB", "linear"))):
        if v is not None and v not in ok:
            raise ConfigError(f"{name}: must be one of {', '.join(ok)}, got {v!r}")
    if fov_x_deg is not None and K is not None:
        raise ConfigError("--fov-x-deg and --K: give one of them")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DatasetError(f"{out}: exists and is not empty; import into a new --out folder")
    found = find_blocks(root, blocks)
    profiles = [(n, bdir, read_profile(bdir)) for n, bdir in found]
    frames = {n: _frames_of(prof, bdir / PROFILE) for n, bdir, prof in profiles}
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)  # leftover of an interrupted import
    tmp.mkdir(parents=True)
    try:
        index = _import_into(tmp, root, profiles, frames, fov_x_deg, K, camera_axes, radiomap_unit, nodata,
                             __version__)
        write_index(tmp, index)  # last inside the folder
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"samples": index["config"]["frames"], "blocks": [n for n, _, _ in profiles], "out": str(out)}


def _block_settings(bdir: Path, prof: dict, camera_axes, radiomap_unit, nodata) -> tuple[str, str, float]:
    ext = prof.get("synthrm") or {}
    axes = camera_axes or ext.get("camera_axes", "opencv")
    unit = radiomap_unit or (ext.get("units") or {}).get("radiomap", "dB")
    if axes not in ("opencv", "opengl") or unit not in ("dB", "linear"):
        raise DatasetError(f"{bdir / PROFILE}: synthrm.camera_axes {axes!r} / synthrm.units.radiomap {unit!r} "
                           f"unknown; override them with --camera-axes / --radiomap-unit")
    return axes, unit, _nodata_value(nodata if nodata is not None else (ext.get("nodata") or {}).get("radiomap"))


def _import_into(tmp: Path, root: Path, profiles, frames, fov_x_deg, K, camera_axes, radiomap_unit, nodata,
                 version: str) -> dict:
    sources, size, shards, writer, count = [], None, [], None, 0
    try:
        for n, bdir, prof in profiles:
            ext = prof.get("synthrm") or {}
            axes, unit, nd = _block_settings(bdir, prof, camera_axes, radiomap_unit, nodata)
            dirs = block_dirs(bdir, prof)
            src = {"block": n, "folder": str(bdir.resolve()), "frames": len(frames[n]), "camera_axes": axes,
                   "radiomap_unit": unit, "nodata": "NaN" if np.isnan(nd) else nd,
                   **{k: ext[k] for k in ("synthrm_version", "source_dataset", "scene_id", "frequency_hz",
                                          "antenna") if ext.get(k) is not None}}
            for i in frames[n]:
                fr = _read_frame(bdir, prof, dirs, i, unit, nd, axes)
                h, w = fr["depth"].shape
                if size is None:
                    size = (h, w)
                elif (h, w) != size:
                    raise DatasetError(f"{dirs['frame_dir'] / rgb_name(i)}: {w}x{h} px, the first frame is "
                                       f"{size[1]}x{size[0]}; a synthrm dataset holds one image size")
                if "K_px" not in src:
                    k, how = _intrinsics(w, h, fov_x_deg, K, prof, bdir)
                    src.update(intrinsics=how, K_px=k.tolist())
                fr["K"] = np.asarray(src["K_px"], np.float64)
                attrs = {"scene_id": f"block_{n}", "block": n, "block_frame": i, "frame": count,
                         "district": ext.get("district", ""), "view": ext.get("view", ""),
                         "source": "synthrm-platform", "source_block": src["folder"], "synthrm_version": version,
                         "num_tx": TX_PER_FRAME, "intrinsics": src["intrinsics"]}
                if isinstance(ext.get("samples"), list) and i < len(ext["samples"]):
                    attrs["source_sample"] = ext["samples"][i]
                attrs.update({k: ext[k] for k in ("frequency_hz", "antenna") if ext.get(k) is not None})
                if writer is None:
                    writer = ShardWriter(shard_path(tmp, len(shards)), {"source": "synthrm-platform",
                                                                         "source_root": str(root.resolve())})
                    writer.__enter__()
                writer.write(f"{count:06d}", fr, attrs)
                count += 1
                if len(writer.sample_ids) == IMPORT_SHARD_SIZE:
                    shards.append(_close(writer, tmp))
                    writer = None
            sources.append(src)
        if writer is not None:
            shards.append(_close(writer, tmp))
            writer = None
    finally:
        if writer is not None:  # an error mid-shard: drop its temporary file
            writer.__exit__(RuntimeError, None, None)
    radio = {"enabled": True, "tx_per_frame": TX_PER_FRAME}
    for key in ("frequency_hz", "antenna"):  # when every block states the same
        vals = {s.get(key) for s in sources}
        if len(vals) == 1 and None not in vals:
            radio[key] = vals.pop()
    return {"synthrm_version": version, "schema_version": SCHEMA_VERSION, "kind": "city", "seed": None,
            "source": {"format": "synthrm-platform", "root": str(root.resolve()), "blocks": sources},
            "absent": list(ABSENT_ON_IMPORT),
            "config": {"frames": count, "camera": {"resolution": [size[1], size[0]]}, "radio": radio},
            "shards": shards}


def _close(writer: ShardWriter, root: Path) -> dict:
    writer.__exit__(None, None, None)
    return {"file": str(writer.path.relative_to(root)), "samples": writer.sample_ids, "sha256": sha256(writer.path)}


__all__ = ["export_synthrm_platform", "import_synthrm_platform", "write_depth_exr", "read_depth_exr", "neighbours",
           "block_profile", "find_blocks", "read_profile", "TX_PER_FRAME", "NEIGHBOUR_XY_M", "ABSENT_ON_IMPORT"]
