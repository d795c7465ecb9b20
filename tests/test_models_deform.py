"""Deformable convolution in plain PyTorch against a naive reference."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from synthrm.models.deform import DeformConv2d, deform_conv2d, deform_conv2d_gather, deform_conv2d_onnx


def _bilinear(img, y, x):
    """Bilinear sample of (C, H, W) at (y, x); corners outside the image count as zero."""
    h, w = img.shape[1:]
    y0, x0 = int(np.floor(y)), int(np.floor(x))
    out = np.zeros(img.shape[0])
    for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
        if 0 <= yy < h and 0 <= xx < w:
            out += img[:, yy, xx] * (1 - abs(y - yy)) * (1 - abs(x - xx))
    return out


def _naive(x, offset, weight, bias, stride, pad, dil, mask):
    n, c, h, w = x.shape
    cout, _, kh, kw = weight.shape
    ho, wo = offset.shape[-2:]
    out = np.zeros((n, cout, ho, wo))
    for b in range(n):
        for oy in range(ho):
            for ox in range(wo):
                acc = np.zeros(cout)
                for i in range(kh):
                    for j in range(kw):
                        t = i * kw + j
                        y = oy * stride - pad + i * dil + offset[b, 2 * t, oy, ox]
                        xx = ox * stride - pad + j * dil + offset[b, 2 * t + 1, oy, ox]
                        v = _bilinear(x[b], y, xx) * (mask[b, t, oy, ox] if mask is not None else 1)
                        acc += weight[:, :, i, j] @ v
                out[b, :, oy, ox] = acc + bias
    return out


@pytest.mark.parametrize("op", [deform_conv2d, deform_conv2d_gather, deform_conv2d_onnx])
@pytest.mark.parametrize("stride, pad, dil, modulated", [(1, 1, 1, False), (2, 1, 1, True), (1, 2, 2, True)])
def test_matches_naive_reference(stride, pad, dil, modulated, op):
    """Every formulation (grid_sample + einsum; row gathers + one matmul; the registered op
    that exports as ONNX DeformConv, run in PyTorch here)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 9, 8, generator=g, dtype=torch.float64)
    wt = torch.randn(4, 3, 3, 3, generator=g, dtype=torch.float64)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    ho = (9 + 2 * pad - dil * 2 - 1) // stride + 1
    wo = (8 + 2 * pad - dil * 2 - 1) // stride + 1
    off = 1.5 * torch.randn(2, 18, ho, wo, generator=g, dtype=torch.float64)
    m = torch.rand(2, 9, ho, wo, generator=g, dtype=torch.float64) if modulated else None
    ours = op(x, off, wt, b, stride, pad, dil, m)
    ref = _naive(x.numpy(), off.numpy(), wt.numpy(), b.numpy(), stride, pad, dil, None if m is None else m.numpy())
    assert np.allclose(ours.numpy(), ref, atol=1e-10)


def test_zero_offsets_are_a_plain_convolution_and_gradients_flow():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(1, 2, 7, 7, generator=g, requires_grad=True)
    layer = DeformConv2d(2, 3)
    assert torch.allclose(layer(x), F.conv2d(x, layer.weight, layer.bias, padding=1), atol=1e-5)
    layer(x).square().sum().backward()
    assert x.grad is not None and layer.offset.weight.grad is not None
    assert layer.offset.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="offset must be"):
        deform_conv2d(x, torch.zeros(1, 4, 7, 7), layer.weight)


@pytest.mark.parametrize("stride, pad, dil, modulated", [(1, 1, 1, False), (2, 1, 1, True), (1, 2, 2, True)])
def test_onnx_deformconv_in_onnxruntime_matches_naive_reference(stride, pad, dil, modulated):
    """The export of :func:`deform_conv2d_onnx` at opset 19 is one ONNX ``DeformConv`` node,
    and onnxruntime's kernel computes the naive reference (offset order, mask, zero outside
    the image, stride, dilation); offsets of 1.5 px send taps outside the image."""
    import io

    import onnx
    import onnxruntime as ort

    g = torch.Generator().manual_seed(2)
    wt, b = torch.randn(4, 3, 3, 3, generator=g), torch.randn(4, generator=g)

    class Layer(torch.nn.Module):
        def forward(self, x, off, m):
            return deform_conv2d_onnx(x, off, wt, b, stride, pad, dil, m if modulated else None)

    x = torch.randn(2, 3, 9, 8, generator=g)
    ho = (9 + 2 * pad - dil * 2 - 1) // stride + 1
    wo = (8 + 2 * pad - dil * 2 - 1) // stride + 1
    off = 1.5 * torch.randn(2, 18, ho, wo, generator=g)
    m = torch.rand(2, 9, ho, wo, generator=g)
    buf = io.BytesIO()
    torch.onnx.export(Layer(), (x, off, m), buf, dynamo=False, opset_version=19, input_names=["x", "off", "m"],
                      output_names=["y"])
    proto = onnx.load_from_string(buf.getvalue())
    assert [n.op_type for n in proto.graph.node if n.op_type != "Constant"] == ["DeformConv"]
    sess = ort.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    feeds = {i.name: t.numpy() for i, t in zip(sess.get_inputs(), (x, off, m))}
    got = sess.run(None, feeds)[0]
    ref = _naive(x.double().numpy(), off.double().numpy(), wt.double().numpy(), b.double().numpy(), stride, pad,
                 dil, m.double().numpy() if modulated else None)
    assert np.allclose(got, ref, atol=1e-4)
