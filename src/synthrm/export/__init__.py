"""Exports of a dataset for other tools: nerfstudio ``transforms.json``, COLMAP text
models (an indoor dataset: its scans), radio-textured PLY meshes (indoor: the receiver
planes), SynthRM-Platform blocks (city only; and their import). One registry entry per
format (:mod:`synthrm.export.registry`)."""
from synthrm.export.formats import read_colmap_poses, read_nerfstudio_poses, rotation_to_quaternion
from synthrm.export.registry import FORMATS, ExportFormat, export_dataset

__all__ = ["FORMATS", "ExportFormat", "export_dataset", "read_colmap_poses", "read_nerfstudio_poses",
           "rotation_to_quaternion"]
