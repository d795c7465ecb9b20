"""Triangle-mesh primitives: boxes and concatenation (vertices [m], faces as vertex indices)."""
from __future__ import annotations

import numpy as np

#: Faces of :func:`box_mesh`, outward normals: -z, +z, -y, +y, -x, +x.
BOX_FACES = np.array([
    [0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
    [3, 7, 6], [3, 6, 2], [0, 4, 7], [0, 7, 3], [1, 2, 6], [1, 6, 5],
], np.int64)


def box_mesh(lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """A closed axis-aligned box from corner ``lo`` to ``hi`` [m]: (8, 3) float64 vertices,
    (12, 3) int64 faces with outward normals."""
    (x0, y0, z0), (x1, y1, z1) = lo, hi
    v = np.array([[x0, y0, z0], [x1, y0, z0], [x1, y1, z0], [x0, y1, z0],
                  [x0, y0, z1], [x1, y0, z1], [x1, y1, z1], [x0, y1, z1]], np.float64)
    return v, BOX_FACES.copy()


def concat_meshes(parts) -> tuple[np.ndarray, np.ndarray]:
    """One mesh from ``(vertices, faces, ...)`` parts (extra items ignored): (V, 3) float64,
    (F, 3) int64 with the indices shifted; empty arrays for no part."""
    vs, fs, off = [], [], 0
    for v, f, *_ in parts:
        vs.append(np.asarray(v, np.float64))
        fs.append(np.asarray(f, np.int64) + off)
        off += len(v)
    if not vs:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
    return np.concatenate(vs), np.concatenate(fs)


def concat_meshes_uv(parts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`concat_meshes` of ``(vertices, faces, uv)`` parts, with their (V, 2) texture
    coordinates."""
    if not parts:
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros((0, 2))
    v, f = concat_meshes(parts)
    return v, f, np.concatenate([p[2] for p in parts])
