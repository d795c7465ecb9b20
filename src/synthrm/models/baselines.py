"""Physics baselines the learned models are compared against (no training data needed
beyond a two-parameter fit).

* free-space loss: Friis, ``fspl_db(d, f)``;
* log-distance: ``PL(d) = PL0 + 10 n log10(d / 1 m)``, least squares on the training set;
* multi-wall (COST 231 / ITU-R P.1238 style, indoor): FSPL plus the transmission loss of
  every wall the straight Tx-Rx line crosses, walls and their losses read from the
  voxel channels (``occupancy``, ``transmission_db``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthrm.radio.physics import fspl_db


@dataclass
class LogDistance:
    """``PL(d) = pl0_db + 10 n log10(d / 1 m)``."""

    pl0_db: float
    n: float

    @classmethod
    def fit(cls, distance_m: np.ndarray, path_loss_db: np.ndarray) -> "LogDistance":
        """Least-squares fit on finite samples (distances >= 1 cm)."""
        d = np.asarray(distance_m, np.float64).ravel()
        pl = np.asarray(path_loss_db, np.float64).ravel()
        ok = np.isfinite(d) & np.isfinite(pl) & (d >= 0.01)
        if ok.sum() < 2:
            raise ValueError("log-distance fit needs at least two finite (distance, path loss) samples")
        a = np.stack([np.ones(ok.sum()), 10 * np.log10(d[ok])], 1)
        (pl0, n), *_ = np.linalg.lstsq(a, pl[ok], rcond=None)
        return cls(float(pl0), float(n))

    def __call__(self, distance_m: np.ndarray) -> np.ndarray:
        return self.pl0_db + 10 * self.n * np.log10(np.maximum(np.asarray(distance_m, np.float64), 0.01))


def multi_wall_db(occupancy: np.ndarray, transmission_db: np.ndarray, origin_m: np.ndarray,
                  voxel_size_m: float, tx_m: np.ndarray, rx_m: np.ndarray, frequency_hz: float = 3.5e9,
                  step_fraction: float = 0.25, chunk: int = 2048) -> np.ndarray:
    """Multi-wall path loss [dB] (M,) from ``tx_m`` (3,) to receivers ``rx_m`` (M, 3).

    The straight line is marched in steps of ``step_fraction`` voxels; every run of
    consecutive occupied voxels is one wall, costing the largest ``-transmission_db`` of
    its voxels. Receivers and Tx in walls are not special-cased. Receivers are processed
    ``chunk`` at a time (memory ~ chunk x steps).
    """
    occ = np.asarray(occupancy) > 0
    tdb = np.asarray(transmission_db, np.float64)
    tx = np.asarray(tx_m, np.float64).reshape(3)
    rx = np.asarray(rx_m, np.float64).reshape(-1, 3)
    d = np.linalg.norm(rx - tx, axis=1)
    steps = max(2, int(np.ceil(d.max(initial=0.0) / (voxel_size_m * step_fraction))) + 1)
    t = np.linspace(0, 1, steps)
    shape = np.asarray(occ.shape)
    total = np.zeros(len(rx))
    for a in range(0, len(rx), chunk):
        r = rx[a:a + chunk]
        pts = tx[None, None] + t[None, :, None] * (r - tx)[:, None, :]  # (m, S, 3)
        idx = np.floor((pts - np.asarray(origin_m)) / voxel_size_m).astype(np.int64)
        inside = np.all((idx >= 0) & (idx < shape), axis=-1)
        idx = np.clip(idx, 0, shape - 1)
        o = occ[idx[..., 0], idx[..., 1], idx[..., 2]] & inside
        loss = np.where(o, -tdb[idx[..., 0], idx[..., 1], idx[..., 2]], 0.0)
        # one wall per run of occupied samples: its largest loss
        start = o & ~np.concatenate([np.zeros((len(o), 1), bool), o[:, :-1]], axis=1)
        run = np.cumsum(start, axis=1) * o
        acc = np.zeros((len(o), int(run.max(initial=0)) + 1))
        rows = np.broadcast_to(np.arange(len(o))[:, None], run.shape)
        np.maximum.at(acc, (rows[o], run[o]), loss[o])
        total[a:a + chunk] = acc[:, 1:].sum(1)
    return fspl_db(np.maximum(d, 0.01), frequency_hz) + total
