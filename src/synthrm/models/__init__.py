"""Neural models of the learning benchmark (issue 5, in progress) and physics baselines."""
from synthrm.models.deform import DeformConv2d, deform_conv2d
from synthrm.models.outdoor import MODELS, PMNetS, RadioUNetS, UNetDCNS

__all__ = ["DeformConv2d", "deform_conv2d", "MODELS", "RadioUNetS", "PMNetS", "UNetDCNS"]
