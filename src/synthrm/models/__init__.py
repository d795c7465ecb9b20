"""The learning benchmark: the SynthRM paper's outdoor models, SenseRay-3D, their
training and evaluation, and the physics baselines.

The package itself is light (the model registry and the training settings); torch and
MONAI load with the modules that need them: ``synthrm.models.outdoor`` (RadioUNet-S,
PMNet-S, UNetDCN-S), ``.senseray`` (SenseRay-3D), ``.deform`` (deformable convolution),
``.data``, ``.train`` (``build_model``, ``load_model``), ``.evaluate``
(``predict_figure``), ``.baselines`` (numpy).
"""
from synthrm.models.config import TrainConfig
from synthrm.models.registry import MODELS, ModelSpec, register_model

__all__ = ["MODELS", "ModelSpec", "register_model", "TrainConfig"]
