"""Settings of a training run (``synthrm train`` flags)."""
from __future__ import annotations

from dataclasses import dataclass

from synthrm.errors import ConfigError
from synthrm.models.registry import MODELS
from synthrm.radio.labels import LABEL_SOURCES


#: Channel groups an outdoor model can see, and their channel counts: the camera's RGB, log
#: depth, the world-frame surface normal, the normalised free-space path gain of the pixel's
#: surface point (its presence makes the network predict a residual over it), the geometric
#: line of sight of that point to the Tx (scene footprints), and the cosine of the angle between
#: the normal and the direction to the Tx (negative: the surface faces away).
GROUP_CHANNELS = {"rgb": ("red", "green", "blue"), "depth": ("log_depth",),
                  "normal": ("normal_x", "normal_y", "normal_z"), "fspl": ("fspl_gain",), "los": ("los",),
                  "incidence": ("incidence_cos",)}
INPUT_GROUPS = {g: len(c) for g, c in GROUP_CHANNELS.items()}
#: Named input sets (``--inputs``): the SynthRM paper's RGB; + log depth; + the free-space map;
#: ``geometry``: everything the pipeline knows of the visible surface. Any other set is written
#: as groups joined by ``+`` (``rgb+depth+los``), in the order of :data:`INPUT_GROUPS`.
INPUT_SETS = {"rgb": ("rgb",), "rgbd": ("rgb", "depth"), "rgbd-fspl": ("rgb", "depth", "fspl"),
              "geometry": ("rgb", "depth", "normal", "fspl", "los", "incidence")}
OUTDOOR_INPUTS = tuple(INPUT_SETS)
#: What the indoor network's residual is added to (``--prior``): free space (SenseRay-3D's
#: eq. 18) or the multi-wall model (free space + the walls the straight line crosses).
INDOOR_PRIORS = ("fspl", "multi-wall")
#: Indoor voxel channels (``--indoor-inputs``) and their counts: SenseRay-3D's four
#: (occupancy, reflection, transmission, Tx distance), or those plus two read off the straight
#: line from the Tx to each voxel centre: the walls it crosses and their transmission loss
#: (the multi-wall model's terms, given to the network as channels instead of as its prior).
INDOOR_INPUTS = {"voxels": 4, "voxels+walls": 6}


def input_groups(inputs: str) -> tuple[str, ...]:
    """The channel groups of an ``inputs`` name (a key of :data:`INPUT_SETS` or groups of
    :data:`INPUT_GROUPS` joined by ``+``, ``rgb`` first); ValueError naming the bad part."""
    if inputs in INPUT_SETS:
        return INPUT_SETS[inputs]
    parts = tuple(str(inputs).split("+"))
    bad = [g for g in parts if g not in INPUT_GROUPS]
    if bad or parts[0] != "rgb" or len(set(parts)) != len(parts):
        raise ValueError(f"inputs must be one of {OUTDOOR_INPUTS} or channel groups joined by '+' starting with "
                         f"rgb, among {tuple(INPUT_GROUPS)}, each once (e.g. rgb+depth+los); got {inputs!r}")
    return tuple(sorted(parts, key=list(INPUT_GROUPS).index))


def channel_names(inputs: str) -> tuple[str, ...]:
    """The image channels of an ``inputs`` name, in order (what ``OutdoorExamples`` stacks;
    the deployed models record them, ``synthrm.models.deploy``)."""
    return tuple(c for g in input_groups(inputs) for c in GROUP_CHANNELS[g])


def input_channels(inputs: str) -> int:
    """Number of image channels of an ``inputs`` name."""
    return sum(INPUT_GROUPS[g] for g in input_groups(inputs))


