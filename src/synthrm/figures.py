"""Figure helpers shared by every stage: matplotlib with the Agg backend (whatever the
machine's display), the city map under a figure."""
from __future__ import annotations

from pathlib import Path


def pyplot():
    """``matplotlib.pyplot`` on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, out, dpi: int = 100) -> Path:
    """Lay out ``fig``, write it to ``out`` (PNG; the folder is made) and close it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    pyplot().close(fig)
    return out


def draw_footprints(ax, layout, color: str = "0.75", edgecolor: str = "0.4") -> None:
    """Fill the building footprints of a :class:`~synthrm.scene.layout.Layout` on a map
    axis (x, y [m]) and fit the axis to the layout's extent, equal aspect."""
    for b in layout.buildings:
        x, y = b.footprint.exterior.xy
        ax.fill(x, y, color=color, ec=edgecolor, lw=0.5)
    x0, y0, x1, y1 = layout.extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
