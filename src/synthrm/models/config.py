"""Settings of a training run (``synthrm train`` flags)."""
from __future__ import annotations

from dataclasses import dataclass

from synthrm.errors import ConfigError
from synthrm.models.registry import MODELS
from synthrm.radio.labels import LABEL_SOURCES


def parse_label_sources(text) -> tuple[int, ...]:
    """Provenance codes (``path_gain_source``: 1 rays in the pixel's own cell, 2 same-surface
    window, 3 filled from the surface, 4 filled by exact paths (schema 3), 5 exact
    diffraction, 6 multi-edge estimate) from ``"1,2"`` (or an
    iterable of ints): sorted, unique, among ``synthrm.radio.labels.LABEL_SOURCES``;
    ConfigError naming the value otherwise."""
    parts = str(text).split(",") if isinstance(text, str) else list(text)
    try:
        codes = tuple(sorted({int(c) for c in parts if str(c).strip()}))
    except ValueError:
        codes = ()
    if not codes or any(c not in LABEL_SOURCES for c in codes):
        raise ConfigError(f"label_sources: expected provenance codes among {LABEL_SOURCES[0]}-{LABEL_SOURCES[-1]} "
                          f"such as 1,2, got {text!r}")
    return codes


def label_sources_tag(codes) -> str:
    """How a result on a subset of labels is named: ``" (labels 1,2)"``; ``""`` for all."""
    codes = tuple(codes)
    return "" if codes == LABEL_SOURCES else f" (labels {','.join(map(str, codes))})"


@dataclass
class TrainConfig:
    """Settings of one training run (``synthrm train`` flags)."""

    model: str = "radiounet-s"
    """A name of the model registry (``synthrm.models.registry.MODELS``)."""
    epochs: int = 20
    """Epochs to train (a resumed run continues up to this number)."""
    batch_size: int = 8
    """Examples per step (SenseRay-3D volumes are large: 1-2 on a CPU)."""
    lr: float = 1e-3
    """AdamW learning rate at the start of each cosine cycle."""
    weight_decay: float = 1e-4
    """AdamW weight decay."""
    width: int = 0
    """Model size: base channels of the outdoor U-Nets / PMNet (default 32), SwinUNETR
    ``feature_size`` (default 12). 0 = the default."""
    inputs: str = "rgb"
    """Outdoor image channels: ``rgb`` (the SynthRM paper's), ``rgbd`` (+ log depth) or ``rgbd-fspl``
    (+ the free-space map from depth and the Tx position; the network predicts a residual
    over it, like SenseRay-3D indoors)."""
    val_fraction: float = 0.2
    """Outdoor: fraction of the scenes held out for validation (whole scenes: unseen
    geometry). Indoor uses the dataset's own ``val`` split."""
    patience: int = 5
    """Early stopping: epochs without a lower validation loss before stopping (0 = never)."""
    restart_epochs: int = 10
    """Cosine annealing with warm restarts: epochs of the first cycle (T_0)."""
    amp: str = "auto"
    """Mixed precision: ``auto`` (on for CUDA), ``on``, ``off``."""
    seed: int = 0
    """Seed of initialisation, split and shuffling (same seed, same run)."""
    device: str = "auto"
    """``auto`` (CUDA when present), ``cpu`` or ``cuda``."""
    max_steps_per_epoch: int = 0
    """Cap on optimiser steps per epoch (0 = a full pass); for quick runs and tests."""
    label_sources: str = ",".join(map(str, LABEL_SOURCES))
    """Outdoor: the label provenance codes the loss sees (``path_gain_source``: 1 rays in the
    pixel's own cell, 2 same-surface window, 3 filled from the surface, 4 filled by exact
    paths (schema 3), 5 exact diffraction, 6 multi-edge estimate; default all), e.g. ``1,2``
    to learn from Monte Carlo labels only."""
    label_weighting: str = "none"
    """Outdoor: ``none`` (every label alike) or ``std`` (each label weighted by
    ``1 / (path_gain_std_db^2 + 1 dB^2)``)."""

    @property
    def label_source_codes(self) -> tuple[int, ...]:
        """``label_sources`` as a tuple of ints (ConfigError when malformed)."""
        return parse_label_sources(self.label_sources)

    def validate(self) -> "TrainConfig":
        MODELS.get(self.model, "model")
        for n, lo in (("epochs", 1), ("batch_size", 1), ("width", 0), ("patience", 0), ("restart_epochs", 1),
                      ("seed", 0), ("max_steps_per_epoch", 0)):
            if int(getattr(self, n)) < lo:
                raise ConfigError(f"{n}: must be >= {lo}, got {getattr(self, n)}")
        if not self.lr > 0 or self.weight_decay < 0:
            raise ConfigError(f"lr must be > 0 and weight_decay >= 0, got {self.lr}, {self.weight_decay}")
        if not 0 <= self.val_fraction < 1:
            raise ConfigError(f"val_fraction: must be in [0, 1), got {self.val_fraction}")
        for n, ok in (("inputs", ("rgb", "rgbd", "rgbd-fspl")), ("amp", ("auto", "on", "off")), ("device", ("auto", "cpu", "cuda"))):
            if getattr(self, n) not in ok:
                raise ConfigError(f"{n}: must be one of {ok}, got {getattr(self, n)!r}")
        if self.label_weighting not in ("none", "std"):
            raise ConfigError(f"label_weighting: must be none or std, got {self.label_weighting!r}")
        self.label_source_codes  # noqa: B018 - validates label_sources
        if self.model == "senseray3d" and self.width and self.width % 12:
            raise ConfigError(f"width: SwinUNETR's feature_size must be a multiple of 12, got {self.width}")
        return self
