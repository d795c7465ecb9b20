"""The SenseRay-3D paper's four voxel channels plus the FSPL baseline (SenseRay-3D Section IV-A)."""
from __future__ import annotations

import numpy as np

from synthrm.errors import ConfigError
from synthrm.radio.p2040 import reflection_transmission_db
from synthrm.radio.physics import fspl_db
from synthrm.voxel.grid import VoxelGrid


def voxel_features(grid: VoxelGrid, materials: dict[int, str], tx_position_m: np.ndarray,
                   frequency_hz: float = 3.5e9) -> dict[str, np.ndarray]:
    """Channels of one (grid, Tx) pair, each (X, Y, Z) float32.

    Args:
        grid: the voxelized scan.
        materials: label id -> ITU-R P.2040 material name (data, replaceable): the
            semantic lookup table for a grid of class ids, or the material classes
            (``synthrm.scene.classes.MATERIAL_CLASSES``) for a grid of material ids.
        tx_position_m: (3,) transmitter position [m].
        frequency_hz: carrier [Hz].

    Returns:
        ``occupancy`` (0/1), ``reflection_db`` and ``transmission_db`` (eq. 16; 0 dB in
        empty voxels: nothing reflects, everything passes), ``tx_distance_m`` (from each
        voxel centre) and ``fspl_db`` (eq. 8 at that distance, >= 1 cm).
    """
    tx = np.asarray(tx_position_m, np.float64).reshape(3)
    occ = grid.occupancy.astype(np.float32)
    refl = np.zeros(grid.shape, np.float32)
    trans = np.zeros(grid.shape, np.float32)
    for sid in np.unique(grid.label[grid.occupancy > 0]):
        if int(sid) not in materials:
            raise ConfigError(f"voxel: label id {int(sid)} has no material in the table; "
                              f"add it (known ids: {sorted(materials)})")
        r, t = reflection_transmission_db(materials[int(sid)], frequency_hz)
        m = (grid.label == sid) & (grid.occupancy > 0)
        refl[m], trans[m] = r, t
    dist = np.linalg.norm(grid.centers() - tx, axis=-1)
    return {
        "occupancy": occ, "reflection_db": refl, "transmission_db": trans,
        "tx_distance_m": dist.astype(np.float32),
        "fspl_db": fspl_db(np.maximum(dist, 0.01), frequency_hz).astype(np.float32),
    }
