"""``synthrm validate DIR``: check every shard of a dataset against its index and schema.

Reports, per problem, the file and what is wrong: a shard listed but missing, a shard
whose SHA-256 differs from the index (truncated, altered), a file HDF5 cannot open, a
sample listed but absent or incomplete, a sample missing a required array or with the
wrong shape or dtype, a sample id that appears twice, a frame neither written nor
recorded as dropped, a shard file the index does not list, leftovers of an interrupted
run. Rerunning ``synthrm generate`` with the same settings regenerates exactly the
shards that are missing or fail their checksum and leaves the healthy ones alone.
Arrays the index lists under ``absent`` (an imported dataset's, see ``docs/interop.md``)
are not required. An indoor entry's arrays are checked against its grid and receiver
planes, and an indoor shard (schema >= 2) must hold its apartment's scans.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from synthrm.dataset.hdf5 import INDEX_JSON, SHARD_DIR, index_kind, read_index, sha256
from synthrm.errors import DatasetError
from synthrm.radio.labels import MECHANISM_NAMES, SOURCE_EXACT, SOURCE_NAMES

#: City samples: array -> (dtype kind, rank, shape from (H, W, T)); radio arrays only with radio.
CITY_ARRAYS = {
    "rgb": ("u", lambda h, w, t: (h, w, 3)), "depth": ("f", lambda h, w, t: (h, w)),
    "normal": ("f", lambda h, w, t: (h, w, 3)), "semantic": ("u", lambda h, w, t: (h, w)),
    "material": ("u", lambda h, w, t: (h, w)), "roughness": ("f", lambda h, w, t: (h, w)),
    "albedo": ("f", lambda h, w, t: (h, w, 3)), "K": ("f", lambda h, w, t: (3, 3)),
    "cam_to_world": ("f", lambda h, w, t: (4, 4)),
}
RADIO_ARRAYS = {
    "path_gain_db": ("f", lambda h, w, t: (t, h, w)), "sinr_db": ("f", lambda h, w, t: (t, h, w)),
    "tx_position": ("f", lambda h, w, t: (t, 3)),
}
#: Radio arrays from schema 3 on: provenance and standard error of every label.
RADIO_ARRAYS_V3 = {
    "path_gain_source": ("u", lambda h, w, t: (t, h, w)), "path_gain_std_db": ("f", lambda h, w, t: (t, h, w)),
}
#: Radio arrays from schema 4 on: the dominant propagation mechanism of every label.
RADIO_ARRAYS_V4 = {"path_gain_mechanism": ("u", lambda h, w, t: (t, h, w))}

#: Indoor entries: array -> (dtype kind, shape from the grid (X, Y, Z) and the number of planes Hn).
INDOOR_ARRAYS = {
    **{k: ("f", lambda g, hn: tuple(g)) for k in ("occupancy", "reflection_db", "transmission_db", "tx_distance_m",
                                                  "fspl_db")},
    "semantic": ("i", lambda g, hn: tuple(g)), "tx_position": ("f", lambda g, hn: (3,)),
    "path_loss_db": ("f", lambda g, hn: (hn, g[0], g[1])), "fill_mask": ("b", lambda g, hn: (hn, g[0], g[1])),
}
#: An indoor shard's ``/scans`` (indoor schema >= 2): array -> (dtype kind, rank).
SCAN_ARRAYS = {"rgb": ("u", 4), "depth": ("f", 3), "semantic": ("u", 3), "K": ("f", 3), "cam_to_world": ("f", 3)}


def _check_entry(g, sid: str) -> list[str]:
    """An indoor entry's arrays against its ``grid_shape`` and ``heights_m``."""
    if not g.attrs.get("complete", False):
        return [f"entry {sid} is incomplete (no `complete` attribute)"]
    try:
        grid = [int(v) for v in json.loads(g.attrs["grid_shape"])]
        hn = len(json.loads(g.attrs["heights_m"]))
    except (KeyError, TypeError, ValueError):
        return [f"entry {sid} lacks its grid_shape / heights_m attributes"]
    out = []
    for name, (kind, shp) in INDOOR_ARRAYS.items():
        if name not in g:
            out.append(f"entry {sid} misses the array {name!r}")
            continue
        d, want = g[name], shp(grid, hn)
        if d.dtype.kind != kind or tuple(d.shape) != want:
            out.append(f"entry {sid}: {name} is {d.dtype} {tuple(d.shape)}, expected kind {kind!r} {want}")
    if not out and not np.isfinite(g["path_loss_db"][()]).all():
        out.append(f"entry {sid}: path_loss_db holds NaN (every cell is simulated or filled)")
    return out


