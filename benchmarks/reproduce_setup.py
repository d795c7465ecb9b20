"""What ``benchmarks/reproduce.py`` compares, shared with the page writer
(``reproduce_doc.py``): the papers' values, the sizes and experiment grids of the run, and
the table formatting."""
from __future__ import annotations

import json

import numpy as np

# --------------------------------------------------------------------------- the seeds
#: SynthRM (seed 000) Table 3: concept -> district -> (mean, std) of point-biserial r.
SEED_TABLE3 = {
    "road": {"downtown": (0.1168, 0.0883), "margin": (0.1236, 0.1150), "mix": (0.2344, 0.0314)},
    "building": {"downtown": (0.7964, 0.3043), "margin": (0.1102, 0.1766), "mix": (0.5044, 0.0867)},
    "roof": {"downtown": (0.1961, 0.0928), "margin": (0.1192, 0.1376), "mix": (0.2448, 0.0499)},
    "concrete": {"downtown": (0.0827, 0.0896), "margin": (0.0965, 0.1830), "mix": (0.0097, 0.0260)},
}
#: SynthRM Table 2: model -> block -> (NMSE, MAE, PSNR [dB], SSIM), maps normalised to [0, 1].
SEED_TABLE2 = {
    "radiounet-s": {"mix": (0.7604, 0.1346, 15.31, 0.43), "margin": (1.1208, 0.1734, 13.51, 0.06),
                    "downtown": (1.2428, 0.1794, 13.04, 0.08)},
    "pmnet-s": {"mix": (0.9844, 0.1474, 14.21, 0.36), "margin": (133.8370, 1.6605, -7.22, 0.02),
                "downtown": (120.7216, 1.5140, -6.79, 0.03)},
    "unetdcn-s": {"mix": (0.7803, 0.1335, 15.21, 0.43), "margin": (10.8383, 0.4626, 3.69, 0.06),
                  "downtown": (12.3295, 0.5110, 3.11, 0.08)},
}
#: SenseRay-3D (seed 004) Table III: split -> (MAE [dB], RMSE [dB], samples).
SEED_TABLE_III = {"train": (2.88, 4.08, 1446), "val": (3.51, 4.99, 359), "test": (4.27, 6.32, 225)}
CONCEPT_NAMES = {"road": "Roads", "building": "Buildings", "roof": "Roofs", "concrete": "Concrete"}
#: The seed's three districts, in its tables' column order (names of
#: ``synthrm.scene.districts.DISTRICTS``, which also holds any user district).
PAPER_DISTRICTS = ("downtown", "margin", "mix")

# --------------------------------------------------------------------------- random seeds
#: Random seeds of the data the script generates (the base districts k = 0..2 and camera
#: variants k = 0..7 add k) and of its small training runs. ``--seed-offset K`` adds K to
#: every one, so that an independent rerun draws every dataset (and its transmitters,
#: relabels included: they follow the frames' own seeds) anew. They span 0-52, so an
#: offset of 1 to 99 would reuse some of them: :func:`data_seed` refuses it.
DATA_SEEDS = {"base": 11, "camera": 31, "train-mix": 5, "preset": 51, "canyon": 3, "indoor": 0, "training": 0}
SEED_OFFSET_MIN = 100


def data_seed(name: str, offset: int = 0, k: int = 0) -> int:
    """The seed of dataset ``name`` (:data:`DATA_SEEDS`), its ``k``-th one, shifted by
    ``offset`` (0, or at least :data:`SEED_OFFSET_MIN`: a smaller shift reuses seeds)."""
    if offset != 0 and not offset >= SEED_OFFSET_MIN:
        raise ValueError(f"seed offset: must be 0 or >= {SEED_OFFSET_MIN} (the script's own seeds span "
                         f"{min(DATA_SEEDS.values())}-{max(DATA_SEEDS.values()) + 7}), got {offset}")
    return DATA_SEEDS[name] + k + offset


