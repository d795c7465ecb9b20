"""Binary glTF 2.0 (GLB) of one textured triangle mesh: the form in which the viewer sends
a coloured visible surface to the browser.

A per-pixel label layer is an image (H, W), and every VAS vertex is lifted from a pixel
centre, so the mesh carries texture coordinates and the layer travels as one PNG drawn
with nearest-neighbour sampling and no lighting (``KHR_materials_unlit``): each screen
fragment shows exactly the colour of the pixel it projects to, whatever the geometry's
resolution. Only what the viewer needs is written (positions, texture coordinates,
indices, one image); :func:`read_glb` reads it back for the tests.
"""
from __future__ import annotations

import io
import json
import struct

import numpy as np

#: glTF constants
_FLOAT, _USHORT, _UINT = 5126, 5123, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963
_NEAREST, _CLAMP = 9728, 33071


def png_bytes(rgb: np.ndarray) -> bytes:
    """(H, W, 3) or (H, W, 4) uint8 image -> PNG bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, np.uint8)).save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _pad4(b: bytes, fill: bytes = b"\0") -> bytes:
    return b + fill * (-len(b) % 4)


def textured_mesh_glb(vertices: np.ndarray, faces: np.ndarray, uv: np.ndarray, png: bytes,
                      unlit: bool = True, double_sided: bool = True) -> bytes:
    """A GLB of one mesh: vertices (V, 3) [m], triangles (F, 3), texture coordinates
    ``uv`` (V, 2) in [0, 1] (origin at the image's top-left corner, glTF's convention) and
    the texture as PNG bytes, sampled nearest-neighbour and clamped. ``unlit``: the
    texture's colours are shown as they are (no shading)."""
    v = np.ascontiguousarray(vertices, "<f4").reshape(-1, 3)
    t = np.ascontiguousarray(uv, "<f4").reshape(-1, 2)
    f = np.asarray(faces).reshape(-1, 3)
    if len(t) != len(v):
        raise ValueError(f"uv has {len(t)} rows for {len(v)} vertices")
    if len(f) and (f.min() < 0 or f.max() >= len(v)):
        raise ValueError(f"face indices must be in [0, {len(v) - 1}]")
    small = len(v) < 65536
    idx = np.ascontiguousarray(f, "<u2" if small else "<u4").reshape(-1)
    blobs = [v.tobytes(), t.tobytes(), idx.tobytes(), png]
    views, off = [], 0
    for i, b in enumerate(blobs):
        view = {"buffer": 0, "byteOffset": off, "byteLength": len(b)}
        if i < 2:
            view["target"] = _ARRAY_BUFFER
        elif i == 2:
            view["target"] = _ELEMENT_ARRAY_BUFFER
        views.append(view)
        off += len(_pad4(b))
    lo = v.min(0).tolist() if len(v) else [0.0] * 3
    hi = v.max(0).tolist() if len(v) else [0.0] * 3
    material = {"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}, "metallicFactor": 0.0,
                                         "roughnessFactor": 1.0},
                "doubleSided": bool(double_sided)}
    doc = {
        "asset": {"version": "2.0", "generator": "synthrm.viewer"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2,
                                    "material": 0, "mode": 4}]}],
        "materials": [material],
        "textures": [{"sampler": 0, "source": 0}],
        "samplers": [{"magFilter": _NEAREST, "minFilter": _NEAREST, "wrapS": _CLAMP, "wrapT": _CLAMP}],
        "images": [{"bufferView": 3, "mimeType": "image/png"}],
        "accessors": [
            {"bufferView": 0, "componentType": _FLOAT, "count": len(v), "type": "VEC3", "min": lo, "max": hi},
            {"bufferView": 1, "componentType": _FLOAT, "count": len(t), "type": "VEC2"},
            {"bufferView": 2, "componentType": _USHORT if small else _UINT, "count": int(idx.size), "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": off}],
    }
    if unlit:
        material["extensions"] = {"KHR_materials_unlit": {}}
        doc["extensionsUsed"] = ["KHR_materials_unlit"]
    js = _pad4(json.dumps(doc, separators=(",", ":")).encode(), b" ")
    binary = b"".join(_pad4(b) for b in blobs)
    total = 12 + 8 + len(js) + 8 + len(binary)
    return b"".join([struct.pack("<4sII", b"glTF", 2, total), struct.pack("<I4s", len(js), b"JSON"), js,
                     struct.pack("<I4s", len(binary), b"BIN\0"), binary])


def read_glb(data: bytes) -> dict:
    """Parse a GLB written by :func:`textured_mesh_glb`: ``json`` (the glTF document),
    ``vertices`` (V, 3), ``uv`` (V, 2), ``faces`` (F, 3) and ``image`` (H, W, C) uint8.
    ValueError on another layout."""
    from PIL import Image

    magic, version, total = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2 or total != len(data):
        raise ValueError("not a GLB 2.0 file of this length")
    jlen, jtype = struct.unpack_from("<I4s", data, 12)
    doc = json.loads(data[20:20 + jlen])
    blen, btype = struct.unpack_from("<I4s", data, 20 + jlen)
    if jtype != b"JSON" or btype != b"BIN\0":
        raise ValueError("unexpected GLB chunks")
    binary = data[28 + jlen:28 + jlen + blen]

    def view(i):
        bv = doc["bufferViews"][i]
        return binary[bv["byteOffset"]:bv["byteOffset"] + bv["byteLength"]]

    acc = doc["accessors"]
    itype = "<u2" if acc[2]["componentType"] == _USHORT else "<u4"
    img = np.asarray(Image.open(io.BytesIO(view(doc["images"][0]["bufferView"]))))
    return {"json": doc,
            "vertices": np.frombuffer(view(acc[0]["bufferView"]), "<f4").reshape(-1, 3),
            "uv": np.frombuffer(view(acc[1]["bufferView"]), "<f4").reshape(-1, 2),
            "faces": np.frombuffer(view(acc[2]["bufferView"]), itype).reshape(-1, 3).astype(np.int64),
            "image": img}
