"""Scene nodes of the viewer: what :mod:`synthrm.viewer.model` describes, added to a
viser scene (``server.scene``, passed in: this module does not import viser).

Sizes of markers (transmitters, frusta) follow the scene's extent ``size_m`` so a
300 m city and a 10 m apartment both read well. The visible surface is drawn pulled
``SURFACE_PULL`` of the way towards its camera: from the camera it looks the same, and it
no longer fights the city mesh under it for depth (the VAS lies only
``vas.offset_m`` = 5 cm in front of it).
"""
from __future__ import annotations

import html
import math

import numpy as np

from synthrm.export.formats import rotation_to_quaternion
from synthrm.viewer.glb import png_bytes, textured_mesh_glb
from synthrm.viewer.model import Layer, Surface
from synthrm.viewer.tone import displayed, untonemap

#: Fraction of the camera distance the drawn surface is moved towards its camera.
SURFACE_PULL = 0.004
#: Colours of the selected transmitter, the others and the boresight arrows.
TX_RGB, TX_OTHER_RGB, BORESIGHT_RGB = (230, 30, 30), (250, 150, 40), (200, 0, 200)
CAMERA_RGB, FRUSTUM_RGB = (20, 20, 20), (90, 90, 200)
#: Depth of the sample's frustum and of the other frames' frusta, over the scene size.
CAMERA_SIZE, FRUSTUM_SIZE = 0.03, 0.012


