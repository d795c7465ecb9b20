"""Physics baselines the learned models are compared against (no training data needed
beyond a two-parameter fit).

* free-space loss: Friis, ``fspl_db(d, f)``;
* log-distance: ``PL(d) = PL0 + 10 n log10(d / 1 m)``, least squares on the training set;
* multi-wall (COST 231 / ITU-R P.1238 style, indoor): FSPL plus the transmission loss of
  every wall the straight Tx-Rx line crosses, walls and their losses read from the
  voxel channels (``occupancy``, ``transmission_db``);
* 3GPP TR 38.901 (V17) Table 7.4.1-1 median path loss (no shadow fading): UMi-Street Canyon
  outdoors, InH-Office indoors, LoS or NLoS per receiver as the caller's geometry decides.

Conventions: distances [m], heights [m] above ground, frequencies [Hz] (the standard's
``fc`` in GHz is derived inside), path loss [dB] positive, path gain [dB] = -path loss.
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


def wall_crossings(occupancy: np.ndarray, origin_m: np.ndarray, voxel_size_m: float, tx_m: np.ndarray,
                   rx_m: np.ndarray, transmission_db: np.ndarray | None = None, step_fraction: float = 0.25,
                   chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Walls on the straight lines from ``tx_m`` (3,) to receivers ``rx_m`` (M, 3) [m]
    through the voxel grid ``occupancy`` (X, Y, Z) (> 0: occupied; voxel (0, 0, 0) has its
    corner at ``origin_m`` (3,), edge ``voxel_size_m``).

    Every line is marched in as many samples as the longest needs for steps of
    ``step_fraction`` voxels (end points included, so shorter lines in shorter steps);
    every run of consecutive occupied samples is one wall. Returns ``n_walls`` (M,) int64
    and ``wall_loss_db`` (M,) float64: per wall the largest ``-transmission_db`` (X, Y, Z)
    of its voxels, summed (zeros where ``transmission_db`` is None). ``n_walls == 0`` is
    the receiver's line of sight. Samples outside the grid are free; receivers and Tx
    inside walls are not special-cased. ``chunk`` receivers at a time (memory ~ chunk x
    steps; small chunks stay in the CPU cache).
    """
    occ = np.asarray(occupancy) > 0
    tx = np.asarray(tx_m, np.float64).reshape(3)
    rx = np.asarray(rx_m, np.float64).reshape(-1, 3)
    origin = np.asarray(origin_m, np.float64).reshape(3)
    d = np.linalg.norm(rx - tx, axis=1)
    steps = max(2, int(np.ceil(d.max(initial=0.0) / (voxel_size_m * step_fraction))) + 1)
    t = np.linspace(0, 1, steps)
    # the grid in a border of free voxels, flattened: a sample outside reads the border
    shape = occ.shape
    padded = tuple(n + 2 for n in shape)
    inner = tuple(slice(1, n + 1) for n in shape)
    occ_p = np.zeros(padded, bool)
    occ_p[inner] = occ
    occ_p = occ_p.ravel()
    if transmission_db is not None:
        loss_p = np.zeros(padded)
        loss_p[inner] = -np.asarray(transmission_db, np.float64)
        loss_p = loss_p.ravel()
    strides = (padded[1] * padded[2], padded[2], 1)
    n_walls = np.zeros(len(rx), np.int64)
    total = np.zeros(len(rx))
    for a in range(0, len(rx), chunk):
        r = rx[a:a + chunk]
        flat = 0
        for k in range(3):  # per axis: floor((tx + t (r - tx) - origin) / size), clipped into the border
            cell = np.floor((tx[k] + t[None, :] * (r[:, k] - tx[k])[:, None] - origin[k]) / voxel_size_m)
            np.clip(cell, -1, shape[k], out=cell)
            flat = flat + (cell.astype(np.int64) + 1) * strides[k]
        o = occ_p[flat]  # (m, S)
        # one wall per run of occupied samples
        start = o.copy()
        start[:, 1:] &= ~o[:, :-1]
        n_walls[a:a + chunk] = start.sum(1)
        if transmission_db is None:
            continue
        # a wall costs its largest loss: the runs lie contiguous in the occupied samples, row by row
        first = np.flatnonzero(start[o])
        if len(first):
            worst = np.maximum.reduceat(loss_p[flat[o]], first)
            total[a:a + chunk] = np.bincount(np.nonzero(start)[0], weights=worst, minlength=len(r))
    return n_walls, total


