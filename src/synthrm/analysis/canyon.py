"""The SynthRM paper's Figure 11 case study, measured: path gain against height on the
facades a vehicle sees while it carries a transmitter along a downtown canyon and out
into open space (preset ``canyon-drive``, ``docs/reproduction.md``).

The paper says the upper storeys are "lit up" while "street-level facades remain in deep
shadow". :func:`canyon_frame` splits the facade pixels of a frame into those of the
canyon the vehicle drives in (within the street's corridor) and all others, and measures
the contrast between upper (>= :data:`UPPER_M`) and street-level (< :data:`STREET_LEVEL_M`)
facades, with what explains it: the share of each group in the transmitter's line of
sight and the difference free space alone predicts from their distances.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from synthrm.analysis.geometry import line_of_sight, tx_context
from synthrm.radio.physics import fspl_db
from synthrm.scene.classes import SEMANTIC_IDS
from synthrm.scene.layout import Layout
from synthrm.camera.pinhole import PinholeCamera

#: Street-level facades: below this height [m] (the ground floor and the next).
STREET_LEVEL_M = 6.0
#: Upper facades: at or above this height [m] (above the lowest downtown building).
UPPER_M = 30.0
#: A facade belongs to the drive's canyon within this distance [m] beyond the street's
#: sidewalk (buildings stand 1 m behind their parcel's edge).
CANYON_MARGIN_M = 4.0
FACADE_IDS = (SEMANTIC_IDS["facade"], SEMANTIC_IDS["window"])


def drive_street(layout: Layout, cam_to_world: np.ndarray):
    """The street the camera drives along: the nearest street axis parallel (within 25
    deg) to the camera's horizontal viewing direction."""
    c = np.asarray(cam_to_world, np.float64)
    xy, f = c[:2, 3], c[:2, 2]
    f = f / max(np.linalg.norm(f), 1e-12)
    best, dist = None, np.inf
    for s in layout.streets:
        a, b = np.asarray(s.start), np.asarray(s.end)
        u = (b - a) / np.linalg.norm(b - a)
        if abs(float(u @ f)) < np.cos(np.radians(25)):
            continue
        t = np.clip((xy - a) @ u, 0, np.linalg.norm(b - a))
        d = float(np.linalg.norm(xy - (a + t * u)))
        if d < dist:
            best, dist = s, d
    return best


def _median(x):
    return float(np.median(x)) if np.size(x) else None


def canyon_frame(sample: dict, layout: Layout, hmap, tx: int = 0, pixel_values: np.ndarray | None = None) -> dict:
    """Facade path gain by height of one frame of a drive.

    Args:
        sample: arrays of :func:`synthrm.dataset.read_sample` (depth, K, cam_to_world,
            semantic, path_gain_db, tx_position).
        layout, hmap: the scene's footprints and :func:`~synthrm.analysis.geometry.height_map`.
        tx: the transmitter (0: the camera-mounted one).
        pixel_values: (H, W) values to use instead of ``path_gain_db[tx]`` (NaN: does not count).

    Returns a dict: ``tx_context``, ``tx_in_canyon`` (the Tx between the two ends of the
    drive's street), and for ``canyon`` (the drive's canyon) and ``other`` facades: pixel
    counts and median path gain of ``street`` and ``upper`` facades, their ``contrast_db``
    (upper - street; None without both), LoS shares, the free-space ``friis_contrast_db``;
    ``points``: (height, path gain, in canyon) of every facade pixel with a value.
    """
    pg = np.asarray(sample["path_gain_db"][tx] if pixel_values is None else pixel_values, np.float64)
    pts = PinholeCamera.from_sample(sample).backproject(sample["depth"])
    fac = np.isin(sample["semantic"], FACADE_IDS) & np.isfinite(pg)
    txp = np.asarray(sample["tx_position"][tx], np.float64)
    street = drive_street(layout, sample["cam_to_world"])
    out = {"tx_position": txp.tolist(), "tx_context": tx_context(layout, txp[:2]), "tx_in_canyon": False,
           "street_width_m": None}
    canyon = np.zeros_like(fac)
    if street is not None:
        a, b = np.asarray(street.start), np.asarray(street.end)
        length = float(np.linalg.norm(b - a))
        u = (b - a) / length
        n = np.array([-u[1], u[0]])
        half = street.width_m / 2 + layout.sidewalk_width_m + CANYON_MARGIN_M
        rel = pts[..., :2] - a
        along, across = rel @ u, np.abs(rel @ n)
        canyon = fac & (across <= half) & (along >= 0) & (along <= length)
        t_along, t_across = float((txp[:2] - a) @ u), float(abs((txp[:2] - a) @ n))
        out["tx_in_canyon"] = bool(0 <= t_along <= length and t_across <= street.width_m / 2)
        out["street_width_m"] = float(street.width_m)
    z = pts[..., 2]
    for name, sel in (("canyon", canyon), ("other", fac & ~canyon)):
        grp = {}
        for band, m in (("street", sel & (z < STREET_LEVEL_M)), ("upper", sel & (z >= UPPER_M))):
            p = pts[m]
            d = np.linalg.norm(p - txp, axis=1)
            grp[band] = {"pixels": int(m.sum()), "median_db": _median(pg[m]),
                         "los_share": float(line_of_sight(p, txp, hmap, step_m=1.0).mean()) if m.any() else None,
                         "friis_median_db": _median(-fspl_db(np.maximum(d, 0.1), sample.get("frequency_hz", 3.5e9)))}
        s, u_ = grp["street"], grp["upper"]
        grp["contrast_db"] = u_["median_db"] - s["median_db"] if s["pixels"] and u_["pixels"] else None
        grp["friis_contrast_db"] = (u_["friis_median_db"] - s["friis_median_db"]) if s["pixels"] and u_["pixels"] \
            else None
        out[name] = grp
    out["points"] = np.stack([z[fac], pg[fac], canyon[fac].astype(np.float64)], 1)
    return out


def canyon_figure(frames: list[dict], titles: list[str], out: str | Path, max_points: int = 4000) -> Path:
    """Path gain against height on the facades each frame sees (one panel per frame; the
    drive's canyon in colour, other facades grey), with the street-level and upper bands."""
    from synthrm.figures import pyplot, save_figure

    plt = pyplot()
    n = len(frames)
    cols = min(n, 6)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows), sharex=True, sharey=True, squeeze=False)
    rng = np.random.default_rng(0)
    for ax, fr, title in zip(axes.ravel(), frames, titles):
        p = fr["points"]
        if len(p) > max_points:
            p = p[rng.choice(len(p), max_points, replace=False)]
        oth, can = p[p[:, 2] == 0], p[p[:, 2] == 1]
        ax.scatter(oth[:, 1], oth[:, 0], s=2, c="0.7", lw=0, label="other facades")
        ax.scatter(can[:, 1], can[:, 0], s=2, c="tab:red", lw=0, label="the drive's canyon")
        ax.axhspan(0, STREET_LEVEL_M, color="tab:blue", alpha=0.12)
        ax.axhline(UPPER_M, color="k", lw=0.6, ls="--")
        c = fr["canyon"]["contrast_db"]
        ax.set_title(f"{title}\n{fr['tx_context']}; canyon upper-street: " + ("n/a" if c is None else f"{c:+.1f} dB"),
                     fontsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("path gain [dB]")
    for ax in axes[:, 0]:
        ax.set_ylabel("height [m]")
    axes[0, 0].legend(fontsize=6, markerscale=4, loc="upper left")
    return save_figure(fig, out)