def _check_scans(f) -> list[str]:
    g = f.get("scans")
    if g is None:
        return ["no /scans group (the apartment's RGB-D scans)"]
    out, n = [], None
    for name, (kind, rank) in SCAN_ARRAYS.items():
        if name not in g:
            out.append(f"/scans misses {name!r}")
            continue
        d = g[name]
        n = d.shape[0] if n is None else n
        if d.dtype.kind != kind or d.ndim != rank or d.shape[0] != n:
            out.append(f"/scans/{name} is {d.dtype} {tuple(d.shape)}, expected kind {kind!r}, rank {rank}, {n} views")
    return out


@dataclass
class ValidationReport:
    """Outcome of :func:`validate_dataset`."""

    root: Path
    problems: list[str] = field(default_factory=list)
    """One line per problem, naming the file (and sample)."""
    shards: int = 0
    """Shards listed in the index."""
    shards_ok: int = 0
    samples_ok: int = 0
    bad_shards: list[str] = field(default_factory=list)
    """Shard files (relative to root) that are missing or corrupt."""
    missing_frames: list[int] = field(default_factory=list)
    """Frames neither in a healthy shard nor recorded as dropped."""
    fix: str = ("rerun the same `synthrm generate` command on this folder; it regenerates the missing and "
                "corrupt shards and keeps the healthy ones")
    """What repairs missing or corrupt shards (the command that made the dataset)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        head = (f"{self.root}: {self.shards_ok}/{self.shards} shards and {self.samples_ok} samples valid")
        if self.ok:
            return head + "; no problems found\n"
        lines = [head + f"; {len(self.problems)} problem(s):"] + [f"  - {p}" for p in self.problems]
        if self.bad_shards or self.missing_frames:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines) + "\n"


def _check_sample(g, sid: str, shape: tuple[int, int] | None, radio: bool, t: int | None,
                  absent: frozenset = frozenset(), schema: int = 2) -> list[str]:
    out = []
    if not g.attrs.get("complete", False):
        return [f"sample {sid} is incomplete (no `complete` attribute)"]
    if shape is None:
        return out
    w, h = shape
    radio_arrays = dict(RADIO_ARRAYS, **(RADIO_ARRAYS_V3 if schema >= 3 else {}),
                        **(RADIO_ARRAYS_V4 if schema >= 4 else {}))
    need = {k: v for k, v in dict(CITY_ARRAYS, **(radio_arrays if radio else {})).items() if k not in absent}
    for name, (kind, shp) in need.items():
        if name not in g:
            out.append(f"sample {sid} misses the array {name!r}")
            continue
        d = g[name]
        tt = t if t is not None else (d.shape[0] if name in radio_arrays else 0)
        want = shp(h, w, tt)
        if d.dtype.kind != kind or tuple(d.shape) != want:
            out.append(f"sample {sid}: {name} is {d.dtype} {tuple(d.shape)}, expected kind {kind!r} {want}")
    if radio and schema >= 3 and not out and all(k in g for k in ("path_gain_db", "path_gain_source", "path_gain_std_db")):
        pg, src, std = g["path_gain_db"][()], g["path_gain_source"][()], g["path_gain_std_db"][()]
        if not np.array_equal(np.isfinite(pg), src > 0):
            out.append(f"sample {sid}: path_gain_source is 0 on {int((np.isfinite(pg) & (src == 0)).sum())} labelled "
                       f"and non-zero on {int((~np.isfinite(pg) & (src > 0)).sum())} unlabelled pixels")
        top = max(SOURCE_NAMES) if schema >= 4 else SOURCE_EXACT
        if src.max(initial=0) > top:
            out.append(f"sample {sid}: path_gain_source holds code {int(src.max())} (known: 0-{top})")
        if schema >= 4 and "path_gain_mechanism" in g and "path_gain_mechanism" not in absent:
            mech = g["path_gain_mechanism"][()]
            if not np.array_equal(np.isfinite(pg), mech > 0):
                out.append(f"sample {sid}: path_gain_mechanism is 0 on {int((np.isfinite(pg) & (mech == 0)).sum())} "
                           f"labelled and non-zero on {int((~np.isfinite(pg) & (mech > 0)).sum())} unlabelled pixels")
            if mech.max(initial=0) > max(MECHANISM_NAMES):
                out.append(f"sample {sid}: path_gain_mechanism holds code {int(mech.max())} "
                           f"(known: 0-{max(MECHANISM_NAMES)})")
        lab = np.isfinite(pg)
        if not (np.isfinite(std[lab]).all() and (std[lab] > 0).all()):
            out.append(f"sample {sid}: path_gain_std_db is missing or <= 0 on labelled pixels")
    return out


def validate_dataset(root: str | Path) -> ValidationReport:
    """Check a dataset folder (see the module docstring). Never modifies it."""
    root = Path(root)
    rep = ValidationReport(root)
    try:
        idx = read_index(root)
    except DatasetError as e:
        rep.problems.append(str(e))
        return rep
    cfg = idx.get("config") or {}
    city = index_kind(idx) == "city"
    shape = tuple(cfg.get("camera", {}).get("resolution", ())) if city else None
    shape = shape if shape and len(shape) == 2 else None
    radio = bool(cfg.get("radio", {}).get("enabled", False)) if city else False
    t = cfg.get("radio", {}).get("tx_per_frame") if city else None
    if cfg.get("radio", {}).get("tx_placement") == "list":
        t = None  # the list's length
    absent = frozenset(idx.get("absent", ()))
    schema = int(idx.get("schema_version", 2))
    if idx.get("source", {}).get("format") == "synthrm-platform":
        rep.fix = "import the blocks again into a new folder (`synthrm import-synthrm-platform ROOT --out DIR`)"
    if idx.get("relabelled_from"):
        rep.fix = ("rerun the same `synthrm relabel` command on this folder; it relabels the missing and corrupt "
                   "shards and keeps the healthy ones")
    seen: dict[str, str] = {}
    covered: set[int] = set()
    listed = set()
    for s in idx.get("shards", []):
        rep.shards += 1
        rel = s.get("file", "?")
        listed.add(rel)
        p = root / rel
        if not p.is_file():
            rep.problems.append(f"{rel}: listed in {INDEX_JSON} but missing")
            rep.bad_shards.append(rel)
            continue
        if s.get("sha256") and sha256(p) != s["sha256"]:
            rep.problems.append(f"{rel}: SHA-256 differs from {INDEX_JSON} (truncated or altered)")
            rep.bad_shards.append(rel)
            continue
        try:
            f = h5py.File(p, "r")
        except OSError as e:
            rep.problems.append(f"{rel}: not a readable HDF5 file ({e})")
            rep.bad_shards.append(rel)
            continue
        bad = []
        with f:
            grp = f.get("samples")
            names = set(grp.keys()) if grp is not None else set()
            for sid in s.get("samples", []):
                if sid in seen:
                    bad.append(f"sample {sid} is also in {seen[sid]} (duplicate)")
                seen[sid] = rel
                if sid not in names:
                    bad.append(f"sample {sid} is listed but absent")
                    continue
                errs = (_check_sample(grp[sid], sid, shape, radio, t, absent, schema) if city
                        else _check_entry(grp[sid], sid))
                bad += errs
                if not errs:
                    rep.samples_ok += 1
                    if city and sid.isdigit():
                        covered.add(int(sid))
            for extra in sorted(names - set(s.get("samples", []))):
                bad.append(f"sample {extra} is in the file but not in {INDEX_JSON}")
            if not city and schema >= 2:
                bad += _check_scans(f)
        for d in s.get("dropped", []):
            covered.add(int(d["frame"]))
        if bad:
            rep.problems += [f"{rel}: {b}" for b in bad]
            rep.bad_shards.append(rel)
        else:
            rep.shards_ok += 1
    if city and isinstance(cfg.get("frames"), int):
        rep.missing_frames = sorted(set(range(cfg["frames"])) - covered)
        if rep.missing_frames:
            m = rep.missing_frames
            rep.problems.append(f"{len(m)} of {cfg['frames']} frames neither written nor recorded as dropped "
                                f"(first: {m[:8]}); the run is incomplete")
    sd = root / SHARD_DIR
    if sd.is_dir():
        for p in sorted(sd.iterdir()):
            rel = str(p.relative_to(root))
            if p.suffix == ".tmp":
                rep.problems.append(f"{rel}: leftover of an interrupted run (removed by the next `synthrm generate`)")
            elif rel not in listed:
                rep.problems.append(f"{rel}: a shard file that {INDEX_JSON} does not list")
    return rep


__all__ = ["validate_dataset", "ValidationReport"]
