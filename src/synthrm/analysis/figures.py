"""Figures of a dataset analysis: signal statistics (the SynthRM paper's Figure 9), concept
correlation CDFs (Figure 10) and transmitters over the city map (Figure 8)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from synthrm.analysis.correlation import CONCEPTS
from synthrm.figures import draw_footprints, pyplot, save_figure


def statistics_figure(result: dict, out: str | Path) -> Path:
    """PDFs of per-map mean, max and std of path gain per district, and the mu-sigma
    bubble plot (bubble size and colour: the map's maximum)."""
    plt = pyplot()
    rows = result["rows"]
    ds = sorted({r["district"] for r in rows})
    fig, ax = plt.subplots(1, 4, figsize=(17, 3.6))
    for i, (k, label) in enumerate((("mean_db", "mean"), ("max_db", "max"), ("std_db", "standard deviation"))):
        for d in ds:
            v = np.array([r[k] for r in rows if r["district"] == d])
            ax[i].hist(v, bins=20, density=True, histtype="step", lw=1.6, label=f"{d} ({len(v)})")
        ax[i].set_xlabel(f"{label} of path gain [dB]")
        ax[i].set_ylabel("density")
    ax[0].legend(fontsize=8)
    mu = np.array([r["mean_db"] for r in rows])
    sd = np.array([r["std_db"] for r in rows])
    mx = np.array([r["max_db"] for r in rows])
    size = 10 + 140 * (mx - mx.min()) / max(np.ptp(mx), 1e-9)
    sc = ax[3].scatter(mu, sd, s=size, c=mx, cmap="viridis", alpha=0.6, edgecolors="none")
    fig.colorbar(sc, ax=ax[3], label="max path gain [dB]")
    ax[3].set_xlabel("mean [dB]")
    ax[3].set_ylabel("std [dB]")
    ax[3].set_title("per map: mu-sigma, coloured by Pmax")
    return save_figure(fig, out)


def correlation_cdf_figure(result: dict, out: str | Path, concepts=tuple(CONCEPTS)) -> Path:
    """Empirical CDF of the point-biserial r of each concept, one line per district
    (maps where r is undefined are left out and counted in the legend)."""
    plt = pyplot()
    rows = result["rows"]
    ds = sorted({r["district"] for r in rows})
    fig, ax = plt.subplots(1, len(concepts), figsize=(3.6 * len(concepts), 3.3), sharey=True)
    for a, c in zip(np.atleast_1d(ax), concepts):
        for d in ds:
            vals = [r.get(f"r_{c}") for r in rows if r["district"] == d]
            v = np.sort([x for x in vals if x is not None])
            if v.size:
                a.step(v, np.arange(1, v.size + 1) / v.size, where="post",
                       label=f"{d} (n={v.size}, undef. {len(vals) - v.size})")
        a.set_xlim(-1, 1)
        a.set_title(c)
        a.set_xlabel("point-biserial r")
        if a.get_legend_handles_labels()[0]:  # none without semantic buffers (an imported dataset)
            a.legend(fontsize=6, loc="upper left")
    np.atleast_1d(ax)[0].set_ylabel("CDF")
    return save_figure(fig, out)


def tx_map_figure(root: str | Path, result: dict, out: str | Path, scene_id: str | None = None) -> Path | None:
    """Building footprints of one scene (default: the one with most maps) with every
    transmitter placed in it, coloured by the map's mean path gain; None (nothing
    written) when the dataset has no folder of that scene (an imported dataset)."""
    from synthrm.scene.layout import Layout

    rows = [r for r in result["rows"] if r["dataset"] == Path(root).name]
    if scene_id is None:
        ids = [r["scene_id"] for r in rows]
        scene_id = max(set(ids), key=ids.count)
    if not scene_id or not (Path(root) / "scenes" / scene_id).is_dir():
        return None
    plt = pyplot()
    lay = Layout.load(Path(root) / "scenes" / scene_id)
    fig, ax = plt.subplots(figsize=(6.4, 6))
    draw_footprints(ax, lay)
    pts = np.array([r["tx_position"] for r in rows if r["scene_id"] == scene_id])
    mu = np.array([r["mean_db"] for r in rows if r["scene_id"] == scene_id])
    sc = ax.scatter(pts[:, 0], pts[:, 1], c=mu, cmap="viridis", s=30, marker="^", edgecolors="k", lw=0.4)
    fig.colorbar(sc, ax=ax, fraction=0.046, label="mean path gain of the Tx's map [dB]")
    ax.set_title(f"{Path(root).name} · {scene_id}: {len(pts)} transmitters")
    return save_figure(fig, out)
