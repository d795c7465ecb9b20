"""HDF5 shard format (see ``docs/dataset.md``).

A dataset folder holds ``index.json`` (config, seed, version, shards with their sample
ids and SHA-256), ``scenes/`` (the scene folders the samples were rendered from) and
``shards/shard-NNNNN.h5``. A shard is written under a temporary name and renamed only
when every sample in it is complete, so a run that dies never leaves a shard that looks
valid; the index is rewritten (atomically) after each shard.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

import h5py
import numpy as np

from synthrm.errors import ConfigError, DatasetError
from synthrm.files import atomic_write_json
from synthrm.scene.classes import MATERIAL_CLASSES, SEMANTIC_CLASSES

SCHEMA_VERSION = 4
"""4: labels with diffraction (exact and multi-edge), ``path_gain_mechanism`` per pixel and
provenance codes 5-6; 3: ``path_gain_source`` and ``path_gain_std_db`` per pixel, ray counts and
the resolved ray budget in the attributes; 2: ``path_gain_rings`` only."""
INDEX_JSON = "index.json"
SHARD_DIR = "shards"
#: Arrays compressed with gzip and chunked per sample.
GZIP_LEVEL = 4


def shard_path(root: str | Path, shard: int) -> Path:
    return Path(root) / SHARD_DIR / f"shard-{shard:05d}.h5"


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _jsonable(v):
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True)
    return v


class ShardWriter:
    """Write samples into one shard; the file appears under its final name on success.

    >>> with ShardWriter(path, file_attrs) as w:
    ...     w.write("000001", {"rgb": rgb, ...}, {"seed": 1, ...})
    """

    def __init__(self, path: str | Path, file_attrs: dict):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.file_attrs = file_attrs
        self.sample_ids: list[str] = []

    def __enter__(self):
        from synthrm import __version__

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.f = h5py.File(self.tmp, "w")
        self.f.attrs["synthrm_version"] = __version__
        self.f.attrs["schema_version"] = SCHEMA_VERSION
        self.f.attrs["semantic_classes"] = json.dumps(SEMANTIC_CLASSES)
        self.f.attrs["material_classes"] = json.dumps(MATERIAL_CLASSES)
        for k, v in self.file_attrs.items():
            self.f.attrs[k] = _jsonable(v)
        self.f.create_group("samples")
        return self

    def write(self, sample_id: str, arrays: dict[str, np.ndarray], attrs: dict) -> None:
        try:
            self._write(sample_id, arrays, attrs)
        except OSError as e:  # disk full, quota, I/O error: the shard is abandoned in __exit__
            raise DatasetError(f"{self.path}: writing sample {sample_id} failed ({e}); free disk space and rerun "
                               "`synthrm generate`: complete shards are kept, this one is written again") from e

    def _write(self, sample_id: str, arrays: dict[str, np.ndarray], attrs: dict) -> None:
        g = self.f["samples"].create_group(sample_id)
        for k, a in arrays.items():
            a = np.asarray(a)
            if a.ndim >= 2:
                g.create_dataset(k, data=a, chunks=a.shape, compression="gzip",
                                 compression_opts=GZIP_LEVEL, shuffle=True)
            else:
                g.create_dataset(k, data=a)
        for k, v in attrs.items():
            g.attrs[k] = _jsonable(v)
        g.attrs["complete"] = True
        self.sample_ids.append(sample_id)

    def write_group(self, name: str, arrays: dict[str, np.ndarray], attrs: dict | None = None) -> None:
        """A top-level group ``/<name>/`` beside ``/samples`` (an indoor shard's ``scans``):
        arrays of rank >= 3 are chunked per entry of their first axis (one image of a stack)."""
        try:
            g = self.f.create_group(name)
            for k, a in arrays.items():
                a = np.asarray(a)
                if a.ndim >= 3 and len(a):
                    g.create_dataset(k, data=a, chunks=(1, *a.shape[1:]), compression="gzip",
                                     compression_opts=GZIP_LEVEL, shuffle=True)
                else:
                    g.create_dataset(k, data=a)
            for k, v in (attrs or {}).items():
                g.attrs[k] = _jsonable(v)
        except OSError as e:
            raise DatasetError(f"{self.path}: writing /{name} failed ({e}); free disk space and rerun "
                               "`synthrm generate`") from e

    def __exit__(self, exc_type, exc, tb):
        try:
            self.f.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        except OSError as e:
            self.tmp.unlink(missing_ok=True)
            raise DatasetError(f"{self.path}: finishing the shard failed ({e}); free disk space and rerun "
                               "`synthrm generate`") from e
        if exc_type is not None:
            self.tmp.unlink(missing_ok=True)
        return False


def _index_file(root: str | Path) -> Path:
    p = Path(root) / INDEX_JSON
    if not p.is_file():
        raise DatasetError(f"{p}: not found; {root} is not a synthrm dataset (make one with `synthrm generate`)")
    return p


def read_index(root: str | Path) -> dict:
    """The parsed ``index.json`` of a dataset (a fresh dict the caller may change)."""
    p = _index_file(root)
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise DatasetError(f"{p}: corrupt JSON ({e.msg}); rerun `synthrm generate` on the folder to rebuild it") from None


def index_kind(index: dict) -> str:
    """``"indoor"`` (SenseRay-3D voxel entries) or ``"city"`` (camera samples) of a parsed ``index.json``."""
    return "indoor" if index.get("kind") == "indoor" else "city"


def dataset_kind(root: str | Path) -> str:
    """``"indoor"`` or ``"city"``: the kind of the dataset in ``root`` (:func:`index_kind`)."""
    return index_kind(read_index(root))


def check_indoor_tx(root: str | Path, tx: int | None) -> None:
    """A ConfigError for ``--tx`` other than 0 on an indoor dataset: an indoor entry holds
    one transmitter, chosen by its id (``<scene_id>-txNN``)."""
    if tx not in (None, 0) and dataset_kind(root) == "indoor":
        ids = [s for _, s in list_samples(root)[:2]]
        raise ConfigError(f"--tx {tx}: an indoor entry holds one transmitter; choose it with --sample "
                          f"<scene_id>-txNN (entries: {', '.join(ids)}, ...)")


def write_index(root: str | Path, index: dict) -> None:
    """Write ``index.json`` atomically (sorted keys)."""
    atomic_write_json(Path(root) / INDEX_JSON, index, sort_keys=True)


def list_samples(root: str | Path) -> list[tuple[str, str]]:
    """All (shard file relative to root, sample id) pairs of a dataset, in order.

    Parsed once per version of ``index.json`` (keyed by path, mtime and size), so reading
    every sample of a large dataset does not re-parse the index each time.
    """
    p = _index_file(root)
    st = p.stat()
    return list(_samples(str(p.resolve()), st.st_mtime_ns, st.st_size))


def first_sample_id(root: str | Path) -> str:
    """The id of a dataset's first sample; a DatasetError when it holds none yet."""
    ids = list_samples(root)
    if not ids:
        raise DatasetError(f"{root}: holds no complete sample yet; finish it by rerunning the `synthrm generate` "
                           "command that made it")
    return ids[0][1]


@functools.lru_cache(maxsize=8)
def _samples(index_path: str, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...]:
    idx = read_index(Path(index_path).parent)
    return tuple((s["file"], sid) for s in idx["shards"] for sid in s["samples"])


def _open(path: Path) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except FileNotFoundError:
        raise DatasetError(f"{path}: shard missing; rerun `synthrm generate` on the dataset folder to regenerate it") from None
    except OSError as e:
        raise DatasetError(f"{path}: not a readable HDF5 file ({e}); delete it and rerun `synthrm generate`") from None


def read_sample(root: str | Path, sample_id: str, keys: list[str] | None = None) -> dict:
    """Read one sample: arrays by name plus ``attrs`` (dict) and ``file_attrs`` (dict)."""
    for shard_file, sid in list_samples(root):
        if sid == sample_id:
            break
    else:
        raise DatasetError(f"sample {sample_id!r} not found in {root}; "
                           f"known ids start with {[s for _, s in list_samples(root)[:5]]}")
    path = Path(root) / shard_file
    with _open(path) as f:
        g = f["samples"].get(sample_id)
        if g is None or not g.attrs.get("complete", False):
            raise DatasetError(f"{path}: sample {sample_id!r} missing or incomplete; rerun `synthrm generate`")
        out = {k: g[k][()] for k in (keys or list(g.keys()))}
        out["attrs"] = {k: decode_attr(v) for k, v in g.attrs.items()}
        out["file_attrs"] = {k: decode_attr(v) for k, v in f.attrs.items()}
    return out


def read_group(root: str | Path, shard_file: str, name: str) -> dict | None:
    """The arrays and ``attrs`` of the top-level group ``name`` of a shard (relative path
    ``shard_file``, as :func:`list_samples` gives it), or None when the shard has none."""
    path = Path(root) / shard_file
    with _open(path) as f:
        g = f.get(name)
        if g is None:
            return None
        out = {k: g[k][()] for k in g.keys()}
        out["attrs"] = {k: decode_attr(v) for k, v in g.attrs.items()}
    return out


def read_radio_sample(root: str | Path, sample_id: str, keys: list[str]) -> dict:
    """:func:`read_sample` for a consumer that needs radio labels: a sample made without
    the ray tracer (no ``path_gain_db`` ...) is a DatasetError saying so."""
    try:
        return read_sample(root, sample_id, keys)
    except KeyError:
        raise DatasetError(f"{root}: sample {sample_id} has no radio labels (made with --no-radio?); "
                           f"regenerate it with the ray tracer on") from None


def decode_attr(v):
    """An HDF5 attribute as Python: bytes -> str, JSON text -> objects, numpy scalars -> Python."""
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str) and v[:1] in "{[":
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    if isinstance(v, np.generic):
        return v.item()
    return v
