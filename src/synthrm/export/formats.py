"""Camera poses, images, depth and scene geometry of a dataset in other tools' formats.

An indoor dataset's camera views are the RGB-D scans of each apartment (kept in its
shard), exported in one folder per apartment (``out/<scene_id>/``); its meshes are the
receiver planes of the ground truth. An imported dataset has no meshes: ``ply`` refuses it.

* ``nerfstudio``: ``transforms.json`` (nerfstudio's data convention: per-frame
  ``transform_matrix`` camera-to-world in OpenGL/Blender axes, x right, y up, z backwards;
  pinhole ``fl_x, fl_y, cx, cy, w, h``), ``images/<id>.png`` and ``depth/<id>.png``
  (uint16 z-depth in units of ``depth_unit_scale_factor`` = 0.01 m, 0 on sky and beyond
  655.35 m, with a warning).
* ``colmap``: a text model ``cameras.txt`` (one PINHOLE camera per sample), ``images.txt``
  (world-to-camera rotation as a Hamilton quaternion QW QX QY QZ and translation, OpenCV
  axes, as COLMAP documents), ``points3D.txt`` (back-projected pixels with their colour,
  every ``point_stride``-th pixel), and the images.
* ``ply``: per sample the radio-textured VAS mesh of every Tx (``<id>_tx<t>.ply``) and
  the scene meshes (``scenes/<scene_id>/<class>.ply``): the SynthRM paper's "reconstructed scene
  polygons"; indoor, per entry its receiver planes (``<entry>.ply``, path gain = -path loss).
* ``synthrm-platform``: the SynthRM paper's loader ``block_<N>/`` folders (RGB PNG, camera
  ``.npy``, depth EXR, Tx and path-gain ``.npy``, ``profile.json``), one block per scene;
  see :mod:`synthrm.export.synthrm_platform` and ``docs/interop.md`` (city datasets only).

Each writer registers its format (:func:`synthrm.export.registry.register_format`). Our poses are OpenCV camera-to-world (x right, y down, z forward, world z up); pixel
centres at +0.5, as in both tools.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from synthrm.camera.pinhole import PinholeCamera, world_to_camera
from synthrm.dataset.hdf5 import check_indoor_tx, dataset_kind, list_samples, read_group, read_index, read_sample
from synthrm.errors import DatasetError
from synthrm.export.registry import register_format
from synthrm.files import write_png
from synthrm.scene.build import SCENES_DIR

#: OpenCV camera axes -> OpenGL camera axes (flip y and z).
CV_TO_GL = np.diag([1.0, -1.0, -1.0, 1.0])
DEPTH_UNIT_M = 0.01


def rotation_to_quaternion(R: np.ndarray) -> np.ndarray:
    """Hamilton unit quaternion (w, x, y, z) of a rotation matrix (3, 3), w >= 0."""
    R = np.asarray(R, np.float64)
    tr = np.trace(R)
    if tr > 0:
        s = 2.0 * np.sqrt(tr + 1.0)
        q = [0.25 * s, (R[2, 1] - R[1, 2]) / s, (R[0, 2] - R[2, 0]) / s, (R[1, 0] - R[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(R)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + R[i, i] - R[j, j] - R[k, k])
        q = np.empty(4)
        q[0] = (R[k, j] - R[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (R[j, i] + R[i, j]) / s
        q[1 + k] = (R[k, i] + R[i, k]) / s
    q = np.asarray(q, np.float64)
    q /= np.linalg.norm(q)
    return q if q[0] >= 0 else -q


def quaternion_to_rotation(q) -> np.ndarray:
    w, x, y, z = np.asarray(q, np.float64) / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _samples(root, keys):
    for _, sid in list_samples(root):
        yield sid, read_sample(root, sid, keys)


#: The arrays a camera view needs in the nerfstudio and COLMAP exports.
VIEW_KEYS = ["rgb", "depth", "K", "cam_to_world"]


def camera_views(root: str | Path) -> list[tuple[str, object]]:
    """The camera views of a dataset, grouped by the world they live in, for the image
    exports: ``[(group, views)]`` where ``views`` yields ``(view_id, {rgb, depth, K,
    cam_to_world})``. A city (or imported) dataset is one group ``""`` of its samples; an
    indoor dataset one group per apartment (its scene id) of the RGB-D scans the voxels
    were fused from (``scan-NNNN``), since every apartment is a world of its own."""
    root = Path(root)
    if dataset_kind(root) != "indoor":
        return [("", _samples(root, VIEW_KEYS))]
    groups = []
    for s in read_index(root)["shards"]:
        scans = read_group(root, s["file"], "scans")
        if scans is None:
            raise DatasetError(f"{root / s['file']}: holds no scans (made by synthrm before the indoor shards kept "
                               "them); regenerate the dataset into a new folder with `synthrm generate --preset "
                               "indoor-apartment ...` to export its scans")
        groups.append((str(scans["attrs"].get("scene_id", Path(s["file"]).stem)), _scan_views(scans)))
    return groups


def _scan_views(scans: dict):
    for i in range(len(scans["rgb"])):
        yield f"scan-{i:04d}", {k: scans[k][i] for k in VIEW_KEYS}


#: Depth beyond this does not fit the uint16 depth PNG at ``DEPTH_UNIT_M`` [m] (655.35 m).
MAX_PNG_DEPTH_M = 65535 * DEPTH_UNIT_M


def depth_png(depth_m: np.ndarray) -> tuple[np.ndarray, int]:
    """A z-depth map (H, W) [m] as the uint16 PNG values of nerfstudio's convention (units
    of ``DEPTH_UNIT_M``) and the number of pixels beyond ``MAX_PNG_DEPTH_M``: those, like
    sky, are written as 0 (no depth) rather than clipped to a false 655.35 m."""
    d = np.nan_to_num(np.asarray(depth_m, np.float64), nan=0.0) / DEPTH_UNIT_M
    far = np.round(d) > 65535
    return np.where(far, 0, np.clip(np.round(d), 0, 65535)).astype(np.uint16), int(far.sum())


def _warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


@register_format("nerfstudio", "transforms.json, images/, depth/ (nerfstudio); indoor: one folder per apartment "
                               "of its scans")
def export_nerfstudio(root: str | Path, out: Path) -> Path:
    """nerfstudio's ``transforms.json`` with ``images/`` and ``depth/`` in ``out`` (an
    indoor dataset: in ``out/<scene_id>/`` per apartment, its scans). Returns the
    ``transforms.json`` of a city dataset, ``out`` for an indoor one. Depth beyond
    655.35 m is written as 0 (no depth), with a warning naming how many pixels."""
    groups = camera_views(root)
    far, far_images = 0, 0
    for group, views in groups:
        d = out / group if group else out
        frames = []
        for sid, s in views:
            K, h, w = s["K"], *s["depth"].shape
            write_png(d / "images" / f"{sid}.png", s["rgb"])
            png, n_far = depth_png(s["depth"])
            far, far_images = far + n_far, far_images + (n_far > 0)
            write_png(d / "depth" / f"{sid}.png", png)
            frames.append({"file_path": f"images/{sid}.png", "depth_file_path": f"depth/{sid}.png",
                           "transform_matrix": (s["cam_to_world"] @ CV_TO_GL).tolist(),
                           "fl_x": float(K[0, 0]), "fl_y": float(K[1, 1]), "cx": float(K[0, 2]), "cy": float(K[1, 2]),
                           "w": int(w), "h": int(h)})
        if not frames:
            raise DatasetError(f"{root}: no samples to export")
        f0 = frames[0]
        doc = {"camera_model": "OPENCV", **{k: f0[k] for k in ("fl_x", "fl_y", "cx", "cy", "w", "h")},
               "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0, "depth_unit_scale_factor": DEPTH_UNIT_M, "frames": frames}
        (d / "transforms.json").write_text(json.dumps(doc, indent=1))
    if far:
        _warn(f"{far} depth pixels in {far_images} images lie beyond {MAX_PNG_DEPTH_M:.2f} m, the most a uint16 "
              f"depth PNG at {DEPTH_UNIT_M} m holds; they are written as 0 (no depth, like sky). The colmap and "
              "synthrm-platform exports keep full-range depth")
    return out if groups[0][0] else out / "transforms.json"


def read_nerfstudio_poses(path: str | Path) -> dict[str, np.ndarray]:
    """OpenCV camera-to-world (4, 4) per image name from a ``transforms.json``."""
    doc = json.loads(Path(path).read_text())
    return {Path(f["file_path"]).stem: np.asarray(f["transform_matrix"]) @ CV_TO_GL for f in doc["frames"]}


@register_format("colmap", "cameras.txt, images.txt, points3D.txt (COLMAP text model); indoor: one model per "
                           "apartment of its scans")
def export_colmap(root: str | Path, out: Path, point_stride: int = 4) -> Path:
    """A COLMAP text model with its images in ``out`` (an indoor dataset: one in
    ``out/<scene_id>/`` per apartment, its scans). Returns the ``images.txt`` of a city
    dataset, ``out`` for an indoor one."""
    groups = camera_views(root)
    for group, views in groups:
        _write_colmap(views, out / group if group else out, point_stride)
    return out if groups[0][0] else out / "images.txt"


def _write_colmap(views, out: Path, point_stride: int) -> None:
    cams, imgs, pts = [], [], []
    for i, (sid, s) in enumerate(views, start=1):
        K, (h, w) = s["K"], s["depth"].shape
        write_png(out / "images" / f"{sid}.png", s["rgb"])
        cams.append(f"{i} PINHOLE {w} {h} {K[0, 0]:.10g} {K[1, 1]:.10g} {K[0, 2]:.10g} {K[1, 2]:.10g}")
        w2c = world_to_camera(s["cam_to_world"])
        q, t = rotation_to_quaternion(w2c[:3, :3]), w2c[:3, 3]
        imgs.append(f"{i} " + " ".join(f"{v:.12g}" for v in (*q, *t)) + f" {i} {sid}.png\n")
        p = PinholeCamera.from_sample(s).backproject(s["depth"])[::point_stride, ::point_stride]
        c = s["rgb"][::point_stride, ::point_stride]
        ok = np.isfinite(p[..., 0])
        pts.append(np.concatenate([p[ok], c[ok].astype(np.float64)], axis=1))
    out.mkdir(parents=True, exist_ok=True)
    (out / "cameras.txt").write_text("# CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n" + "\n".join(cams) + "\n")
    (out / "images.txt").write_text("# IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n# POINTS2D[] (empty)\n"
                                    + "\n".join(imgs) + "\n")
    allp = np.concatenate(pts) if pts else np.zeros((0, 6))
    lines = [f"{j} {x:.4f} {y:.4f} {z:.4f} {int(r)} {int(g)} {int(b)} 0" for j, (x, y, z, r, g, b) in
             enumerate(allp, start=1)]
    (out / "points3D.txt").write_text("# POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[]\n" + "\n".join(lines) + "\n")


def read_colmap_poses(images_txt: str | Path) -> dict[str, np.ndarray]:
    """OpenCV camera-to-world (4, 4) per image name from a COLMAP ``images.txt``."""
    out = {}
    lines = [ln for ln in Path(images_txt).read_text().splitlines() if ln and not ln.startswith("#")]
    for ln in lines:
        f = ln.split()
        if len(f) < 10:
            continue  # a POINTS2D line
        R = quaternion_to_rotation([float(v) for v in f[1:5]])
        t = np.array([float(v) for v in f[5:8]])
        c2w = np.eye(4)
        c2w[:3, :3], c2w[:3, 3] = R.T, -R.T @ t
        out[Path(f[9]).stem] = c2w
    return out


@register_format("ply", "radio-textured meshes per sample and Tx (indoor: the receiver planes of each entry), scene "
                        "meshes; with --sample: one mesh to the file --out", options=("sample", "tx"))
def export_ply(root: str | Path, out: Path, sample: str | None = None, tx: int | None = None) -> Path:
    """Radio-textured meshes (the one PLY exporter; ``synthrm export-ply`` is its
    one-mesh form). City: the VAS mesh of a sample and Tx, faces carrying ``path_gain_db``;
    indoor: an entry's receiver planes (:func:`receiver_plane_mesh`). Without ``sample``:
    every sample's mesh of every Tx (or of Tx ``tx``) as ``out/<id>_tx<t>.ply`` (indoor:
    ``out/<entry>.ply``), and the scene meshes (``out/scenes/<scene_id>/``); returns
    ``out``. With ``sample``: that sample's mesh of Tx ``tx`` (default 0), written to the
    file ``out``; returns it. A dataset without meshes (imported) is refused."""
    from synthrm.radio.export import export_sample_ply, write_radio_ply

    root = Path(root)
    indoor = dataset_kind(root) == "indoor"
    check_indoor_tx(root, tx)
    absent = set(read_index(root).get("absent", ()))
    if not indoor and "vas_path_gain_db" in absent:
        raise DatasetError(f"{root}: an imported dataset has no VAS meshes (its blocks hold images and radio maps "
                           "only); the ply export needs a dataset made by `synthrm generate` (use --format nerfstudio "
                           "or colmap for its images and poses)")

    def write(s: dict, path: Path, t: int) -> Path:
        if indoor:
            v, f, g = receiver_plane_mesh(s)
            a = s["attrs"]
            return write_radio_ply(path, v, f, g, comment=(
                f"synthrm {a.get('synthrm_version', '?')} indoor entry {a.get('scene_id')}-tx{a.get('tx_index', 0):02d}"
                f": path gain (= -path loss) on the receiver planes at {a.get('heights_m')} m, "
                f"{100 * float(a.get('filled_fraction', 0)):.1f} % of the cells interpolated (fill_mask)"))
        if "vas_path_gain_db" not in s:
            raise DatasetError(f"{root}: sample {s['attrs'].get('frame', '?')} has no radio-textured mesh (made "
                               "with --no-radio); generate the dataset with the radio on")
        return export_sample_ply(s, path, tx=t)

    if sample is not None:
        return write(read_sample(root, sample), out, tx or 0)
    out.mkdir(parents=True, exist_ok=True)
    scenes = set()
    for sid, s in _samples(root, None):
        if indoor:
            write(s, out / f"{sid}.ply", 0)
        else:
            num_tx = s["vas_path_gain_db"].shape[0] if "vas_path_gain_db" in s else 0
            for t in range(num_tx) if tx is None else [tx]:
                write(s, out / f"{sid}_tx{t}.ply", t)
        scenes.add(str(s["attrs"].get("scene_id")))
    for sc in sorted(scenes):
        src = root / SCENES_DIR / sc / "meshes"
        if src.is_dir():
            shutil.copytree(src, out / "scenes" / sc, dirs_exist_ok=True)
    return out


def receiver_plane_mesh(entry: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An indoor entry's ground-truth receiver planes as one mesh: per height of
    ``heights_m`` [m] a horizontal grid whose cells are the ground-truth cells (the voxel
    grid's x-y lattice, ``grid_origin_m`` + index * ``voxel_size_m``), two triangles each.
    Returns vertices (V, 3) [m], faces (F, 3) and each face's path gain [dB] (F,) (= -
    ``path_loss_db``, the convention of the city meshes; NaN where the entry has none)."""
    a = entry["attrs"]
    pl = np.asarray(entry["path_loss_db"], np.float64)  # (Hn, X, Y)
    hn, nx, ny = pl.shape
    v, o = float(a["voxel_size_m"]), np.asarray(a["grid_origin_m"], np.float64)
    gx, gy = np.meshgrid(o[0] + v * np.arange(nx + 1), o[1] + v * np.arange(ny + 1), indexing="ij")
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    corner = (ii * (ny + 1) + jj).reshape(-1)  # vertex index of cell (i, j)'s lower corner
    quad = np.stack([corner, corner + ny + 1, corner + ny + 2, corner + 1], 1)
    cell = np.concatenate([quad[:, [0, 1, 2]], quad[:, [0, 2, 3]]])
    verts, faces, gain = [], [], []
    for k, z in enumerate(a["heights_m"]):
        verts.append(np.stack([gx.ravel(), gy.ravel(), np.full(gx.size, o[2] + float(z))], 1))
        faces.append(cell + k * gx.size)
        g = -pl[k].reshape(-1)
        gain.append(np.concatenate([g, g]))
    return np.concatenate(verts), np.concatenate(faces), np.concatenate(gain)
