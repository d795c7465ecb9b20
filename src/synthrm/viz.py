"""Figures: the sample panel drawn by ``synthrm show``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.scene.classes import SEMANTIC_CLASSES

#: One colour per semantic id (sky, road, sidewalk, ground, facade, roof, then indoor:
#: wall, floor, ceiling, window, bed, table, shelf, sofa, cabinet, appliance).
SEMANTIC_COLORS = np.array([
    [135, 206, 235], [60, 60, 60], [190, 180, 160], [90, 160, 60], [200, 120, 80], [150, 50, 50],
    [230, 225, 200], [140, 90, 50], [245, 245, 240], [120, 190, 230], [220, 160, 200], [170, 110, 60],
    [110, 80, 160], [60, 90, 170], [230, 200, 90], [160, 160, 170],
], np.uint8)


def semantic_rgb(sem: np.ndarray) -> np.ndarray:
    """(H, W) uint8 ids -> (H, W, 3) uint8 colours."""
    pal = np.zeros((256, 3), np.uint8)
    pal[: len(SEMANTIC_COLORS)] = SEMANTIC_COLORS
    return pal[sem]


def _mark_tx(ax, sample: dict, tx: int) -> None:
    h, w = sample["depth"].shape
    uv, z = PinholeCamera.from_sample(sample).project(sample["tx_position"][tx:tx + 1])
    front = z > 1e-6
    u, v = uv[0]
    if front[0] and 0 <= u < w and 0 <= v < h:
        ax.plot(u, v, marker="^", ms=11, mfc="red", mec="white", mew=1.5)
        ax.annotate(f"Tx {tx}", (u, v), xytext=(4, -8), textcoords="offset points", color="white", fontsize=8)
    else:
        side = "behind the camera" if not front[0] else "outside the view"
        ax.text(0.02, 0.04, f"Tx {tx} {side}", transform=ax.transAxes, color="red", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.7, "lw": 0})


def sample_figure(sample: dict, out: str | Path, title: str = "", tx: int = 0) -> Path:
    """Draw RGB | depth | normals | semantics (and, with radio labels, path gain | SINR |
    label provenance of transmitter ``tx`` with the Tx marked) of one sample into a PNG,
    in two rows when more than four panels. Panels of arrays the sample lacks (an imported
    dataset has no normals, semantics or SINR) are left out."""
    from synthrm.figures import pyplot

    plt = pyplot()
    from matplotlib.patches import Patch

    radio = [k for k in ("path_gain_db", "sinr_db", "path_gain_source", "path_gain_mechanism") if k in sample] \
        if "path_gain_db" in sample else []
    optical = [k for k in ("normal", "semantic") if k in sample]
    fig, ax = panel_grid(plt, 2 + len(optical) + len(radio), (4.3, 3.8))
    ax[0].imshow(sample["rgb"])
    ax[0].set_title("RGB")
    _depth_panel(fig, ax[1], sample["depth"])
    nxt = iter(ax[2:])
    if "normal" in sample:
        a = next(nxt)
        a.imshow(np.clip(sample["normal"] * 0.5 + 0.5, 0, 1))
        a.set_title("world normals (xyz -> rgb)")
    if "semantic" in sample:
        a = next(nxt)
        sem = sample["semantic"]
        a.imshow(semantic_rgb(sem))
        a.set_title("semantic class")
        present = [i for i in np.unique(sem) if i in SEMANTIC_CLASSES]
        a.legend(handles=[Patch(color=SEMANTIC_COLORS[i] / 255, label=SEMANTIC_CLASSES[i]) for i in present],
                 loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    if radio:
        t = sample["path_gain_db"].shape[0]
        if not 0 <= tx < t:
            from synthrm.errors import DatasetError

            raise DatasetError(f"--tx {tx}: the sample has transmitters 0..{t - 1}")
        for key in radio:
            a = next(nxt)
            if key in CATEGORY_PANELS:
                _category_panel(a, sample, tx, key)
                continue
            label, cmap = {"path_gain_db": ("path gain [dB]", "viridis"), "sinr_db": ("SINR [dB]", "magma")}[key]
            img = sample[key][tx]
            fin = np.isfinite(img)
            lo, hi = np.percentile(img[fin], [2, 98]) if fin.any() else (0, 1)
            im = a.imshow(np.where(fin, img, np.nan), cmap=cmap, vmin=lo, vmax=hi)
            fig.colorbar(im, ax=a, fraction=0.046)
            a.set_title(f"Tx {tx}: {label} ({fin[np.isfinite(sample['depth'])].mean():.0%} of surface)")
            _mark_tx(a, sample, tx)
    return _finish(fig, ax, out, title, 110)


#: Colours of the label provenance codes 0-6 (``path_gain_source``).
SOURCE_COLORS = np.array([[255, 255, 255], [40, 120, 200], [120, 190, 230], [240, 170, 60], [200, 70, 70],
                          [120, 60, 170], [90, 160, 90]], np.uint8)
#: Colours of the dominant mechanism codes 0-4 (``path_gain_mechanism``).
MECHANISM_COLORS = np.array([[255, 255, 255], [250, 200, 40], [40, 120, 200], [120, 60, 170], [90, 160, 90]],
                            np.uint8)


def _category_names(key: str) -> dict[int, str]:
    from synthrm.radio.labels import MECHANISM_NAMES, SOURCE_NAMES

    return SOURCE_NAMES if key == "path_gain_source" else MECHANISM_NAMES


#: Per-pixel code arrays drawn as a categorical panel: (colours, title).
CATEGORY_PANELS = {"path_gain_source": (SOURCE_COLORS, "label provenance"),
                   "path_gain_mechanism": (MECHANISM_COLORS, "dominant mechanism")}


def _category_panel(a, sample: dict, tx: int, key: str) -> None:
    """A per-pixel code of transmitter ``tx`` (how the label was obtained, or the mechanism
    carrying most of its power: ``docs/radio.md``), with each code's share of the surface."""
    from matplotlib.patches import Patch

    colors, what = CATEGORY_PANELS[key]
    names = _category_names(key)
    code = sample[key][tx]
    hit = np.isfinite(sample["depth"])
    img = colors[np.clip(code, 0, len(colors) - 1)]
    img[~hit] = [220, 220, 220]
    a.imshow(img)
    a.set_title(f"Tx {tx}: {what} (sky grey)")
    a.legend(handles=[Patch(color=colors[c] / 255, label=f"{c} {names[c]} {np.mean(code[hit] == c):.0%}")
                      for c in range(len(colors)) if c in names and (c == 0 or np.any(code[hit] == c))],
             loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=7, ncol=1)


