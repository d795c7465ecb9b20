"""The SynthRM paper's Figure 11 case study, measured: path gain against height on the
facades a vehicle sees while it carries a transmitter along a downtown canyon and out
into open space (preset ``canyon-drive``, ``docs/reproduction.md``).

The paper says the upper storeys are "lit up" while "street-level facades remain in deep
shadow". :func:`canyon_frame` splits the facade pixels of a frame into those of the
canyon the vehicle drives in (within the street's corridor) and all others, and measures
the contrast between upper (>= :data:`UPPER_M`) and street-level (< :data:`STREET_LEVEL_M`)
facades, with what explains it: the share of each group in the transmitter's line of
sight and the difference free space alone predicts from their distances.

The paper's second claim, that surfaces not exposed to the transmitter still receive
significant gain, is measured by :func:`nlos_facade_share`: the share of the facade pixels
out of the Tx's geometric line of sight whose path gain lies within :data:`SIGNIFICANT_DB`
of the median of the facade pixels in it, by the labels' dominant mechanism;
:func:`pooled_share` gives its confidence interval over frames or drives.
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
#: "Significant gain" on a facade out of the Tx's sight: within this many dB of the median
#: of the facades in its sight (the same map).
SIGNIFICANT_DB = 20.0


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


def nlos_facade_share(sample: dict, hmap, tx: int = 0, pixel_values: np.ndarray | None = None,
                      within_db: float = SIGNIFICANT_DB) -> dict:
    """The seed's second Figure 11 claim on one map: do facades not exposed to the Tx still
    receive significant gain?

    Definition (one map, transmitter ``tx``):

    * facade pixels: semantic facade or window with a finite value (``path_gain_db[tx]``,
      or ``pixel_values``, NaN: does not count);
    * exposed (LoS) / not exposed (NLoS): the geometric line of sight of
      :func:`synthrm.analysis.geometry.line_of_sight` from the Tx to the pixel's surface
      point (buildings of ``hmap`` as prisms, 1 m steps, the pixel's own last metre
      ignored), not the labels' mechanism;
    * the reference: the median path gain of the map's LoS facade pixels;
    * a NLoS facade pixel receives significant gain when its path gain is at least the
      reference minus ``within_db`` (default :data:`SIGNIFICANT_DB`, 20 dB).

    Returns ``los_pixels``, ``nlos_pixels``, ``reference_db`` (None without LoS facade
    pixels), ``within`` (NLoS pixels within ``within_db``; 0 without a reference) and
    ``share`` = within / nlos_pixels (None without NLoS pixels or without a reference), and
    ``by_mechanism``: the same counts and share of the NLoS pixels grouped by the labels'
    dominant mechanism at the pixel (``path_gain_mechanism[tx]``, names of
    :data:`synthrm.analysis.sensitivity.MECHANISM_KEYS`); empty when the sample has no
    mechanism (labels before schema 4).
    """
    from synthrm.analysis.sensitivity import MECHANISM_KEYS

    pg = np.asarray(sample["path_gain_db"][tx] if pixel_values is None else pixel_values, np.float64)
    fac = np.isin(sample["semantic"], FACADE_IDS) & np.isfinite(pg)
    pts = PinholeCamera.from_sample(sample).backproject(sample["depth"])
    txp = np.asarray(sample["tx_position"][tx], np.float64)
    los = np.zeros_like(fac)
    if fac.any():
        los[fac] = line_of_sight(pts[fac], txp, hmap, step_m=1.0)
    nlos = fac & ~los
    ref = _median(pg[los])
    ok = nlos & (pg >= ref - within_db) if ref is not None else np.zeros_like(nlos)
    n_nlos, n_ok = int(nlos.sum()), int(ok.sum())
    out = {"los_pixels": int(los.sum()), "nlos_pixels": n_nlos, "reference_db": ref, "within": n_ok,
           "share": n_ok / n_nlos if n_nlos and ref is not None else None, "within_db": float(within_db),
           "by_mechanism": {}}
    mech = sample.get("path_gain_mechanism")
    if mech is not None and n_nlos:
        m = np.asarray(mech[tx])
        for code in np.unique(m[nlos]):
            sel = nlos & (m == code)
            k, w = int(sel.sum()), int((ok & sel).sum())
            out["by_mechanism"][MECHANISM_KEYS.get(int(code), str(int(code)))] = {
                "pixels": k, "within": w, "share": w / k if ref is not None else None}
    return out


def pooled_share(groups: list[list[tuple[int, int]]], n_boot: int = 1000, seed: int = 0,
                 level: float = 0.95) -> dict:
    """A share pooled over maps, with a percentile bootstrap interval over groups.

    ``groups`` holds, per group (a frame, or a drive: frames of one drive are not
    independent), the (within, total) counts of its maps. The share is sum(within) /
    sum(total) over all maps; each resample draws groups with replacement, each keeping
    all its maps. Returns ``{"mean", "lo", "hi", "pixels", "groups"}``; ``mean`` None when
    no map has a pixel, ``lo`` / ``hi`` None with fewer than two groups with pixels."""
    g = np.array([[sum(w for w, _ in x), sum(t for _, t in x)] for x in groups], np.float64).reshape(-1, 2)
    g = g[g[:, 1] > 0]
    out = {"mean": None, "lo": None, "hi": None, "pixels": int(g[:, 1].sum()), "groups": len(g)}
    if not len(g):
        return out
    out["mean"] = float(g[:, 0].sum() / g[:, 1].sum())
    if len(g) < 2:
        return out
    pick = np.random.default_rng(seed).integers(len(g), size=(n_boot, len(g)))
    boot = g[pick, 0].sum(1) / g[pick, 1].sum(1)
    out["lo"], out["hi"] = (float(v) for v in np.percentile(boot, [50 * (1 - level), 50 * (1 + level)]))
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
