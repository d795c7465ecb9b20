"""Dataset analysis: per-sample signal statistics and the
semantic-radio point-biserial correlation of the SynthRM paper (section 5.3, eq. 3)."""
from synthrm.analysis.correlation import (
    CONCEPTS,
    concept_correlations,
    point_biserial,
    semantic_masks,
)
from synthrm.analysis.stats import (
    bimodality_coefficient,
    dip_test,
    gaussian_mixture_bic,
    signal_stats,
)

__all__ = ["CONCEPTS", "concept_correlations", "point_biserial", "semantic_masks", "signal_stats",
           "bimodality_coefficient", "dip_test", "gaussian_mixture_bic"]
