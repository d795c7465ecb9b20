"""The indoor models: voxel channels in, path loss as a residual over a prior out: free-space
loss (SenseRay-3D, seed ``004``, eq. 18) or, for a run trained with ``--prior multi-wall``,
the multi-wall model (free space plus the walls the straight Tx-receiver line crosses).

* ``senseray3d`` (:class:`SenseRay3D`, the seed's sections IV-B and IV-C): SwinUNETR-V2 on
  the voxel grid.
* ``floorplan-unet`` (:class:`FloorPlanUNet`, ours): a 2-D U-Net over the floor plan whose
  input channels are the voxel columns (4 channels x Z cells) and whose output channels are
  the residual at every Z cell: apartment walls are vertical, so the plan holds the
  geometry, and a 2-D network trains in a fraction of the 3-D one's time.

Input (B, C, X, Y, Z): occupancy, reflection, transmission, Tx distance (scaled, see
:mod:`synthrm.models.data`), for ``--indoor-inputs voxels+walls`` also the walls on the
straight line from the Tx and their loss (C = 6); X, Y, Z multiples of 32 (the data
centre-pads to that).
Output (B, 1, X, Y, Z): the residual ``(PL - prior) / RESIDUAL_SCALE_DB`` at voxel centres;
``path_loss_db`` samples it on the receiver planes (linear in z between voxel centres)
and adds the prior there.
"""
from __future__ import annotations

import torch
from torch import nn

from synthrm.models.data import RESIDUAL_SCALE_DB
from synthrm.models.outdoor import _UNet
from synthrm.models.registry import register_model


def _check_voxels(x: torch.Tensor, in_ch: int) -> None:
    if x.ndim != 5 or x.shape[1] != in_ch:
        raise ValueError(f"voxels must be (B, {in_ch}, X, Y, Z), got {tuple(x.shape)}")
    if any(n % 32 for n in x.shape[2:]):
        raise ValueError(f"X, Y, Z must be multiples of 32 (centre-pad the grid), got {tuple(x.shape[2:])}")
    if not torch.isfinite(x).all():
        raise ValueError("NaN or inf in the voxel channels")


class _ResidualVoxelNet(nn.Module):
    """An indoor model: ``forward`` maps voxels (B, C, X, Y, Z) to the residual (B, 1, X, Y, Z)."""

    def path_loss_db(self, x: torch.Tensor, prior_db: torch.Tensor, z_index: torch.Tensor,
                     z_weight: torch.Tensor) -> torch.Tensor:
        """Predicted path loss [dB] (B, Hn, X, Y) on the receiver planes: the prior path loss
        ``prior_db`` (B, Hn, X, Y) [dB] (free space or multi-wall) plus the residual
        interpolated at heights given by ``z_index`` / ``z_weight`` (B, Hn)."""
        r = self(x)[:, 0]  # (B, X, Y, Z)
        k0 = z_index[:, :, None, None].expand(-1, -1, *r.shape[1:3])  # (B, Hn, X, Y)
        rz = r.permute(0, 3, 1, 2)  # (B, Z, X, Y)
        lo = torch.gather(rz, 1, k0)
        hi = torch.gather(rz, 1, k0 + 1)
        w = z_weight[:, :, None, None].to(r.dtype)
        return prior_db + RESIDUAL_SCALE_DB * ((1 - w) * lo + w * hi)


class SenseRay3D(_ResidualVoxelNet):
    """MONAI SwinUNETR (``use_v2=True``), ``in_ch`` input channels, 1 output channel.

    Args:
        feature_size: SwinUNETR embedding width (multiple of 12; the SenseRay-3D paper's network is
            larger, 12 keeps CPU training practical).
        in_ch: input (voxel) channels (4, or 6 with the wall channels).
    """

    def __init__(self, feature_size: int = 12, in_ch: int = 4):
        super().__init__()
        if feature_size <= 0 or feature_size % 12:
            raise ValueError(f"feature_size must be a positive multiple of 12, got {feature_size}")
        from monai.networks.nets import SwinUNETR

        self.in_ch = in_ch
        self.net = SwinUNETR(in_channels=in_ch, out_channels=1, feature_size=feature_size, use_v2=True,
                             spatial_dims=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_voxels(x, self.in_ch)
        return self.net(x)


@register_model("senseray3d", "indoor", batch_size=1)  # one apartment grid a step (SwinUNETR on a CPU)
def build_senseray3d(width: int = 0, in_ch: int = 4, tx_dim: int = 0) -> SenseRay3D:
    """SenseRay-3D (SwinUNETR-V2) with ``feature_size`` ``width`` (0: 12) over ``in_ch`` voxel
    channels (``synthrm.models.config.INDOOR_INPUTS``); ``tx_dim`` is not used."""
    return SenseRay3D(feature_size=width or 12, in_ch=in_ch)


class FloorPlanUNet(_ResidualVoxelNet):
    """A 2-D U-Net over the floor plan (ours): the voxel column of each (x, y) cell, 4
    channels x ``z_cells``, is one pixel's input channels; the output channels are the
    residual at each of the ``z_cells`` heights.

    Args:
        width: base width of the U-Net (widths ``w, 2w, 4w, 8w, 8w``).
        in_ch: voxel channels (4, or 6 with the wall channels).
        z_cells: Z of the padded grid (32: apartments up to 3.2 m at 0.1 m voxels, 6.4 m at
            0.2 m); other heights are refused.
    """

    def __init__(self, width: int = 32, in_ch: int = 4, z_cells: int = 32):
        super().__init__()
        if width <= 0 or z_cells <= 0:
            raise ValueError(f"width and z_cells must be positive, got {width}, {z_cells}")
        self.in_ch, self.z_cells = in_ch, z_cells
        self.net = _UNet(in_ch * z_cells, (width, 2 * width, 4 * width, 8 * width, 8 * width))
        self.net.head = nn.Conv2d(width, z_cells, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_voxels(x, self.in_ch)
        b, c, nx, ny, nz = x.shape
        if nz != self.z_cells:
            raise ValueError(f"Z of the padded grid must be {self.z_cells} for this model, got {nz}")
        plan = x.permute(0, 1, 4, 2, 3).reshape(b, c * nz, nx, ny)  # (B, C*Z, X, Y)
        return self.net(plan).permute(0, 2, 3, 1)[:, None]  # (B, 1, X, Y, Z)


@register_model("floorplan-unet", "indoor", batch_size=8)  # every floor-plan run of docs/learning.md
def build_floorplan_unet(width: int = 0, in_ch: int = 4, tx_dim: int = 0) -> FloorPlanUNet:
    """FloorPlanUNet with base width ``width`` (0: 32) over ``in_ch`` voxel channels
    (``synthrm.models.config.INDOOR_INPUTS``); ``tx_dim`` is not used."""
    return FloorPlanUNet(width=width or 32, in_ch=in_ch)
