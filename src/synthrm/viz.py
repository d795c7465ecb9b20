"""Figures: the sample panel drawn by ``synthrm show``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from synthrm.scene.classes import SEMANTIC_CLASSES

#: One colour per semantic id (sky, road, sidewalk, ground, facade, roof).
SEMANTIC_COLORS = np.array([
    [135, 206, 235], [60, 60, 60], [190, 180, 160], [90, 160, 60], [200, 120, 80], [150, 50, 50],
], np.uint8)


def semantic_rgb(sem: np.ndarray) -> np.ndarray:
    """(H, W) uint8 ids -> (H, W, 3) uint8 colours."""
    pal = np.zeros((256, 3), np.uint8)
    pal[: len(SEMANTIC_COLORS)] = SEMANTIC_COLORS
    return pal[sem]


def sample_figure(sample: dict, out: str | Path, title: str = "") -> Path:
    """Draw RGB | depth | normals | semantics of one sample into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(1, 4, figsize=(17, 3.8), constrained_layout=True)
    ax[0].imshow(sample["rgb"])
    ax[0].set_title("RGB")
    d = sample["depth"]
    im = ax[1].imshow(np.log10(np.where(np.isfinite(d), d, np.nan)), cmap="viridis")
    ax[1].set_title("z-depth [m] (log10; sky blank)")
    cb = fig.colorbar(im, ax=ax[1], fraction=0.046)
    ticks = cb.get_ticks()
    cb.set_ticks(ticks, labels=[f"{10 ** t:.0f}" for t in ticks])
    ax[2].imshow(np.clip(sample["normal"] * 0.5 + 0.5, 0, 1))
    ax[2].set_title("world normals (xyz -> rgb)")
    sem = sample["semantic"]
    ax[3].imshow(semantic_rgb(sem))
    ax[3].set_title("semantic class")
    present = [i for i in np.unique(sem) if i in SEMANTIC_CLASSES]
    ax[3].legend(handles=[Patch(color=SEMANTIC_COLORS[i] / 255, label=SEMANTIC_CLASSES[i]) for i in present],
                 loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    for a in ax:
        a.set_xticks([])
        a.set_yticks([])
    if title:
        fig.suptitle(title)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