def multi_wall_db(occupancy: np.ndarray, transmission_db: np.ndarray, origin_m: np.ndarray,
                  voxel_size_m: float, tx_m: np.ndarray, rx_m: np.ndarray, frequency_hz: float = 3.5e9,
                  step_fraction: float = 0.25, chunk: int = 256) -> np.ndarray:
    """Multi-wall path loss [dB] (M,) from ``tx_m`` (3,) to receivers ``rx_m`` (M, 3).

    Free-space loss plus the walls of :func:`wall_crossings` (straight line marched in
    steps of ``step_fraction`` voxels; every run of consecutive occupied voxels is one
    wall, costing the largest ``-transmission_db`` of its voxels).
    """
    tx = np.asarray(tx_m, np.float64).reshape(3)
    rx = np.asarray(rx_m, np.float64).reshape(-1, 3)
    _, walls_db = wall_crossings(occupancy, origin_m, voxel_size_m, tx, rx, transmission_db, step_fraction, chunk)
    return fspl_db(np.maximum(np.linalg.norm(rx - tx, axis=1), 0.01), frequency_hz) + walls_db


#: Speed of light the standard uses in the UMi breakpoint distance (TR 38.901 Table 7.4.1-1, note 1) [m/s].
TR38901_C_M_PER_S = 3.0e8
#: Effective environment height of UMi [m] (h'_BS = h_BS - h_E, h'_UT = h_UT - h_E).
UMI_H_E_M = 1.0
#: Validity ranges the models are clipped to (see the functions' docstrings).
UMI_MIN_D2D_M, UMI_H_UT_RANGE_M, INH_MIN_D3D_M = 10.0, (1.5, 22.5), 1.0


def _fc_ghz(frequency_hz) -> np.ndarray:
    """Carrier [GHz] from [Hz]; ValueError outside the 0.5 - 100 GHz of TR 38.901's Table 7.4.1-1."""
    f = np.asarray(frequency_hz, np.float64)
    if not np.all((f >= 0.5e9) & (f <= 100e9)):
        raise ValueError(f"TR 38.901 path loss holds for 0.5 - 100 GHz, got {np.unique(f)[:4] / 1e9} GHz")
    return f / 1e9


def umi_street_canyon_db(d3d_m, d2d_m, h_bs_m, h_ut_m, frequency_hz, los) -> np.ndarray:
    """3GPP TR 38.901 V17 Table 7.4.1-1 UMi-Street Canyon median path loss [dB] (no shadow fading).

    All arguments broadcast together (any shape): ``d3d_m`` / ``d2d_m`` the 3D / horizontal
    BS-UT distance [m], ``h_bs_m`` / ``h_ut_m`` the BS / UT heights above ground [m],
    ``frequency_hz`` the carrier [Hz], ``los`` bool (True: LoS formula).

    * LoS: ``PL1 = 32.4 + 21 log10(d3D) + 20 log10(fc)`` for ``d2D <= d'_BP``, else
      ``PL2 = 32.4 + 40 log10(d3D) + 20 log10(fc) - 9.5 log10(d'_BP^2 + (h_BS - h_UT)^2)``,
      breakpoint ``d'_BP = 4 h'_BS h'_UT fc / c`` (fc [Hz], c = 3e8 m/s) with
      ``h' = h - 1 m``; ``fc`` in the formulas in GHz.
    * NLoS: ``max(PL_LoS, 35.3 log10(d3D) + 22.4 + 21.3 log10(fc) - 0.3 (h_UT - 1.5))``
      (the standard's optional ``32.4 + 20 log10(fc) + 31.9 log10(d3D)`` is not offered).

    Outside the validity range (10 m <= d2D <= 5 km, 1.5 m <= h_UT <= 22.5 m) the model is
    evaluated at the nearest valid geometry: ``d2D`` raised to 10 m and ``h_UT`` clipped to
    [1.5, 22.5] m (ground pixels, roofs and upper facades), ``d3D`` then recomputed as
    ``sqrt(d2D^2 + (h_BS - h_UT)^2)`` from the clipped values (``d3D`` is used as given
    where nothing was clipped); beyond 5 km the formulas are extrapolated. ``h_BS`` is used
    as given (the standard's nominal 10 m is not imposed) and must exceed h_E = 1 m;
    ``fc`` must lie in 0.5 - 100 GHz (ValueError otherwise). NaN inputs give NaN.
    """
    d3 = np.asarray(d3d_m, np.float64)
    d2 = np.asarray(d2d_m, np.float64)
    hbs = np.asarray(h_bs_m, np.float64)
    hut = np.asarray(h_ut_m, np.float64)
    fc = _fc_ghz(frequency_hz)
    if np.any(hbs <= UMI_H_E_M):
        raise ValueError(f"UMi needs h_BS > {UMI_H_E_M} m (breakpoint uses h_BS - 1 m), got min {np.nanmin(hbs)} m")
    d2c = np.maximum(d2, UMI_MIN_D2D_M)
    hutc = np.clip(hut, *UMI_H_UT_RANGE_M)
    moved = (d2c != d2) | (hutc != hut)
    d3c = np.where(moved, np.hypot(d2c, hbs - hutc), d3)
    d_bp = 4 * (hbs - UMI_H_E_M) * (hutc - UMI_H_E_M) * fc * 1e9 / TR38901_C_M_PER_S
    pl1 = 32.4 + 21 * np.log10(d3c) + 20 * np.log10(fc)
    pl2 = 32.4 + 40 * np.log10(d3c) + 20 * np.log10(fc) - 9.5 * np.log10(d_bp ** 2 + (hbs - hutc) ** 2)
    pl_los = np.where(d2c <= d_bp, pl1, pl2)
    pl_nlos = 35.3 * np.log10(d3c) + 22.4 + 21.3 * np.log10(fc) - 0.3 * (hutc - 1.5)
    return np.where(np.asarray(los, bool), pl_los, np.maximum(pl_los, pl_nlos))


