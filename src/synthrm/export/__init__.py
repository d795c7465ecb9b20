"""Exports of a dataset for other tools (issue 6): nerfstudio ``transforms.json``,
COLMAP text models, radio-textured PLY meshes, SynthRM-Platform blocks (and their import,
issue 18). ``synthrm.export.export_dataset``, ``synthrm.export.synthrm_platform``."""
from synthrm.export.formats import (
    FORMATS,
    export_dataset,
    read_colmap_poses,
    read_nerfstudio_poses,
    rotation_to_quaternion,
)

__all__ = ["FORMATS", "export_dataset", "read_colmap_poses", "read_nerfstudio_poses", "rotation_to_quaternion"]
