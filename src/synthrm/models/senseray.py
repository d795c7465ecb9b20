"""SenseRay-3D (seed ``004``, sections IV-B and IV-C): SwinUNETR-V2 on the voxel channels,
predicting path loss as a residual over free-space loss (seed eq. 18).

Input (B, 4, X, Y, Z): occupancy, reflection, transmission, Tx distance (scaled, see
:mod:`synthrm.models.data`); X, Y, Z multiples of 32 (the data centre-pads to that).
Output (B, 1, X, Y, Z): the residual ``(PL - FSPL) / RESIDUAL_SCALE_DB`` at voxel centres;
:meth:`SenseRay3D.path_loss_db` samples it on the receiver planes (linear in z between
voxel centres) and adds FSPL there.
"""
from __future__ import annotations

import torch
from torch import nn

from synthrm.models.data import RESIDUAL_SCALE_DB
from synthrm.models.registry import register_model


class SenseRay3D(nn.Module):
    """MONAI SwinUNETR (``use_v2=True``), 4 input channels, 1 output channel.

    Args:
        feature_size: SwinUNETR embedding width (multiple of 12; the SenseRay-3D paper's network is
            larger, 12 keeps CPU training practical).
        in_ch: input channels (4).
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
        if x.ndim != 5 or x.shape[1] != self.in_ch:
            raise ValueError(f"voxels must be (B, {self.in_ch}, X, Y, Z), got {tuple(x.shape)}")
        if any(n % 32 for n in x.shape[2:]):
            raise ValueError(f"X, Y, Z must be multiples of 32 (centre-pad the grid), got {tuple(x.shape[2:])}")
        if not torch.isfinite(x).all():
            raise ValueError("NaN or inf in the voxel channels")
        return self.net(x)

    def path_loss_db(self, x: torch.Tensor, fspl_db: torch.Tensor, z_index: torch.Tensor,
                     z_weight: torch.Tensor) -> torch.Tensor:
        """Predicted path loss [dB] (B, Hn, X, Y) on the receiver planes: FSPL (B, Hn, X, Y)
        plus the residual interpolated at heights given by ``z_index`` / ``z_weight`` (B, Hn)."""
        r = self(x)[:, 0]  # (B, X, Y, Z)
        k0 = z_index[:, :, None, None].expand(-1, -1, *r.shape[1:3])  # (B, Hn, X, Y)
        rz = r.permute(0, 3, 1, 2)  # (B, Z, X, Y)
        lo = torch.gather(rz, 1, k0)
        hi = torch.gather(rz, 1, k0 + 1)
        w = z_weight[:, :, None, None].to(r.dtype)
        return fspl_db + RESIDUAL_SCALE_DB * ((1 - w) * lo + w * hi)


@register_model("senseray3d", "indoor")
def build_senseray3d(width: int = 0, in_ch: int = 4, tx_dim: int = 0) -> SenseRay3D:
    """SenseRay-3D (SwinUNETR-V2) with ``feature_size`` ``width`` (0: 12); the voxel
    channels are fixed (4), so ``in_ch`` and ``tx_dim`` are not used."""
    return SenseRay3D(feature_size=width or 12)