def umi_los_probability(d2d_m) -> np.ndarray:
    """TR 38.901 Table 7.4.2-1 UMi-Street Canyon LoS probability (outdoor UT), any shape:
    1 for ``d2D <= 18 m``, else ``18 / d2D + exp(-d2D / 36 m) (1 - 18 / d2D)``. For
    reference only: the baselines take each pixel's LoS state from the scene geometry."""
    d = np.asarray(d2d_m, np.float64)
    dd = np.maximum(d, 18.0)
    return np.where(d <= 18.0, 1.0, 18.0 / dd + np.exp(-dd / 36.0) * (1 - 18.0 / dd))


#: TR 38.901 UMi's nominal BS height [m] (Table 7.4.1-1 note: h_BS = 10 m).
UMI_NOMINAL_H_BS_M = 10.0


def umi_street_canyon_map_db(points_m, tx_m, ground_z_m, frequency_hz, los,
                             min_h_bs_m: float = UMI_NOMINAL_H_BS_M) -> np.ndarray:
    """UMi-Street Canyon path GAIN [dB] (H, W) (= -:func:`umi_street_canyon_db`) of the
    surface points ``points_m`` (H, W, 3) [m] (z up; NaN where none, e.g. sky) from the Tx
    at ``tx_m`` (3,); ``ground_z_m`` a scalar or (H, W) [m]; ``los`` (H, W) bool each pixel's
    LoS state. NaN where the point is not finite.

    Heights: the model is one of a BS above a UT; a link's loss is the same both ways, so the
    higher end (Tx or surface point) is the BS and the lower the UT, and the BS is raised to
    ``min_h_bs_m`` (the standard's nominal 10 m; 0 keeps the geometry as it is). synthrm's
    transmitters stand at street level (1.6 m) and its receivers are surfaces at any height:
    taken literally (BS at 1.6 m) the breakpoint falls at ~14 m and the LoS formula adds
    10-35 dB to what the ray tracer finds in line of sight (``docs/learning.md``: the policies
    measured). The validity clipping of :func:`umi_street_canyon_db` applies to the UT."""
    p = np.asarray(points_m, np.float64)
    tx = np.asarray(tx_m, np.float64).reshape(3)
    g = np.asarray(ground_z_m, np.float64)
    ok = np.isfinite(p).all(-1)
    v = p - tx
    h_tx, h_p = tx[2] - g, p[..., 2] - g
    h_bs = np.maximum(np.maximum(h_tx, h_p), max(float(min_h_bs_m), UMI_H_E_M + 1e-3))
    h_ut = np.minimum(h_tx, h_p)
    pl = umi_street_canyon_db(np.linalg.norm(v, axis=-1), np.hypot(v[..., 0], v[..., 1]), h_bs, h_ut,
                              frequency_hz, los)
    return np.where(ok, -pl, np.nan)


def inh_office_db(d3d_m, frequency_hz, los, optional_nlos: bool = False) -> np.ndarray:
    """3GPP TR 38.901 V17 Table 7.4.1-1 InH-Office median path loss [dB] (no shadow fading).

    ``d3d_m`` the 3D Tx-Rx distance [m], ``frequency_hz`` [Hz], ``los`` bool, broadcast
    together (any shape); ``fc`` below in GHz.

    * LoS: ``32.4 + 17.3 log10(d3D) + 20 log10(fc)``;
    * NLoS: ``max(PL_LoS, 38.3 log10(d3D) + 17.30 + 24.9 log10(fc))``, or with
      ``optional_nlos`` the standard's optional ``32.4 + 20 log10(fc) + 31.9 log10(d3D)``
      (never below LoS for d3D >= 1 m).

    Validity 1 m <= d3D <= 150 m: ``d3D`` is raised to 1 m below it (receivers next to the
    Tx) and the formulas are extrapolated above 150 m; ``fc`` must lie in 0.5 - 100 GHz
    (ValueError otherwise). NaN distances give NaN.
    """
    d = np.maximum(np.asarray(d3d_m, np.float64), INH_MIN_D3D_M)
    fc = _fc_ghz(frequency_hz)
    pl_los = 32.4 + 17.3 * np.log10(d) + 20 * np.log10(fc)
    if optional_nlos:
        nlos = 32.4 + 20 * np.log10(fc) + 31.9 * np.log10(d)
    else:
        nlos = 38.3 * np.log10(d) + 17.30 + 24.9 * np.log10(fc)
    return np.where(np.asarray(los, bool), pl_los, np.maximum(pl_los, nlos))
