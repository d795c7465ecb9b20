"""Settings of the VAS stage: how the depth map becomes the receiver mesh."""
from __future__ import annotations

from dataclasses import dataclass

from synthrm.checks import require


@dataclass
class VASConfig:
    """Visible-Aligned-Surface reconstruction."""

    cell: str = "adaptive"
    """Receiver cell size: ``pixel`` (two triangles per pixel quad), ``stride`` (every
    ``stride``-th pixel) or ``adaptive`` (cells of about ``target_cell_m``)."""
    stride: int = 1
    """Pixel stride of the triangulation when ``cell='stride'``."""
    target_cell_m: float = 4.0
    """Target receiver cell edge [m] when ``cell='adaptive'``."""
    max_stride: int = 16
    """Largest stride the adaptive mode may use."""
    offset_m: float = 0.05
    """Offset of the measurement surface along the normal, towards the camera [m]."""
    max_edge_factor: float = 3.0
    """A quad is a depth discontinuity when an edge is longer than this many times the
    expected pixel footprint on the surface."""
    crease_deg: float = 20.0
    """A quad whose corner normals differ by more than this angle spans a crease (a roof
    edge, a building corner, a wall's foot) and is split there like a depth
    discontinuity, so that no face cuts through a building (its centre would lie inside
    it and receive only paths through the walls) [deg]; 180 keeps crease faces."""

    def __post_init__(self):
        require(self.cell in ("pixel", "stride", "adaptive"), f"vas.cell: must be pixel, stride or adaptive, got {self.cell!r}")
        require(isinstance(self.stride, int) and self.stride >= 1, f"vas.stride: must be an integer >= 1, got {self.stride!r}")
        require(isinstance(self.max_stride, int) and self.max_stride >= 1, f"vas.max_stride: must be an integer >= 1, got {self.max_stride!r}")
        require(self.target_cell_m > 0, f"vas.target_cell_m: must be > 0 m, got {self.target_cell_m}")
        require(0 <= self.offset_m <= 1, f"vas.offset_m: must be in [0, 1] m, got {self.offset_m}")
        require(self.max_edge_factor > 1, f"vas.max_edge_factor: must be > 1, got {self.max_edge_factor}")
        require(isinstance(self.crease_deg, (int, float)) and 0 < self.crease_deg <= 180,
                f"vas.crease_deg: must be in (0, 180] deg, got {self.crease_deg!r}")
