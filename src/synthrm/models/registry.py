"""The models ``synthrm train`` knows: one registry entry each (name -> kind and builder).

``kind`` is ``outdoor`` (camera image + Tx vector -> normalised path gain map, trained on
city datasets) or ``indoor`` (SenseRay-3D voxels -> path loss planes). ``builder`` is
called as ``builder(width=..., in_ch=..., tx_dim=...)`` (``width`` 0 = its default size);
it may be a ``"module:attribute"`` string, imported on first use, so that registering a
model loads no torch. ``TrainConfig`` checks ``model`` against the registry and the CLI
takes its ``--model`` choices from it.

    from synthrm.models.registry import MODELS, ModelSpec
    MODELS.register("my-net", ModelSpec("outdoor", MyNet))   # MyNet(width=, in_ch=, tx_dim=)
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from synthrm.registry import Registry


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model of the benchmark."""

    kind: str
    """``outdoor`` or ``indoor``."""
    builder: Callable | str
    """``builder(width=, in_ch=, tx_dim=) -> torch.nn.Module``, or ``"module:attribute"``."""

    def __post_init__(self):
        if self.kind not in ("outdoor", "indoor"):
            raise ValueError(f"ModelSpec.kind must be outdoor or indoor, got {self.kind!r}")

    def build(self, width: int = 0, in_ch: int = 3, tx_dim: int = 315):
        b = self.builder
        if isinstance(b, str):
            mod, attr = b.split(":")
            b = getattr(importlib.import_module(mod), attr)
        return b(width=width, in_ch=in_ch, tx_dim=tx_dim)


MODELS: Registry[ModelSpec] = Registry("model")
MODELS.register("radiounet-s", ModelSpec("outdoor", "synthrm.models.outdoor:build_radiounet_s"))
MODELS.register("pmnet-s", ModelSpec("outdoor", "synthrm.models.outdoor:build_pmnet_s"))
MODELS.register("unetdcn-s", ModelSpec("outdoor", "synthrm.models.outdoor:build_unetdcn_s"))
MODELS.register("senseray3d", ModelSpec("indoor", "synthrm.models.senseray:build_senseray3d"))


def outdoor_models() -> tuple[str, ...]:
    """The camera models (the SynthRM paper's): names of kind ``outdoor``."""
    return tuple(n for n, m in MODELS.items() if m.kind == "outdoor")
