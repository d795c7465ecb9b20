"""Work units: a shard of frames, generated whole and written atomically. The local
executor runs them in this process (:class:`UnitRunner`, keeping the scene, renderer and
solver caches between units); the Ray executor runs :func:`run_unit` in worker processes.
The caller (the driver) alone writes ``index.json``."""
from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from synthrm._mitsuba import rgb_scope
from synthrm.config import GenerateConfig
from synthrm.dataset.hdf5 import ShardWriter, shard_path
from synthrm.generate.run import shard_entry
from synthrm.orchestrate.plan import load_plan_views
from synthrm.generate.stages import (
    Frame,
    PoseStage,
    RadioStage,
    RGBStage,
    SceneStage,
    VASStage,
    sample_arrays,
    sample_attrs,
)
from synthrm.radio.frame import FrameSkipped
from synthrm.seeds import frame_seed


class UnitRunner:
    """Runs work units (shards) of one generation in this process, keeping the stages (and
    their scene, renderer and solver caches) between units. A unit renders its frames,
    ray-traces them and writes its shard atomically; the caller owns ``index.json``."""

    def __init__(self, cfg: GenerateConfig, root: str | Path, log=None, plan_views: list | None = None):
        self.cfg, self.root = cfg, Path(root)
        self.log = log or (lambda m: print(m, file=sys.stderr))
        if plan_views is None and cfg.plan:
            plan_views = load_plan_views(cfg)
        scenes = SceneStage(cfg, self.root)
        self.optical = [("scene", scenes), ("pose+gbuffers", PoseStage(cfg, scenes, plan_views)),
                        ("rgb", RGBStage(cfg, scenes)), ("vas", VASStage(cfg))]
        self.radio = [("radio", RadioStage(cfg, scenes, self.log))] if cfg.radio.enabled else []
        self.file_attrs = {"config": cfg.to_json(), "seed": cfg.seed, "preset": cfg.preset}

    def __call__(self, k: int, on_frame=None, path: str | Path | None = None, attrs=None,
                 file_attrs: dict | None = None) -> dict:
        """Generate shard ``k`` (:func:`run_shard` with this generation's stages)."""
        return run_shard(self.cfg, self.root, k, self.optical, self.radio, on_frame, self.log, path=path,
                         attrs=attrs, file_attrs=self.file_attrs if file_attrs is None else file_attrs)


def run_unit(cfg_dict: dict, root: str, k: int, threads: int = 0, quiet: bool = False) -> dict:
    """One work unit in a fresh process (a Ray task): rebuild the config, run shard ``k``.
    ``threads`` > 0 caps Dr.Jit's CPU threads (the task's declared CPUs); ``quiet``: log
    warnings only."""
    from synthrm.config import make_config
    from synthrm.generate.run import warnings_only

    if threads > 0:
        from synthrm._mitsuba import dr

        dr.set_thread_count(int(threads))
    cfg = make_config(cfg_dict["preset"], cfg_dict)
    _fault_injection(k)
    log = (lambda m: print(m, file=sys.stderr))
    return UnitRunner(cfg, root, warnings_only(log) if quiet else log)(k)


def _fault_injection(k: int) -> None:
    """Test hook for the executor's retries: with ``SYNTHRM_FAULT_KILL_ONCE=DIR:K`` the
    first attempt of shard K kills its worker process (leaving DIR/shard-K behind)."""
    spec = os.environ.get("SYNTHRM_FAULT_KILL_ONCE")
    if not spec:
        return
    d, shard = spec.rsplit(":", 1)
    mark = Path(d) / f"shard-{int(shard)}"
    if int(shard) == k and not mark.exists():
        mark.touch()
        os._exit(1)


def _timed(timings, name, fn, fr):
    t0 = time.perf_counter()
    fn(fr)
    fr.timings[name] = time.perf_counter() - t0
    timings[name].append(fr.timings[name])


def run_shard(cfg: GenerateConfig, root: str | Path, k: int, optical: list, radio: list, on_frame=None, log=None, *,
              path: str | Path | None = None, attrs=None, file_attrs: dict | None = None) -> dict:
    """The run loop of every city generation: render shard ``k``'s frames (the ``optical``
    ``(name, stage)`` pairs, in one optical variant scope), ray-trace them (the ``radio``
    pairs), then write them atomically to one shard file.

    Args:
        on_frame: ``on_frame(frame, arrays)`` once per frame when it is written (``arrays``:
            the sample's arrays) or skipped (``arrays`` None); ``frame.timings`` holds its
            seconds per stage (``write`` included). The progress bar and the benchmarks hook in here.
        log: callable for warnings (default: stderr).
        path: the shard file (default ``shard_path(root, k)``).
        attrs: ``attrs(frame) -> dict`` of a sample's attributes (default :func:`sample_attrs`).
        file_attrs: the shard file's attributes.

    Returns:
        {"entry": the shard's index entry, "timings": {stage: [s per frame, ...]},
        "frames": frames of the shard}.
    """
    on_frame = on_frame or (lambda fr, arrays: None)
    log = log or (lambda m: print(m, file=sys.stderr))
    attrs = attrs or (lambda fr: sample_attrs(fr, cfg))
    timings: dict[str, list[float]] = defaultdict(list)
    frames = []
    with rgb_scope():  # Mitsuba reloads modules on each variant switch (~0.15 s)
        for i in range(k * cfg.shard_size, min((k + 1) * cfg.shard_size, cfg.frames)):
            fr = Frame(index=i, seed=frame_seed(cfg.seed, i), scene_index=i // cfg.frames_per_scene)
            for name, stage in optical:
                _timed(timings, name, stage, fr)
            frames.append(fr)
    kept, dropped = [], []
    for fr in frames:
        try:
            for name, stage in radio:
                _timed(timings, name, stage, fr)
            kept.append(fr)
        except FrameSkipped as e:
            log(f"warning: frame {fr.sample_id} skipped: {e}")
            dropped.append({"frame": fr.index, "reason": str(e)})
            on_frame(fr, None)
    path = shard_path(root, k) if path is None else Path(path)
    with ShardWriter(path, file_attrs or {}) as w:
        for fr in kept:
            t0 = time.perf_counter()
            arrays = sample_arrays(fr, cfg.render.log_depth)
            w.write(fr.sample_id, arrays, attrs(fr))
            fr.timings["write"] = time.perf_counter() - t0
            timings["write"].append(fr.timings["write"])
            on_frame(fr, arrays)
    return {"entry": shard_entry(root, path, w.sample_ids, dropped), "timings": dict(timings), "frames": len(frames)}