#: ``synthrm show`` draws more panels than this in two rows.
MAX_PANELS_PER_ROW = 4


def panel_grid(plt, n: int, size: tuple[float, float]):
    """A figure of ``n`` panels of ``size`` (w, h) [in]: one row up to
    :data:`MAX_PANELS_PER_ROW`, else two rows (the spare cell of an odd count left blank).
    Returns (figure, the n axes in reading order)."""
    rows = 1 if n <= MAX_PANELS_PER_ROW else 2
    cols = -(-n // rows)
    fig, grid = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows), constrained_layout=True,
                             squeeze=False)
    axes = list(grid.ravel())
    for a in axes[n:]:
        a.set_axis_off()
    return fig, axes[:n]


def log_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round tick values (the densest of 1, 1.5, 2, 3, 5, 7 x 10^k ... 1 x 10^k with at
    most ``most`` ticks) inside [lo, hi] for a logarithmic colour bar; the ends themselves
    (rounded) when fewer than two fall inside."""
    ks = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    for mant in ((1, 1.5, 2, 3, 5, 7), (1, 2, 5), (1, 3), (1,)):
        ticks = [m * 10.0 ** k for k in ks for m in mant if lo <= m * 10.0 ** k <= hi]
        if len(ticks) <= most:
            break
    if len(ticks) < 2:
        ticks = sorted({float(f"{lo:.2g}"), float(f"{hi:.2g}")} | set(ticks))
        ticks = [t for t in ticks if lo <= t <= hi] or [lo, hi]
    return ticks


def _depth_panel(fig, a, depth: np.ndarray) -> None:
    """z-depth [m] on a logarithmic colour scale spanning exactly the data (sky blank)."""
    from matplotlib.colors import LogNorm

    fin = depth[np.isfinite(depth) & (depth > 0)]
    lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (1.0, 10.0)
    hi = max(hi, lo * 1.001)
    im = a.imshow(np.where(np.isfinite(depth) & (depth > 0), depth, np.nan), cmap="viridis", norm=LogNorm(lo, hi))
    a.set_title("z-depth [m] (log scale; sky blank)")
    cb = fig.colorbar(im, ax=a, fraction=0.046)
    cb.minorticks_off()
    ticks = log_ticks(lo, hi)
    cb.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])


def _finish(fig, ax, out, title: str, dpi: int) -> Path:
    """Drop the ticks, add the title, write the PNG, close the figure."""
    import matplotlib.pyplot as plt

    for a in ax:
        a.set_xticks([])
        a.set_yticks([])
    if title:
        fig.suptitle(title)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out


def indoor_figure(entry: dict, out: str | Path, title: str = "", z_m: float = 1.2) -> Path:
    """One indoor entry: floor-plan slices at height ``z_m`` of occupancy, reflection,
    transmission, Tx distance and FSPL, and the path loss at the lowest and highest
    plane, with the Tx marked."""
    from synthrm.figures import pyplot

    plt = pyplot()

    a = entry["attrs"]
    v = a["voxel_size_m"]
    o = np.asarray(a["grid_origin_m"])
    k = int(np.clip((z_m - o[2]) / v, 0, entry["occupancy"].shape[2] - 1))
    tx = entry["tx_position"]
    txp = ((tx[0] - o[0]) / v - 0.5, (tx[1] - o[1]) / v - 0.5)
    panels = [("occupancy", "occupancy", "gray_r"), ("reflection_db", "reflection [dB]", "viridis"),
              ("transmission_db", "transmission [dB]", "viridis"), ("tx_distance_m", "Tx distance [m]", "cividis"),
              ("fspl_db", "FSPL [dB]", "magma_r")]
    heights = a["heights_m"]
    fig, ax = panel_grid(plt, 7, (4.4, 3.2))
    for axis, (key, label, cmap) in zip(ax, panels):
        im = axis.imshow(entry[key][:, :, k].T, origin="lower", cmap=cmap)
        axis.set_title(f"{label}, z = {o[2] + (k + 0.5) * v:.2f} m")
        fig.colorbar(im, ax=axis, fraction=0.046)
    pl = entry["path_loss_db"]
    lo, hi = np.nanpercentile(pl, [2, 98])
    for axis, i in zip(ax[5:], (0, len(heights) - 1)):
        im = axis.imshow(pl[i].T, origin="lower", cmap="viridis_r", vmin=lo, vmax=hi)
        m = entry["fill_mask"][i].T
        axis.contour(m, levels=[0.5], colors="white", linewidths=0.5)
        axis.set_title(f"path loss [dB] at {heights[i]:.1f} m ({m.mean():.0%} filled)")
        fig.colorbar(im, ax=axis, fraction=0.046)
    for axis in ax:
        axis.plot(*txp, marker="^", ms=10, mfc="red", mec="white")
    return _finish(fig, ax, out, title, 100)
