"""Settings of the view orchestration (``synthrm orchestrate``), beside the stage they drive."""
from __future__ import annotations

from dataclasses import dataclass, field

from synthrm.checks import require

#: Edge weights of the sensing graph.
GRAPHS = ("sift", "geometry")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass
class OrchestrateConfig:
    """Which views of scene 0 to simulate: candidates, sensing graph, selection and the
    random baseline. The plan records these as its ``settings``."""

    candidates: int = 60
    """Candidate views to render and match (>= 2)."""
    k: int = 12
    """Views to select, 1 <= k <= candidates."""
    min_per_community: int = 2
    """Views each perception community receives first."""
    min_weight: float = 0.0
    """Overlap above which a pair of views is an edge of the sensing graph."""
    cell_m: float = 1.0
    """Surface cell edge of the geometric overlap and the coverage [m]."""
    graph: str = "sift"
    """Edge weights of the sensing graph: ``sift`` (camera-only) or ``geometry`` (the exact
    overlap: an oracle for comparison)."""
    random_trials: int = 16
    """Random k-subsets of the same candidates in the baseline."""
    spp: int | None = None
    """Path-tracing samples per pixel of the candidate images (None: ``render.spp``)."""
    track_length: int = 4
    """Candidates come in tracks of this many views, like a capture (1: independent views):
    SIFT links the views of a track and tracks that cross."""
    sift_blur_sigma: float = 0.8
    """Gaussian blur before SIFT [px]: keeps keypoints off the path-tracing noise."""
    select_options: dict = field(default_factory=dict)
    """Extra keyword arguments of ``select_views`` (weights, canyon margin)."""
    seed: int | None = None
    """Seed of the candidate poses, Louvain, tie-breaking and the random baseline (None: the
    generate config's ``seed``, which alone picks the city)."""

    def __post_init__(self):
        require(_is_int(self.candidates) and self.candidates >= 2,
                f"candidates: need at least 2 candidate views to build a sensing graph, got {self.candidates!r}")
        require(_is_int(self.k) and self.k >= 1, f"k: must be an integer >= 1 (views to select), got {self.k!r}")
        require(self.k <= self.candidates, f"k: cannot select {self.k} views out of {self.candidates} candidates; "
                f"raise candidates to at least {self.k} or lower k")
        require(_is_int(self.min_per_community) and self.min_per_community >= 0,
                f"min_per_community: must be an integer >= 0, got {self.min_per_community!r}")
        require(_is_int(self.random_trials) and self.random_trials >= 1,
                f"random_trials: must be an integer >= 1, got {self.random_trials!r}")
        require(self.graph in GRAPHS, f"graph: must be one of {GRAPHS}, got {self.graph!r}")
        require(self.spp is None or (_is_int(self.spp) and self.spp >= 1),
                f"spp: must be an integer >= 1, got {self.spp!r}")
        require(_is_int(self.track_length) and self.track_length >= 1,
                f"track_length: must be an integer >= 1, got {self.track_length!r}")
        require(isinstance(self.cell_m, (int, float)) and self.cell_m > 0, f"cell_m: must be > 0 m, got {self.cell_m!r}")
        require(isinstance(self.select_options, dict),
                f"select_options: expected a mapping of select_views options, got {self.select_options!r}")
        require(self.seed is None or (_is_int(self.seed) and self.seed >= 0),
                f"seed: must be an integer >= 0, got {self.seed!r}")