def pose_wxyz(cam_to_world: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(wxyz quaternion, position [m]) of a camera-to-world (4, 4), OpenCV camera axes
    (viser's frustum convention)."""
    m = np.asarray(cam_to_world, np.float64)
    return tuple(float(x) for x in rotation_to_quaternion(m[:3, :3])), tuple(float(x) for x in m[:3, 3])


def add_scene_meshes(scene, meshes, prefix: str = "/city", visible: bool = True) -> list:
    """One lit mesh per scene shape in its semantic class colour; camera-only shapes go
    under ``<prefix>/camera_only`` and start hidden."""
    out = []
    for m in meshes:
        name = f"{prefix}/{m.name}" if m.radio else f"{prefix}/camera_only/{m.name}"
        out.append(scene.add_mesh_simple(name, m.vertices, m.faces, color=m.rgb, flat_shading=True, side="double",
                                         visible=visible and m.radio, cast_shadow=False, receive_shadow=False))
    return out


def surface_glb(surface: Surface, image: np.ndarray, camera_center: np.ndarray | None = None) -> bytes:
    """The GLB of ``surface`` textured with ``image`` (H, W, 3) uint8 (the colours wanted
    on screen; pre-compensated for viser's tone mapping, :mod:`synthrm.viewer.tone`),
    pulled towards ``camera_center`` by :data:`SURFACE_PULL` of the distance."""
    v = surface.vertices.astype(np.float64)
    if camera_center is not None and len(v):
        v = v + SURFACE_PULL * (np.asarray(camera_center, np.float64) - v)
    return textured_mesh_glb(v, surface.faces, surface.uv, png_bytes(untonemap(image)))


def add_surface(scene, name: str, surface: Surface, image: np.ndarray, camera_center=None, visible: bool = True):
    return scene.add_glb(name, surface_glb(surface, image, camera_center), visible=visible, cast_shadow=False,
                         receive_shadow=False)


def add_camera(scene, name: str, camera, size_m: float, rgb: np.ndarray | None = None, color=CAMERA_RGB,
               visible: bool = True):
    """A frustum of ``camera`` (a ``PinholeCamera``), ``size_m`` deep, with its image."""
    wxyz, pos = pose_wxyz(camera.cam_to_world)
    fov_y = 2.0 * math.atan(camera.height / (2.0 * camera.K[1, 1]))
    return scene.add_camera_frustum(name, fov=fov_y, aspect=camera.width / camera.height, scale=size_m,
                                    thickness=max(size_m * 0.012, 0.01), color=color, image=rgb, format="jpeg"
                                    if rgb is not None else "auto", jpeg_quality=90 if rgb is not None else None,
                                    wxyz=wxyz, position=pos, visible=visible, cast_shadow=False,
                                    receive_shadow=False)


def add_transmitters(scene, positions: np.ndarray, selected: int, size_m: float,
                     boresight: np.ndarray | None = None, prefix: str = "/transmitters", visible: bool = True) -> list:
    """A sphere and a label per transmitter (``positions`` (T, 3) [m]), the selected one
    red; with ``boresight`` (T, 3) unit vectors an arrow along each array's boresight. All
    under one frame ``prefix`` (its visibility toggles them all)."""
    r = max(size_m * 0.006, 0.05)
    out = [scene.add_frame(prefix, show_axes=False, visible=visible)]
    for t, p in enumerate(np.asarray(positions, np.float64)):
        out.append(scene.add_icosphere(f"{prefix}/tx{t}", radius=r * (1.6 if t == selected else 1.0),
                                       color=TX_RGB if t == selected else TX_OTHER_RGB, position=tuple(p),
                                       cast_shadow=False, receive_shadow=False))
        out.append(scene.add_label(f"{prefix}/tx{t}/label", f"Tx {t}", position=(0.0, 0.0, 2.5 * r)))
    if boresight is not None and len(positions):
        p = np.asarray(positions, np.float64)
        pts = np.stack([p, p + np.asarray(boresight, np.float64) * 8 * r], 1).astype(np.float32)
        out.append(scene.add_arrows(f"{prefix}/boresight", pts, BORESIGHT_RGB, shaft_radius=0.25 * r,
                                    head_radius=0.6 * r, head_length=1.5 * r))
    return out


def colorbar_html(lo: float, hi: float, cmap: str, unit: str = "dB", ticks: int = 5) -> str:
    """An HTML colour bar of ``cmap`` over [lo, hi] with ``ticks`` labels, in the colours
    the 3D view shows (:func:`synthrm.viewer.tone.displayed`)."""
    from matplotlib import colormaps

    pos = np.linspace(0, 1, 21)
    cols = displayed(np.round(colormaps[cmap](pos)[:, :3] * 255).astype(np.uint8))
    stops = ", ".join(f"rgb({r},{g},{b}) {p * 100:.0f}%" for p, (r, g, b) in zip(pos, cols.tolist()))
    labels = "".join(f"<span>{v:.0f}</span>" for v in np.linspace(lo, hi, ticks))
    return (f"<div style='font:12px sans-serif'><div style='height:14px;border:1px solid #888;"
            f"background:linear-gradient(to right, {stops})'></div>"
            f"<div style='display:flex;justify-content:space-between'>{labels}</div>"
            f"<div style='text-align:right;color:#555'>{html.escape(unit)}; grey: no value</div></div>")


def legend_html(layer: Layer, image_codes: np.ndarray | None = None) -> str:
    """Swatches of a categorical layer's codes (with their share of the given codes)."""
    rows = []
    n = None if image_codes is None else max(int(image_codes.size), 1)
    for c in sorted(layer.names):
        share = "" if image_codes is None else f" {np.count_nonzero(image_codes == c) / n:.0%}"
        r, g, b = displayed(np.array(layer.colors.get(c, (0, 0, 0)), np.uint8)).tolist()
        rows.append(f"<div><span style='display:inline-block;width:12px;height:12px;margin-right:6px;"
                    f"border:1px solid #888;background:rgb({r},{g},{b})'></span>{c} "
                    f"{html.escape(layer.names[c])}{share}</div>")
    return f"<div style='font:12px sans-serif'>{''.join(rows)}</div>"


def scene_size(frames_or_points) -> float:
    """A length scale [m] of a set of points (N, 3): the diagonal of their x-y extent."""
    p = np.asarray(frames_or_points, np.float64).reshape(-1, 3)
    p = p[np.all(np.isfinite(p), axis=1)]
    if len(p) < 2:
        return 50.0
    return float(max(np.linalg.norm(np.ptp(p[:, :2], axis=0)), 5.0))