def base_channel(inputs: str) -> int | None:
    """Index of the free-space channel the network's output is added to (a residual), or
    None when the inputs have none (the network predicts the map itself)."""
    groups = input_groups(inputs)
    if "fspl" not in groups:
        return None
    return sum(INPUT_GROUPS[g] for g in groups[:groups.index("fspl")])

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
    """Examples per step (``synthrm train`` without ``--batch-size``: the model's registered
    default, 8, SenseRay-3D's volumes 1)."""
    lr: float = 1e-3
    """AdamW learning rate at the start of each cosine cycle."""
    weight_decay: float = 1e-4
    """AdamW weight decay."""
    width: int = 0
    """Model size: base channels of the outdoor U-Nets / PMNet (default 32), SwinUNETR
    ``feature_size`` (default 12). 0 = the default."""
    inputs: str = "rgb"
    """Outdoor image channels: ``rgb`` (the SynthRM paper's), ``rgbd`` (+ log depth), ``rgbd-fspl``
    (+ the free-space map from depth and the Tx position; the network predicts a residual
    over it, like SenseRay-3D indoors), ``geometry`` (+ surface normal, geometric line of
    sight to the Tx, incidence cosine), or groups joined by ``+`` (``rgb+depth+fspl+los``;
    ``synthrm.models.data.INPUT_GROUPS``)."""
    train_fraction: float = 1.0
    """Fraction of the training scenes (outdoor, after the validation scenes are held out)
    or training apartments (indoor, all their Tx) used, seeded: for learning curves."""
    loss: str = "mse"
    """``mse``: outdoor the MSE of the normalised path gain (RadioUNet's), indoor the RMSE of
    the path loss [dB] (SenseRay-3D's); or ``l1``: the MAE the benchmark scores, robust to the
    labels' heavy tails."""
    augment: str = "none"
    """``none``; outdoor ``rot90`` (each batch turned by 0 / 90 / 180 / 270 degrees, the Tx
    position in the camera frame turned with it: the seed's rotation augmentation); indoor
    ``flip`` (each batch mirrored in x, y, both or neither in the floor plan)."""
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
    prior: str = "fspl"
    """Indoor: the path loss [dB] the network's residual is added to: ``fspl`` (free space,
    SenseRay-3D's eq. 18) or ``multi-wall`` (free space plus the transmission loss of every
    wall the straight Tx-receiver line crosses, read from the voxels: the multi-wall
    baseline, so the network learns what the walls' sum misses)."""
    indoor_inputs: str = "voxels"
    """Indoor: the voxel channels: ``voxels`` (SenseRay-3D's four: occupancy, reflection,
    transmission, Tx distance) or ``voxels+walls`` (+ the number of walls on the straight line
    from the Tx to each voxel centre / 5 and their transmission loss [dB], clipped at 40 dB,
    / 20 dB: the line-of-sight state and the multi-wall terms, for the network to weigh)."""

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
        if not 0 < self.train_fraction <= 1:
            raise ConfigError(f"train_fraction: must be in (0, 1], got {self.train_fraction}")
        try:
            input_groups(self.inputs)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        for n, ok in (("amp", ("auto", "on", "off")), ("device", ("auto", "cpu", "cuda")),
                      ("augment", ("none", "rot90", "flip")), ("loss", ("mse", "l1"))):
            if getattr(self, n) not in ok:
                raise ConfigError(f"{n}: must be one of {ok}, got {getattr(self, n)!r}")
        if self.prior not in INDOOR_PRIORS:
            raise ConfigError(f"prior: must be one of {INDOOR_PRIORS}, got {self.prior!r}")
        if self.indoor_inputs not in INDOOR_INPUTS:
            raise ConfigError(f"indoor_inputs: must be one of {tuple(INDOOR_INPUTS)}, got {self.indoor_inputs!r}")
        if self.label_weighting not in ("none", "std"):
            raise ConfigError(f"label_weighting: must be none or std, got {self.label_weighting!r}")
        kind = MODELS.get(self.model, "model").kind
        if kind == "outdoor" and self.prior != "fspl":
            raise ConfigError(f"prior: {self.prior} is for indoor models; outdoor models take the free-space "
                              f"channel through --inputs (e.g. rgbd-fspl)")
        if kind == "outdoor" and self.indoor_inputs != "voxels":
            raise ConfigError(f"indoor_inputs: {self.indoor_inputs} is for indoor models; outdoor models take "
                              f"their channels through --inputs (e.g. geometry)")
        if (self.augment, kind) in (("rot90", "indoor"), ("flip", "outdoor")):
            raise ConfigError(f"augment: {self.augment} is for {'outdoor' if kind == 'indoor' else 'indoor'} models; "
                              f"use {'flip' if kind == 'indoor' else 'rot90'} (or none) with {self.model}")
        self.label_source_codes  # noqa: B018 - validates label_sources
        if self.model == "senseray3d" and self.width and self.width % 12:
            raise ConfigError(f"width: SwinUNETR's feature_size must be a multiple of 12, got {self.width}")
        return self
