"""Neural models of the learning benchmark (issue 5, in progress)."""
from synthrm.models.deform import DeformConv2d, deform_conv2d

__all__ = ["DeformConv2d", "deform_conv2d"]