# --------------------------------------------------------------------------- sizes
#: Sizes of a run. ``canyon``: frames of each Fig. 11 drive; ``canyon_drives``: drives, each
#: in a city of its own (a new ``canyon-drive`` scene; results written before the knob had
#: one drive of ``canyon`` frames).
SIZES = {
    "default": dict(base=24, camera=10, canyon=12, canyon_drives=4, canyon_res=(256, 192), res=(128, 96), budget=6,
                    train=48, seg_train=16, epochs=8, indoor=dict(scenes=6, tx_per_scene=4,
                                                                   apartment={"area_m2": [40, 90]}),
                    indoor_epochs=4),
    "quick": dict(base=4, camera=2, canyon=4, canyon_drives=1, canyon_res=(128, 96), res=(128, 96), budget=1, train=4,
                  seg_train=4, epochs=1, indoor=dict(scenes=2, tx_per_scene=2, heights_m=[0.6, 1.1, 1.6],
                                                     test_fraction=0.5, val_tx_fraction=0.5,
                                                     apartment={"area_m2": [20, 30], "room_max_m2": 14.0},
                                                     scan={"resolution": [48, 36], "headings": 4, "spp": 2},
                                                     radio={"samples_per_tx": 200000, "max_depth": 3}),
                  indoor_epochs=1),
}
#: Ray budget of the experiment data: one pass of 1e6 rays per Tx (the CPU default is
#: progressive, 5e6-2e7); the budget rows measure what this changes.
REDUCED_RADIO = {"samples_per_tx": 1_000_000}
#: Transmitter variants, relabelled on the base frames (same cameras).
TX_VARIANTS = {
    "near the view (synthrm default: within 120 m, 1.6 m)": {},
    "anywhere in the district (seed Fig. 8)": {"tx_placement": "district"},
    "on the camera's drone (Tx 0 only)": {"tx_placement": "camera"},
    "near the view, 10 m high": {"tx_height_m": 10.0},
    "near the view, 30 m high": {"tx_height_m": 30.0},
    "anywhere, Monte Carlo only, diffraction (the seed's Table 4 pipeline)": "SEED_RADIO",
}
#: Camera variants (UAV altitude above ground [m], pitch below the horizon [deg]).
CAMERA_VARIANTS = {
    "30-60 m, pitch 10-30 deg": {"uav_altitude_m": [30, 60], "uav_pitch_deg": [10, 30]},
    "30-60 m, pitch 50-85 deg": {"uav_altitude_m": [30, 60], "uav_pitch_deg": [50, 85]},
    "120-240 m, pitch 10-30 deg": {"uav_altitude_m": [120, 240], "uav_pitch_deg": [10, 30]},
    "120-240 m, pitch 50-85 deg": {"uav_altitude_m": [120, 240], "uav_pitch_deg": [50, 85]},
}
BASE_CAMERA = "30-120 m, pitch 20-60 deg (synthrm default)"
#: Label variants (issue 25, item 2): the base downtown and margin frames relabelled
#: (``synthrm relabel``: same scenes, cameras, transmitters and ray seeds) with one factor
#: changed, name -> radio overrides. ``max_depth`` 20 is the seed's interaction depth (ours:
#: 5). "Diffraction off" removes every diffraction term of the labels (v3): the exact
#: diffraction (step 6 of docs/radio.md), the multi-edge estimate (step 7) and the fill's
#: exact paths (5b, which include diffraction when step 6 is off); the Monte Carlo map's
#: wedge diffraction (``diffraction``) is off in both. The base data is the "on" side (a
#: relabel with unchanged settings reproduces it exactly), so the pair isolates diffraction.
LABEL_VARIANTS = {
    "max_depth 20 (the seed's), diffraction on": {"max_depth": 20},
    "diffraction off in the labels (max_depth 5)": {"exact_diffraction": False, "multi_edge": False,
                                                    "fill_exact_receivers": 0},
}
LABEL_BASE = "max_depth 5, diffraction on (synthrm default)"
#: Label variants too costly for every base frame: made on the first ``size["budget"]``
#: frames of each district (``reproduce.Repro.label_variants`` says what each costs).
LABEL_SUBSET = ("max_depth 20 (the seed's), diffraction on",)
#: The radio settings that put diffraction into a label.
DIFFRACTION_KEYS = ("diffraction", "exact_diffraction", "multi_edge", "fill_exact_receivers")
#: Fig. 11 variants: name -> (preset overrides of a new dataset, or None; relabel radio overrides, or None).
CANYON_VARIANTS = {
    "vehicle Tx 1.9 m (preset canyon-drive)": (None, None),
    "pure Monte Carlo, as the seed (exact_los off)": (None, {"exact_los": False}),
    "Tx on a van roof, 3.5 m": (None, {"camera_tx_offset_m": [0.0, 0.0, 1.9]}),
    "trees and street lights in the radio scene": ({"city": {"street_objects": "radio"}}, None),
}


