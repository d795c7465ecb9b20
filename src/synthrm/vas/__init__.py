"""Visible-Aligned-Surface (VAS) reconstruction: lift a depth map to the mesh the camera sees."""
from synthrm.vas.backproject import backproject, pixel_rays
from synthrm.vas.mesh import VASMesh, build_vas

__all__ = ["backproject", "pixel_rays", "VASMesh", "build_vas"]
