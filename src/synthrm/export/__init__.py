"""3D exports of a dataset for other tools (issue 6): nerfstudio ``transforms.json``,
COLMAP text models, radio-textured PLY meshes. ``synthrm.export.export_dataset``."""
from synthrm.export.formats import (
    FORMATS,
    export_dataset,
    read_colmap_poses,
    read_nerfstudio_poses,
    rotation_to_quaternion,
)

__all__ = ["FORMATS", "export_dataset", "read_colmap_poses", "read_nerfstudio_poses", "rotation_to_quaternion"]