# --------------------------------------------------------------------------- grid settings
def grid_params(block: str, row: dict) -> dict:
    """What a grid row measures, whatever its name: the radio overrides of its data
    (transmitters or labels), its camera, pixel rule, mask set and concept. The row's own
    ``params`` when it has them, else derived from its block and setting (results written
    before rows carried them); a setting not known here stays distinct (its name)."""
    if row.get("params") is not None:
        return row["params"]
    name = row["setting"]
    radio, camera = {}, {}
    if block == "tx":
        if name not in TX_VARIANTS:
            return {"block": block, "setting": name}
        radio = TX_VARIANTS[name]
    elif block == "labels":
        if name != LABEL_BASE and name not in LABEL_VARIANTS:
            return {"block": block, "setting": name}
        radio = LABEL_VARIANTS.get(name, {})
    elif block in ("camera", "pixels x camera"):
        cam = name if block == "camera" else name.rsplit(", ", 1)[0]
        if cam != BASE_CAMERA and cam not in CAMERA_VARIANTS:
            return {"block": block, "setting": name}
        camera = CAMERA_VARIANTS.get(cam, {})
    elif block not in ("pixels", "masks"):
        return {"block": block, "setting": name}
    return {"radio": radio, "camera": camera, "rule": row.get("rule", "excluded"), "masks": row.get("masks", "exact"),
            "concept": row.get("concept", "building")}


def distinct_settings(grid: dict) -> int:
    """How many different settings the grid's rows measure: rows with the same parameters
    (:func:`grid_params`, e.g. synthrm's defaults at the head of several blocks) count once."""
    return len({json.dumps(grid_params(block, row), sort_keys=True) for block, rows in grid.items() for row in rows})


def distinct_datasets(grid: dict, settings=None) -> int:
    """How many different datasets (labels and cameras: the radio and camera parameters of
    :func:`grid_params`) the grid's rows measure, over the rows named in ``settings`` (all
    when None): rows that only count pixels, mask or name concepts differently share their
    data. A setting not known here counts as a dataset of its own."""
    keys = set()
    for block, rows in grid.items():
        for row in rows:
            if settings is not None and row["setting"] not in settings:
                continue
            p = grid_params(block, row)
            keys.add(json.dumps({"radio": p["radio"], "camera": p["camera"]} if "radio" in p else p, sort_keys=True))
    return len(keys)


# --------------------------------------------------------------------------- formatting
def f2(x, fmt="+.2f") -> str:
    return "n/a" if x is None or (isinstance(x, float) and not np.isfinite(x)) else format(x, fmt)


def ci(s: dict, fmt="+.2f", key="mean") -> str:
    if s.get(key) is None:
        return "n/a"
    if s.get("lo") is None:
        return f"{format(s[key], fmt)}"
    return f"{format(s[key], fmt)} [{format(s['lo'], fmt)}, {format(s['hi'], fmt)}]"


def table(head: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"
