"""A dataset's scene folders: ``<root>/scenes/<preset>-<index>``, made once and reused."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from synthrm.files import atomic_dir
from synthrm.scene.config import CityConfig
from synthrm.scene.writer import SCENE_JSON

SCENES_DIR = "scenes"
"""The folder of a dataset that holds its scenes."""


def scene_id(preset: str, index: int) -> str:
    """The name of scene ``index`` of a dataset made with ``preset``."""
    return f"{preset}-{index:04d}"


def build_city_scene(city_cfg: CityConfig, seed: int, scene_dir: str | Path, sid: str) -> Path:
    """Write the city of ``seed`` into ``scene_dir`` (Sionna ``scene.xml``, ``render.xml``,
    meshes, textures, footprints, ``scene.json``) unless it is there complete already.

    A folder without ``scene.json`` is a leftover and is made again. The city is written
    under a name of this process's own and renamed when complete: parallel work units may
    build the same (deterministic) scene; the first rename wins. Returns the folder."""
    from synthrm.scene.appearance import city_scene
    from synthrm.scene.city import generate_city
    from synthrm.scene.writer import write_scene

    scene_dir = Path(scene_dir)
    if (scene_dir / SCENE_JSON).is_file():
        return scene_dir
    if scene_dir.exists():
        shutil.rmtree(scene_dir)
    city = generate_city(city_cfg, seed)
    c = city_cfg
    with atomic_dir(scene_dir, f"{scene_dir.name}.{os.getpid()}.tmp") as tmp:
        parts = city_scene(city, textures=c.textures, glass_windows=c.glass_windows,
                           street_objects_mode=c.street_objects, facade_styles=c.facade_styles,
                           tree_spacing_m=c.tree_spacing_m, lamp_spacing_m=c.lamp_spacing_m)
        write_scene(tmp, parts.surfaces, radio_materials=c.radio_materials,
                    footprints={**city.footprints_json(), "obstacles": parts.obstacles},
                    shape_info=parts.shape_info, textures=parts.textures,
                    meta={"scene_id": sid, "seed": seed, "kind": "city", "district": city.district,
                          "config": c.__dict__, "street_lights": parts.street_lights})
    return scene_dir
