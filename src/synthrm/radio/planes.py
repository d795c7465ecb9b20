"""Indoor ground truth: path loss on horizontal planes (the SenseRay-3D paper, Section V-C).

Planes every 0.1 m from 0.6 m to 1.6 m above the floor (handheld heights), 0.1 m x 0.1 m
cells, omnidirectional transmitters. Each cell's receiver is a "cross" of three small
orthogonal squares (one solver call covers every height and Tx), because a horizontal
plane near the Tx height is crossed only at grazing angles. Cells no ray reached are filled by bilinear
interpolation, then nearest neighbour (the SenseRay-3D paper's rule), and flagged in a mask so that
metrics can leave them out.
"""
from __future__ import annotations

import numpy as np

from synthrm.errors import SynthrmError
from synthrm.radio.radio_map_solver import VASRadioSolver

#: The SenseRay-3D paper's receiver heights above the floor [m].
DEFAULT_HEIGHTS_M = tuple(round(0.6 + 0.1 * k, 1) for k in range(11))


def receiver_cells(origin_xy: tuple[float, float], shape: tuple[int, int], heights_m, cell_m: float = 0.1):
    """The measurement surface of the "cross" receivers: in every cell (iy, ix) and at every
    height, three small orthogonal squares of side ``cell_m`` centred on the cell centre
    (normals x, y, z). A horizontal plane alone is crossed at grazing angles by rays from a
    Tx at about the same height and collects few of them; the vertical squares catch those.

    Returns a :class:`~synthrm.vas.mesh.VASMesh` whose faces are ordered (height,
    orientation, cell, triangle), 2 triangles per square.
    """
    from synthrm.vas.mesh import VASMesh

    ny, nx = shape
    iy, ix = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    cx = origin_xy[0] + (ix.ravel() + 0.5) * cell_m
    cy = origin_xy[1] + (iy.ravel() + 0.5) * cell_m
    h = cell_m / 2
    verts, faces, n = [], [], 0
    quad = np.array([[0, 1, 2], [0, 2, 3]])
    for z in heights_m:
        c = np.stack([cx, cy, np.full(cx.shape, float(z))], 1)
        for axis in range(3):
            u, w = [a for a in range(3) if a != axis]
            corners = np.repeat(c[:, None, :], 4, axis=1)
            corners[:, :, u] += np.array([-h, h, h, -h])
            corners[:, :, w] += np.array([-h, -h, h, h])
            verts.append(corners.reshape(-1, 3))
            base = n + 4 * np.arange(len(c))
            faces.append((base[:, None, None] + quad[None]).reshape(-1, 3))
            n += 4 * len(c)
    v = np.concatenate(verts).astype(np.float32)
    f = np.concatenate(faces).astype(np.int32)
    return VASMesh(v, f, np.zeros((len(v), 2), np.int32), np.full((1, 1), -1, np.int32),
                   np.ones(len(f), np.int16), 0.0)


def plane_stack(solver: VASRadioSolver, tx_positions: np.ndarray, origin_xy: tuple[float, float],
                shape: tuple[int, int], heights_m=DEFAULT_HEIGHTS_M, cell_m: float = 0.1,
                seed: int = 1, receivers: str = "cross") -> np.ndarray:
    """Linear path gain (T, len(heights), NY, NX) float64; 0 where no ray arrived.

    ``receivers="cross"`` (default): one solver call for all heights and transmitters on
    :func:`receiver_cells`, the three orientations' estimates averaged (each is an
    unbiased estimate of the isotropic path gain; their mean has less variance).
    ``receivers="plane"``: Sionna's planar radio map, one call per height (the reference
    the tests check the cross cells against).
    """
    ny, nx = shape
    if receivers == "plane":
        return np.stack([solver.plane_path_gain(tx_positions, origin_xy, shape, z, cell_m, seed=seed + k)
                         for k, z in enumerate(heights_m)], axis=1)
    if receivers != "cross":
        raise ValueError(f"receivers must be 'cross' or 'plane', got {receivers!r}")
    mesh = receiver_cells(origin_xy, shape, heights_m, cell_m)
    g = solver.path_gain(mesh, tx_positions, seed=seed)
    return g.reshape(len(g), len(heights_m), 3, ny, nx, 2).mean(axis=(2, 5))


def fill_missing(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill NaN cells of a (NY, NX) map: bilinear (linear on the triangulated valid cells)
    where they are surrounded, nearest neighbour elsewhere.

    Returns (filled (NY, NX) float32, filled_mask (NY, NX) bool: True where the value is
    interpolated rather than simulated).
    """
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator

    v = np.asarray(values, np.float64)
    missing = ~np.isfinite(v)
    if not missing.any():
        return v.astype(np.float32), missing
    if missing.all():
        raise SynthrmError("path-loss plane: no cell received any ray; raise radio.samples_per_tx "
                           "or move the transmitter into the apartment")
    yy, xx = np.nonzero(~missing)
    pts = np.stack([yy, xx], 1).astype(np.float64)
    q = np.stack(np.nonzero(missing), 1).astype(np.float64)
    out = v.copy()
    if len(pts) >= 3 and np.linalg.matrix_rank(pts - pts.mean(0)) == 2:
        lin = LinearNDInterpolator(pts, v[~missing])(q)
    else:
        lin = np.full(len(q), np.nan)
    near = NearestNDInterpolator(pts, v[~missing])(q)
    out[missing] = np.where(np.isfinite(lin), lin, near)
    return out.astype(np.float32), missing
