"""The plan over the city map: candidate cameras by community, SIFT edges, selected views."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def plan_figure(plan: dict, layout, out_png: str | Path, title: str = "") -> Path:
    """Draw a plan over its city.

    Building footprints; every candidate camera as a dot coloured by its community, with
    a short tick along its heading; the sensing graph's SIFT edges (alpha and width grow
    with the weight); the selected views ringed and numbered in the order they were
    picked. The title gives the facade coverage of the selection against random views.

    Parameters
    ----------
    plan : dict
        From :func:`~synthrm.orchestrate.plan.orchestrate` or ``read_plan``.
    layout : Layout
        The plan's scene (``Layout.load(root / plan["scene_dir"])``).
    out_png : path
        PNG to write (folders are made).
    title : str
        Replaces the default first title line.

    Returns
    -------
    Path of the PNG.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    from synthrm.figures import draw_footprints, pyplot

    plt = pyplot()
    cands = plan["candidates"]
    c2w = np.array([c["cam_to_world"] for c in cands], np.float64).reshape(-1, 4, 4)
    xy = c2w[:, :2, 3]
    fwd = c2w[:, :2, 2]
    fwd /= np.maximum(np.linalg.norm(fwd, axis=1, keepdims=True), 1e-9)
    comm = np.array([c["community"] for c in cands], np.int64)
    n_comm = len(plan["communities"])

    fig, ax = plt.subplots(figsize=(7.6, 6.6))
    draw_footprints(ax, layout)
    x0, y0, x1, y1 = layout.extent
    pad = 0.03 * max(x1 - x0, y1 - y0)
    lo, hi = np.minimum(xy.min(0), [x0, y0]) - pad, np.maximum(xy.max(0), [x1, y1]) + pad
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    tick = 0.035 * max(hi - lo)

    sift_edges = [(e["i"], e["j"], e["sift"]) for e in plan["edges"] if e["sift"] > 0]
    if sift_edges:
        w = np.array([e[2] for e in sift_edges])
        wn = w / w.max()
        segs = [[xy[i], xy[j]] for i, j, _ in sift_edges]
        colors = np.zeros((len(w), 4))
        colors[:, 3] = 0.15 + 0.6 * wn
        ax.add_collection(LineCollection(segs, colors=colors, linewidths=0.4 + 2.2 * wn, zorder=2))

    cmap = plt.get_cmap("tab20" if n_comm > 10 else "tab10")
    col = cmap(comm % cmap.N)
    ax.add_collection(LineCollection(np.stack([xy, xy + tick * fwd], 1), colors=col, linewidths=1.2, zorder=3))
    ax.scatter(xy[:, 0], xy[:, 1], c=col, s=22, edgecolors="k", linewidths=0.3, zorder=4)
    sel = np.asarray(plan["selected"], np.int64)
    ax.scatter(xy[sel, 0], xy[sel, 1], s=130, facecolors="none", edgecolors="red", linewidths=1.6, zorder=5)
    for r, v in enumerate(sel):
        ax.annotate(str(r + 1), xy[v], xytext=(5, 4), textcoords="offset points", fontsize=7, color="darkred",
                    zorder=6)

    handles = [Line2D([], [], ls="", marker="o", mfc="0.6", mec="k", mew=0.3, label="candidate (colour: community)"),
               Line2D([], [], ls="", marker="o", mfc="none", mec="red", mew=1.6, ms=10,
                      label=f"selected ({len(sel)}, numbered in pick order)"),
               Line2D([], [], color="k", alpha=0.5, lw=1.5, label=f"SIFT edge ({len(sift_edges)}; width ~ weight)")]
    shown = list(range(min(n_comm, 8)))
    handles += [Line2D([], [], ls="", marker="o", mfc=cmap(c % cmap.N), mec="k", mew=0.3,
                       label=f"community {c}: {int((comm == c).sum())} view(s)") for c in shown]
    if n_comm > len(shown):
        handles.append(Line2D([], [], ls="", label=f"... {n_comm - len(shown)} more communities"))
    ax.legend(handles=handles, fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)

    m = plan["metrics"]
    f = m["facade_coverage_m2"]
    ratio = f.get("ratio_to_random_mean")
    cy = m["canyon"]
    line1 = title or f"{plan['scene_id']} ({plan['config']['camera']['view']}): {len(sel)} of {len(cands)} views, {n_comm} communities"
    line2 = (f"facade coverage {f['selected']:.0f} m² vs random mean {f['random']['mean']:.0f} m²"
             + (f" (x{ratio:.2f})" if ratio is not None else ""))
    frac, rfrac = cy["selected"]["fraction"], cy["random_fraction"]["mean"]
    if frac is not None and rfrac is not None:
        line2 += f"; canyon sides {frac:.0%} vs {rfrac:.0%}"
    ax.set_title(f"{line1}\n{line2}", fontsize=9)
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, bbox_inches="tight")  # keeps the legend beside the map
    plt.close(fig)
    return out
