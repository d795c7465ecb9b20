"""``synthrm relabel DIR --out DIR2``: recompute only the radio arrays of a city dataset.

Same scenes, cameras and transmitters unless a setting changes them: the visible surface
is rebuilt from each sample's stored depth and normals with the ``vas`` settings, the
stored transmitters are ray-traced with the ``radio`` settings, and every other array and
attribute is copied unchanged (images, G-buffers, poses, variation, ...). Settings that
define the transmitters themselves (count, placement, antenna, steering, frequency) draw
new ones with the frame's own radio seed around the back-projected view centre.

The output is a dataset of its own (``index.json`` with the new config, the current schema, and a
``relabelled_from`` record), written shard by shard like ``synthrm generate``: a shard
appears only when complete, a rerun keeps the verified shards and does the rest. Schema-2
and -3 datasets (``path_gain_rings``, ``radio.min_hit_faces``) are read too: relabelling
upgrades them to the current labels. On a machine with
CUDA the ray tracer runs there (``radio.samples_per_tx: auto`` then means 1e8 rays).
"""
from __future__ import annotations

import copy
import shutil
import sys
import time
from pathlib import Path

import h5py
import numpy as np

from synthrm.camera.pinhole import PinholeCamera
from synthrm.config import GenerateConfig, make_config
from synthrm.dataset.hdf5 import ShardWriter, dataset_kind, decode_attr, read_index
from synthrm.errors import ConfigError, DatasetError
from synthrm.files import atomic_dir, new_output
from synthrm.generate.run import (
    holds_shards,
    open_run,
    progress_bar,
    record_shard,
    remove_leftovers,
    shard_entry,
    verified_shards,
    warnings_only,
)
from synthrm.scene.build import SCENES_DIR
from synthrm.seeds import Stream, stream

#: Sample arrays a relabel replaces (every radio array of schemas 2 to 4).
RADIO_ARRAYS = ("path_gain_db", "sinr_db", "path_gain_source", "path_gain_std_db", "path_gain_rings", "path_gain_mechanism",
                "tx_position", "tx_orientation", "tx_steering", "tx_precoding", "antenna_pattern",
                "vas_vertices", "vas_faces", "vas_path_gain_db")
#: Sample attributes a relabel replaces (radio attributes of schemas 2 to 4).
RADIO_ATTRS = ("frequency_hz", "bandwidth_hz", "tx_power_dbm", "temperature_k", "noise_power_dbm",
               "samples_per_tx", "samples_per_tx_setting", "rays_per_tx", "radio_backend", "max_depth",
               "diffraction", "antenna", "num_tx", "tx_placement", "pattern_step_deg", "min_hit_faces", "min_rays",
               "max_rings", "fill", "faces_reached_fraction", "fill_faces", "vas_num_faces", "config", "relabelled",
               "exact_diffraction", "multi_edge", "diffraction_stats", "mechanism_fraction")
#: Radio settings that define the transmitters (a change draws new ones).
TX_SETTINGS = ("tx_per_frame", "tx_placement", "tx_positions_m", "tx_height_m", "tx_radius_m", "tx_clearance_m",
               "camera_tx_offset_m", "antenna", "orientation", "steering", "steering_max_deg", "pattern_step_deg",
               "frequency_hz")
#: Settings of older schemas that no longer exist, and what replaced them.
RETIRED = {("radio", "min_hit_faces"): "radio.min_rays"}


def upgrade_config(config: dict, log=None) -> dict:
    """A stored config (any schema) as a dict the current :func:`make_config` accepts:
    retired keys are dropped, with a note."""
    log = log or (lambda m: None)
    c = copy.deepcopy(config)
    for (section, key), new in RETIRED.items():
        if key in c.get(section, {}):
            c[section].pop(key)
            log(f"note: the dataset's {section}.{key} is retired (replaced by {new}); using the current default")
    return c


def relabel_config(old: dict, radio: dict | None = None, vas: dict | None = None,
                   defaults: bool = False) -> GenerateConfig:
    """The config of the relabelled dataset: the dataset's own (upgraded), or with
    ``defaults`` this synthrm's default ``radio`` and ``vas`` sections, then the overrides."""
    c = upgrade_config(old)
    if defaults:
        c.pop("radio", None)
        c.pop("vas", None)
    c.setdefault("radio", {}).update(radio or {})
    c.setdefault("vas", {}).update(vas or {})
    return make_config(c.get("preset", "city-mix"), c)


