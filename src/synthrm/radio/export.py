"""The radio-textured mesh of a sample as a PLY file any mesh viewer opens.

Faces carry ``path_gain_db`` (float, NaN where no value) and an RGB colour from a
colour map (grey where no value); vertices carry the mean colour of their faces, for
viewers that only show vertex colours.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from synthrm.ply import read_ply, write_ply

#: Colour of faces without a value.
NO_VALUE_RGB = (128, 128, 128)


def colorize_db(values_db: np.ndarray, vmin: float | None = None, vmax: float | None = None,
                cmap: str = "viridis") -> tuple[np.ndarray, float, float]:
    """(N,) dB values -> ((N, 3) uint8 colours, vmin, vmax); NaN -> grey. The range
    defaults to the 2nd-98th percentile of the finite values."""
    from matplotlib import colormaps

    v = np.asarray(values_db, np.float64)
    fin = np.isfinite(v)
    if vmin is None or vmax is None:
        lo, hi = (np.percentile(v[fin], [2, 98]) if fin.any() else (0.0, 1.0))
        vmin = lo if vmin is None else vmin
        vmax = hi if vmax is None else vmax
    t = np.clip((v - vmin) / max(vmax - vmin, 1e-9), 0, 1)
    rgb = (colormaps[cmap](np.where(fin, t, 0))[:, :3] * 255).round().astype(np.uint8)
    rgb[~fin] = NO_VALUE_RGB
    return rgb, float(vmin), float(vmax)


def write_radio_ply(path: str | Path, vertices: np.ndarray, faces: np.ndarray, path_gain_db: np.ndarray,
                    vmin: float | None = None, vmax: float | None = None, comment: str = "") -> Path:
    """Write a binary PLY: vertices (V, 3) [m] with colours, faces (F, 3) with
    ``path_gain_db`` (F,) [dB] and colours. Returns the path."""
    v = np.asarray(vertices, np.float32)
    f = np.asarray(faces, np.int32)
    g = np.asarray(path_gain_db, np.float32).reshape(-1)
    if len(g) != len(f):
        raise ValueError(f"path_gain_db has {len(g)} values for {len(f)} faces")
    frgb, vmin, vmax = colorize_db(g, vmin, vmax)
    acc = np.zeros((len(v), 3))
    cnt = np.zeros(len(v))
    for k in range(3):
        np.add.at(acc, f[:, k], frgb)
        np.add.at(cnt, f[:, k], 1)
    vrgb = (acc / np.maximum(cnt, 1)[:, None]).round().astype(np.uint8)
    comments = (f"path_gain_db colour range [{vmin:.2f}, {vmax:.2f}] dB (viridis)",
                *[line for line in comment.splitlines() if line])
    return write_ply(path, v, f, vertex_rgb=vrgb, face_values={"path_gain_db": g}, face_rgb=frgb, comments=comments)


def read_radio_ply(path: str | Path) -> dict[str, np.ndarray]:
    """Read a file written by :func:`write_radio_ply` (vertices, faces, path_gain_db, colours)."""
    m = read_ply(path)
    return {"vertices": m["vertices"], "vertex_rgb": m["vertex_rgb"], "faces": m["faces"],
            "path_gain_db": m["path_gain_db"], "face_rgb": m["face_rgb"]}


def export_sample_ply(sample: dict, out: str | Path, tx: int = 0) -> Path:
    """Radio-textured VAS mesh of one sample (as read by ``read_sample``) for Tx ``tx``."""
    from synthrm.errors import DatasetError

    for k in ("vas_vertices", "vas_faces", "vas_path_gain_db"):
        if k not in sample:
            raise DatasetError(f"sample has no {k!r}: it was generated without radio (radio.enabled: false)")
    t = sample["vas_path_gain_db"].shape[0]
    if not 0 <= tx < t:
        raise DatasetError(f"--tx {tx}: the sample has transmitters 0..{t - 1}")
    a = sample.get("attrs", {})
    p = sample["tx_position"][tx]
    note = (f"synthrm {a.get('synthrm_version', '?')} sample {a.get('frame', '?')} tx {tx} at "
            f"({p[0]:.2f}, {p[1]:.2f}, {p[2]:.2f}) m, {a.get('frequency_hz', 0):g} Hz, antenna {a.get('antenna', '?')}")
    return write_radio_ply(out, sample["vas_vertices"], sample["vas_faces"], sample["vas_path_gain_db"][tx],
                           comment=note)
