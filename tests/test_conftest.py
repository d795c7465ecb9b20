"""The test's own point-triangle distance must be right before it judges the renderer."""
import numpy as np

from conftest import point_triangle_distance


def test_point_triangle_distance_against_brute_force():
    rng = np.random.default_rng(0)
    tri = rng.normal(size=(5, 3, 3))
    pts = rng.normal(size=(40, 3)) * 2
    d = point_triangle_distance(pts, tri)
    # brute force: dense barycentric sampling of each triangle
    u, v = np.meshgrid(np.linspace(0, 1, 301), np.linspace(0, 1, 301))
    m = u + v <= 1
    u, v = u[m], v[m]
    for t in range(len(tri)):
        s = tri[t, 0] + u[:, None] * (tri[t, 1] - tri[t, 0]) + v[:, None] * (tri[t, 2] - tri[t, 0])
        brute = np.linalg.norm(pts[:, None] - s[None], axis=-1).min(1)
        assert np.all(d[:, t] <= brute + 1e-9)
        assert np.all(brute - d[:, t] < 0.05)