def _tx_changed(old: dict, new: GenerateConfig) -> bool:
    nr = new.to_json()["radio"]
    return any(old.get("radio", {}).get(k) != nr.get(k) for k in TX_SETTINGS)


class SampleRelabeller:
    """Recomputes the radio arrays of samples of one dataset with ``cfg``; keeps one solver
    per scene."""

    def __init__(self, root: str | Path, cfg: GenerateConfig, new_tx: bool, log=None):
        self.root, self.cfg, self.new_tx = Path(root), cfg, new_tx
        self.log = log or (lambda m: print(m, file=sys.stderr))
        self._solver = None

    def solver(self, scene_xml: Path):
        from synthrm.radio.radio_map_solver import VASRadioSolver

        if self._solver is None or self._solver[0] != scene_xml:
            if not scene_xml.is_file():
                raise DatasetError(f"{scene_xml}: the sample's scene is missing; relabel needs the dataset's "
                                   "scenes/ folder")
            self._solver = (scene_xml, VASRadioSolver(scene_xml, self.cfg.radio))
        return self._solver[1]

    def frame(self, sample: dict):
        """(VAS, FrameRadio) of a sample (arrays and ``attrs`` as :func:`read_sample` gives)."""
        from synthrm.radio.frame import compute_frame_radio
        from synthrm.radio.transmitters import TxSet
        from synthrm.scene.layout import Layout
        from synthrm.vas.mesh import build_vas

        a = sample["attrs"]
        scene_xml = self.root / a["scene"]
        camera = PinholeCamera.from_sample(sample)
        vas = build_vas(sample["depth"], camera, sample["normal"], self.cfg.vas)
        hit = np.isfinite(sample["depth"])
        pts = camera.backproject(sample["depth"])[hit]
        tx, layout = None, None
        if self.new_tx or "tx_position" not in sample:
            layout = Layout.load(scene_xml.parent)
        else:
            tx = TxSet(positions=sample["tx_position"], orientations=sample["tx_orientation"],
                       steering=sample["tx_steering"], precoding=sample["tx_precoding"].astype(np.complex128),
                       patterns=sample["antenna_pattern"], antenna=self.cfg.radio.antenna)
        fr = compute_frame_radio(self.solver(scene_xml), layout, vas, pts, camera, self.cfg.radio,
                                 stream(int(a["seed"]), Stream.RADIO),
                                 log=lambda m: self.log(f"sample {a.get('frame')}: {m}"), tx=tx)
        return vas, fr


def relabel(src: str | Path, out: str | Path, radio: dict | None = None, vas: dict | None = None,
            defaults: bool = False, progress: bool = True, log=None) -> dict:
    """Relabel dataset ``src`` into ``out`` (module docstring). Returns counts and timings.

    Args:
        radio, vas: setting overrides (``{"samples_per_tx": 10**8}``, ...).
        defaults: start from this synthrm's default radio and vas settings instead of the
            dataset's own.
    """
    log = log or (lambda m: print(m, file=sys.stderr))
    src, root = Path(src), Path(out)
    if src.resolve() == root.resolve():
        raise ConfigError(f"--out: must differ from the dataset folder {src} (relabel writes a new dataset)")
    if dataset_kind(src) == "indoor":
        raise ConfigError(f"{src}: an indoor dataset; relabel recomputes city camera samples (indoor: rerun "
                          "`synthrm generate --preset indoor-apartment` with the new settings)")
    sidx = read_index(src)
    old = sidx.get("config") or {}
    if not old.get("radio", {}).get("enabled", True):
        raise ConfigError(f"{src}: made with --no-radio; relabel needs a radio-labelled dataset or use "
                          "`synthrm generate` with the radio on")
    if not (src / SCENES_DIR).is_dir():
        what = ("an imported dataset (SynthRM-Platform blocks) has no scene folders" if sidx.get("source")
                else f"{src / SCENES_DIR}: missing")
        raise DatasetError(f"{src}: {what}; relabel ray-traces the scenes the samples were rendered from, so it "
                           "takes a city dataset made by `synthrm generate`")
    cfg = relabel_config(old, radio, vas, defaults)
    with new_output(root, keep=holds_shards):  # a refused or failed first shard leaves no folder
        return _relabel(src, root, sidx, old, cfg, progress, log)


