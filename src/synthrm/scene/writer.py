"""Write a scene folder that both Sionna RT and the optical renderer open as it is.

Layout of ``<scene_dir>/``::

    scene.xml        Mitsuba XML with itu-radio-material BSDFs (``sionna.rt.load_scene``)
    render.xml       the class meshes with visual BSDFs and a default sun + sky
    meshes/<class>.ply   one binary PLY per semantic class (rendering, semantics)
    meshes/radio_<material>.ply  the classes sharing a radio material, welded (radio)
    footprints.json  building footprints, heights, street axes
    scene.json       semantic class and materials of every mesh, seed, version
"""
from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from synthrm.files import atomic_write_text
from synthrm.ply import parse_ply, write_ply
from synthrm.scene.mesh import concat_meshes
from synthrm.scene.classes import (
    DEFAULT_RADIO_MATERIALS,
    MATERIAL_IDS,
    SEMANTIC_IDS,
    THICKNESS_M,
    VISUAL_MATERIALS,
)

SCENE_XML = "scene.xml"
RENDER_XML = "render.xml"
SCENE_JSON = "scene.json"
FOOTPRINTS_JSON = "footprints.json"
TEXTURE_DIR = "textures"


def read_ply(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a PLY written by :func:`write_ply`: (vertices (V,3) float32, faces (F,3) int32)."""
    from synthrm.errors import DatasetError

    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the mesh ({e.strerror}); regenerate the scene folder") from None
    try:
        m = parse_ply(data)
        return m["vertices"], m["faces"]
    except (ValueError, StopIteration, IndexError, UnicodeDecodeError, KeyError) as e:
        raise DatasetError(f"{path}: not a PLY file synthrm wrote, or truncated ({type(e).__name__}); "
                           "regenerate the scene folder") from None


def weld_vertices(vertices: np.ndarray, faces: np.ndarray, tol_m: float = 1e-4):
    """Merge vertices closer than ``tol_m`` (on a grid of that size); drop faces that
    collapse. Returns (vertices (V', 3) float64, faces (F', 3) int64)."""
    v = np.asarray(vertices, np.float64)
    key = np.round(v / tol_m).astype(np.int64)
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    f = inv.reshape(-1)[np.asarray(faces, np.int64)]
    ok = (f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2])
    return v[first], f[ok]


def check_mesh(name: str, vertices, faces) -> None:
    """Raise :class:`~synthrm.errors.SceneError` naming ``name`` for a mesh the ray tracer
    and renderer cannot use: non-finite vertex coordinates, face indices out of range,
    degenerate (zero-area) faces, or non-manifold edges (shared by more than two faces)."""
    from synthrm.errors import SceneError

    v = np.asarray(vertices, np.float64)
    f = np.asarray(faces)
    if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3:
        raise SceneError(f"{name}: expected vertices (V, 3) and triangles (F, 3), got {v.shape} and {f.shape}")
    if len(f) == 0:
        raise SceneError(f"{name}: the mesh has no triangles")
    bad = ~np.isfinite(v).all(1)
    if bad.any():
        raise SceneError(f"{name}: {int(bad.sum())} vertices have NaN or infinite coordinates "
                         f"(first: vertex {int(np.argmax(bad))}); fix the geometry")
    if not np.issubdtype(f.dtype, np.integer) or f.min() < 0 or f.max() >= len(v):
        raise SceneError(f"{name}: face indices must be integers in [0, {len(v) - 1}]")
    t = v[f]
    area = 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1)
    deg = area <= 1e-14
    if deg.any():
        raise SceneError(f"{name}: {int(deg.sum())} degenerate (zero-area) triangles (first: face "
                         f"{int(np.argmax(deg))}); remove them before writing the scene")
    e = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    _, counts = np.unique(e, axis=0, return_counts=True)
    if (counts > 2).any():
        raise SceneError(f"{name}: {int((counts > 2).sum())} non-manifold edges (shared by more than two "
                         "triangles); split the mesh so that every edge borders at most two triangles")


def write_scene(out_dir: str | Path, surfaces: dict[str, tuple],
                radio_materials: dict[str, str] | None = None, meta: dict | None = None,
                footprints: dict | None = None, shape_info: dict[str, dict] | None = None,
                textures: dict[str, np.ndarray] | None = None) -> Path:
    """Write ``surfaces`` ({shape id: (vertices, faces[, uv])}) as a scene folder.

    A shape id is a semantic class name unless ``shape_info[id]`` gives its
    ``semantic`` class (and optionally ``radio_material``, ``thickness_m``, ``radio``
    (False: visible to the camera only, left out of the radio scene) and ``visual``:
    ``{"texture", "roughness_texture", "night_emission"}`` naming images of ``textures``
    or ``{"albedo", "roughness"}``). ``textures`` ({name: (H, W[, 3]) uint8, sRGB for
    colour}) go to ``textures/<name>.png``. ``radio_materials`` overrides the class ->
    ITU material table. Returns the folder. ``scene.json`` is written last, so a folder
    without it is incomplete.
    """
    from synthrm import __version__

    if not surfaces:
        from synthrm.errors import SceneError

        raise SceneError(f"{out_dir}: the scene has no surfaces; nothing to render or ray-trace")
    out = Path(out_dir)
    (out / "meshes").mkdir(parents=True, exist_ok=True)
    if textures:
        from PIL import Image

        (out / TEXTURE_DIR).mkdir(exist_ok=True)
        for name, img in textures.items():
            Image.fromarray(np.asarray(img, np.uint8)).save(out / TEXTURE_DIR / f"{name}.png")
    mats = {**DEFAULT_RADIO_MATERIALS, **(radio_materials or {})}
    shapes = []
    for sid, (v, f, *uv) in surfaces.items():
        info = (shape_info or {}).get(sid, {})
        cls = info.get("semantic", sid)
        mat = info.get("radio_material", mats.get(cls))
        if cls not in SEMANTIC_IDS or mat not in MATERIAL_IDS:
            from synthrm.errors import SceneError

            raise SceneError(f"shape {sid!r}: unknown semantic class {cls!r} or radio material {mat!r}; "
                             f"known classes {sorted(SEMANTIC_IDS)}, materials {sorted(MATERIAL_IDS)}")
        check_mesh(f"shape {sid!r}", v, f)
        fname = f"meshes/{sid}.ply"
        write_ply(out / fname, v, f, uv[0] if uv else None)
        entry = {
            "id": sid, "file": fname, "semantic": cls, "semantic_id": SEMANTIC_IDS[cls],
            "radio_material": mat, "material_id": MATERIAL_IDS[mat],
            "thickness_m": float(info.get("thickness_m", THICKNESS_M[cls])), "num_triangles": int(len(f)),
            "radio": bool(info.get("radio", True)),
        }
        visual = dict(info.get("visual", {}))
        for key in ("texture", "roughness_texture", "night_emission"):
            if key in visual:
                if not textures or visual[key] not in textures:
                    from synthrm.errors import SceneError

                    raise SceneError(f"shape {sid!r}: visual {key} {visual[key]!r} is not among the textures")
                if not uv:
                    from synthrm.errors import SceneError

                    raise SceneError(f"shape {sid!r}: a texture needs texture coordinates (uv)")
                visual[key] = f"{TEXTURE_DIR}/{visual[key]}.png"
        if visual:
            entry["visual"] = visual
        shapes.append(entry)

    # Sionna scene: one welded mesh and one itu-radio-material per (material, thickness).
    # Welding gives neighbouring faces shared edges: Sionna RT finds diffracting wedges
    # (roof edges, building corners) only on edges two faces of one mesh share.
    groups: dict[tuple[str, float], list[dict]] = {}
    for s in shapes:
        if not s["radio"]:
            continue
        groups.setdefault((s["radio_material"], s["thickness_m"]), []).append(s)
    lines = ['<scene version="2.1.0">']
    radio_shapes = []
    for n, ((mat, thick), members) in enumerate(groups.items()):
        bid = f"itu_{mat}" if not any(k[0] == mat for k in list(groups)[:n]) else f"itu_{mat}_{n}"
        v, f = weld_vertices(*concat_meshes([surfaces[m["id"]] for m in members]))
        fname = f"meshes/radio_{bid[4:]}.ply"
        write_ply(out / fname, v, f)
        for m in members:
            m["radio_bsdf"] = bid
        radio_shapes.append({"id": bid[4:], "file": fname, "radio_material": mat, "thickness_m": thick,
                             "classes": [m["semantic"] for m in members], "num_triangles": int(len(f))})
        lines += [f'  <bsdf type="itu-radio-material" id={quoteattr(bid)}>',
                  f'    <string name="type" value={quoteattr(mat)}/>',
                  f'    <float name="thickness" value="{thick}"/>', "  </bsdf>",
                  f'  <shape type="ply" id={quoteattr(bid[4:])}>',
                  f'    <string name="filename" value={quoteattr(fname)}/>',
                  '    <boolean name="face_normals" value="true"/>',
                  f'    <ref id={quoteattr(bid)} name="bsdf"/>', "  </shape>"]
    lines.append("</scene>")
    atomic_write_text(out / SCENE_XML, "\n".join(lines) + "\n")

    # Optical scene: visual BSDFs + default sun and sky (z up)
    lines = ['<scene version="3.0.0">']
    for s in shapes:
        vm = VISUAL_MATERIALS[s["semantic"]]
        vis = s.get("visual", {})
        rgb = ", ".join(f"{c:.4f}" for c in vis.get("albedo", vm.albedo))
        lines += [f'  <shape type="ply" id={quoteattr(s["id"])}>',
                  f'    <string name="filename" value={quoteattr(s["file"])}/>',
                  '    <boolean name="face_normals" value="true"/>',
                  '    <bsdf type="principled">']
        if "texture" in vis:
            lines += [f'      <texture type="bitmap" name="base_color"><string name="filename" '
                      f'value={quoteattr(vis["texture"])}/></texture>']
        else:
            lines += [f'      <rgb name="base_color" value="{rgb}"/>']
        if "roughness_texture" in vis:
            lines += [f'      <texture type="bitmap" name="roughness"><string name="filename" '
                      f'value={quoteattr(vis["roughness_texture"])}/><boolean name="raw" value="true"/></texture>']
        else:
            lines += [f'      <float name="roughness" value="{vis.get("roughness", vm.roughness)}"/>']
        lines += ["    </bsdf>", "  </shape>"]
    lines += ['  <emitter type="sunsky">',
              '    <vector name="sun_direction" value="0.4545, 0.4545, 0.766"/>',
              "  </emitter>", "</scene>"]
    atomic_write_text(out / RENDER_XML, "\n".join(lines) + "\n")

    if footprints is not None:
        atomic_write_text(out / FOOTPRINTS_JSON, json.dumps(footprints, indent=1))
    info = {"synthrm_version": __version__, "shapes": shapes, "radio_shapes": radio_shapes, **(meta or {})}
    atomic_write_text(out / SCENE_JSON, json.dumps(info, indent=1))
    return out


def read_scene_info(scene_dir: str | Path) -> dict:
    """Read ``scene.json`` of a scene folder (raises DatasetError when missing)."""
    from synthrm.errors import DatasetError

    p = Path(scene_dir) / SCENE_JSON
    try:
        return json.loads(p.read_text())
    except FileNotFoundError:
        raise DatasetError(f"{p}: missing; {scene_dir} is not a complete synthrm scene folder "
                           "(regenerate it with `synthrm generate`)") from None
    except json.JSONDecodeError as e:
        raise DatasetError(f"{p}: corrupt JSON ({e.msg}); delete the scene folder and regenerate") from None


def scene_meshes(scene_dir: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Load every mesh of a scene folder: {shape id: (vertices, faces)}."""
    info = read_scene_info(scene_dir)
    return {s["id"]: read_ply(Path(scene_dir) / s["file"]) for s in info["shapes"]}
