"""The learning benchmark: the SynthRM paper's outdoor models, SenseRay-3D, their
training and evaluation, and the physics baselines.

torch and MONAI are heavy: submodules load when first used (``synthrm.models.train``,
``.evaluate``, ``.registry``, ``.outdoor``, ``.senseray``, ``.data``, ``.baselines``, ``.deform``).
"""
import importlib

_LAZY = {"DeformConv2d": "deform", "deform_conv2d": "deform", "MODELS": "registry", "ModelSpec": "registry", "RadioUNetS": "outdoor",
         "PMNetS": "outdoor", "UNetDCNS": "outdoor", "SenseRay3D": "senseray",
         "build_model": "train", "load_model": "train", "predict_figure": "evaluate"}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"synthrm.models.{_LAZY[name]}"), name)
    raise AttributeError(name)
