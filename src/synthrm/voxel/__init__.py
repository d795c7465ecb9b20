"""Material-aware voxel grids from RGB-D scans (the SenseRay-3D paper, Section IV-A)."""
from synthrm.voxel.grid import VoxelGrid, fuse_scans, voxelize
from synthrm.voxel.features import voxel_features

__all__ = ["VoxelGrid", "fuse_scans", "voxelize", "voxel_features"]
