"""Run the generator's work units (shards) as Ray tasks.

The local executor (``synthrm.generate.generate``, the default) needs nothing started.
With Ray, each shard is one task declaring its resources (``cpus_per_task`` CPUs and
``gpus_per_task`` GPUs); the task imports synthrm in its worker, so Mitsuba and Sionna RT
pick the CUDA variant where the worker has a visible GPU and the LLVM one elsewhere. A
task whose worker process dies (killed, out of memory, node lost) is retried up to
``max_retries`` times; an error inside the task (bad config, a pose that cannot be
placed) is not retried but reported with the shard it came from. Shards appear under
their final name only when complete, and the driver alone writes ``index.json``, as each
shard finishes.

    synthrm generate --preset city-mix --frames 400 --ray-address auto --out data/big
    synthrm generate --preset city-mix --frames 16 --ray-local 2 --out data/try
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from synthrm.errors import ConfigError, SynthrmError


def _ray():
    try:
        import ray
    except ImportError:  # pragma: no cover - ray is a dependency
        raise ConfigError("the Ray executor needs the `ray` package: pip install ray") from None
    return ray


def init_ray(address: str | None = None, local_workers: int = 0):
    """Connect to the Ray cluster at ``address`` (``auto``: the one this machine belongs
    to) or start a local Ray with ``local_workers`` CPUs. Returns the ``ray`` module."""
    ray = _ray()
    if (address is None) == (local_workers <= 0):
        raise ConfigError("Ray executor: give either --ray-address ADDR|auto or --ray-local N (N >= 1)")
    if ray.is_initialized():
        return ray
    try:
        if address is not None:
            ray.init(address=address, log_to_driver=True)
        else:
            ray.init(num_cpus=int(local_workers), include_dashboard=False, log_to_driver=True,
                     configure_logging=False)
    except ConnectionError as e:
        raise ConfigError(f"--ray-address {address}: no Ray cluster there ({e}); start one with "
                          "`ray start --head` or use --ray-local N") from None
    return ray


def run_ray(cfg, root: str | Path, units: list[int], finished: Callable[[dict], None],
            address: str | None = None, local_workers: int = 0, cpus_per_task: float = 1.0,
            gpus_per_task: float = 0.0, max_retries: int = 3, log=None, quiet: bool = False) -> None:
    """Run shards ``units`` of ``cfg`` as Ray tasks; call ``finished(result)`` in the
    driver as each completes (the result of :func:`synthrm.generate.units.run_unit`).
    ``quiet``: the tasks log warnings only."""
    from synthrm.generate.units import run_unit

    if cpus_per_task <= 0 or gpus_per_task < 0 or max_retries < 0:
        raise ConfigError(f"Ray resources: need cpus_per_task > 0, gpus_per_task >= 0, max_retries >= 0; got "
                          f"{cpus_per_task}, {gpus_per_task}, {max_retries}")
    ray = init_ray(address, local_workers)
    started_here = local_workers > 0
    try:
        task = ray.remote(num_cpus=cpus_per_task, num_gpus=gpus_per_task, max_retries=max_retries,
                          retry_exceptions=False)(run_unit)
        threads = max(1, int(cpus_per_task))
        cfg_dict = cfg.to_json()
        pending = {task.remote(cfg_dict, str(Path(root).resolve()), k, threads, quiet): k for k in units}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                k = pending.pop(ref)
                try:
                    res = ray.get(ref)
                except ray.exceptions.RayTaskError as e:
                    cause = e.cause if isinstance(getattr(e, "cause", None), SynthrmError) else None
                    for r in pending:
                        ray.cancel(r)
                    if cause is not None:
                        raise type(cause)(f"shard {k}: {cause}") from None
                    raise SynthrmError(f"shard {k} failed on a Ray worker: {e}") from None
                except ray.exceptions.WorkerCrashedError as e:
                    raise SynthrmError(f"shard {k}: its worker died {max_retries + 1} times ({e}); "
                                       "rerun the same command to resume") from None
                finished(res)
    finally:
        if started_here:
            ray.shutdown()


__all__ = ["init_ray", "run_ray"]