def _relabel(src: Path, root: Path, sidx: dict, old: dict, cfg: GenerateConfig, progress: bool, log) -> dict:
    from synthrm.radio.frame import FrameSkipped

    conf = cfg.to_json()
    new_tx = _tx_changed(old, cfg)
    origin = {"path": str(src.resolve()), "config": old, "synthrm_version": sidx.get("synthrm_version")}
    idx, _ = open_run(root, conf, {"seed": cfg.seed}, same={"relabelled_from": origin}, what="a relabel")
    remove_leftovers(root)
    idx["shards"] = verified_shards(root, idx, log)
    done = {s["file"] for s in idx["shards"]}
    _copy_scenes(src, root)
    todo = [s for s in sidx["shards"] if s["file"] not in done]
    total = sum(len(s["samples"]) for s in todo)
    if len(todo) < len(sidx["shards"]) and progress:
        log(f"resuming: {len(sidx['shards']) - len(todo)} relabelled shards kept, {total} samples to relabel")
    bar = progress_bar(total, progress, desc="relabel", unit="sample")
    work = SampleRelabeller(root, cfg, new_tx, log if progress else warnings_only(log))
    t_radio, n_done = 0.0, 0
    for s in todo:
        dropped = list(s.get("dropped", []))
        path = root / s["file"]
        with h5py.File(src / s["file"], "r") as f:
            file_attrs = {k: decode_attr(v) for k, v in f.attrs.items()
                          if k not in ("synthrm_version", "schema_version", "semantic_classes", "material_classes")}
            file_attrs["config"] = conf
            with ShardWriter(path, file_attrs) as w:
                for sid in s["samples"]:
                    g = f["samples"][sid]
                    sample = {k: g[k][()] for k in g.keys()}
                    sample["attrs"] = {k: decode_attr(v) for k, v in g.attrs.items()}
                    t0 = time.perf_counter()
                    try:
                        vas_mesh, fr = work.frame(sample)
                    except FrameSkipped as e:
                        log(f"warning: sample {sid} skipped: {e}")
                        dropped.append({"frame": int(sample["attrs"].get("frame", int(sid))), "reason": str(e)})
                        bar.update(1)
                        continue
                    t_radio += time.perf_counter() - t0
                    arrays, attrs = _relabelled(sample, fr, vas_mesh, conf)
                    w.write(sid, arrays, attrs)
                    n_done += 1
                    bar.update(1)
        record_shard(root, idx, shard_entry(root, path, w.sample_ids, dropped))
    bar.close()
    return {"samples": n_done, "skipped_shards": len(sidx["shards"]) - len(todo), "radio_s": t_radio,
            "new_transmitters": new_tx}


def _relabelled(sample: dict, fr, vas_mesh, conf: dict) -> tuple[dict, dict]:
    """The arrays and attributes of a relabelled sample: the source's, radio replaced."""
    arrays = {k: v for k, v in sample.items() if k != "attrs" and k not in RADIO_ARRAYS}
    arrays.update(fr.arrays(vas_mesh))
    attrs = {k: v for k, v in sample["attrs"].items() if k not in RADIO_ATTRS and k != "complete"}
    attrs.update(fr.attrs())
    attrs.update({"config": conf, "vas_num_faces": vas_mesh.num_faces})
    return arrays, attrs


def _copy_scenes(src: Path, root: Path) -> None:
    """The source's scene folders, byte for byte (each copied under a temporary name)."""
    sdir = src / SCENES_DIR
    if not sdir.is_dir():
        raise DatasetError(f"{sdir}: missing; relabel needs the scenes the samples were rendered from")
    for d in sorted(p for p in sdir.iterdir() if p.is_dir() and not p.name.endswith(".tmp")):
        dst = root / SCENES_DIR / d.name
        if dst.is_dir():
            continue
        with atomic_dir(dst) as tmp:
            shutil.copytree(d, tmp, dirs_exist_ok=True)


__all__ = ["relabel", "relabel_config", "upgrade_config", "SampleRelabeller", "RADIO_ARRAYS", "RADIO_ATTRS"]
