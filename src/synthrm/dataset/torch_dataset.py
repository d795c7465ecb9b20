"""``torch.utils.data.Dataset`` over a synthrm dataset folder."""
from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import torch
from torch.utils.data import Dataset

from synthrm.dataset.hdf5 import list_samples

DEFAULT_KEYS = ("rgb", "depth", "normal", "semantic", "material", "K", "cam_to_world")


class SynthRMDataset(Dataset):
    """Samples of a dataset folder as dicts of tensors.

    ``rgb`` becomes (3, H, W) float32 in [0, 1]; ``depth`` (1, H, W) float32 [m] with NaN
    on sky; ``normal`` (3, H, W); ``semantic`` / ``material`` (H, W) int64; other arrays
    keep their shape. Shards are opened lazily, once per worker process.
    """

    def __init__(self, root: str | Path, keys: tuple[str, ...] = DEFAULT_KEYS):
        self.root = Path(root)
        self.keys = tuple(keys)
        self.items = list_samples(self.root)
        self._files: dict[str, h5py.File] = {}

    def __len__(self) -> int:
        return len(self.items)

    def _file(self, name: str) -> h5py.File:
        if name not in self._files:
            self._files[name] = h5py.File(self.root / name, "r")
        return self._files[name]

    def __getitem__(self, i: int) -> dict:
        shard, sid = self.items[i]
        g = self._file(shard)["samples"][sid]
        out = {"sample_id": sid}
        for k in self.keys:
            a = g[k][()]
            if k == "rgb":
                t = torch.from_numpy(a).permute(2, 0, 1).float() / 255.0
            elif k in ("normal",) and a.ndim == 3:
                t = torch.from_numpy(a).permute(2, 0, 1)
            elif k == "depth":
                t = torch.from_numpy(a)[None]
            elif a.dtype == np.uint8 and k in ("semantic", "material"):
                t = torch.from_numpy(a.astype(np.int64))
            else:
                t = torch.from_numpy(np.asarray(a))
            out[k] = t
        return out

    def __getstate__(self):  # h5py handles do not pickle: reopen in workers
        d = dict(self.__dict__)
        d["_files"] = {}
        return d
