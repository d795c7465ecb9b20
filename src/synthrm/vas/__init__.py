"""Visible-Aligned-Surface (VAS) reconstruction: lift a depth map to the mesh the camera sees."""
from synthrm.vas.mesh import VASMesh, build_vas

__all__ = ["VASMesh", "build_vas"]
