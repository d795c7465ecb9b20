"""Deformable convolution (DCNv1 / modulated DCNv2) in plain PyTorch.

torchvision has no CPU build on the project's machines, so ``torchvision.ops.deform_conv2d``
is not available; this is the same operator written with ``grid_sample``: every kernel tap
k samples the input bilinearly at ``p0 + p_k + offset_k`` (zero outside the image), is
multiplied by its mask (DCNv2) and contracted with the weights.

It also exports to ONNX (``torch.onnx.export``, TorchScript tracing; ``GridSample`` and
``Einsum``, opset >= 16) with a dynamic batch and image size: the kernel size is read as
Python integers, the image size stays symbolic, and the shape checks run in eager mode
only. Two forms for the export, same results to float rounding:

* :func:`deform_conv2d_onnx` exports as ONNX's own ``DeformConv`` operator (opset >= 19),
  which onnxruntime (>= 1.25) runs as one kernel: a 16-channel layer at 128x96, 4 images,
  21 ms on one thread; what ``synthrm.models.deploy`` exports at opset 19 and above.
* :func:`deform_conv2d_gather`, for opsets below 19: the bilinear taps read as rows by
  ``Gather`` and the contraction done by one ``MatMul``: 65 ms for that layer, where
  onnxruntime's ``GridSample`` and ``Einsum`` take 160 ms.

PyTorch trains with :func:`deform_conv2d`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _span(n):
    """The pixel-centre span of a side of ``n`` pixels (grid_sample's [-1, 1] with
    align_corners), at least 1; symbolic when ``n`` is (a traced size)."""
    return (n - 1).clamp(min=1) if torch.is_tensor(n) else max(n - 1, 1)


def deform_conv2d(x: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
                  stride: int = 1, padding: int = 0, dilation: int = 1,
                  mask: torch.Tensor | None = None) -> torch.Tensor:
    """Deformable 2D convolution.

    Args:
        x: (N, C, H, W) input.
        offset: (N, 2 * kh * kw, Ho, Wo), (dy, dx) per kernel tap in row-major tap order
            (torchvision's layout) [px].
        weight: (Cout, C, kh, kw). bias: (Cout,) or None.
        mask: optional (N, kh * kw, Ho, Wo) modulation (DCNv2).

    Returns:
        (N, Cout, Ho, Wo).
    """
    n, c, h, w = x.shape
    # the kernel is fixed (Python ints, also under ONNX tracing, where sizes are tensors)
    cout, cin, kh, kw = (int(s) for s in weight.shape)
    ho = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    wo = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    k = kh * kw
    if not torch.jit.is_tracing():
        if cin != c:
            raise ValueError(f"weight expects {cin} input channels, x has {c}")
        if offset.shape != (n, 2 * k, ho, wo):
            raise ValueError(f"offset must be {(n, 2 * k, ho, wo)}, got {tuple(offset.shape)}")
        if mask is not None and mask.shape != (n, k, ho, wo):
            raise ValueError(f"mask must be {(n, k, ho, wo)}, got {tuple(mask.shape)}")
    sy, sx = _span(h), _span(w)
    dtype = x.dtype
    oy = torch.arange(ho, device=x.device, dtype=dtype) * stride - padding
    ox = torch.arange(wo, device=x.device, dtype=dtype) * stride - padding
    base_y, base_x = torch.meshgrid(oy, ox, indexing="ij")
    off = offset.view(n, k, 2, ho, wo)
    samples = []
    for t in range(k):
        i, j = divmod(t, kw)
        y = base_y + i * dilation + off[:, t, 0]
        xx = base_x + j * dilation + off[:, t, 1]
        grid = torch.stack([2 * xx / sx - 1, 2 * y / sy - 1], dim=-1)
        s = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
        if mask is not None:
            s = s * mask[:, t:t + 1]
        samples.append(s)
    cols = torch.stack(samples, dim=2)  # (N, C, K, Ho, Wo)
    out = torch.einsum("nckhw,ock->nohw", cols, weight.reshape(cout, c, k))
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


def deform_conv2d_gather(x: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor,
                         bias: torch.Tensor | None = None, stride: int = 1, padding: int = 0, dilation: int = 1,
                         mask: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`deform_conv2d` (same arguments, same result to float rounding) written for
    onnxruntime: the image is laid out as rows of channels (a zero row after each image for
    the taps that fall outside it), each of the four bilinear corners of every (pixel, tap)
    is read as a whole row by one ``Gather``, weighted and summed, and the taps are
    contracted with the weights by one ``MatMul`` over (tap, channel). Row gathers move
    C contiguous floats per index, where an element gather (``GatherElements``) moves one:
    a 16-channel layer at 128x96, 4 images, one thread: 65 ms against 100 ms for the
    element form. Uses taps x the input's memory per corner."""
    n, c, h, w = x.shape
    cout, cin, kh, kw = (int(s) for s in weight.shape)
    k = kh * kw
    ho = (h + 2 * padding - dilation * (kh - 1) - 1) // stride + 1
    wo = (w + 2 * padding - dilation * (kw - 1) - 1) // stride + 1
    dtype = x.dtype
    taps = torch.arange(k, device=x.device)
    ty = (taps // kw * dilation).to(dtype).view(1, 1, 1, k)
    tx = (taps % kw * dilation).to(dtype).view(1, 1, 1, k)
    oy = (torch.arange(ho, device=x.device, dtype=dtype) * stride - padding).view(1, -1, 1, 1)
    ox = (torch.arange(wo, device=x.device, dtype=dtype) * stride - padding).view(1, 1, -1, 1)
    off = offset.reshape(n, k, 2, ho, wo).permute(0, 2, 3, 4, 1)  # (N, 2, Ho, Wo, K) [px]
    y, xx = oy + ty + off[:, 0], ox + tx + off[:, 1]  # (N, Ho, Wo, K) [px]
    y0, x0 = torch.floor(y), torch.floor(xx)
    fy, fx = y - y0, xx - x0
    # row r of image b is b * (H W + 1) + r; row H W of each image is zeros
    first = (torch.arange(n, device=x.device) * (h * w + 1)).view(n, 1, 1, 1)
    rows = torch.cat([x.reshape(n, c, h * w).transpose(1, 2), x.new_zeros(n, 1, c)], 1).reshape(-1, c)
    tap_mask = None if mask is None else mask.reshape(n, k, ho, wo).permute(0, 2, 3, 1)  # (N, Ho, Wo, K)
    cols = None
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        yi, xi = y0 + dy, x0 + dx
        inside = (yi >= 0) & (yi <= h - 1) & (xi >= 0) & (xi <= w - 1)
        row = torch.where(inside, yi.clamp(0, h - 1) * w + xi.clamp(0, w - 1), torch.full_like(yi, h * w))
        wt = (fy if dy else 1 - fy) * (fx if dx else 1 - fx)
        if tap_mask is not None:
            wt = wt * tap_mask
        t = rows[(row.long() + first).reshape(-1)].reshape(n, ho, wo, k, c) * wt[..., None]
        cols = t if cols is None else cols + t
    out = cols.reshape(n, ho * wo, k * c) @ weight.permute(2, 3, 1, 0).reshape(k * cin, cout)
    out = out.transpose(1, 2).reshape(n, cout, ho, wo)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


#: The first ONNX opset with ``DeformConv`` (:func:`deform_conv2d_onnx`).
ONNX_DEFORM_OPSET = 19
_ONNX_OP = None


def _onnx_op():
    """``torch.ops.synthrm.deform_conv2d``: :func:`deform_conv2d` as one registered op
    (``torch.library``), with an ONNX symbolic that writes ``DeformConv`` (opset 19), so a
    TorchScript trace records one node, not the Python loop. Registered on first use."""
    global _ONNX_OP
    if _ONNX_OP is None:
        from torch.onnx import register_custom_op_symbolic

        @torch.library.custom_op("synthrm::deform_conv2d", mutates_args=())
        def op(x: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
               mask: torch.Tensor | None, stride: int, padding: int, dilation: int) -> torch.Tensor:
            return deform_conv2d(x, offset, weight, bias, stride, padding, dilation, mask)

        def symbolic(g, x, offset, weight, bias, mask, stride, padding, dilation):
            from torch.onnx.symbolic_helper import _is_none, _maybe_get_const

            s, p, d = (int(_maybe_get_const(v, "i")) for v in (stride, padding, dilation))
            kh, kw = (int(n) for n in weight.type().sizes()[-2:])
            inputs = [x, weight, offset, bias] + ([] if _is_none(mask) else [mask])
            return g.op("DeformConv", *inputs, strides_i=[s, s], pads_i=[p] * 4, dilations_i=[d, d],
                        kernel_shape_i=[kh, kw], group_i=1, offset_group_i=1)

        register_custom_op_symbolic("synthrm::deform_conv2d", symbolic, ONNX_DEFORM_OPSET)
        _ONNX_OP = op
    return _ONNX_OP


def deform_conv2d_onnx(x: torch.Tensor, offset: torch.Tensor, weight: torch.Tensor,
                       bias: torch.Tensor | None = None, stride: int = 1, padding: int = 0, dilation: int = 1,
                       mask: torch.Tensor | None = None) -> torch.Tensor:
    """:func:`deform_conv2d` (same arguments and result) that a TorchScript ONNX export
    (opset >= 19) writes as one ``DeformConv`` node: its offsets are (dy, dx) per tap in
    the same order, its mask multiplies each tap, outside the image is zero (checked
    against onnxruntime's kernel in the tests). For export and inference only: the
    registered op has no backward (train with :func:`deform_conv2d`)."""
    if bias is None:
        bias = weight.new_zeros(int(weight.shape[0]))
    return _onnx_op()(x, offset, weight, bias, mask, int(stride), int(padding), int(dilation))


class DeformConv2d(nn.Module):
    """A deformable conv layer that predicts its own offsets (and masks, ``modulated``)
    with a regular conv initialised to zero: it starts as a plain convolution."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int = 3, stride: int = 1, padding: int = 1,
                 dilation: int = 1, modulated: bool = True):
        super().__init__()
        self.stride, self.padding, self.dilation, self.modulated = stride, padding, dilation, modulated
        k = kernel_size * kernel_size
        self.weight = nn.Parameter(torch.empty(out_ch, in_ch, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.offset = nn.Conv2d(in_ch, (3 if modulated else 2) * k, kernel_size, stride, padding, dilation)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)

    #: The operator: :func:`deform_conv2d`; the ONNX export swaps in :func:`deform_conv2d_onnx`
    #: (opset >= 19) or :func:`deform_conv2d_gather`.
    op = staticmethod(deform_conv2d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o = self.offset(x)
        k = int(self.weight.shape[-1]) * int(self.weight.shape[-2])
        mask = 2 * torch.sigmoid(o[:, 2 * k:]) if self.modulated else None  # 1 at init
        return self.op(x, o[:, :2 * k], self.weight, self.bias, self.stride, self.padding, self.dilation, mask)
