"""Exports of a city dataset for other tools: nerfstudio ``transforms.json``, COLMAP text
models, radio-textured PLY meshes, SynthRM-Platform blocks (and their import). One
registry entry per format (:mod:`synthrm.export.registry`)."""
from synthrm.export.formats import read_colmap_poses, read_nerfstudio_poses, rotation_to_quaternion
from synthrm.export.registry import FORMATS, ExportFormat, export_dataset

__all__ = ["FORMATS", "ExportFormat", "export_dataset", "read_colmap_poses", "read_nerfstudio_poses",
           "rotation_to_quaternion"]
