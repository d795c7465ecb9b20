"""Dataset generation: the city generator (scene -> pose -> RGB -> VAS -> radio -> HDF5
shards), the indoor generator (apartment -> scans -> voxels -> path-loss planes) and the
relabeller (new radio arrays for an existing city dataset).

Modules, in the order data flows:

* :mod:`~synthrm.generate.stages`: the :class:`Frame` buffer and the stages that fill it.
* :mod:`~synthrm.generate.units`: a work unit (one shard, written atomically) by the one
  run loop :func:`run_shard` (with a per-frame hook), and the in-process :class:`UnitRunner`.
* :mod:`~synthrm.generate.executor`: the same units as Ray tasks.
* :mod:`~synthrm.generate.run`: run bookkeeping shared by every generator (``index.json``,
  resume, checksums, leftovers, progress bar).
* :mod:`~synthrm.generate.city`, :mod:`~synthrm.generate.indoor`,
  :mod:`~synthrm.generate.relabel`: the three jobs.
"""
from synthrm.generate.city import generate, materials_in_use
from synthrm.generate.indoor import generate_indoor
from synthrm.generate.relabel import relabel
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
from synthrm.generate.units import UnitRunner, run_shard, run_unit

__all__ = ["generate", "generate_indoor", "relabel", "Frame", "SceneStage", "PoseStage", "RGBStage", "VASStage",
           "RadioStage", "sample_arrays", "sample_attrs", "UnitRunner", "run_shard", "run_unit", "materials_in_use"]
