"""The models ``synthrm train`` knows: one registry entry each (name -> kind and builder).

``kind`` is ``outdoor`` (camera image + Tx vector -> normalised path gain map, trained on
city datasets) or ``indoor`` (SenseRay-3D voxels -> path loss planes). ``builder`` is
called as ``builder(width=..., in_ch=..., tx_dim=...)`` (``width`` 0 = its default size).
A model is registered where it is built, by :func:`register_model` on its builder; the
built-in ones live in :data:`BUILTIN_MODULES`, imported on the registry's first lookup
(so that ``import synthrm.models`` and the CLI load no torch until a model is needed).
``TrainConfig`` checks ``model`` against the registry and the CLI takes its ``--model``
choices from it.

    from synthrm.models.registry import register_model

    @register_model("my-net", "outdoor")
    def build_my_net(width=0, in_ch=3, tx_dim=315): ...
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from synthrm.registry import Registry

#: Formats ``synthrm export-model`` writes a trained model in (``synthrm.models.deploy``).
MODEL_FORMATS = ("onnx",)
#: Default ONNX opset of the export: onnxruntime (>= 1.25) runs it, and it has DeformConv
#: (UNetDCN-S, one kernel: 2.1x faster than the gather form opsets 17-18 get) and
#: LayerNormalization (SwinUNETR).
ONNX_OPSET = 19
#: Modules whose builders register the built-in models.
BUILTIN_MODULES = ("synthrm.models.outdoor", "synthrm.models.senseray")


@dataclass(frozen=True)
class ModelSpec:
    """How to build a model of the benchmark."""

    kind: str
    """``outdoor`` or ``indoor``."""
    builder: Callable
    """``builder(width=, in_ch=, tx_dim=) -> torch.nn.Module``."""
    batch_size: int = 8
    """Examples per step ``synthrm train`` uses when ``--batch-size`` is not given."""

    def __post_init__(self):
        if self.kind not in ("outdoor", "indoor"):
            raise ValueError(f"ModelSpec.kind must be outdoor or indoor, got {self.kind!r}")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"ModelSpec.batch_size must be an integer >= 1, got {self.batch_size!r}")

    def build(self, width: int = 0, in_ch: int = 3, tx_dim: int = 315):
        return self.builder(width=width, in_ch=in_ch, tx_dim=tx_dim)


MODELS: Registry[ModelSpec] = Registry("model", builtins=BUILTIN_MODULES)


def register_model(name: str, kind: str, batch_size: int = 8):
    """Decorator: register the decorated builder as model ``name`` of ``kind``
    (``outdoor`` or ``indoor``), trained at ``batch_size`` examples a step unless told
    otherwise; returns the builder unchanged."""
    def decorate(builder: Callable) -> Callable:
        MODELS.register(name, ModelSpec(kind, builder, batch_size))
        return builder
    return decorate


def outdoor_models() -> tuple[str, ...]:
    """The camera models (the SynthRM paper's): names of kind ``outdoor``."""
    return tuple(n for n, m in MODELS.items() if m.kind == "outdoor")


def indoor_models() -> tuple[str, ...]:
    """The voxel models (SenseRay-3D's and ours): names of kind ``indoor``."""
    return tuple(n for n, m in MODELS.items() if m.kind == "indoor")
