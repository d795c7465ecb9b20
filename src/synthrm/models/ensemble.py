"""Ensembles of trained runs (``synthrm ensemble RUN RUN ... --out ENS``, written by
:func:`synthrm.models.train.make_ensemble`).

An ensemble is a run folder like any other: ``run.json`` and ``best.pt``, so ``synthrm
evaluate``, ``predict`` and ``export-model`` take it unchanged. Its model averages the
members' network outputs: indoor the residual over the prior (so the path loss [dB] is the
prior plus the members' mean residual, the mean of their path losses), outdoor the
normalised path gain (the mean of their maps in dB). Members must read the same examples
and mean the same thing by their output: same kind, prior and voxel channels (indoor),
same inputs and range (outdoor), same grid and receiver heights; a ValueError names the key
that differs otherwise (:class:`EnsembleError`). Members are typically training seeds or
recipes of one model: their errors differ per apartment and partly cancel
(``docs/learning.md``).

``run.json`` is the first member's with ``model`` ``"ensemble"``, ``model_kwargs``
``{"name": "ensemble", "members": [each member's model_kwargs and in_ch]}``, ``members``
(the member runs' folders) and ``member_models``; the log-distance fit (a baseline in the
evaluation) is the first member's.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from synthrm.errors import SynthrmError
from synthrm.models.registry import MODELS

#: The ``model`` name of an ensemble's ``run.json`` (not a registry entry: it is not trained).
ENSEMBLE = "ensemble"
#: ``run.json`` keys whose values the members must share, per kind.
SHARED_KEYS = {"indoor": ("kind", "pad_shape", "heights_m", "voxel_size_m", "frequency_hz", "prior", "indoor_inputs",
                          "in_ch", "wall_loss_clip_db"),
               "city": ("kind", "inputs", "in_ch", "tx_dim", "range_db")}
#: Defaults of keys older runs do not record.
_DEFAULTS = {"prior": "fspl", "indoor_inputs": "voxels", "in_ch": 4}


class EnsembleError(SynthrmError, ValueError):
    """Runs that cannot be averaged (one line: which runs, which key, the fix)."""


class Ensemble(nn.Module):
    """The mean of ``members``' outputs: ``forward(*args)`` averages ``m(*args)``; indoor,
    ``path_loss_db`` is that of :class:`synthrm.models.senseray._ResidualVoxelNet` over the
    mean residual."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"an ensemble needs at least 2 members, got {len(members)}")
        self.members = nn.ModuleList(members)
        self.in_ch = getattr(members[0], "in_ch", None)

    def forward(self, *args) -> torch.Tensor:
        return torch.stack([m(*args) for m in self.members]).mean(0)

    def path_loss_db(self, x, prior_db, z_index, z_weight) -> torch.Tensor:
        from synthrm.models.senseray import _ResidualVoxelNet

        return _ResidualVoxelNet.path_loss_db(self, x, prior_db, z_index, z_weight)


def _shared(meta: dict, key: str):
    return meta.get(key, _DEFAULTS.get(key)) if meta["kind"] == "indoor" else meta.get(key)


def check_members(metas: list[dict], names: list[str]) -> None:
    """EnsembleError naming the first ``run.json`` key in which a member differs from the first
    (:data:`SHARED_KEYS`), or a member that is an ensemble itself."""
    if len(metas) < 2:
        raise EnsembleError(f"an ensemble needs at least 2 runs, got {len(metas)}")
    for meta, name in zip(metas, names):
        if meta.get("model") == ENSEMBLE:
            raise EnsembleError(f"{name} is an ensemble; list its members instead")
    for meta, name in zip(metas[1:], names[1:]):
        for key in SHARED_KEYS.get(metas[0]["kind"], ("kind",)):
            a, b = _shared(metas[0], key), _shared(meta, key)
            if a != b:
                raise EnsembleError(f"runs {names[0]} and {name} differ in {key} ({a!r} vs {b!r}); an ensemble "
                                    f"averages runs that read the same examples: pick runs made alike")


def build_ensemble(kwargs: dict) -> Ensemble:
    """An untrained :class:`Ensemble` from its ``run.json`` ``model_kwargs`` (the members'
    ``model_kwargs``)."""
    return Ensemble([MODELS.get(k["name"], "model").build(width=k["width"], in_ch=k["in_ch"], tx_dim=k["tx_dim"])
                     for k in kwargs["members"]])


def ensemble_meta(metas: list[dict], runs: list[str | Path], member_kwargs: list[dict], parameters: int) -> dict:
    """The ensemble's ``run.json`` from its members' (checked alike first)."""
    from synthrm import __version__

    check_members(metas, [str(r) for r in runs])
    meta = {**metas[0], "model": ENSEMBLE, "synthrm_version": __version__,
            "model_kwargs": {"name": ENSEMBLE, "members": list(member_kwargs)},
            "members": [str(Path(r).resolve()) for r in runs], "member_models": [m["model"] for m in metas],
            "parameters": int(parameters)}
    if metas[0]["kind"] == "indoor":
        meta.update({k: _shared(metas[0], k) for k in ("prior", "indoor_inputs", "in_ch")})
        # every dataset any member trained on (none of them is unseen by the ensemble)
        meta["train_data"] = list(dict.fromkeys(d for m in metas for d in m.get("train_data", [m["data"]])))
    return meta


__all__ = ["Ensemble", "EnsembleError", "ENSEMBLE", "ensemble_meta", "build_ensemble", "check_members"]
