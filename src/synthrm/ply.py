"""Binary little-endian PLY meshes: triangles with optional texture coordinates, vertex
and face colours and float face properties (the scene meshes and the radio-textured VAS)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

_TYPES = {"float": "<f4", "uchar": "u1", "int": "<i4"}


def write_ply(path: str | Path, vertices: np.ndarray, faces: np.ndarray, uv: np.ndarray | None = None,
              vertex_rgb: np.ndarray | None = None, face_values: dict[str, np.ndarray] | None = None,
              face_rgb: np.ndarray | None = None, comments: tuple[str, ...] = ()) -> Path:
    """Write vertices (V, 3) [m] (float32), faces (F, 3) (int32) and, optionally, texture
    coordinates ``uv`` (V, 2) (properties ``u``, ``v``), ``vertex_rgb`` (V, 3) uint8,
    float32 face properties ``face_values`` ({name: (F,)}) and ``face_rgb`` (F, 3) uint8.
    Creates the parent folder. Returns the path."""
    v = np.asarray(vertices, "<f4").reshape(-1, 3)
    f = np.asarray(faces, "<i4").reshape(-1, 3)
    vfields, vprops = [("xyz", "<f4", (3,))], ["property float x", "property float y", "property float z"]
    if uv is not None:
        vfields.append(("uv", "<f4", (2,)))
        vprops += ["property float u", "property float v"]
    if vertex_rgb is not None:
        vfields.append(("rgb", "u1", (3,)))
        vprops += ["property uchar red", "property uchar green", "property uchar blue"]
    ffields, fprops = [("n", "u1"), ("idx", "<i4", (3,))], ["property list uchar int vertex_indices"]
    for name in face_values or {}:
        ffields.append((name, "<f4"))
        fprops.append(f"property float {name}")
    if face_rgb is not None:
        ffields.append(("rgb", "u1", (3,)))
        fprops += ["property uchar red", "property uchar green", "property uchar blue"]
    vrec = np.empty(len(v), vfields)
    vrec["xyz"] = v
    if uv is not None:
        vrec["uv"] = np.asarray(uv, "<f4").reshape(-1, 2)
    if vertex_rgb is not None:
        vrec["rgb"] = vertex_rgb
    frec = np.empty(len(f), ffields)
    frec["n"], frec["idx"] = 3, f
    for name, val in (face_values or {}).items():
        frec[name] = np.asarray(val, "<f4").reshape(-1)
    if face_rgb is not None:
        frec["rgb"] = face_rgb
    header = "\n".join(["ply", "format binary_little_endian 1.0", *[f"comment {c}" for c in comments],
                        f"element vertex {len(v)}", *vprops, f"element face {len(f)}", *fprops,
                        "end_header", ""]).encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(header)
        fh.write(vrec.tobytes())
        fh.write(frec.tobytes())
    return path


def read_ply(path: str | Path) -> dict[str, np.ndarray]:
    """Read a file :func:`write_ply` wrote: ``vertices`` (V, 3) float32, ``faces`` (F, 3)
    int32, and what else it holds (``uv``, ``vertex_rgb``, face properties by name,
    ``face_rgb``). ValueError / OSError on a file of another layout or a truncated one."""
    return parse_ply(Path(path).read_bytes())


def parse_ply(data: bytes) -> dict[str, np.ndarray]:
    """:func:`read_ply` of the file's bytes."""
    end = data.index(b"end_header\n") + len(b"end_header\n")
    header = data[:end].decode().splitlines()
    elements: list[tuple[str, int, list[tuple[str, str]]]] = []
    for line in header:
        w = line.split()
        if w[:1] == ["element"]:
            elements.append((w[1], int(w[2]), []))
        elif w[:1] == ["property"] and w[1] != "list":
            elements[-1][2].append((w[2], _TYPES[w[1]]))
    out, off = {}, end
    for name, count, props in elements:
        fields = [("n", "u1"), ("idx", "<i4", (3,))] if name == "face" else []
        fields += [(p, t) for p, t in props]
        rec = np.frombuffer(data, fields, count, off)
        off += rec.nbytes
        cols = [p for p, _ in props]
        if name == "vertex":
            out["vertices"] = np.stack([rec["x"], rec["y"], rec["z"]], 1)
            if "u" in cols:
                out["uv"] = np.stack([rec["u"], rec["v"]], 1)
            if "red" in cols:
                out["vertex_rgb"] = np.stack([rec["red"], rec["green"], rec["blue"]], 1)
        else:
            out["faces"] = rec["idx"].copy()
            for p in cols:
                if p not in ("red", "green", "blue"):
                    out[p] = rec[p].copy()
            if "red" in cols:
                out["face_rgb"] = np.stack([rec["red"], rec["green"], rec["blue"]], 1)
    if off > len(data):
        raise ValueError("truncated")
    return out
