"""``synthrm generate`` for the city presets: scene -> camera pose -> render -> VAS ->
radio -> HDF5 shard, shard by shard, locally or as Ray tasks, resumable."""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from synthrm.config import GenerateConfig
from synthrm.dataset.hdf5 import shard_path
from synthrm.errors import ConfigError
from synthrm.generate.units import UnitRunner
from synthrm.orchestrate.plan import load_plan_views
from synthrm.files import new_output
from synthrm.generate.run import (
    holds_shards,
    open_run,
    progress_bar,
    record_shard,
    remove_leftovers,
    verified_shards,
    warnings_only,
)


def generate(cfg: GenerateConfig, out: str | Path, progress: bool = True, log=None,
             executor: str = "local", ray_address: str | None = None, ray_local_workers: int = 0,
             cpus_per_task: float = 1.0, gpus_per_task: float = 0.0, max_retries: int = 3) -> dict:
    """Generate (or resume) a dataset in ``out``. Returns per-stage timings [s].

    The work units are the shards (``shard_size`` frames each, seeded by frame index, so a
    unit does not depend on the others). ``executor``: ``local`` (this process) or
    ``ray`` (one Ray task per shard on the cluster at ``ray_address``, ``auto``, or a
    local Ray with ``ray_local_workers`` CPUs; a task whose worker dies is retried up to
    ``max_retries`` times). Either way a shard appears only when complete and the index
    lists only verified shards; a rerun keeps them and regenerates the rest (and any
    shard whose checksum no longer matches). A run that fails or is refused before its
    first shard is complete removes the folder it made. With ``progress`` false only
    warnings are logged (no bar, no progress notes).
    """
    from synthrm.radio.radio_map_solver import check_frequency

    log = log or (lambda m: print(m, file=sys.stderr))
    if executor not in ("local", "ray"):
        raise ConfigError(f"executor: must be local or ray, got {executor!r}")
    root = Path(out)
    plan_views = load_plan_views(cfg) if cfg.plan else None  # fails early on a plan for another city
    if cfg.radio.enabled:
        check_frequency(cfg.radio.frequency_hz, materials_in_use(cfg))
    # a refused or failed run (no Ray cluster, a pose that cannot be placed, ...) leaves no
    # folder it made, unless complete shards are there to resume from
    with new_output(root, keep=holds_shards):
        return _generate(cfg, root, progress, log, plan_views, executor, dict(
            address=ray_address, local_workers=ray_local_workers, cpus_per_task=cpus_per_task,
            gpus_per_task=gpus_per_task, max_retries=max_retries))


def _generate(cfg: GenerateConfig, root: Path, progress: bool, log, plan_views, executor: str, ray: dict) -> dict:
    idx, _ = open_run(root, cfg.to_json(), {"seed": cfg.seed}, grows="frames", log=log)
    remove_leftovers(root)
    idx["shards"] = verified_shards(root, idx, log)
    # an extended run: a last shard made short (the old frame count not a multiple of the
    # shard size) is made again at its full size
    short = [s for s in idx["shards"] if len(s["samples"]) + len(s.get("dropped", [])) != _shard_frames(cfg, s["file"])]
    for s in short:
        idx["shards"].remove(s)
        (root / s["file"]).unlink(missing_ok=True)
    done = {s["file"] for s in idx["shards"]}
    n_shards = -(-cfg.frames // cfg.shard_size)
    todo = [k for k in range(n_shards)
            if str(shard_path(root, k).relative_to(root)) not in done]
    skipped = cfg.frames - sum(min(cfg.shard_size, cfg.frames - k * cfg.shard_size) for k in todo)
    if skipped and progress:
        log(f"resuming: {skipped} complete samples kept, {cfg.frames - skipped} to generate")
    timings: dict[str, list[float]] = defaultdict(list)
    bar = progress_bar(cfg.frames - skipped, progress)
    # --quiet: warnings only (the progressive-pass notes of the radio stage are progress)
    notes = log if progress else warnings_only(log)

    def finished(res: dict) -> None:
        record_shard(root, idx, res["entry"])
        for k, v in res["timings"].items():
            timings[k] += v

    if executor == "local" or not todo:
        runner = UnitRunner(cfg, root, notes, plan_views)
        for k in todo:
            finished(runner(k, on_frame=lambda fr, arrays: bar.update(1)))
    else:
        from synthrm.generate.executor import run_ray

        run_ray(cfg, root, todo, finished=lambda res: (finished(res), bar.update(res["frames"])), log=notes,
                quiet=not progress, **ray)
    bar.close()
    return {"frames": cfg.frames - skipped, "skipped": skipped,
            "dropped": sum(len(s.get("dropped", [])) for s in idx["shards"]),
            "stage_total_s": {k: float(np.sum(v)) for k, v in timings.items()},
            "stage_median_s": {k: float(np.median(v)) for k, v in timings.items()}}


def _shard_frames(cfg: GenerateConfig, file: str) -> int:
    """Frames the shard ``shards/shard-KKKKK.h5`` holds when complete under ``cfg``."""
    k = int(Path(file).stem.split("-")[-1])
    return min(cfg.shard_size, cfg.frames - k * cfg.shard_size)


def materials_in_use(cfg: GenerateConfig) -> dict[str, list[str]]:
    """{ITU material: [city classes using it]} of the config's radio materials."""
    from synthrm.scene.classes import CITY_CLASSES, check_radio_materials

    out: dict[str, list[str]] = {}
    for cls, mat in check_radio_materials(cfg.city.radio_materials).items():
        if cls in CITY_CLASSES:
            out.setdefault(mat, []).append(cls)
    return out
