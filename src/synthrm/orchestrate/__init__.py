"""Graph-based view orchestration (the SynthRM paper's section 4.3).

From many candidate camera poses in one city, build a sensing graph (nodes: poses; edge
weights: visual overlap from verified SIFT matches), split it into perception
communities (Louvain), and pick the K views to simulate by greedy maximum coverage of the
visible surface, so that facades, both sides of every street canyon, and every
community are seen. The exact geometry (shared visible surface area) checks how well the
camera-only overlap tracks the real one.

    from synthrm.orchestrate import OrchestrateConfig, orchestrate, write_plan, plan_figure
    plan = orchestrate(cfg, "out/", OrchestrateConfig(candidates=60, k=12))
    write_plan("out/plan.json", plan)
"""
from synthrm.orchestrate.candidates import Candidate, render_candidates, scene_paths
from synthrm.orchestrate.config import OrchestrateConfig
from synthrm.orchestrate.figure import plan_figure
from synthrm.orchestrate.graph import communities, community_labels, sensing_graph
from synthrm.orchestrate.overlap import (
    SurfaceCells,
    compare_overlaps,
    geometric_overlap,
    sift_features,
    sift_overlap,
    surface_cells,
)
from synthrm.orchestrate.plan import config_from_plan, load_plan_views, orchestrate, plan_poses, read_plan, summary, write_plan
from synthrm.orchestrate.select import (
    CanyonSide,
    canyon_coverage,
    canyon_sides,
    facade_area,
    facade_coverage,
    objective_value,
    random_subsets,
    select_views,
)

__all__ = [
    "Candidate", "render_candidates", "scene_paths",
    "sift_features", "sift_overlap", "SurfaceCells", "surface_cells", "geometric_overlap", "compare_overlaps",
    "sensing_graph", "communities", "community_labels",
    "select_views", "objective_value", "facade_coverage", "facade_area", "canyon_sides", "CanyonSide",
    "canyon_coverage", "random_subsets",
    "OrchestrateConfig", "orchestrate", "write_plan", "read_plan", "plan_poses", "summary", "config_from_plan", "load_plan_views",
    "plan_figure",
]
