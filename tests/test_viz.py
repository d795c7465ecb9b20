"""Figures of ``synthrm show``: panel layout and the depth colour bar."""
import numpy as np
import pytest

from synthrm.viz import MAX_PANELS_PER_ROW, log_ticks, panel_grid


@pytest.mark.parametrize("n, rows, cols", [(2, 1, 2), (4, 1, 4), (5, 2, 3), (7, 2, 4), (8, 2, 4)])
def test_more_than_four_panels_go_in_two_rows(n, rows, cols):
    from synthrm.figures import pyplot

    plt = pyplot()
    fig, ax = panel_grid(plt, n, (4.0, 3.0))
    assert len(ax) == n and MAX_PANELS_PER_ROW == 4
    assert fig.axes[0].get_gridspec().get_geometry() == (rows, cols)
    assert sum(a.get_visible() and a.axison for a in fig.axes) == n  # the spare cell is blank
    assert tuple(fig.get_size_inches()) == (4.0 * cols, 3.0 * rows)
    plt.close(fig)


@pytest.mark.parametrize("lo, hi", [(35.0, 260.0), (0.7, 1200.0), (3.0, 3.4), (12.0, 19.0), (0.12, 0.5)])
def test_depth_ticks_lie_inside_the_data(lo, hi):
    t = log_ticks(lo, hi)
    assert 2 <= len(t) <= 6 and all(lo <= x <= hi for x in t) and t == sorted(t)


def test_depth_colour_bar_spans_exactly_the_data():
    """No white band at either end and no tick beyond the data (the bar used to be
    extended to ticks outside it)."""
    from synthrm.figures import pyplot
    from synthrm.viz import _depth_panel

    plt = pyplot()
    d = np.geomspace(35.0, 260.0, 48 * 64).reshape(48, 64).astype(np.float32)
    d[:5] = np.nan  # sky
    fig, ax = plt.subplots()
    _depth_panel(fig, ax, d)
    cb = ax.images[0].colorbar
    lo, hi = float(np.nanmin(d)), float(np.nanmax(d))
    assert cb.norm.vmin == pytest.approx(lo) and cb.norm.vmax == pytest.approx(hi)
    assert cb.ax.get_ylim() == pytest.approx((lo, hi), rel=1e-6)
    ticks = cb.get_ticks()
    assert len(ticks) >= 2 and all(lo <= t <= hi for t in ticks)
    plt.close(fig)


@pytest.mark.slow
def test_show_draws_seven_panels_in_two_rows(tiny_dataset, tmp_path):
    from PIL import Image

    from synthrm.cli import main

    root, _ = tiny_dataset
    png = tmp_path / "f.png"
    assert main(["show", str(root), "--tx", "1", "--out", str(png)]) == 0
    w, h = Image.open(png).size
    assert 1.5 < w / h < 3.2, (w, h)  # 4 columns x 2 rows, not a 7-panel strip (~8:1)
