"""``torch.utils.data.Dataset`` over a synthrm dataset folder (city, imported or indoor)."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import torch
from torch.utils.data import Dataset

from synthrm.dataset.hdf5 import index_kind, list_samples, read_index
from synthrm.errors import DatasetError

#: Arrays of a city sample an item holds by default (those the dataset has).
DEFAULT_KEYS = ("rgb", "depth", "normal", "semantic", "material", "K", "cam_to_world")
#: Arrays of an indoor entry an item holds by default: the SenseRay-3D voxel channels,
#: the voxel semantics, the Tx and the ground truth on the receiver planes.
INDOOR_KEYS = ("occupancy", "reflection_db", "transmission_db", "tx_distance_m", "fspl_db", "semantic",
               "tx_position", "path_loss_db", "fill_mask")
#: Class-id arrays, widened to int64 (what losses and embeddings index with).
CLASS_KEYS = ("semantic", "material")


class SynthRMDataset(Dataset):
    """Samples of a dataset folder as dicts of tensors.

    City (and imported) samples: ``rgb`` becomes (3, H, W) float32 in [0, 1]; ``depth``
    (1, H, W) float32 [m] with NaN on sky; ``normal`` (3, H, W); ``semantic`` /
    ``material`` (H, W) int64. Indoor entries: the voxel channels ``occupancy``,
    ``reflection_db``, ``transmission_db``, ``tx_distance_m`` [m], ``fspl_db`` (X, Y, Z)
    float32, ``semantic`` (X, Y, Z) int64 (-1 empty), ``tx_position`` (3,) [m],
    ``path_loss_db`` (Hn, X, Y) [dB] and ``fill_mask`` (Hn, X, Y) bool on the receiver
    planes (``docs/indoor.md``), plus ``split``; apartments differ in (X, Y, Z), so batch
    them one at a time or pad them (``synthrm.models.data.IndoorExamples`` does). Every
    other array keeps its shape and dtype. Each item also holds ``sample_id``.

    ``keys``: the arrays to load (default: :data:`DEFAULT_KEYS` or :data:`INDOOR_KEYS`,
    those the samples have: an imported dataset lacks normals and semantics); a key the
    samples lack is a DatasetError naming the ones they have. Shards are opened lazily,
    once per worker process.
    """

    def __init__(self, root: str | Path, keys: tuple[str, ...] | None = None):
        self.root = Path(root)
        idx = read_index(self.root)
        self.kind = index_kind(idx)
        self.items = list_samples(self.root)
        self._files: dict[str, h5py.File] = {}
        have = set(self._group(0).keys()) if self.items else set()
        if keys is None:
            keys = tuple(k for k in (INDOOR_KEYS if self.kind == "indoor" else DEFAULT_KEYS) if k in have)
        elif self.items:
            missing = [k for k in keys if k not in have]
            if missing:
                why = " (an imported dataset; see its index.json 'absent')" if idx.get("absent") else ""
                raise DatasetError(f"{self.root}: its samples have no {', '.join(map(repr, missing))}{why}; "
                                   f"they have {sorted(have)}")
        self.keys = tuple(keys)

    def __len__(self) -> int:
        return len(self.items)

    def _file(self, name: str) -> h5py.File:
        if name not in self._files:
            self._files[name] = h5py.File(self.root / name, "r")
        return self._files[name]

    def _group(self, i: int):
        shard, sid = self.items[i]
        return self._file(shard)["samples"][sid]

    def __getitem__(self, i: int) -> dict:
        g = self._group(i)
        out = {"sample_id": self.items[i][1]}
        if self.kind == "indoor":
            split = g.attrs.get("split", "")
            out["split"] = split.decode() if isinstance(split, bytes) else str(split)
        for k in self.keys:
            out[k] = to_tensor(k, g[k][()], self.kind)
        return out

    def __getstate__(self):  # h5py handles do not pickle: reopen in workers
        d = dict(self.__dict__)
        d["_files"] = {}
        return d


def to_tensor(key: str, a: np.ndarray, kind: str = "city") -> torch.Tensor:
    """One stored array as the tensor of an item (see :class:`SynthRMDataset`)."""
    a = np.asarray(a)
    if kind != "indoor" and key == "rgb":
        return torch.from_numpy(a).permute(2, 0, 1).float() / 255.0
    if kind != "indoor" and key == "normal" and a.ndim == 3:
        return torch.from_numpy(a).permute(2, 0, 1)
    if kind != "indoor" and key == "depth":
        return torch.from_numpy(a)[None]
    if key in CLASS_KEYS and a.dtype.kind in "iu":
        return torch.from_numpy(a.astype(np.int64))
    if a.dtype.kind == "u" and a.dtype != np.uint8:  # torch has no uint16 / uint32 arithmetic
        return torch.from_numpy(a.astype(np.int64))
    return torch.from_numpy(np.ascontiguousarray(a))
