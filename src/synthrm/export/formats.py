"""Camera poses, images, depth and scene geometry of a city dataset in other tools' formats.

* ``nerfstudio``: ``transforms.json`` (nerfstudio's data convention: per-frame
  ``transform_matrix`` camera-to-world in OpenGL/Blender axes, x right, y up, z backwards;
  pinhole ``fl_x, fl_y, cx, cy, w, h``), ``images/<id>.png`` and ``depth/<id>.png``
  (uint16 z-depth in units of ``depth_unit_scale_factor`` = 0.01 m, 0 on sky).
* ``colmap``: a text model ``cameras.txt`` (one PINHOLE camera per sample), ``images.txt``
  (world-to-camera rotation as a Hamilton quaternion QW QX QY QZ and translation, OpenCV
  axes, as COLMAP documents), ``points3D.txt`` (back-projected pixels with their colour,
  every ``point_stride``-th pixel), and the images.
* ``ply``: per sample the radio-textured VAS mesh of every Tx (``<id>_tx<t>.ply``) and
  the scene meshes (``scenes/<scene_id>/<class>.ply``): the SynthRM paper's "reconstructed scene
  polygons".
* ``synthrm-platform``: the SynthRM paper's loader ``block_<N>/`` folders (RGB PNG, camera
  ``.npy``, depth EXR, Tx and path-gain ``.npy``, ``profile.json``), one block per scene;
  see :mod:`synthrm.export.synthrm_platform` and ``docs/interop.md``.

Each writer registers its format (:func:`synthrm.export.registry.register_format`). Our poses are OpenCV camera-to-world (x right, y down, z forward, world z up); pixel
centres at +0.5, as in both tools.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from synthrm.camera.pinhole import PinholeCamera, world_to_camera
from synthrm.dataset.hdf5 import list_samples, read_sample
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


@register_format("nerfstudio", "transforms.json, images/, depth/ (nerfstudio)")
def export_nerfstudio(root: str | Path, out: Path) -> Path:
    frames = []
    for sid, s in _samples(root, ["rgb", "depth", "K", "cam_to_world"]):
        K, h, w = s["K"], *s["depth"].shape
        write_png(out / "images" / f"{sid}.png", s["rgb"])
        d = np.nan_to_num(s["depth"], nan=0.0) / DEPTH_UNIT_M
        write_png(out / "depth" / f"{sid}.png", np.clip(np.round(d), 0, 65535).astype(np.uint16))
        frames.append({"file_path": f"images/{sid}.png", "depth_file_path": f"depth/{sid}.png",
                       "transform_matrix": (s["cam_to_world"] @ CV_TO_GL).tolist(),
                       "fl_x": float(K[0, 0]), "fl_y": float(K[1, 1]), "cx": float(K[0, 2]), "cy": float(K[1, 2]),
                       "w": int(w), "h": int(h)})
    f0 = frames[0]
    doc = {"camera_model": "OPENCV", **{k: f0[k] for k in ("fl_x", "fl_y", "cx", "cy", "w", "h")},
           "k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0, "depth_unit_scale_factor": DEPTH_UNIT_M, "frames": frames}
    p = out / "transforms.json"
    p.write_text(json.dumps(doc, indent=1))
    return p


def read_nerfstudio_poses(path: str | Path) -> dict[str, np.ndarray]:
    """OpenCV camera-to-world (4, 4) per image name from a ``transforms.json``."""
    doc = json.loads(Path(path).read_text())
    return {Path(f["file_path"]).stem: np.asarray(f["transform_matrix"]) @ CV_TO_GL for f in doc["frames"]}


@register_format("colmap", "cameras.txt, images.txt, points3D.txt (COLMAP text model)")
def export_colmap(root: str | Path, out: Path, point_stride: int = 4) -> Path:
    cams, imgs, pts = [], [], []
    for i, (sid, s) in enumerate(_samples(root, ["rgb", "depth", "K", "cam_to_world"]), start=1):
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
    return out / "images.txt"


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


@register_format("ply", "radio-textured VAS meshes per sample and Tx, scene meshes; with --sample: one mesh to the "
                        "file --out", options=("sample", "tx"))
def export_ply(root: str | Path, out: Path, sample: str | None = None, tx: int | None = None) -> Path:
    """Radio-textured VAS meshes (the one PLY exporter; ``synthrm export-ply`` is its
    one-mesh form). Without ``sample``: every sample's mesh of every Tx (or of Tx ``tx``)
    as ``out/<id>_tx<t>.ply``, and the scene meshes (``out/scenes/<scene_id>/``); returns
    ``out``. With ``sample``: that sample's mesh of Tx ``tx`` (default 0), written to the
    file ``out``; returns it."""
    from synthrm.radio.export import export_sample_ply

    if sample is not None:
        return export_sample_ply(read_sample(root, sample), out, tx=tx or 0)
    out.mkdir(parents=True, exist_ok=True)
    scenes = set()
    for sid, s in _samples(root, None):
        num_tx = s["vas_path_gain_db"].shape[0] if "vas_path_gain_db" in s else 0
        for t in range(num_tx) if tx is None else [tx]:
            export_sample_ply(s, out / f"{sid}_tx{t}.ply", tx=t)
        scenes.add(str(s["attrs"].get("scene_id")))
    for sc in sorted(scenes):
        src = Path(root) / SCENES_DIR / sc / "meshes"
        if src.is_dir():
            shutil.copytree(src, out / "scenes" / sc, dirs_exist_ok=True)
    return out
