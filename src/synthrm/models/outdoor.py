"""The SynthRM paper's three outdoor baselines (Appendix A, "Model Modifications").

Input: the camera image (B, C, H, W) (RGB, optionally + depth) and the transmitter vector
(B, D): Tx position relative to the camera plus the antenna pattern features. Output: the
normalised path-gain map (B, 1, H, W). H and W must be multiples of 16.

* ``RadioUNetS``: U-Net encoder-decoder on the image; the Tx vector is projected by a
  dense layer and added at the bottleneck (late fusion).
* ``PMNetS``: residual encoder with dilated convolutions and an ASPP head, decoder with
  skips; the Tx vector is broadcast to image size and concatenated to the input
  channels (early fusion; by default after a dense projection to 16 values, see
  ``_tx_embed``; ``tx_channels=0`` broadcasts the raw vector).
* ``UNetDCNS``: U-Net whose encoder blocks end in a deformable convolution
  (:class:`synthrm.models.deform.DeformConv2d`); early fusion like PMNet-S.
"""
from __future__ import annotations

import torch
from torch import nn

from synthrm.models.deform import DeformConv2d
from synthrm.models.registry import register_model


def _block(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=dilation, dilation=dilation), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class _UNet(nn.Module):
    """Four down / four up U-Net; ``deform`` ends each encoder block in a DCN layer."""

    def __init__(self, in_ch: int, widths=(32, 64, 128, 256, 256), deform: bool = False):
        super().__init__()
        self.down = nn.ModuleList()
        c = in_ch
        for w in widths:
            blk = _block(c, w)
            if deform:
                blk = nn.Sequential(blk, DeformConv2d(w, w), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
            self.down.append(blk)
            c = w
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList()
        self.upconv = nn.ModuleList()
        for w_skip in reversed(widths[:-1]):
            self.upconv.append(nn.ConvTranspose2d(c, w_skip, 2, stride=2))
            self.up.append(_block(2 * w_skip, w_skip))
            c = w_skip
        self.head = nn.Conv2d(c, 1, 1)
        self.bottleneck_channels = widths[-1]

    def forward(self, x: torch.Tensor, bottleneck_add: torch.Tensor | None = None) -> torch.Tensor:
        skips = []
        for i, blk in enumerate(self.down):
            x = blk(x if i == 0 else self.pool(x))
            skips.append(x)
        if bottleneck_add is not None:
            x = x + bottleneck_add[:, :, None, None]
        for upc, blk, s in zip(self.upconv, self.up, reversed(skips[:-1])):
            x = blk(torch.cat([upc(x), s], dim=1))
        return self.head(x)


def _check(img: torch.Tensor, tx: torch.Tensor, in_ch: int, tx_dim: int) -> None:
    if img.ndim != 4 or img.shape[1] != in_ch:
        raise ValueError(f"image must be (B, {in_ch}, H, W), got {tuple(img.shape)}")
    if img.shape[-1] % 16 or img.shape[-2] % 16:
        raise ValueError(f"H and W must be multiples of 16, got {tuple(img.shape[-2:])}")
    if tx.shape != (img.shape[0], tx_dim):
        raise ValueError(f"tx vector must be ({img.shape[0]}, {tx_dim}), got {tuple(tx.shape)}")
    if not (torch.isfinite(img).all() and torch.isfinite(tx).all()):
        raise ValueError("NaN or inf in the model inputs; fill sky / missing depth before the model")


class RadioUNetS(nn.Module):
    """RadioUNet with late fusion of the Tx vector at the bottleneck."""

    def __init__(self, in_ch: int = 3, tx_dim: int = 315, widths=(32, 64, 128, 256, 256)):
        super().__init__()
        self.in_ch, self.tx_dim = in_ch, tx_dim
        self.unet = _UNet(in_ch, widths)
        self.proj = nn.Sequential(nn.Linear(tx_dim, widths[-1]), nn.ReLU(inplace=True),
                                  nn.Linear(widths[-1], widths[-1]))

    def forward(self, img: torch.Tensor, tx: torch.Tensor) -> torch.Tensor:
        _check(img, tx, self.in_ch, self.tx_dim)
        return self.unet(img, self.proj(tx))


def _broadcast(img: torch.Tensor, tx: torch.Tensor) -> torch.Tensor:
    return torch.cat([img, tx[:, :, None, None].expand(-1, -1, *img.shape[-2:])], dim=1)


def _tx_embed(tx_dim: int, tx_channels: int) -> nn.Module:
    """Dense projection of the Tx vector to ``tx_channels`` before it is broadcast (0 = the
    raw vector). A first convolution over constant channels is linear in them, so this
    keeps early fusion's expressiveness while the full-resolution input has 3 + 16
    channels instead of 3 + 315 (10x less compute in the first layer on a CPU)."""
    if tx_channels == 0:
        return nn.Identity()
    return nn.Sequential(nn.Linear(tx_dim, tx_channels), nn.ReLU(inplace=True), nn.Linear(tx_channels, tx_channels))


class UNetDCNS(nn.Module):
    """Deformable-convolution U-Net with early fusion (broadcast Tx channels)."""

    def __init__(self, in_ch: int = 3, tx_dim: int = 315, widths=(32, 64, 128, 256, 256), tx_channels: int = 16):
        super().__init__()
        self.in_ch, self.tx_dim = in_ch, tx_dim
        self.embed = _tx_embed(tx_dim, tx_channels)
        self.unet = _UNet(in_ch + (tx_channels or tx_dim), widths, deform=True)

    def forward(self, img: torch.Tensor, tx: torch.Tensor) -> torch.Tensor:
        _check(img, tx, self.in_ch, self.tx_dim)
        return self.unet(_broadcast(img, self.embed(tx)))


class _ASPP(nn.Module):
    def __init__(self, c: int, rates=(1, 6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv2d(c, c // 2, 1 if r == 1 else 3, padding=0 if r == 1 else r, dilation=r),
                          nn.BatchNorm2d(c // 2), nn.ReLU(inplace=True)) for r in rates)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 2, 1), nn.ReLU(inplace=True))
        self.out = nn.Sequential(nn.Conv2d(c // 2 * (len(rates) + 1), c, 1), nn.BatchNorm2d(c), nn.ReLU(inplace=True))

    def forward(self, x):
        feats = [b(x) for b in self.branches]
        feats.append(self.pool(x).expand(-1, -1, *x.shape[-2:]))
        return self.out(torch.cat(feats, dim=1))


class _Res(nn.Module):
    def __init__(self, cin, cout, stride=1, dilation=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3, padding=dilation, dilation=dilation), nn.BatchNorm2d(cout))
        self.skip = nn.Identity() if (cin == cout and stride == 1) else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride), nn.BatchNorm2d(cout))

    def forward(self, x):
        return torch.relu(self.body(x) + self.skip(x))


class PMNetS(nn.Module):
    """PMNet: residual encoder (stride 16, then dilated), ASPP, decoder with skips; early
    fusion of the broadcast Tx vector."""

    def __init__(self, in_ch: int = 3, tx_dim: int = 315, width: int = 32, tx_channels: int = 16):
        super().__init__()
        self.in_ch, self.tx_dim = in_ch, tx_dim
        w = width
        self.embed = _tx_embed(tx_dim, tx_channels)
        self.stem = nn.Sequential(nn.Conv2d(in_ch + (tx_channels or tx_dim), w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        self.enc = nn.ModuleList([_Res(w, 2 * w, 2), _Res(2 * w, 4 * w, 2), _Res(4 * w, 8 * w, 2),
                                  _Res(8 * w, 8 * w, 2), _Res(8 * w, 8 * w, 1, dilation=2)])
        self.aspp = _ASPP(8 * w)
        chans = [w, 2 * w, 4 * w, 8 * w]
        self.up = nn.ModuleList()
        c = 8 * w
        for s in reversed(chans):
            self.up.append(nn.ModuleDict({"t": nn.ConvTranspose2d(c, s, 2, stride=2), "b": _Res(2 * s, s)}))
            c = s
        self.head = nn.Conv2d(c, 1, 1)

    def forward(self, img: torch.Tensor, tx: torch.Tensor) -> torch.Tensor:
        _check(img, tx, self.in_ch, self.tx_dim)
        x = self.stem(_broadcast(img, self.embed(tx)))
        skips = [x]
        for blk in self.enc:
            x = blk(x)
            skips.append(x)
        x = self.aspp(x)
        for up, s in zip(self.up, reversed(skips[:4])):
            x = up["b"](torch.cat([up["t"](x), s], dim=1))
        return self.head(x)


def _widths(width: int) -> tuple[int, ...]:
    w = width or 32
    return (w, 2 * w, 4 * w, 8 * w, 8 * w)


@register_model("radiounet-s", "outdoor")
def build_radiounet_s(width: int = 0, in_ch: int = 3, tx_dim: int = 315) -> RadioUNetS:
    """RadioUNet-S with base width ``width`` (0: 32)."""
    return RadioUNetS(in_ch=in_ch, tx_dim=tx_dim, widths=_widths(width))


@register_model("pmnet-s", "outdoor")
def build_pmnet_s(width: int = 0, in_ch: int = 3, tx_dim: int = 315) -> PMNetS:
    """PMNet-S with base width ``width`` (0: 32)."""
    return PMNetS(in_ch=in_ch, tx_dim=tx_dim, width=width or 32)


@register_model("unetdcn-s", "outdoor")
def build_unetdcn_s(width: int = 0, in_ch: int = 3, tx_dim: int = 315) -> UNetDCNS:
    """UNetDCN-S with base width ``width`` (0: 32)."""
    return UNetDCNS(in_ch=in_ch, tx_dim=tx_dim, widths=_widths(width))
